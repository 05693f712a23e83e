package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// storedNote is a request_notes row as stored.
type storedNote struct {
	requestID, token, sub, name, role, body string
	subject                                 int64
	at                                      time.Time
}

func (d *testDB) storedNotes(t *testing.T) []storedNote {
	t.Helper()
	rows, err := d.raw.Query(context.Background(), `SELECT request_id::text, token::text, author_sub, author_name, author_role, body,
 subject_id, created_at FROM request_notes ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedNote
	for rows.Next() {
		var n storedNote
		if err := rows.Scan(&n.requestID, &n.token, &n.sub, &n.name, &n.role, &n.body, &n.subject, &n.at); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAddNote: a note is stored with its request, the person the request is about, its author and
// time; the same form sent twice stores one note; a token used for another note is refused; a note
// that breaks a rule, or on an unknown request, stores nothing; nothing reaches the person's inbox or
// e-mail queue; notes cannot be changed.
func TestAddNote(t *testing.T) {
	t.Parallel()
	d := newTestDB(t)
	ctx := context.Background()
	subA := d.subject(t, bsnA)
	r := d.reqFile(t, subA, reqNew(portal.KindInspection, ""))
	messages, jobs := d.count(t, "messages"), d.count(t, "river_job")

	tok := uuid.NewString()
	n, dup, err := d.AddNote(ctx, reqClerk, portal.NewNote{RequestID: r.ID, Text: "  Belde op 3 juni:\r\nwil ook de Wmo-stukken.  ", Token: tok})
	if err != nil || dup {
		t.Fatalf("AddNote: %v, dup %v", err, dup)
	}
	want := portal.Note{ID: n.ID, RequestID: r.ID, Reference: r.Reference, SubjectID: subA, AuthorSub: reqClerk.Sub,
		AuthorName: reqClerk.Name, AuthorRole: portal.RoleClerk, Text: "Belde op 3 juni:\nwil ook de Wmo-stukken.", CreatedAt: t0}
	if !n.CreatedAt.Equal(t0) {
		t.Errorf("created at %v, want %v", n.CreatedAt, t0)
	}
	n.CreatedAt = t0
	if n != want {
		t.Errorf("AddNote = %+v, want %+v", n, want)
	}

	// The double submit: the same token, author, request and text.
	d.clock.Advance(time.Second)
	again, dup, err := d.AddNote(ctx, reqClerk, portal.NewNote{RequestID: r.ID, Text: "Belde op 3 juni:\nwil ook de Wmo-stukken.", Token: strings.ToUpper(tok)})
	if err != nil || !dup || again.ID != n.ID {
		t.Errorf("the same form again: note %d, dup %v, %v; want note %d as a repeat", again.ID, dup, err, n.ID)
	}
	// The same token for other words, by someone else, or on another request: refused.
	other := d.reqFile(t, subA, reqNew(portal.KindObjection, ""))
	for name, nn := range map[string]struct {
		by portal.Staff
		n  portal.NewNote
	}{
		"other text":    {reqClerk, portal.NewNote{RequestID: r.ID, Text: "iets anders", Token: tok}},
		"other author":  {reqLead, portal.NewNote{RequestID: r.ID, Text: "Belde op 3 juni:\nwil ook de Wmo-stukken.", Token: tok}},
		"other request": {reqClerk, portal.NewNote{RequestID: other.ID, Text: "Belde op 3 juni:\nwil ook de Wmo-stukken.", Token: tok}},
	} {
		if _, _, err := d.AddNote(ctx, nn.by, nn.n); portal.ErrorCode(err) != portal.ECONFLICT {
			t.Errorf("%s with a used token: %v, want %s", name, err, portal.ECONFLICT)
		}
	}
	// Mistakes store nothing.
	for name, nn := range map[string]portal.NewNote{
		"empty":           {RequestID: r.ID, Text: " \r\n ", Token: uuid.NewString()},
		"a BSN":           {RequestID: r.ID, Text: "Zijn BSN is " + bsnB + ", let op", Token: uuid.NewString()},
		"too long":        {RequestID: r.ID, Text: strings.Repeat("é", portal.MaxInternalNote+1), Token: uuid.NewString()},
		"no token":        {RequestID: r.ID, Text: "goed"},
		"unknown request": {RequestID: uuid.NewString(), Text: "goed", Token: uuid.NewString()},
		"not an id":       {RequestID: "x", Text: "goed", Token: uuid.NewString()},
	} {
		_, _, err := d.AddNote(ctx, reqClerk, nn)
		wantCode := portal.EINVALID
		if strings.Contains(name, "request") || name == "not an id" {
			wantCode = portal.ENOTFOUND
		}
		if portal.ErrorCode(err) != wantCode {
			t.Errorf("%s: %v, want %s", name, err, wantCode)
		}
	}
	// At the limit (in characters, not bytes) it is stored.
	if _, _, err := d.AddNote(ctx, reqLead, portal.NewNote{RequestID: other.ID, Text: strings.Repeat("é", portal.MaxInternalNote), Token: uuid.NewString()}); err != nil {
		t.Errorf("a note of exactly %d characters: %v", portal.MaxInternalNote, err)
	}
	stored := d.storedNotes(t)
	if len(stored) != 2 || stored[0].body != want.Text || stored[0].subject != subA || stored[0].sub != reqClerk.Sub ||
		stored[0].name != reqClerk.Name || stored[0].role != portal.RoleClerk || stored[0].requestID != r.ID ||
		stored[1].requestID != other.ID || stored[1].role != portal.RoleTeamLead {
		t.Errorf("stored notes: %+v", stored)
	}
	if m, j := d.count(t, "messages"), d.count(t, "river_job"); m != messages+1 || j != jobs {
		// +1: the objection filed above tells the person; the notes tell nobody
		t.Errorf("messages %d → %d, jobs %d → %d: a note must not reach the person", messages, m, jobs, j)
	}
	// Append-only.
	if _, err := d.raw.Exec(ctx, `UPDATE request_notes SET body = 'anders'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("UPDATE of a note: %v, want it refused", err)
	}
	ns, err := d.RequestNotes(ctx, r.ID)
	if err != nil || len(ns) != 1 || ns[0].Text != want.Text {
		t.Errorf("RequestNotes = %+v, %v", ns, err)
	}
}

