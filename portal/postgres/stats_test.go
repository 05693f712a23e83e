package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

// TestPeriodCountsKnownAnswers computes every indicator on a small fixture with known answers.
func TestPeriodCountsKnownAnswers(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	sub := db.subject(t, bsnA)
	lead := portal.Staff{Sub: "tl", Name: "T", Roles: []string{portal.RoleTeamLead}}
	file := func(kind portal.RequestKind) portal.RightsRequest {
		r, err := db.CreateRequest(ctx, sub, portal.NewRequest{Kind: kind, Scope: portal.Scope{All: true}, Description: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	act := func(id string, as ...portal.Action) {
		for _, a := range as {
			if _, err := db.ActOnRequest(ctx, id, lead, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	start := portal.Action{Kind: portal.StepStarted}
	r1, r2, r3, r4 := file(portal.KindObjection), file(portal.KindObjection), file(portal.KindObjection), file(portal.KindInspection)
	db.clock.Set(t0.Add(10 * 24 * time.Hour))
	act(r1.ID, start, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted})
	act(r2.ID, start, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Note: "deels"})
	act(r3.ID, start, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "drukte"})
	db.clock.Set(t0.Add(45 * 24 * time.Hour)) // after the first deadline, within the extended one
	act(r3.ID, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Note: "nee"})
	if err := db.WithdrawRequest(ctx, sub, r4.ID); err != nil {
		t.Fatal(err)
	}

	db.clock.Set(t0)
	clerk := portal.Staff{Sub: "c", Roles: []string{portal.RoleClerk}}
	s1 := scSignal(bsnA, t0)
	if _, _, err := db.RegisterSignal(ctx, s1, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	s2 := scSignal(bsnA, t0)
	sg, _, err := db.RegisterSignal(ctx, s2, "staff", 0, &clerk, scDeferral(t0), portal.SignalPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DecideDeferral(ctx, s2.ID, sg.Deferrals[0].ID, lead, true); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideRetention(ctx, s1.ID, clerk, portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: t0.Add(60 * 24 * time.Hour)}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(t0.Add(24 * time.Hour))
	s3 := scSignal(bsnA, t0.Add(24*time.Hour)) // a new signal after a kept one
	if _, _, err := db.RegisterSignal(ctx, s3, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideRetention(ctx, s3.ID, clerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	c1, c2 := ccConsent(bsnA, t0.Add(90*24*time.Hour)), ccConsent(bsnA, t0.Add(90*24*time.Hour))
	for _, c := range []portal.NewConsent{c1, c2} {
		if _, _, err := db.CreateConsent(ctx, c, "api", 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DecideConsent(ctx, sub, c1.ID, portal.ConsentGranted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideConsent(ctx, sub, c2.ID, portal.ConsentRefused, ""); err != nil {
		t.Fatal(err)
	}
	db.ingest(t, []portal.Event{
		event(bsnA, t0.Add(time.Hour), func(e *portal.Event) { e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "nood" }),
		event(bsnA, t0.Add(time.Hour), func(e *portal.Event) {
			e.AccessBasis, e.AgainstWill = portal.BasisAgainstWill, &portal.AgainstWill{DecisionRef: "B-1", Reason: "r", ApprovedBy: "x"}
		}),
		event(bsnA, t0.Add(time.Hour), func(e *portal.Event) { e.AccessBasis, e.ConsentRef = portal.BasisConsent, c2.ID }), // refused: not covered
	})

	from := time.Date(2025, 1, 1, 0, 0, 0, 0, portal.Amsterdam)
	pc, err := db.PeriodCounts(ctx, "2025", from, from.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := portal.PeriodCounts{Label: "2025",
		RequestsByKind: map[string]int{"bezwaar": 3, "inzage": 1}, Decided: 3,
		Outcomes:       map[string]int{"toegewezen": 1, "deels_toegewezen": 1, "afgewezen": 1},
		WithinDeadline: 3, Extended: 1, Withdrawn: 1, MedianDays: 10, P90Days: 38, ObjectionsGranted: 2,
		Signals: 3, ToldAtOnce: 2, Deferred: 1, SignalRetention: map[string]int{"bewaren": 1, "vernietigen": 1, "": 1},
		KeptThenNewAgain: 1, ConsentAsked: 2, ConsentOutcomes: map[string]int{"granted": 1, "refused": 1},
		NotCovered: 1, AgainstWill: 1, BreakGlass: 1}
	if diff := cmp.Diff(want, pc); diff != "" {
		t.Errorf("PeriodCounts (-want +got):\n%s", diff)
	}
}
