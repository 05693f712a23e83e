package portal_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/inzicht/inzicht/portal"
)

// reqFields returns the field names of err's field errors, sorted and without repeats.
func reqFields(err error) []string {
	var out []string
	for _, f := range portal.ErrorFields(err) {
		if !slices.Contains(out, f.Field) {
			out = append(out, f.Field)
		}
	}
	slices.Sort(out)
	return out
}

// reqMessages returns "field: message" for every field error of err.
func reqMessages(err error) []string {
	var out []string
	for _, f := range portal.ErrorFields(err) {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

const (
	upperEventID = "0B7E5A3C-1D2F-4A6B-8C9D-00000000000A"
	lowerEventID = "0b7e5a3c-1d2f-4a6b-8c9d-00000000000a"
)

func validNewRequest() portal.NewRequest {
	return portal.NewRequest{
		Kind:        portal.KindInspection,
		Scope:       portal.Scope{Categories: []string{"health"}},
		Description: "Ik wil weten wat u over mij heeft vastgelegd.",
	}
}

func TestNewRequestValidate(t *testing.T) {
	many := make([]string, portal.MaxScopeItems+1)
	for i := range many {
		many[i] = fmt.Sprintf("cat-%d", i)
	}
	exactly := many[:portal.MaxScopeItems]
	longAddress := "a@" + strings.Repeat("b", portal.MaxEmailLength-len("a@.nl")+1) + ".nl" // 255 characters
	maxAddress := "a@" + strings.Repeat("b", portal.MaxEmailLength-len("a@.nl")) + ".nl"    // 254 characters

	tests := []struct {
		name  string
		mod   func(*portal.NewRequest)
		want  []string                            // invalid fields, sorted
		msg   string                              // when set: one field error must carry this message
		check func(*testing.T, portal.NewRequest) // after a successful validation
	}{
		{name: "valid", mod: func(*portal.NewRequest) {}},
		{name: "kind empty", mod: func(r *portal.NewRequest) { r.Kind = "" }, want: []string{"kind"}},
		{name: "kind unknown", mod: func(r *portal.NewRequest) { r.Kind = "inspectie" }, want: []string{"kind"}},
		{name: "kind in upper case", mod: func(r *portal.NewRequest) { r.Kind = "INZAGE" }, want: []string{"kind"}},
		// An inspection needs no explanation (AVG art. 15 asks for none); every other kind does.
		{name: "inspection without description", mod: func(r *portal.NewRequest) { r.Description = " \n " },
			check: func(t *testing.T, r portal.NewRequest) {
				if r.Description != "" {
					t.Errorf("description %q, want it empty", r.Description)
				}
			}},
		{name: "objection description empty", mod: func(r *portal.NewRequest) { r.Kind, r.Description = portal.KindObjection, "" },
			want: []string{"description"}, msg: "description: required"},
		{name: "correction description whitespace", mod: func(r *portal.NewRequest) { r.Kind, r.Description = portal.KindCorrection, " \n\t  " },
			want: []string{"description"}, msg: "description: required"},
		{name: "erasure description empty", mod: func(r *portal.NewRequest) { r.Kind, r.Description = portal.KindErasure, "" },
			want: []string{"description"}, msg: "description: required"},
		{name: "restriction description empty", mod: func(r *portal.NewRequest) { r.Kind, r.Description = portal.KindRestriction, "" },
			want: []string{"description"}, msg: "description: required"},
		{name: "description trimmed", mod: func(r *portal.NewRequest) { r.Description = "  Graag inzage.\n " },
			check: func(t *testing.T, r portal.NewRequest) {
				if r.Description != "Graag inzage." {
					t.Errorf("description %q, want it trimmed", r.Description)
				}
			}},
		{name: "description at the limit", mod: func(r *portal.NewRequest) { r.Description = strings.Repeat("a", portal.MaxRequestText) }},
		{name: "description too long", mod: func(r *portal.NewRequest) { r.Description = strings.Repeat("a", portal.MaxRequestText+1) },
			want: []string{"description"}},
		{name: "description with a control character", mod: func(r *portal.NewRequest) { r.Description = "a\x00b" },
			want: []string{"description"}},
		{name: "description with newlines and tabs", mod: func(r *portal.NewRequest) { r.Description = "regel 1\nregel\t2" }},
		{name: "e-mail good", mod: func(r *portal.NewRequest) { r.Email = "jan.jansen@example.nl" }},
		{name: "e-mail trimmed", mod: func(r *portal.NewRequest) { r.Email = "  a@b.nl \n" },
			check: func(t *testing.T, r portal.NewRequest) {
				if r.Email != "a@b.nl" {
					t.Errorf("e-mail %q, want it trimmed", r.Email)
				}
			}},
		{name: "e-mail of 254 characters", mod: func(r *portal.NewRequest) { r.Email = maxAddress }},
		{name: "e-mail of 255 characters", mod: func(r *portal.NewRequest) { r.Email = longAddress }, want: []string{"email"}},
		{name: "e-mail without a dot", mod: func(r *portal.NewRequest) { r.Email = "a@b" }, want: []string{"email"}},
		// The dot check must look at the domain: "jan.jansen@gmailcom" has a dot, but not after the @.
		{name: "e-mail with a dot only before the @", mod: func(r *portal.NewRequest) { r.Email = "jan.jansen@gmailcom" },
			want: []string{"email"}},
		{name: "e-mail with a display name", mod: func(r *portal.NewRequest) { r.Email = "x <a@b.nl>" }, want: []string{"email"}},
		{name: "e-mail in angle brackets", mod: func(r *portal.NewRequest) { r.Email = "<a@b.nl>" }, want: []string{"email"}},
		{name: "e-mail without @", mod: func(r *portal.NewRequest) { r.Email = "jan.example.nl" }, want: []string{"email"}},
		{name: "e-mail two addresses", mod: func(r *portal.NewRequest) { r.Email = "a@b.nl, c@d.nl" }, want: []string{"email"}},
		{name: "e-mail with spaces", mod: func(r *portal.NewRequest) { r.Email = "jan jansen@b.nl" }, want: []string{"email"}},
		{name: "e-mail whitespace only counts as none", mod: func(r *portal.NewRequest) { r.Email = "   " },
			check: func(t *testing.T, r portal.NewRequest) {
				if r.Email != "" {
					t.Errorf("e-mail %q, want empty", r.Email)
				}
			}},
		{name: "scope empty", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{} }, want: []string{"scope"},
			msg: "scope: choose what the request is about"},
		{name: "scope with empty lists", mod: func(r *portal.NewRequest) {
			r.Scope = portal.Scope{Organizations: []string{}, Categories: []string{}, EventIDs: []string{}}
		}, want: []string{"scope"}, msg: "scope: choose what the request is about"},
		{name: "scope all", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{All: true} }},
		{name: "scope all clears the lists", mod: func(r *portal.NewRequest) {
			r.Scope = portal.Scope{All: true, Organizations: []string{"GGD"}, Categories: []string{"income"},
				EventIDs: []string{upperEventID}}
		}, check: func(t *testing.T, r portal.NewRequest) {
			if !r.Scope.All || r.Scope.Organizations != nil || r.Scope.Categories != nil || r.Scope.EventIDs != nil {
				t.Errorf("scope %+v, want only All", r.Scope)
			}
		}},
		{name: "scope organisation", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{Organizations: []string{"GGD Regio"}} }},
		{name: "scope organisation empty", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{Organizations: []string{""}} },
			want: []string{"scope"}, msg: "scope: invalid organisation"},
		{name: "scope organisation too long", mod: func(r *portal.NewRequest) {
			r.Scope = portal.Scope{Organizations: []string{strings.Repeat("o", 501)}}
		}, want: []string{"scope"}, msg: "scope: invalid organisation"},
		{name: "scope category invalid", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{Categories: []string{"Health!"}} },
			want: []string{"scope"}, msg: "scope: invalid data category"},
		{name: "scope category empty", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{Categories: []string{""}} },
			want: []string{"scope"}, msg: "scope: invalid data category"},
		{name: "scope event id invalid", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{EventIDs: []string{"event-1"}} },
			want: []string{"scope"}, msg: "scope: invalid processing event"},
		{name: "scope event id with braces", mod: func(r *portal.NewRequest) {
			r.Scope = portal.Scope{EventIDs: []string{"{" + lowerEventID + "}"}}
		}, want: []string{"scope"}, msg: "scope: invalid processing event"},
		{name: "scope event ids lower-cased", mod: func(r *portal.NewRequest) {
			r.Scope = portal.Scope{EventIDs: []string{upperEventID, "0B7E5A3C-1D2F-4A6B-8C9D-0000000000BC"}}
		}, check: func(t *testing.T, r portal.NewRequest) {
			want := []string{lowerEventID, "0b7e5a3c-1d2f-4a6b-8c9d-0000000000bc"}
			if diff := cmp.Diff(want, r.Scope.EventIDs); diff != "" {
				t.Errorf("event ids (-want +got):\n%s", diff)
			}
		}},
		{name: "scope at the item limit", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{Categories: exactly} }},
		{name: "scope too many categories", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{Categories: many} },
			want: []string{"scope"}, msg: "scope: too many items"},
		{name: "scope too many items across lists", mod: func(r *portal.NewRequest) {
			r.Scope = portal.Scope{Organizations: []string{"GGD"}, Categories: exactly}
		}, want: []string{"scope"}, msg: "scope: too many items"},
		{name: "scope all still counts the items", mod: func(r *portal.NewRequest) { r.Scope = portal.Scope{All: true, Categories: many} },
			want: []string{"scope"}, msg: "scope: too many items"},
		{name: "every field bad", mod: func(r *portal.NewRequest) {
			*r = portal.NewRequest{Kind: "x", Description: " ", Email: "a@b"}
		}, want: []string{"description", "email", "kind", "scope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validNewRequest()
			tc.mod(&r)
			err := r.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v %v", err, reqMessages(err))
				}
				if tc.check != nil {
					tc.check(t, r)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v, want invalid %v", r, tc.want)
			}
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("error code %q, want %q", portal.ErrorCode(err), portal.EINVALID)
			}
			if diff := cmp.Diff(tc.want, reqFields(err)); diff != "" {
				t.Errorf("invalid fields (-want +got):\n%s\n%v", diff, reqMessages(err))
			}
			for _, f := range portal.ErrorFields(err) {
				if f.Index != -1 {
					t.Errorf("field error %+v has an index", f)
				}
			}
			if tc.msg != "" && !slices.Contains(reqMessages(err), tc.msg) {
				t.Errorf("messages %q lack %q", reqMessages(err), tc.msg)
			}
		})
	}
}