// TestNotesTwoClerksAtOnce: two clerks write notes on two people's requests at the same time, each
// form sent twice at once; every note lands once, on its own request and person, by its own author.
func TestNotesTwoClerksAtOnce(t *testing.T) {
	t.Parallel()
	d := newTestDB(t)
	ctx := context.Background()
	subA, subB := d.subject(t, bsnA), d.subject(t, bsnB)
	rA := d.reqFile(t, subA, reqNew(portal.KindInspection, ""))
	rB := d.reqFile(t, subB, reqNew(portal.KindObjection, ""))
	type job struct {
		by   portal.Staff
		r    portal.RightsRequest
		text string
		tok  string
	}
	var jobs []job
	for i := range 10 {
		jobs = append(jobs, job{reqClerk, rA, fmt.Sprintf("A-notitie %d van Carla", i), uuid.NewString()},
			job{reqClerk2, rB, fmt.Sprintf("B-notitie %d van Kees", i), uuid.NewString()})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(jobs))
	for _, j := range jobs {
		for range 2 { // a double submit, both at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := d.AddNote(ctx, j.by, portal.NewNote{RequestID: j.r.ID, Text: j.text, Token: j.tok}); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("AddNote: %v", err)
	}
	stored := d.storedNotes(t)
	if len(stored) != len(jobs) {
		t.Fatalf("%d notes stored for %d forms", len(stored), len(jobs))
	}
	byToken := map[string]storedNote{}
	for _, n := range stored {
		byToken[n.token] = n
	}
	for _, j := range jobs {
		n, ok := byToken[j.tok]
		if !ok || n.body != j.text || n.requestID != j.r.ID || n.subject != j.r.SubjectID || n.sub != j.by.Sub || n.name != j.by.Name {
			t.Errorf("note %q: stored as %+v", j.text, n)
		}
	}
	for _, c := range []struct {
		r      portal.RightsRequest
		prefix string
	}{{rA, "A-"}, {rB, "B-"}} {
		ns, err := d.RequestNotes(ctx, c.r.ID)
		if err != nil || len(ns) != 10 {
			t.Fatalf("RequestNotes(%s) = %d notes, %v", c.prefix, len(ns), err)
		}
		for _, n := range ns {
			if !strings.HasPrefix(n.Text, c.prefix) {
				t.Errorf("request %s lists %q", c.prefix, n.Text)
			}
		}
	}
}

// TestSubjectNotesAsOf: the notes about a person are those on any of their requests, written at or
// before the moment asked; another person's notes are never among them; newest-first per request on
// the case page, oldest first for the letter.
func TestSubjectNotesAsOf(t *testing.T) {
	t.Parallel()
	d := newTestDB(t)
	ctx := context.Background()
	subA, subB := d.subject(t, bsnA), d.subject(t, bsnB)
	r1 := d.reqFile(t, subA, reqNew(portal.KindObjection, ""))
	r2 := d.reqFile(t, subA, reqNew(portal.KindInspection, ""))
	rB := d.reqFile(t, subB, reqNew(portal.KindInspection, ""))
	add := func(r portal.RightsRequest, text string) {
		t.Helper()
		if _, _, err := d.AddNote(ctx, reqClerk, portal.NewNote{RequestID: r.ID, Text: text, Token: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
		d.clock.Advance(time.Minute)
	}
	add(r1, "eerste")
	add(rB, "over B")
	add(r2, "tweede")
	decided := d.clock.Now().Add(-time.Second) // "tweede" was written a minute before now
	add(r2, "na het besluit")

	ns, err := d.SubjectNotesAsOf(ctx, subA, decided)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range ns {
		got = append(got, n.Text+"@"+n.Reference)
	}
	if want := []string{"eerste@" + r1.Reference, "tweede@" + r2.Reference}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("notes about A as of the decision = %v, want %v", got, want)
	}
	ns, err = d.RequestNotes(ctx, r2.ID)
	if err != nil || len(ns) != 2 || ns[0].Text != "na het besluit" || ns[1].Text != "tweede" {
		t.Errorf("RequestNotes(r2) = %+v, %v; want newest first", ns, err)
	}
}

// TestNotesGoWithTheirRequest: the portal removes no rights request today (no retention of requests
// exists); when a request is removed, its notes go with it (ON DELETE CASCADE) and notes on the
// person's other requests stay.
func TestNotesGoWithTheirRequest(t *testing.T) {
	t.Parallel()
	d := newTestDB(t)
	ctx := context.Background()
	subA := d.subject(t, bsnA)
	gone := d.reqFile(t, subA, reqNew(portal.KindObjection, ""))
	kept := d.reqFile(t, subA, reqNew(portal.KindInspection, ""))
	for _, r := range []portal.RightsRequest{gone, gone, kept} {
		if _, _, err := d.AddNote(ctx, reqClerk, portal.NewNote{RequestID: r.ID, Text: "notitie", Token: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
	}
	// Removing a request removes what hangs on it: its timeline and messages, then the request.
	if _, err := d.raw.Exec(ctx, `
WITH s AS (DELETE FROM rights_request_steps WHERE request_id = $1), m AS (DELETE FROM messages WHERE request_id = $1)
SELECT 1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.raw.Exec(ctx, `DELETE FROM rights_requests WHERE id = $1`, gone.ID); err != nil {
		t.Fatalf("removing a request with notes: %v", err)
	}
	stored := d.storedNotes(t)
	if len(stored) != 1 || stored[0].requestID != kept.ID {
		t.Errorf("after removing a request, notes left: %+v; want only the kept request's", stored)
	}
}
