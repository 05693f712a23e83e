package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

// TestPeriodCountsKnownAnswers computes every indicator on a small fixture with known answers.
func TestPeriodCountsKnownAnswers(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	statsFixture(t, db)
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, portal.Amsterdam)
	pc, err := db.PeriodCounts(ctx, "2025", from, from.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fixtureCounts2025, pc); diff != "" {
		t.Errorf("PeriodCounts (-want +got):\n%s", diff)
	}
}

// fixtureCounts2025 are the known answers of statsFixture for the year 2025.
var fixtureCounts2025 = portal.PeriodCounts{Label: "2025",
	RequestsByKind: map[string]int{"bezwaar": 3, "inzage": 1}, Decided: 3,
	Outcomes:       map[string]int{"toegewezen": 1, "deels_toegewezen": 1, "afgewezen": 1},
	WithinDeadline: 3, Extended: 1, Withdrawn: 1, MedianDays: 10, P90Days: 38, ObjectionsGranted: 2,
	Signals: 3, ToldAtOnce: 2, Deferred: 1, SignalRetention: map[string]int{"bewaren": 1, "vernietigen": 1, "": 1},
	KeptThenNewAgain: 1, ConsentAsked: 2, ConsentOutcomes: map[string]int{"granted": 1, "refused": 1},
	NotCovered: 1, AgainstWill: 1, BreakGlass: 1,
	// r2 was partly granted on compelling grounds and co-signed; r3 was rejected before grounds were
	// recorded. Both are decisions against the person's will (objections not granted in full).
	RefusalGrounds: map[string]int{"compelling_grounds": 1, portal.GroundNotRecorded: 1}, AgainstWillDecisions: 2, CoSigned: 1,
	SignalCategories: map[string]int{"domestic_violence": 3}, DeferralReasons: map[string]int{"investigation": 1},
	Version: portal.StatsVersion}