func TestNewRequestValidateEveryKind(t *testing.T) {
	if len(portal.RequestKinds) != 7 {
		t.Errorf("%d kinds, want 7", len(portal.RequestKinds))
	}
	for _, k := range portal.RequestKinds {
		r := validNewRequest()
		r.Kind = k
		if k == portal.KindAwbObjection {
			r.ObjectsTo = "0F8FAD5B-D9CB-469F-A165-70867728950E"
		}
		if err := r.Validate(); err != nil {
			t.Errorf("kind %s: %v %v", k, err, reqMessages(err))
		}
	}
	// The form offers the question first, then the five AVG rights; never the Awb objection.
	if portal.FormKinds[0] != portal.KindQuestion || len(portal.FormKinds) != 6 || slices.Contains(portal.FormKinds, portal.KindAwbObjection) {
		t.Errorf("form kinds %v", portal.FormKinds)
	}
}

// An Awb objection names the decision it objects to, and no other kind does; a question needs its text.
func TestNewRequestObjectsTo(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kind      portal.RequestKind
		objectsTo string
		text      string
		want      []string
	}{
		{"awb objection without its decision", portal.KindAwbObjection, "", "x", []string{"objects_to"}},
		{"awb objection with a bad id", portal.KindAwbObjection, "AVG-2026-000001", "x", []string{"objects_to"}},
		{"awb objection without text", portal.KindAwbObjection, "0f8fad5b-d9cb-469f-a165-70867728950e", " ", []string{"description"}},
		{"inspection naming a decision", portal.KindInspection, "0f8fad5b-d9cb-469f-a165-70867728950e", "", []string{"objects_to"}},
		{"question without text", portal.KindQuestion, "", " \n", []string{"description"}},
		{"question", portal.KindQuestion, "", "Wat is dit?", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := validNewRequest()
			r.Kind, r.ObjectsTo, r.Description = tc.kind, tc.objectsTo, tc.text
			err := r.Validate()
			if diff := cmp.Diff(tc.want, reqFields(err)); diff != "" {
				t.Errorf("invalid fields (-want +got):\n%s\n%v", diff, reqMessages(err))
			}
			if err == nil && r.ObjectsTo != strings.ToLower(r.ObjectsTo) {
				t.Errorf("objects_to %q not lower case", r.ObjectsTo)
			}
		})
	}
}

