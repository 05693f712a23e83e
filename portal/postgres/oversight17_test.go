package postgres_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

var pseudonymRe = regexp.MustCompile(`^P-[0-9A-F]{6}$`)

func breakGlass(bsn string, at time.Time, reason string) portal.Event {
	return event(bsn, at, func(e *portal.Event) {
		e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, reason
		e.Actor.EmployeeID, e.Actor.EmployeeName = "mw-9", "Bram Breekglas"
	})
}

func flaggedByID(fs []portal.Flagged) map[string]portal.Flagged {
	m := map[string]portal.Flagged{}
	for _, f := range fs {
		m[f.EventID] = f
	}
	return m
}

// TestOversightPseudonymsAndFilters: every break-the-glass line carries the person's pseudonym (the
// same for the same person, different for another, never the BSN) and the register's name of its
// activity; the period and "not yet judged" filters narrow the lines.
func TestOversightPseudonymsAndFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	a1 := breakGlass(bsnA, t0.Add(-2*time.Hour), "crisis 1")
	a2 := breakGlass(bsnA, t0.Add(-30*24*time.Hour), "crisis 2")
	b1 := breakGlass(bsnB, t0.Add(-3*time.Hour), "crisis 3")
	c1 := breakGlass(bsnC, t0.Add(-200*24*time.Hour), "crisis 4")
	db.ingest(t, []portal.Event{a1, a2, b1, c1})
	officer := portal.Staff{Sub: "fg", Name: "FG", Roles: []string{portal.RolePrivacyOfficer}}

	bg, _, err := db.Oversight(ctx, portal.OversightFilter{From: t0.AddDate(-1, 0, 0)}, officer, "Gemeente Voorbeeldstad")
	if err != nil {
		t.Fatal(err)
	}
	if len(bg) != 4 {
		t.Fatalf("%d lines, want 4", len(bg))
	}
	m := flaggedByID(bg)
	for _, f := range bg {
		if !pseudonymRe.MatchString(f.Pseudonym) {
			t.Errorf("pseudonym %q", f.Pseudonym)
		}
		for _, bsn := range []string{bsnA, bsnB, bsnC} {
			if strings.Contains(f.Pseudonym, bsn[:6]) {
				t.Errorf("pseudonym %q shows a BSN", f.Pseudonym)
			}
		}
		if f.ActivityName.NL != "Naam wmo-onderzoek" || f.ActivityName.EN != "Name wmo-onderzoek" {
			t.Errorf("activity name %+v", f.ActivityName)
		}
	}
	if m[a1.ID].Pseudonym != m[a2.ID].Pseudonym {
		t.Errorf("the same person has two codes: %s %s", m[a1.ID].Pseudonym, m[a2.ID].Pseudonym)
	}
	if m[a1.ID].Pseudonym == m[b1.ID].Pseudonym || m[b1.ID].Pseudonym == m[c1.ID].Pseudonym {
		t.Errorf("two people share a code: %s %s %s", m[a1.ID].Pseudonym, m[b1.ID].Pseudonym, m[c1.ID].Pseudonym)
	}
	// Stable across readings.
	again, _, err := db.Oversight(ctx, portal.OversightFilter{From: t0.AddDate(-1, 0, 0)}, officer, "Gemeente Voorbeeldstad")
	if err != nil || flaggedByID(again)[a1.ID].Pseudonym != m[a1.ID].Pseudonym {
		t.Errorf("the code changed between readings (%v)", err)
	}

	// A period: the last ten days up to and including today.
	bg, _, err = db.Oversight(ctx, portal.OversightFilter{From: t0.AddDate(0, 0, -10), To: t0.AddDate(0, 0, 1)}, officer, "Gemeente Voorbeeldstad")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for _, f := range bg {
			if !yield(f.EventID) {
				return
			}
		}
	}); !slices.Equal(got, slices.Sorted(slices.Values([]string{a1.ID, b1.ID}))) {
		t.Errorf("period: %v, want a1 and b1", got)
	}
	// A period that ends before the newest lines.
	bg, _, err = db.Oversight(ctx, portal.OversightFilter{From: t0.AddDate(-1, 0, 0), To: t0.AddDate(0, 0, -20)}, officer, "Gemeente Voorbeeldstad")
	if err != nil || len(bg) != 2 || flaggedByID(bg)[a2.ID].EventID == "" || flaggedByID(bg)[c1.ID].EventID == "" {
		t.Errorf("period ending 20 days ago: %d lines (%v), want a2 and c1", len(bg), err)
	}

	// Not yet judged.
	if err := db.ReviewBreakGlass(ctx, b1.ID, officer, true, "klopt"); err != nil {
		t.Fatal(err)
	}
	bg, _, err = db.Oversight(ctx, portal.OversightFilter{From: t0.AddDate(-1, 0, 0), Unjudged: true}, officer, "Gemeente Voorbeeldstad")
	if err != nil {
		t.Fatal(err)
	}
	if len(bg) != 3 || flaggedByID(bg)[b1.ID].EventID != "" {
		t.Errorf("not judged: %d lines, want 3 without b1", len(bg))
	}
	// A justified judgement tells no one.
	if n := db.count(t, "messages"); n != 0 {
		t.Errorf("%d messages after a justified judgement", n)
	}
}

