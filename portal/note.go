package portal

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Internal notes (issue 17): what a clerk or team lead writes down about a rights request while
// handling it. A note is never shown to the person in the portal (not on their pages, in their inbox,
// an e-mail or the API), but it is personal data about them: the answer to an inspection request
// (AVG art. 15) that is granted, in full or in part, lists every note about the person (NotesListed).
// Notes are append-only: never changed, removed only with their request.

// MaxInternalNote is the longest note, in characters.
const MaxInternalNote = 4000

// The rules a note can break, as the FieldError's Message of field "text" (a form shows each in its
// own words).
const (
	NoteEmpty    = "required: write the note"
	NoteTooLong  = "longer than 4000 characters"
	NoteHoldsBSN = "must not hold a BSN: notes are stored in clear and shown to the person on inspection"
	NoteBadText  = "holds a control character or invalid UTF-8"
)

// NewNote is a note as a staff member writes it.
type NewNote struct {
	RequestID string
	Text      string
	// Token is the form's idempotency token (a UUID made when the form is shown): the same form sent
	// twice stores one note.
	Token string
}

// Normalize trims the text and turns a browser's CRLF line ends into LF.
func (n *NewNote) Normalize() {
	n.Text = strings.TrimSpace(strings.ReplaceAll(n.Text, "\r\n", "\n"))
	n.Token = strings.ToLower(strings.TrimSpace(n.Token))
}

// Validate normalizes the note and checks it: text required, at most MaxInternalNote characters,
// printable, and without a BSN (any 9-digit window passing the 11-proef, as in a representation's
// reference); a token that is a UUID. It returns an EINVALID *Error naming the fields.
func (n *NewNote) Validate() error {
	n.Normalize()
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	switch {
	case n.Text == "":
		add("text", NoteEmpty)
	case utf8.RuneCountInString(n.Text) > MaxInternalNote:
		add("text", NoteTooLong)
	case CheckText(n.Text, 4*MaxInternalNote) != "":
		add("text", NoteBadText)
	case containsBSNDigits(n.Text):
		add("text", NoteHoldsBSN)
	}
	if !ValidEventID(n.Token) {
		add("token", "must be a UUID")
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "the note is invalid", Fields: fs}
	}
	return nil
}

// Note is a stored internal note.
type Note struct {
	ID         int64
	RequestID  string
	Reference  string // the request's reference
	SubjectID  int64
	AuthorSub  string
	AuthorName string
	AuthorRole string // the role the author wrote it in (Staff.Role)
	Text       string
	CreatedAt  time.Time
}

// NotesListed reports whether the decision letter of r lists the internal notes about the person: a
// decided inspection request, granted in full or in part.
func NotesListed(r RightsRequest) bool {
	return r.Kind == KindInspection && r.DecidedAt != nil &&
		(r.Outcome == OutcomeGranted || r.Outcome == OutcomePartly)
}