func TestScopeEmpty(t *testing.T) {
	for _, tc := range []struct {
		s    portal.Scope
		want bool
	}{
		{portal.Scope{}, true},
		{portal.Scope{Organizations: []string{}}, true},
		{portal.Scope{All: true}, false},
		{portal.Scope{Organizations: []string{"GGD"}}, false},
		{portal.Scope{Categories: []string{"income"}}, false},
		{portal.Scope{EventIDs: []string{lowerEventID}}, false},
	} {
		if got := tc.s.Empty(); got != tc.want {
			t.Errorf("%+v.Empty() = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestActionValidate(t *testing.T) {
	long := strings.Repeat("n", portal.MaxNoteLength+1)
	tests := []struct {
		name string
		kind portal.RequestKind // of the request; inzage when empty
		a    portal.Action
		want []string // invalid fields, sorted
	}{
		{name: "started", a: portal.Action{Kind: portal.StepStarted}},
		{name: "started with a note", a: portal.Action{Kind: portal.StepStarted, Note: "Opgepakt"}},
		{name: "assigned", a: portal.Action{Kind: portal.StepAssigned}},
		{name: "unknown action", a: portal.Action{Kind: "approved"}, want: []string{"action"}},
		{name: "no action", a: portal.Action{}, want: []string{"action"}},
		{name: "filed is not a clerk's action", a: portal.Action{Kind: portal.StepFiled}, want: []string{"action"}},
		{name: "withdrawn is not a clerk's action", a: portal.Action{Kind: portal.StepWithdrawn}, want: []string{"action"}},
		{name: "reminder is not a clerk's action", a: portal.Action{Kind: portal.StepReminder}, want: []string{"action"}},
		{name: "overdue is not a clerk's action", a: portal.Action{Kind: portal.StepOverdue}, want: []string{"action"}},
		{name: "note too long", a: portal.Action{Kind: portal.StepStarted, Note: long}, want: []string{"note"}},
		{name: "note with a control character", a: portal.Action{Kind: portal.StepStarted, Note: "a\x1bb"}, want: []string{"note"}},
		{name: "corrections too long", a: portal.Action{Kind: portal.StepStarted, Corrections: long}, want: []string{"corrections"}},

		{name: "extended 1 month", a: portal.Action{Kind: portal.StepExtended, Months: 1, Note: "Veel gegevens"}},
		{name: "extended 2 months", a: portal.Action{Kind: portal.StepExtended, Months: 2, Note: "Veel gegevens"}},
		{name: "extended 0 months", a: portal.Action{Kind: portal.StepExtended, Months: 0, Note: "Veel gegevens"},
			want: []string{"months"}},
		{name: "extended 3 months", a: portal.Action{Kind: portal.StepExtended, Months: 3, Note: "Veel gegevens"},
			want: []string{"months"}},
		{name: "extended -1 months", a: portal.Action{Kind: portal.StepExtended, Months: -1, Note: "Veel gegevens"},
			want: []string{"months"}},
		{name: "extended without a reason", a: portal.Action{Kind: portal.StepExtended, Months: 1}, want: []string{"note"}},
		{name: "extended with a blank reason", a: portal.Action{Kind: portal.StepExtended, Months: 1, Note: " \n "},
			want: []string{"note"}},
		{name: "extended without months or reason", a: portal.Action{Kind: portal.StepExtended},
			want: []string{"months", "note"}},

		{name: "decided without outcome", a: portal.Action{Kind: portal.StepDecided, Note: "m"}, want: []string{"outcome"}},
		{name: "decided with an unknown outcome", a: portal.Action{Kind: portal.StepDecided, Outcome: "granted", Note: "m"},
			want: []string{"outcome"}},
		{name: "granted without motivation", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}},
		{name: "granted with motivation", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted, Note: "m"}},
		{name: "partly without motivation", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Ground: portal.GroundOther},
			want: []string{"note"}},
		{name: "partly with a blank motivation", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Ground: portal.GroundOther, Note: "  "},
			want: []string{"note"}},
		{name: "partly with motivation", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Ground: portal.GroundOther, Note: "m"}},
		{name: "rejected without motivation", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Ground: portal.GroundOther},
			want: []string{"note"}},
		{name: "rejected with motivation", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Ground: portal.GroundOther, Note: "m"}},

		{name: "correction granted without corrections", kind: portal.KindCorrection,
			a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}, want: []string{"corrections"}},
		{name: "correction granted with blank corrections", kind: portal.KindCorrection,
			a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted, Corrections: " \t"}, want: []string{"corrections"}},
		{name: "correction granted with corrections", kind: portal.KindCorrection,
			a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted, Corrections: "Adres in de BRP-kopie"}},
		{name: "correction partly without corrections", kind: portal.KindCorrection,
			a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Ground: portal.GroundOther, Note: "m"}, want: []string{"corrections"}},
		{name: "correction partly without anything", kind: portal.KindCorrection,
			a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Ground: portal.GroundOther}, want: []string{"corrections", "note"}},
		{name: "correction rejected without corrections", kind: portal.KindCorrection,
			a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Ground: portal.GroundOther, Note: "m"}},
		{name: "rejected without a ground", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Note: "m"},
			want: []string{"ground"}},
		{name: "a ground that does not fit the kind", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected,
			Note: "m", Ground: portal.GroundCompelling}, want: []string{"ground"}},
		{name: "an unknown ground", kind: portal.KindObjection, a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly,
			Note: "m", Ground: "because"}, want: []string{"ground"}},
		{name: "objection rejected on compelling grounds", kind: portal.KindObjection, a: portal.Action{Kind: portal.StepDecided,
			Outcome: portal.OutcomeRejected, Note: "m", Ground: portal.GroundCompelling}},
		{name: "granted with a ground left from the form", a: portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted,
			Ground: portal.GroundOther}},
		{name: "correction extended needs no corrections", kind: portal.KindCorrection,
			a: portal.Action{Kind: portal.StepExtended, Months: 1, Note: "r"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind := tc.kind
			if kind == "" {
				kind = portal.KindInspection
			}
			a := tc.a
			err := a.Validate(kind)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v %v", err, reqMessages(err))
				}
				return
			}
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("Validate = %v, want %s with %v", err, portal.EINVALID, tc.want)
			}
			if diff := cmp.Diff(tc.want, reqFields(err)); diff != "" {
				t.Errorf("invalid fields (-want +got):\n%s\n%v", diff, reqMessages(err))
			}
		})
	}

	// A question is closed with its answer: the outcome is implied, a ground or corrections are dropped,
	// and the answer is required.
	q := portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Ground: portal.GroundOther, Corrections: "c", Note: " Het antwoord. "}
	if err := q.Validate(portal.KindQuestion); err != nil || q.Outcome != portal.OutcomeGranted || q.Ground != "" || q.Corrections != "" || q.Note != "Het antwoord." {
		t.Errorf("question answered: %v %+v", err, q)
	}
	q = portal.Action{Kind: portal.StepDecided}
	if err := q.Validate(portal.KindQuestion); portal.ErrorCode(err) != portal.EINVALID || !slices.Equal(reqFields(err), []string{"note"}) {
		t.Errorf("question without an answer: %v", err)
	}

	// The other kinds need no corrections for a full grant.
	for _, k := range portal.RequestKinds {
		if k == portal.KindCorrection || k == portal.KindQuestion {
			continue
		}
		a := portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}
		if err := a.Validate(k); err != nil {
			t.Errorf("%s granted without corrections: %v", k, err)
		}
	}

	a := portal.Action{Kind: portal.StepExtended, Months: 1, Note: "  Veel gegevens\n", Corrections: " c "}
	if err := a.Validate(portal.KindInspection); err != nil {
		t.Fatal(err)
	}
	if a.Note != "Veel gegevens" || a.Corrections != "c" {
		t.Errorf("note %q, corrections %q: want them trimmed", a.Note, a.Corrections)
	}
}