// TestUnjustifiedBreakGlassTellsThePerson: a "not justified" judgement puts exactly one message in the
// person's inbox (not in anyone else's), however often it is judged again, linked to the person's
// objection whose scope names the access; another person's objection naming it is not linked.
func TestUnjustifiedBreakGlassTellsThePerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	a1 := breakGlass(bsnA, t0.Add(-2*time.Hour), "crisis")
	a2 := breakGlass(bsnA, t0.Add(-3*time.Hour), "crisis")
	b1 := breakGlass(bsnB, t0.Add(-4*time.Hour), "crisis")
	db.ingest(t, []portal.Event{a1, a2, b1})
	subA, subB := db.subject(t, bsnA), db.subject(t, bsnB)
	objection := db.reqFile(t, subA, portal.NewRequest{Kind: portal.KindObjection, Scope: portal.Scope{EventIDs: []string{a1.ID}},
		Description: "Waarom keek deze medewerker in mijn dossier?"})
	db.reqFile(t, subA, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{EventIDs: []string{a1.ID}},
		Description: "Wat zag de medewerker?"}) // not an objection
	// Another person's objection cannot name A's access when filed; were its scope to name it anyway,
	// it is still not linked.
	other := db.reqFile(t, subB, portal.NewRequest{Kind: portal.KindObjection, Scope: portal.Scope{EventIDs: []string{b1.ID}},
		Description: "Niet mijn regel"})
	if _, err := db.raw.Exec(ctx, `UPDATE rights_requests SET scope = jsonb_build_object('all', false, 'event_ids', jsonb_build_array($2::text))
WHERE id = $1`, other.ID, a1.ID); err != nil {
		t.Fatal(err)
	}
	officer := portal.Staff{Sub: "fg", Name: "FG", Roles: []string{portal.RolePrivacyOfficer}}
	before := map[int64]int{}
	for _, s := range []int64{subA, subB} {
		ms, err := db.Messages(ctx, s, 100)
		if err != nil {
			t.Fatal(err)
		}
		before[s] = len(ms)
	}

	for range 2 { // judged again: still one message
		if err := db.ReviewBreakGlass(ctx, strings.ToUpper(a1.ID), officer, false, "geen spoed"); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := db.Messages(ctx, subA, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != before[subA]+1 {
		t.Fatalf("A has %d messages, want %d", len(ms), before[subA]+1)
	}
	m := ms[0]
	if m.Kind != portal.MessageUnjustifiedAccess || m.EventID != a1.ID || m.RequestID != objection.ID || m.Reference != objection.Reference || m.ReadAt != nil {
		t.Errorf("message %+v, want about %s and objection %s", m, a1.ID, objection.Reference)
	}
	if ms, err := db.Messages(ctx, subB, 100); err != nil || len(ms) != before[subB] {
		t.Errorf("B got a message about A's access: %d (%v)", len(ms), err)
	}
	var links []string
	rows, err := db.raw.Query(ctx, `SELECT request_id::text FROM break_glass_review_objections WHERE event_id = $1`, a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		links = append(links, id)
	}
	if rows.Err() != nil || !slices.Equal(links, []string{objection.ID}) {
		t.Errorf("links %v, want only %s (not B's %s)", links, objection.ID, other.ID)
	}

	// Judging it justified afterwards takes nothing back and adds nothing.
	if err := db.ReviewBreakGlass(ctx, a1.ID, officer, true, "toch spoed"); err != nil {
		t.Fatal(err)
	}
	// Without an objection the message stands alone.
	if err := db.ReviewBreakGlass(ctx, a2.ID, officer, false, "  "); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("'not justified' without a note: %v", err)
	}
	if err := db.ReviewBreakGlass(ctx, a2.ID, officer, false, "geen spoed"); err != nil {
		t.Fatal(err)
	}
	if ms, err = db.Messages(ctx, subA, 100); err != nil || len(ms) != before[subA]+2 {
		t.Fatalf("A has %d messages (%v), want %d", len(ms), err, before[subA]+2)
	}
	if ms[0].EventID != a2.ID || ms[0].RequestID != "" || ms[0].Reference != "" {
		t.Errorf("message without objection: %+v", ms[0])
	}

	bg, _, err := db.Oversight(ctx, portal.OversightFilter{From: t0.AddDate(-1, 0, 0)}, officer, "Gemeente Voorbeeldstad")
	if err != nil {
		t.Fatal(err)
	}
	fm := flaggedByID(bg)
	if f := fm[a1.ID]; !f.Reviewed || !f.Justified || !f.Told || !slices.Equal(f.Objections, []string{objection.Reference}) || f.ReviewedAt == nil {
		t.Errorf("a1 on the page: %+v", f)
	}
	if f := fm[a2.ID]; !f.Reviewed || f.Justified || !f.Told || len(f.Objections) != 0 {
		t.Errorf("a2 on the page: %+v", f)
	}
	if f := fm[b1.ID]; f.Reviewed || f.Told {
		t.Errorf("b1 on the page: %+v", f)
	}
}

