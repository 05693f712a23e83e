package web

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/pdfexport"
)

// Internal notes on a rights request (issue 17): written and read on the clerk's case page only. No
// citizen page, inbox message, e-mail or API answer shows them; the decision letter of an inspection
// request granted in full or in part lists every note about the person (portal.NotesListed).

// noteStore keeps the internal notes.
type noteStore interface {
	AddNote(ctx context.Context, by portal.Staff, n portal.NewNote) (portal.Note, bool, error)
	RequestNotes(ctx context.Context, requestID string) ([]portal.Note, error)
	SubjectNotesAsOf(ctx context.Context, subjectID int64, asOf time.Time) ([]portal.Note, error)
}

// noteDone is the notice on the case page after a note was added (doneParam).
const noteDone portal.StepKind = "noted"

// noteRetyped is the c.Locals key under which addNote hands a refused note, as typed, to the case
// page it shows again.
const noteRetyped = "web.noteRetyped"

// noteForm is the form adding a note, as typed, with its errors. Token is the form's idempotency
// token: a new one each time the case page is shown, kept when the form comes back with a mistake.
type noteForm struct {
	Lang, CSRF string
	ID         string // the request
	Token      string
	Text       string
	Max        int
	Errors     formErrors
	Summary    []fieldMsg
}

// noteView is a note as the case page shows it.
type noteView struct {
	At     time.Time
	Author string
	Text   string
}

// noteRules are the messages for the rules a note's text can break (portal.Note*).
var noteRules = map[string]string{portal.NoteEmpty: "empty", portal.NoteTooLong: "long", portal.NoteHoldsBSN: "bsn",
	portal.NoteBadText: "text"}

// noteErrors turns a note's validation error into the form's messages, each rule in its own words.
// It returns nil, nil for nil, and nil and the error when it is not a validation error with fields.
func (s *server) noteErrors(l string, err error) (formErrors, error) {
	if err == nil {
		return nil, nil
	}
	fields := portal.ErrorFields(err)
	if portal.ErrorCode(err) != portal.EINVALID || len(fields) == 0 {
		return nil, err
	}
	fe := formErrors{}
	for _, f := range fields {
		if rule, ok := noteRules[f.Message]; ok && f.Field == "text" {
			fe["notitie"] = s.t(l, "staff.note.err."+rule)
		} else {
			fe[formInvalid] = s.t(l, "form.err.other")
		}
	}
	return fe, nil
}

// addNote adds an internal note to a request and returns to the case page (requestDone). A note that
// breaks a rule comes back on the case page, as typed, with the rule at the field; that page is read
// with ReopenCaseFile, as after any action of the same visit. The same form sent twice (its token)
// stores one note.
func (s *server) addNote(c *fiber.Ctx) error {
	l := lang(c)
	me := staffOf(c)
	n := portal.NewNote{RequestID: c.Params("id"), Text: c.FormValue("notitie"), Token: c.FormValue("sleutel")}
	typed := n.Text
	fe, err := s.noteErrors(l, n.Validate())
	if err != nil {
		return err
	}
	if fe == nil {
		stored, dup, err := s.noteStore.AddNote(c.UserContext(), me, n)
		if fe, err = s.noteErrors(l, err); err != nil {
			return err
		}
		if fe == nil {
			s.deps.Log.Info("internal note added", "request", stored.RequestID, "note", stored.ID, "repeat", dup, "staff", me.Sub)
			return requestDone(c, stored.RequestID, noteDone)
		}
	}
	token := n.Token
	if !portal.ValidEventID(token) {
		token = "" // a new one is made
	}
	c.Locals(noteRetyped, &noteForm{Token: token, Text: typed, Errors: fe, Summary: fe.summary([]string{"notitie"})})
	c.Status(fiber.StatusUnprocessableEntity)
	return s.staffRequest(c)
}

// caseNotes reads the notes on request r for its case page, newest first, and the form adding one
// (as typed when addNote refused it).
func (s *server) caseNotes(c *fiber.Ctx, r portal.RightsRequest) ([]noteView, noteForm, error) {
	l := lang(c)
	f := noteForm{}
	if retyped, ok := c.Locals(noteRetyped).(*noteForm); ok && retyped != nil {
		f = *retyped
	}
	if f.Token == "" {
		f.Token = uuid.NewString()
	}
	f.Lang, f.CSRF, f.ID, f.Max = l, sessCSRF(c), r.ID, portal.MaxInternalNote
	ns, err := s.noteStore.RequestNotes(c.UserContext(), r.ID)
	if err != nil {
		return nil, f, err
	}
	views := make([]noteView, len(ns))
	for i, n := range ns {
		views[i] = noteView{At: n.CreatedAt, Author: s.noteAuthor(l, n, true), Text: n.Text}
	}
	return views, f, nil
}

// noteAuthor names a note's author as the timeline names a step's: role and name for staff; for the
// person, the role (and the name where employees are shown, Config.ShowEmployee).
func (s *server) noteAuthor(l string, n portal.Note, staff bool) string {
	return s.stepActor(l, portal.Step{ActorKind: portal.ByStaff, ActorRole: n.AuthorRole, ActorName: n.AuthorName}, staff)
}

// letterNotes fills the internal notes of r's decision letter when it lists them (portal.NotesListed):
// every note about the person, on any of their requests, written at or before the decision.
//
// The list is selected by time (created_at <= decided_at) rather than stored as a snapshot: notes are
// append-only (an UPDATE is refused in the database) and are never removed on their own, so the notes
// written up to the decision are the same whenever the letter is rendered again; a note written later
// is left out. Only the removal of a request (with its notes) changes it, and a letter rendered
// afterwards then no longer shows data that are gone. A draft (the clerk's preview) lists the notes
// as of now, its DecidedAt.
//
// A representative's copy holds the notes on the requests the representative may see (requestVisible):
// an administrator reads only the notes on requests filed under their own representation.
func (s *server) letterNotes(c *fiber.Ctx, r portal.RightsRequest, doc *pdfexport.Decision) error {
	if !portal.NotesListed(r) {
		return nil
	}
	ctx := c.UserContext()
	l := lang(c)
	ns, err := s.noteStore.SubjectNotesAsOf(ctx, r.SubjectID, *r.DecidedAt)
	if err != nil {
		return err
	}
	if actingOf(c) != nil {
		visible := map[string]bool{}
		for _, id := range uniqueRequests(ns) {
			other, err := s.requestStore.Request(ctx, r.SubjectID, id)
			if err != nil {
				return err
			}
			if visible[id], err = s.requestVisible(c, other); err != nil {
				return err
			}
		}
		ns = slices.DeleteFunc(ns, func(n portal.Note) bool { return !visible[n.RequestID] })
	}
	doc.NotesListed = true
	for _, n := range ns {
		doc.Notes = append(doc.Notes, pdfexport.InternalNote{At: n.CreatedAt, Author: s.noteAuthor(l, n, false),
			Reference: n.Reference, Text: n.Text})
	}
	return nil
}

func uniqueRequests(ns []portal.Note) []string {
	var ids []string
	for _, n := range ns {
		if !slices.Contains(ids, n.RequestID) {
			ids = append(ids, n.RequestID)
		}
	}
	return ids
}
