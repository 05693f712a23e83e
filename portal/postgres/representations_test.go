package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

func representation(id string) portal.Representation {
	return portal.Representation{
		ID: id, RepresentativeBSN: bsnA, SubjectBSN: bsnB, SubjectName: "Daan de Vries", SubjectBirthDate: "2014-01-15",
		Kind: portal.RepParentalAuthority, Parts: []string{portal.PartLog, portal.PartSignals},
		LegalBasis: portal.LegalBasis{Kind: portal.BasisBRPAuthority, Reference: "gezag 1D"}, ValidFrom: "2014-01-15",
	}
}

func TestPutRepresentation(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	key, _, err := db.CreateAPIKey(ctx, "BRP-koppeling", []string{"representations:write"})
	if err != nil {
		t.Fatal(err)
	}
	id := letterUUID()
	r := representation(id)
	got, created, err := db.PutRepresentation(ctx, r, key.ID)
	if err != nil || !created {
		t.Fatalf("first PUT: created %v, err %v", created, err)
	}
	if !got.Equal(r) || !got.CreatedAt.Equal(t0) || got.EndedAt != nil {
		t.Errorf("stored %+v, want %+v created at %s", got, r, t0)
	}
	if n := db.count(t, "representation_history"); n != 1 {
		t.Errorf("history rows after create = %d, want 1", n)
	}

	// The same content again (parts in another order, id in capitals): nothing changes, no history.
	db.clock.Advance(time.Hour)
	again := r
	again.ID = strings.ToUpper(id)
	again.Parts = []string{portal.PartSignals, portal.PartLog}
	got, created, err = db.PutRepresentation(ctx, again, key.ID)
	if err != nil || created || !got.UpdatedAt.Equal(t0) {
		t.Fatalf("repeat PUT: created %v, updated %s, err %v; want unchanged", created, got.UpdatedAt, err)
	}
	if n := db.count(t, "representation_history"); n != 1 {
		t.Errorf("history rows after an identical PUT = %d, want 1", n)
	}

	// Other content: updated, the old content in the history.
	changed := r
	changed.ValidUntil = "2030-01-15"
	changed.SubjectName = "Daan van Vries"
	got, created, err = db.PutRepresentation(ctx, changed, key.ID)
	if err != nil || created || !got.Equal(changed) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("changing PUT: %+v created %v err %v", got, created, err)
	}
	hist, err := db.RepresentationHistory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Change != portal.RepCreated || hist[0].Old != nil || hist[1].Change != portal.RepUpdated ||
		hist[1].APIKeyID != key.ID || !hist[1].ChangedAt.Equal(t0.Add(time.Hour)) || hist[1].Old == nil || !hist[1].Old.Equal(r) {
		t.Fatalf("history = %+v", hist)
	}

	// Listed for both persons; a BSN never seen gives an empty list and no subject row.
	for _, c := range []struct {
		bsn    string
		asRep  bool
		expect int
	}{{bsnA, true, 1}, {bsnB, false, 1}, {bsnA, false, 0}, {bsnB, true, 0}, {bsnC, true, 0}} {
		list, err := db.RepresentationsOf(ctx, c.bsn, c.asRep)
		if err != nil || len(list) != c.expect {
			t.Errorf("RepresentationsOf(%s, %v) = %d, %v; want %d", c.bsn, c.asRep, len(list), err, c.expect)
		}
		if c.expect == 1 && (len(list) != 1 || !list[0].Equal(changed)) {
			t.Errorf("RepresentationsOf(%s) = %+v", c.bsn, list)
		}
	}
	subjects := db.count(t, "subjects")
	if _, err := db.RepresentationsOf(ctx, "999990020", false); err != nil {
		t.Fatal(err)
	}
	if db.count(t, "subjects") != subjects {
		t.Error("a look-up created a subject row")
	}
}

func TestEndRepresentation(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	key, _, err := db.CreateAPIKey(ctx, "BRP-koppeling", []string{"representations:write"})
	if err != nil {
		t.Fatal(err)
	}
	id := letterUUID()
	r := representation(id)
	if _, _, err := db.PutRepresentation(ctx, r, key.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.EndRepresentation(ctx, letterUUID(), key.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("ending an unknown id: %v, want ENOTFOUND", err)
	}
	if err := db.EndRepresentation(ctx, "not-a-uuid", key.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("ending a malformed id: %v, want ENOTFOUND", err)
	}
	db.clock.Advance(time.Hour)
	if err := db.EndRepresentation(ctx, id, key.ID); err != nil {
		t.Fatal(err)
	}
	db.clock.Advance(time.Hour)
	if err := db.EndRepresentation(ctx, id, key.ID); err != nil { // again: no change
		t.Fatal(err)
	}
	got, err := db.Representation(ctx, id)
	if err != nil || got.EndedAt == nil || !got.EndedAt.Equal(t0.Add(time.Hour)) || !got.Equal(r) {
		t.Fatalf("after DELETE: %+v, %v; want the row kept, ended at %s", got, err, t0.Add(time.Hour))
	}
	if got.ActiveAt(t0.Add(2*time.Hour)) || !got.ActiveAt(t0.Add(30*time.Minute)) {
		t.Error("ActiveAt ignores the end")
	}
	hist, err := db.RepresentationHistory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[1].Change != portal.RepEnded || hist[1].APIKeyID != key.ID || hist[1].Old == nil || !hist[1].Old.Equal(r) {
		t.Fatalf("history = %+v; want created, ended (once)", hist)
	}
	// Ended: the same content is a harmless retry, other content a conflict.
	if _, created, err := db.PutRepresentation(ctx, r, key.ID); err != nil || created {
		t.Errorf("repeat PUT of an ended representation: created %v, %v", created, err)
	}
	r.Parts = []string{portal.PartLog}
	if _, _, err := db.PutRepresentation(ctx, r, key.ID); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Errorf("changing an ended representation: %v, want ECONFLICT", err)
	}
	if n := db.count(t, "representation_history"); n != 2 {
		t.Errorf("history rows = %d, want 2", n)
	}
	// Still listed, for an auditor and for the person who was represented.
	if list, err := db.RepresentationsOf(ctx, bsnB, false); err != nil || len(list) != 1 || list[0].EndedAt == nil {
		t.Errorf("RepresentationsOf after DELETE = %+v, %v", list, err)
	}
}
