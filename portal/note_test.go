package portal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

func TestNewNoteValidate(t *testing.T) {
	t.Parallel()
	tok := "6F1C2D3E-4A5B-4C6D-8E9F-0A1B2C3D4E5F"
	for _, tc := range []struct {
		name, text, token string
		want              map[string]string // field → message
	}{
		{"fine", "Belde op maandag.\r\nWil de stukken per post.", tok, nil},
		{"empty", "", tok, map[string]string{"text": portal.NoteEmpty}},
		{"only spaces and line ends", "  \r\n\t ", tok, map[string]string{"text": portal.NoteEmpty}},
		{"at the limit in characters", strings.Repeat("ë", portal.MaxInternalNote), tok, nil},
		{"one character over", strings.Repeat("ë", portal.MaxInternalNote+1), tok, map[string]string{"text": portal.NoteTooLong}},
		{"a BSN", "Inwoner met BSN 999993653 belde", tok, map[string]string{"text": portal.NoteHoldsBSN}},
		{"a BSN inside a longer number", "Kenmerk 12999993653", tok, map[string]string{"text": portal.NoteHoldsBSN}},
		{"nine digits failing the 11-proef", "Zaaknummer 123456789", tok, nil},
		{"a control character", "bel\x07terug", tok, map[string]string{"text": portal.NoteBadText}},
		{"no token", "goed", "", map[string]string{"token": "must be a UUID"}},
		{"empty and no token", "", "x", map[string]string{"text": portal.NoteEmpty, "token": "must be a UUID"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := portal.NewNote{RequestID: "r", Text: tc.text, Token: tc.token}
			err := n.Validate()
			got := map[string]string{}
			for _, f := range portal.ErrorFields(err) {
				got[f.Field] = f.Message
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Validate = %v %v, want %v", err, got, tc.want)
			}
			for f, m := range tc.want {
				if got[f] != m {
					t.Errorf("field %s: %q, want %q", f, got[f], m)
				}
			}
			if err != nil && portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("code %s", portal.ErrorCode(err))
			}
			if err == nil && (strings.Contains(n.Text, "\r") || n.Token != strings.ToLower(tok)) {
				t.Errorf("not normalized: %q %q", n.Text, n.Token)
			}
		})
	}
}

func TestNotesListed(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tc := range []struct {
		kind    portal.RequestKind
		outcome portal.Outcome
		decided *time.Time
		want    bool
	}{
		{portal.KindInspection, portal.OutcomeGranted, &now, true},
		{portal.KindInspection, portal.OutcomePartly, &now, true},
		{portal.KindInspection, portal.OutcomeRejected, &now, false},
		{portal.KindInspection, "", nil, false},
		{portal.KindObjection, portal.OutcomeGranted, &now, false},
		{portal.KindCorrection, portal.OutcomeGranted, &now, false},
	} {
		r := portal.RightsRequest{Kind: tc.kind, Outcome: tc.outcome, DecidedAt: tc.decided}
		if got := portal.NotesListed(r); got != tc.want {
			t.Errorf("NotesListed(%s, %q) = %v, want %v", tc.kind, tc.outcome, got, tc.want)
		}
	}
}