var allStatuses = []portal.RequestStatus{portal.StatusReceived, portal.StatusHandling, portal.StatusExtended,
	portal.StatusDecided, portal.StatusWithdrawn}

// requestIn is a request received at received in status s, with its legal deadline.
func requestIn(s portal.RequestStatus, received time.Time) portal.RightsRequest {
	d := portal.Deadline(received)
	return portal.RightsRequest{ID: "r", Kind: portal.KindInspection, Status: s, ReceivedAt: received,
		FirstDeadline: d, Deadline: d}
}

func TestActionApplyEveryTransition(t *testing.T) {
	received := ams(2026, 3, 5, 10, 0)
	now := ams(2026, 3, 20, 15, 0)
	extended, err := portal.ExtendedDeadline(received, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	open := map[portal.RequestStatus]bool{portal.StatusReceived: true, portal.StatusHandling: true, portal.StatusExtended: true}
	tests := []struct {
		action  portal.Action
		to      portal.RequestStatus // "" = the status stays
		allowed []portal.RequestStatus
	}{
		{portal.Action{Kind: portal.StepAssigned}, "",
			[]portal.RequestStatus{portal.StatusReceived, portal.StatusHandling, portal.StatusExtended}},
		{portal.Action{Kind: portal.StepStarted}, portal.StatusHandling,
			[]portal.RequestStatus{portal.StatusReceived}},
		{portal.Action{Kind: portal.StepExtended, Months: 1, Note: "r"}, portal.StatusExtended,
			[]portal.RequestStatus{portal.StatusHandling}},
		{portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}, portal.StatusDecided,
			[]portal.RequestStatus{portal.StatusHandling, portal.StatusExtended}},
	}
	for _, tc := range tests {
		for _, from := range allStatuses {
			t.Run(fmt.Sprintf("%s from %s", tc.action.Kind, from), func(t *testing.T) {
				want := slices.Contains(tc.allowed, from)
				// The expectations agree with the state machine.
				if tc.to != "" && want != portal.CanMove(from, tc.to) {
					t.Fatalf("test table disagrees with CanMove(%s, %s)", from, tc.to)
				}
				if tc.to == "" && want != open[from] {
					t.Fatalf("test table disagrees with Open for %s", from)
				}
				r := requestIn(from, received)
				status, deadline, err := tc.action.Apply(r, now)
				if !want {
					if err == nil {
						t.Fatalf("Apply allowed %s → %s", from, status)
					}
					if portal.ErrorCode(err) != portal.EINVALID {
						t.Errorf("error code %q (%v), want %q", portal.ErrorCode(err), err, portal.EINVALID)
					}
					return
				}
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				wantStatus, wantDeadline := tc.to, r.Deadline
				if wantStatus == "" {
					wantStatus = from
				}
				if tc.action.Kind == portal.StepExtended {
					wantDeadline = extended
				}
				if status != wantStatus {
					t.Errorf("status %s, want %s", status, wantStatus)
				}
				if !deadline.Equal(wantDeadline) {
					t.Errorf("deadline %v, want %v", deadline, wantDeadline)
				}
			})
		}
	}

	for _, k := range []portal.StepKind{portal.StepFiled, portal.StepWithdrawn, portal.StepReminder, portal.StepOverdue, "x"} {
		if _, _, err := (portal.Action{Kind: k}).Apply(requestIn(portal.StatusHandling, received), now); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("Apply of %q = %v, want %s", k, err, portal.EINVALID)
		}
	}
}