// statsFixture files requests, signals, consents and events around t0 (2025) whose figures are
// fixtureCounts2025. It leaves the clock at t0.
func statsFixture(t *testing.T, db *testDB) {
	t.Helper()
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
			r, err := db.ActOnRequest(ctx, id, lead, a)
			if err != nil {
				t.Fatal(err)
			}
			if a.Kind == portal.StepDecided && r.Status != portal.StatusDecided {
				db.coSignLatest(t, id) // against the person's will: a second team lead co-signs
			}
		}
	}
	start := portal.Action{Kind: portal.StepStarted}
	r1, r2, r3, r4 := file(portal.KindObjection), file(portal.KindObjection), file(portal.KindObjection), file(portal.KindInspection)
	db.clock.Set(t0.Add(10 * 24 * time.Hour))
	act(r1.ID, start, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted})
	act(r2.ID, start, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Note: "deels", Ground: portal.GroundCompelling})
	act(r3.ID, start, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "drukte"})
	db.clock.Set(t0.Add(45 * 24 * time.Hour)) // after the first deadline, within the extended one
	act(r3.ID, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Note: "nee", Ground: portal.GroundCompelling})
	// As if decided before migration 22: no ground recorded, nobody co-signed.
	if _, err := db.raw.Exec(ctx, `UPDATE rights_requests SET refusal_ground = '', cosigned_by = '', cosigner_name = '' WHERE id = $1`, r3.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.WithdrawRequest(ctx, sub, r4.ID); err != nil {
		t.Fatal(err)
	}

	db.clock.Set(t0)
	clerk := portal.Staff{Sub: "c", Roles: []string{portal.RoleClerk}}
	s1 := sgNew(bsnA, t0)
	if _, _, err := db.RegisterSignal(ctx, s1, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	s2 := sgNew(bsnA, t0)
	sg, _, err := db.RegisterSignal(ctx, s2, "staff", 0, &clerk, sgDefer(t0.Add(30*24*time.Hour)), portal.SignalPolicy{})
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
	s3 := sgNew(bsnA, t0.Add(24*time.Hour)) // a new signal after a kept one
	if _, _, err := db.RegisterSignal(ctx, s3, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideRetention(ctx, s3.ID, clerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	c1, c2 := csNew(bsnA, "2025-08-30"), csNew(bsnA, "2025-08-30") // t0 + 90 days
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
	db.clock.Set(t0)
}

// TestStoredFiguresEqualLiveCounts: what RefreshPeriod stores, and StoredPeriods reads back, are the
// live PeriodCounts of the same period, for a year and a quarter of the known-answer fixture.
func TestStoredFiguresEqualLiveCounts(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	statsFixture(t, db)
	year, quarter := portal.Year(2025), portal.QuarterOf(t0) // 2025-K2
	for _, p := range []portal.Period{year, quarter} {
		sc, err := db.RefreshPeriod(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !sc.ComputedAt.Equal(t0) {
			t.Errorf("%s computed at %v, want the clock's %v", p.Label, sc.ComputedAt, t0)
		}
	}
	stored, err := db.StoredPeriods(ctx, []string{"2025", "2025-K2", "2024"})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 {
		t.Fatalf("%d stored periods, want 2 (2024 was never computed): %v", len(stored), stored)
	}
	if diff := cmp.Diff(fixtureCounts2025, stored["2025"].Counts); diff != "" {
		t.Errorf("stored 2025 (-known +stored):\n%s", diff)
	}
	for _, p := range []portal.Period{year, quarter} {
		live, err := db.PeriodCounts(ctx, p.Label, p.From, p.To)
		if err != nil {
			t.Fatal(err)
		}
		got := stored[p.Label]
		if diff := cmp.Diff(live, got.Counts); diff != "" {
			t.Errorf("%s (-live +stored):\n%s", p.Label, diff)
		}
		if !got.From.Equal(p.From) || !got.To.Equal(p.To) || got.Label != p.Label || !got.ComputedAt.Equal(t0) {
			t.Errorf("%s stored as %s [%v, %v) at %v", p.Label, got.Label, got.From, got.To, got.ComputedAt)
		}
	}
}

// TestRefreshPeriodIdempotentAndLaterWins: refreshing again replaces the stored figures with the
// current ones (one row per period), and a computation that started earlier never overwrites the
// figures of one that started later (two overlapping runners).
func TestRefreshPeriodIdempotentAndLaterWins(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	sub := db.subject(t, bsnA)
	q := portal.QuarterOf(t0)
	file := func() {
		if _, err := db.CreateRequest(ctx, sub, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}, Description: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() portal.StoredCounts {
		t.Helper()
		m, err := db.StoredPeriods(ctx, []string{q.Label})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM stats_periods`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d rows in stats_periods, want 1", n)
		}
		return m[q.Label]
	}
	file()
	for range 2 {
		if _, err := db.RefreshPeriod(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := stored().Counts.RequestsByKind["inzage"]; got != 1 {
		t.Errorf("after two refreshes: %d requests, want 1", got)
	}
	file()
	db.clock.Set(t0.Add(time.Minute))
	if _, err := db.RefreshPeriod(ctx, q); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got.Counts.RequestsByKind["inzage"] != 2 || !got.ComputedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after a change and a refresh: %d requests computed at %v, want 2 at %v", got.Counts.RequestsByKind["inzage"], got.ComputedAt, t0.Add(time.Minute))
	}
	// A runner whose computation began before the stored one's does not replace it.
	file()
	db.clock.Set(t0.Add(30 * time.Second))
	if _, err := db.RefreshPeriod(ctx, q); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got.Counts.RequestsByKind["inzage"] != 2 || !got.ComputedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("an earlier computation replaced a later one: %+v", got)
	}
	// Overlapping refreshes all succeed and leave one row with the current figures.
	db.clock.Set(t0.Add(2 * time.Minute))
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.RefreshPeriod(ctx, q)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("overlapping refresh: %v", err)
		}
	}
	if got := stored().Counts.RequestsByKind["inzage"]; got != 3 {
		t.Errorf("after overlapping refreshes: %d requests, want 3", got)
	}
}