// TestUnjustifiedMessageForRepresentatives: the message about a judged access without an objection
// belongs to the log: a representative whose representation covers the log sees it, one without the
// log does not.
func TestUnjustifiedMessageForRepresentatives(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	withLog := representation(letterUUID()) // A for B: log and signals
	noLog := representation(letterUUID())
	noLog.RepresentativeBSN, noLog.Kind, noLog.Parts = bsnC, portal.RepAuthorisation, []string{portal.PartRequests}
	noLog.LegalBasis = portal.LegalBasis{Kind: portal.BasisOwnAuthorisation, Reference: "Machtiging M-1"}
	for _, r := range []portal.Representation{withLog, noLog} {
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.PutRepresentation(ctx, r, 0); err != nil {
			t.Fatal(err)
		}
	}
	b1 := breakGlass(bsnB, t0.Add(-time.Hour), "crisis")
	db.ingest(t, []portal.Event{b1})
	if err := db.ReviewBreakGlass(ctx, b1.ID, portal.Staff{Sub: "fg", Name: "FG"}, false, "geen crisis"); err != nil {
		t.Fatal(err)
	}
	subB := db.subject(t, bsnB)
	sees := func(repID string, parts []string) bool {
		ms, err := db.InboxMessages(ctx, portal.MessageFilter{SubjectID: subB, RepresentationID: repID, Parts: parts}, 100)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(ms, func(m portal.Message) bool { return m.EventID == b1.ID })
	}
	if !sees("", nil) {
		t.Error("the person does not see the message")
	}
	if !sees(withLog.ID, withLog.Parts) {
		t.Error("a representative with the log does not see the message")
	}
	if sees(noLog.ID, noLog.Parts) {
		t.Error("a representative without the log sees the message")
	}
}