func TestActionApplyExtension(t *testing.T) {
	received := ams(2026, 1, 31, 9, 0) // first deadline: end of 28 February
	first := portal.Deadline(received)
	r := requestIn(portal.StatusHandling, received)
	for _, tc := range []struct {
		name   string
		now    time.Time
		months int
		want   string // the new deadline's date in Amsterdam; "" = refused
	}{
		{"1 month, early", ams(2026, 2, 2, 9, 0), 1, "2026-03-31"},
		{"2 months, on the last day", ams(2026, 2, 28, 23, 59), 2, "2026-04-30"},
		{"at the first deadline itself", first, 1, "2026-03-31"},
		{"just after the first deadline", first.Add(time.Nanosecond), 1, ""},
		{"a day after the first deadline", ams(2026, 3, 1, 12, 0), 2, ""},
		{"3 months", ams(2026, 2, 2, 9, 0), 3, ""},
		{"0 months", ams(2026, 2, 2, 9, 0), 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, d, err := portal.Action{Kind: portal.StepExtended, Months: tc.months, Note: "r"}.Apply(r, tc.now)
			if tc.want == "" {
				if portal.ErrorCode(err) != portal.EINVALID {
					t.Fatalf("Apply = %s, %v, %v; want %s", status, d, err, portal.EINVALID)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, err := portal.ExtendedDeadline(received, tc.now, tc.months)
			if err != nil {
				t.Fatal(err)
			}
			if status != portal.StatusExtended || !d.Equal(want) {
				t.Errorf("Apply = %s, %v; want %s, %v", status, d, portal.StatusExtended, want)
			}
			if got := d.In(portal.Amsterdam).Format("2006-01-02"); got != tc.want {
				t.Errorf("new deadline %s, want %s", got, tc.want)
			}
			if !d.After(r.Deadline) {
				t.Errorf("new deadline %v is not after the old one %v", d, r.Deadline)
			}
		})
	}

	// The extension counts from receipt, not from the current deadline or from now.
	late := requestIn(portal.StatusHandling, received)
	late.Deadline = late.Deadline.AddDate(0, 0, 10) // whatever is stored, the rule is the first deadline
	if _, _, err := (portal.Action{Kind: portal.StepExtended, Months: 1, Note: "r"}).Apply(late, first.Add(time.Hour)); err == nil {
		t.Error("extension allowed after the first deadline because the stored deadline is later")
	}
}

func TestRightsRequestDaysLeftAndOverdue(t *testing.T) {
	// Deadline: the end of 5 April 2026 in Amsterdam (22:00 UTC, summer time).
	r := requestIn(portal.StatusHandling, ams(2026, 3, 5, 10, 0))
	if got := r.Deadline.In(portal.Amsterdam).Format(time.DateTime); got != "2026-04-05 23:59:59" {
		t.Fatalf("deadline %s", got)
	}
	for _, tc := range []struct {
		name    string
		now     time.Time
		days    int
		overdue bool
	}{
		{"a month before", ams(2026, 3, 5, 10, 0), 31, false},
		{"the day before, late", ams(2026, 4, 4, 23, 59), 1, false},
		{"the day itself, just after midnight", ams(2026, 4, 5, 0, 0), 0, false},
		{"the day itself, late", ams(2026, 4, 5, 23, 59), 0, false},
		{"exactly at the deadline", r.Deadline, 0, false},
		{"just after the deadline", r.Deadline.Add(time.Nanosecond), -1, true},
		// 00:30 in Amsterdam is still 5 April in UTC: the day counts in Amsterdam.
		{"the next day just after midnight", ams(2026, 4, 6, 0, 30), -1, true},
		{"the next day (in UTC still the deadline day)", time.Date(2026, 4, 5, 22, 30, 0, 0, time.UTC), -1, true},
		{"the deadline day in UTC terms, evening before in Amsterdam", time.Date(2026, 4, 4, 21, 59, 0, 0, time.UTC), 1, false},
		{"three days late", ams(2026, 4, 8, 12, 0), -3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.DaysLeft(tc.now); got != tc.days {
				t.Errorf("DaysLeft = %d, want %d", got, tc.days)
			}
			if got := r.Overdue(tc.now); got != tc.overdue {
				t.Errorf("Overdue = %v, want %v", got, tc.overdue)
			}
		})
	}

	// Across the changes of the clock: a day with 23 or 25 hours is still one day.
	for _, tc := range []struct {
		name     string
		now      time.Time
		deadline time.Time
		days     int
	}{
		{"to summer time, from midnight", ams(2026, 3, 28, 0, 0), ams(2026, 3, 30, 0, 0), 2},
		{"to summer time, end of day", ams(2026, 3, 28, 0, 30), ams(2026, 3, 30, 23, 59), 2},
		{"to summer time, over a month", ams(2026, 3, 1, 12, 0), portal.Deadline(ams(2026, 3, 1, 12, 0)), 31},
		{"to summer time, the changing day", ams(2026, 3, 29, 1, 0), ams(2026, 3, 29, 23, 59), 0},
		{"to winter time, from midnight", ams(2026, 10, 24, 0, 0), ams(2026, 10, 26, 0, 0), 2},
		{"to winter time, late evening", ams(2026, 10, 24, 23, 30), ams(2026, 10, 26, 0, 30), 2},
		{"to winter time, overdue", ams(2026, 10, 26, 0, 30), ams(2026, 10, 24, 23, 59), -2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := portal.RightsRequest{Status: portal.StatusReceived, Deadline: tc.deadline}
			if got := r.DaysLeft(tc.now); got != tc.days {
				t.Errorf("DaysLeft = %d, want %d", got, tc.days)
			}
		})
	}

	// A closed request is never overdue; DaysLeft still counts.
	late := ams(2026, 5, 1, 12, 0)
	for _, s := range allStatuses {
		r := requestIn(s, ams(2026, 3, 5, 10, 0))
		want := s != portal.StatusDecided && s != portal.StatusWithdrawn
		if got := r.Open(); got != want {
			t.Errorf("%s: Open = %v, want %v", s, got, want)
		}
		if got := r.Overdue(late); got != want {
			t.Errorf("%s: Overdue = %v, want %v", s, got, want)
		}
		if got := r.DaysLeft(late); got != -26 {
			t.Errorf("%s: DaysLeft = %d, want -26", s, got)
		}
	}
}

