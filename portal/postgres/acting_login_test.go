package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

func TestActiveRepresentationBetween(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	r := representation(letterUUID()) // bsnA for bsnB, parental authority, born 2014-01-15
	stored, _, err := db.PutRepresentation(ctx, r, 0)
	if err != nil {
		t.Fatal(err)
	}
	rep := stored.RepresentativeID
	got, err := db.ActiveRepresentationBetween(ctx, rep, bsnB, t0)
	if err != nil || got.ID != r.ID || got.SubjectID != stored.SubjectID || got.SubjectBSN != bsnB {
		t.Fatalf("in force: %+v, %v", got, err)
	}

	notFound := func(name string, repID int64, bsn string, at time.Time) {
		t.Helper()
		if got, err := db.ActiveRepresentationBetween(ctx, repID, bsn, at); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("%s: %+v, %v; want ENOTFOUND", name, got.ID, err)
		}
	}
	other, err := db.EnsureSubject(ctx, bsnC)
	if err != nil {
		t.Fatal(err)
	}
	notFound("another representative", other, bsnB, t0)
	notFound("the other way round", stored.SubjectID, bsnA, t0)
	notFound("16th birthday (parental authority ends)", rep, bsnB, time.Date(2030, 1, 15, 0, 0, 0, 0, portal.Amsterdam))
	notFound("before valid_from", rep, bsnB, time.Date(2014, 1, 14, 12, 0, 0, 0, portal.Amsterdam))
	notFound("invalid BSN", rep, "999993654", t0)
	subjects := db.count(t, "subjects")
	notFound("a BSN never seen", rep, bsnE, t0)
	if db.count(t, "subjects") != subjects {
		t.Error("a look-up created a subject row")
	}

	// Ended through the API: not in force from then on, still before.
	db.clock.Advance(time.Hour)
	if err := db.EndRepresentation(ctx, r.ID, 0); err != nil {
		t.Fatal(err)
	}
	notFound("ended", rep, bsnB, t0.Add(2*time.Hour))
	if got, err := db.ActiveRepresentationBetween(ctx, rep, bsnB, t0.Add(30*time.Minute)); err != nil || got.ID != r.ID {
		t.Errorf("before its end: %+v, %v", got.ID, err)
	}

	// A new registration after the ended one: that one is found; one valid only from next year is not.
	db.clock.Advance(time.Hour)
	later := representation(letterUUID())
	later.ValidFrom = "2026-01-01"
	if _, _, err := db.PutRepresentation(ctx, later, 0); err != nil {
		t.Fatal(err)
	}
	notFound("valid only from next year", rep, bsnB, t0.Add(3*time.Hour))
	db.clock.Advance(time.Hour)
	renewed := representation(letterUUID())
	renewed.Kind, renewed.LegalBasis = portal.RepGuardianship, portal.LegalBasis{Kind: portal.BasisCourtDecision, Reference: "Rb 1"}
	if _, _, err := db.PutRepresentation(ctx, renewed, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ActiveRepresentationBetween(ctx, rep, bsnB, t0.Add(4*time.Hour)); err != nil || got.ID != renewed.ID {
		t.Errorf("renewed: %+v, %v; want %s", got.ID, err, renewed.ID)
	}
	// From next year both are in force: the most recently registered one wins.
	if got, err := db.ActiveRepresentationBetween(ctx, rep, bsnB, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)); err != nil || got.ID != renewed.ID {
		t.Errorf("two in force: %+v, %v; want the newest %s", got.ID, err, renewed.ID)
	}
}
