package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

func ccConsent(bsn string, until time.Time) portal.NewConsent {
	return portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsn, CaseRef: "Z-1",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente", Role: "Consulent"}, DataItem: "Medische informatie",
		DataHolder: "Uw huisarts", Purpose: "Dagbesteding", Necessity: "Om te kiezen", LegalGround: "Beroepsgeheim",
		IfRefused: "Zonder deze informatie", ValidUntil: until.In(portal.Amsterdam).Format("2006-01-02")}
}

// TestConsentCoverageAtIngest: an event citing consent is covered only by the same person's consent,
// granted before the event, not withdrawn and not expired at its time; uncovered events are stored too.
func TestConsentCoverageAtIngest(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	subA, subB := db.subject(t, bsnA), db.subject(t, bsnB)
	nc := ccConsent(bsnA, t0.Add(30*24*time.Hour))
	if _, created, err := db.CreateConsent(ctx, nc, "api", 0); err != nil || !created {
		t.Fatal(err)
	}
	if _, err := db.DecideConsent(ctx, subB, nc.ID, portal.ConsentGranted, ""); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatalf("another person decides: %v", err)
	}
	db.clock.Set(t0.Add(time.Hour))
	if _, err := db.DecideConsent(ctx, subA, nc.ID, portal.ConsentGranted, ""); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(t0.Add(10 * 24 * time.Hour))
	if _, err := db.DecideConsent(ctx, subA, nc.ID, portal.ConsentWithdrawn, ""); err != nil {
		t.Fatal(err)
	}
	cite := func(bsn string, at time.Time, ref string) portal.Event {
		return event(bsn, at, func(e *portal.Event) { e.AccessBasis, e.ConsentRef = portal.BasisConsent, ref })
	}
	cases := []struct {
		name string
		ev   portal.Event
		want *bool
	}{
		{"granted, before withdrawal", cite(bsnA, t0.Add(2*time.Hour), nc.ID), ccPtr(true)},
		{"before the grant", cite(bsnA, t0.Add(30*time.Minute), nc.ID), ccPtr(false)},
		{"after the withdrawal", cite(bsnA, t0.Add(11*24*time.Hour), nc.ID), ccPtr(false)},
		{"another person's consent", cite(bsnB, t0.Add(2*time.Hour), nc.ID), ccPtr(false)},
		{"unknown consent", cite(bsnA, t0.Add(2*time.Hour), uuid.NewString()), ccPtr(false)},
		{"not an id", cite(bsnA, t0.Add(2*time.Hour), "TOESTEMMING-1"), ccPtr(false)},
		{"other basis", event(bsnA, t0.Add(2*time.Hour)), nil},
	}
	db.clock.Set(t0.Add(12 * 24 * time.Hour))
	var evs []portal.Event
	for _, c := range cases {
		evs = append(evs, c.ev)
	}
	if res := db.ingest(t, evs); res.Accepted != len(evs) {
		t.Fatalf("accepted %d of %d: uncovered events must be stored too", res.Accepted, len(evs))
	}
	for _, c := range cases {
		sub := subA
		if c.ev.SubjectBSN == bsnB {
			sub = subB
		}
		got, err := db.Event(ctx, sub, c.ev.ID)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if (got.ConsentCovered == nil) != (c.want == nil) || (c.want != nil && *got.ConsentCovered != *c.want) {
			t.Errorf("%s: covered = %v, want %v", c.name, ccDeref(got.ConsentCovered), ccDeref(c.want))
		}
	}
	// Expiry: a granted consent past its end date no longer covers, and the sweep closes it once.
	exp := ccConsent(bsnA, t0.Add(13*24*time.Hour))
	if _, _, err := db.CreateConsent(ctx, exp, "api", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideConsent(ctx, subA, exp.ID, portal.ConsentGranted, ""); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(t0.Add(15 * 24 * time.Hour))
	late := cite(bsnA, t0.Add(15*24*time.Hour), exp.ID)
	db.ingest(t, []portal.Event{late})
	if got, _ := db.Event(ctx, subA, late.ID); got.ConsentCovered == nil || *got.ConsentCovered {
		t.Error("an expired consent covers an event")
	}
	if n, err := db.SweepConsents(ctx); err != nil || n != 1 {
		t.Errorf("sweep: %d %v", n, err)
	}
	if n, _ := db.SweepConsents(ctx); n != 0 {
		t.Errorf("second sweep: %d", n)
	}
	if _, err := db.DecideConsent(ctx, subA, exp.ID, portal.ConsentWithdrawn, ""); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("withdraw an expired consent: %v", err)
	}
}

func ccPtr(b bool) *bool { return &b }

func ccDeref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