func TestStaffRole(t *testing.T) {
	for _, tc := range []struct {
		roles []string
		want  string
	}{
		{nil, ""},
		{[]string{}, ""},
		{[]string{"admin"}, ""},
		{[]string{portal.RoleClerk}, portal.RoleClerk},
		{[]string{portal.RoleTeamLead}, portal.RoleTeamLead},
		{[]string{portal.RoleClerk, portal.RoleTeamLead}, portal.RoleTeamLead},
		{[]string{portal.RoleTeamLead, portal.RoleClerk}, portal.RoleTeamLead},
		{[]string{portal.RoleCouncil, portal.RoleClerk}, portal.RoleClerk},
		{[]string{portal.RolePrivacyOfficer, portal.RoleClerk}, portal.RoleClerk},
		{[]string{portal.RoleCouncil, portal.RolePrivacyOfficer}, portal.RolePrivacyOfficer},
		{[]string{portal.RolePrivacyOfficer, portal.RoleCouncil}, portal.RolePrivacyOfficer},
		{[]string{portal.RoleCouncil}, portal.RoleCouncil},
		{[]string{"admin", portal.RoleCouncil, portal.RoleTeamLead}, portal.RoleTeamLead},
		{[]string{"Clerk"}, ""}, // role names are exact
	} {
		if got := (portal.Staff{Roles: tc.roles}).Role(); got != tc.want {
			t.Errorf("Role(%q) = %q, want %q", tc.roles, got, tc.want)
		}
	}
}

func TestHasAnyRole(t *testing.T) {
	for _, tc := range []struct {
		roles []string
		want  []string
		ok    bool
	}{
		{nil, []string{portal.RoleClerk}, false},
		{[]string{portal.RoleClerk}, nil, false},
		{[]string{portal.RoleClerk}, []string{portal.RoleClerk}, true},
		{[]string{portal.RoleClerk}, portal.RequestHandlerRoles, true},
		{[]string{portal.RoleTeamLead}, portal.RequestHandlerRoles, true},
		{[]string{portal.RoleCouncil, portal.RolePrivacyOfficer}, portal.RequestHandlerRoles, false},
		{[]string{"admin", portal.RoleTeamLead}, []string{portal.RolePrivacyOfficer, portal.RoleTeamLead}, true},
		{[]string{"clerks"}, []string{portal.RoleClerk}, false},
	} {
		if got := portal.HasAnyRole(tc.roles, tc.want...); got != tc.ok {
			t.Errorf("HasAnyRole(%q, %q) = %v, want %v", tc.roles, tc.want, got, tc.ok)
		}
	}
	if diff := cmp.Diff([]string{portal.RoleClerk, portal.RoleTeamLead}, portal.RequestHandlerRoles,
		cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("request handler roles (-want +got):\n%s", diff)
	}
}

func TestRoleLabel(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range []string{portal.RoleClerk, portal.RoleTeamLead, portal.RolePrivacyOfficer} {
		l := portal.RoleLabel(r)
		if l == "" || l == portal.RoleLabel("") || seen[l] {
			t.Errorf("RoleLabel(%s) = %q: want a label of its own", r, l)
		}
		seen[l] = true
	}
	if portal.RoleLabel("") != "Medewerker" || portal.RoleLabel(portal.RoleCouncil) != "Medewerker" {
		t.Errorf("unknown roles: %q, %q", portal.RoleLabel(""), portal.RoleLabel(portal.RoleCouncil))
	}
}

func TestRequestHandlingActivityIsValid(t *testing.T) {
	a := portal.RequestHandlingActivity("Gemeente Test")
	if a.ID != portal.RequestActivity || a.Controller != "Gemeente Test" {
		t.Errorf("activity %s of %s", a.ID, a.Controller)
	}
	if err := a.Validate(); err != nil {
		t.Errorf("Validate: %v %v", err, portal.ErrorFields(err))
	}
	for _, c := range []string{"identity", "rights_request"} {
		if !slices.Contains(a.DataCategories, c) {
			t.Errorf("categories %v lack %s (a clerk's view records it)", a.DataCategories, c)
		}
	}
}

// FuzzNewRequestValidate feeds form-like input to the validation of a new request: it must never
// panic, and what it accepts must keep its promises.
func FuzzNewRequestValidate(f *testing.F) {
	f.Add("bezwaar", "Ik ben het er niet mee eens.", "jan@example.nl", false, "Gemeente Voorbeeldstad", "health", "0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10")
	f.Add("inzage", " ", "", true, "", "", "")
	f.Add("x", "a\x00b", "a@b", false, "\n", "HEALTH", "not-a-uuid")
	f.Fuzz(func(t *testing.T, kind, text, email string, all bool, org, cat, event string) {
		r := portal.NewRequest{Kind: portal.RequestKind(kind), Description: text, Email: email,
			Scope: portal.Scope{All: all, Organizations: []string{org}, Categories: []string{cat}, EventIDs: []string{event}}}
		if err := r.Validate(); err != nil {
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("error of kind %s", portal.ErrorCode(err))
			}
			return
		}
		if r.Description == "" || r.Description != strings.TrimSpace(r.Description) || len(r.Description) > portal.MaxRequestText*4 {
			t.Fatalf("accepted description %q", r.Description)
		}
		if r.Email != "" && (strings.ContainsAny(r.Email, "\r\n<> ") || !strings.Contains(r.Email, "@")) {
			t.Fatalf("accepted address %q", r.Email)
		}
		if r.Scope.Empty() || (r.Scope.All && len(r.Scope.Organizations)+len(r.Scope.Categories)+len(r.Scope.EventIDs) > 0) {
			t.Fatalf("accepted scope %+v", r.Scope)
		}
		for _, id := range r.Scope.EventIDs {
			if !portal.ValidEventID(id) || id != strings.ToLower(id) {
				t.Fatalf("accepted event id %q", id)
			}
		}
	})
}
