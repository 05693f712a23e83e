package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

// reasonsFixture writes two years of finished requests and signals (through the demo's bulk path)
// whose reasons are known: see TestPeriodCountsReasonsKnownAnswers.
func reasonsFixture(t *testing.T, db *testDB) (signalWithTwoDeferrals string) {
	t.Helper()
	ctx := context.Background()
	n := 0
	id := func() string { n++; return uuid.NewSHA1(uuid.NameSpaceURL, []byte{byte(n)}).String() }
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, portal.Amsterdam) }
	var h postgres.DemoHistory
	req := func(count int, kind portal.RequestKind, o portal.Outcome, g portal.RefusalGround, cosigned bool, received, closed time.Time) {
		for range count {
			r := postgres.DemoRequest{ID: id(), BSN: bsnA, Kind: kind, Outcome: o, Ground: g, ReceivedAt: received, ClosedAt: closed}
			if cosigned {
				r.CoSignedBy, r.CoSigner = "tl", "T"
			}
			h.Requests = append(h.Requests, r)
		}
	}
	// 2024: three corrections refused because the data are correct, co-signed; one inspection
	// received in December and partly granted in January 2025 (counted as received in 2024, decided
	// in 2025).
	req(3, portal.KindCorrection, portal.OutcomeRejected, portal.GroundDataCorrect, true, day(2024, 3, 1), day(2024, 3, 20))
	req(1, portal.KindInspection, portal.OutcomePartly, portal.GroundRightsOfOthers, false, day(2024, 12, 20), day(2025, 1, 10))
	// 2025.
	req(6, portal.KindInspection, portal.OutcomeGranted, "", false, day(2025, 2, 1), day(2025, 2, 15))
	req(5, portal.KindObjection, portal.OutcomeRejected, portal.GroundCompelling, true, day(2025, 4, 1), day(2025, 4, 20))
	req(1, portal.KindObjection, portal.OutcomePartly, portal.GroundLegalObligation, true, day(2025, 5, 1), day(2025, 5, 20))
	req(1, portal.KindObjection, portal.OutcomePartly, portal.GroundLegalObligation, false, day(2025, 5, 1), day(2025, 5, 20))
	req(1, portal.KindCorrection, portal.OutcomeRejected, "", false, day(2025, 6, 1), day(2025, 6, 20)) // before grounds were kept
	req(1, portal.KindErasure, "", "", false, day(2025, 7, 1), day(2025, 7, 3))                         // withdrawn
	sig := func(count int, cat, reason string, registered time.Time) {
		for range count {
			s := postgres.DemoSignal{ID: id(), BSN: bsnB, Category: cat, Reporter: "school", Team: "T", RegisteredAt: registered,
				ToldAt: registered.Add(time.Minute), DeferralReason: reason, Retention: portal.RetainDestroy, RetentionAt: registered.Add(48 * time.Hour)}
			if reason != "" {
				s.ToldAt = registered.Add(30 * 24 * time.Hour)
				s.RetentionAt = s.ToldAt.Add(time.Hour)
			}
			h.Signals = append(h.Signals, s)
		}
	}
	sig(2, "neglect", "", day(2024, 5, 1))
	sig(1, "neglect", "crisis_intervention", day(2024, 5, 1))
	sig(6, "wellbeing", "", day(2025, 3, 1))
	sig(5, "domestic_violence", "danger", day(2025, 3, 1))
	sig(2, "child_safety", "third_party", day(2025, 8, 1))
	sig(1, "child_safety", "investigation", day(2025, 9, 1))
	if _, err := db.LoadDemoHistory(ctx, h); err != nil {
		t.Fatal(err)
	}
	// A deferred signal extended on another ground still counts once, under its first reason.
	signalWithTwoDeferrals = h.Signals[9].ID // the first domestic_violence one (after 3 neglect, 6 wellbeing)
	if _, err := db.raw.Exec(ctx, `INSERT INTO signal_deferrals (signal_id, reason, review_at, requested_by, requested_at,
 approve_before, initial, status, decided_by, decided_at) SELECT id, 'investigation', told_at, 'c', registered_at + interval '10 days',
 registered_at + interval '11 days', false, 'approved', 'tl', registered_at + interval '10 days' FROM signals WHERE id = $1`, signalWithTwoDeferrals); err != nil {
		t.Fatal(err)
	}
	return signalWithTwoDeferrals
}

// TestPeriodCountsReasonsKnownAnswers: the reasons per year, over two years: refusal grounds of the
// decisions in the year (a refusal without a ground as "not recorded"), decisions against the
// person's will and how many were co-signed, deferral reasons (one per deferred signal) and
// categories; then published with the suppression rules.
func TestPeriodCountsReasonsKnownAnswers(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	reasonsFixture(t, db)
	type reasons struct {
		Requests, Grounds, Deferrals, Categories map[string]int
		Decided, AgainstWill, CoSigned           int
		Signals, Deferred, Withdrawn, Version    int
	}
	want := map[string]reasons{
		"2024": {Requests: map[string]int{"rectificatie": 3, "inzage": 1}, Grounds: map[string]int{"data_correct": 3},
			Deferrals: map[string]int{"crisis_intervention": 1}, Categories: map[string]int{"neglect": 3},
			Decided: 3, AgainstWill: 3, CoSigned: 3, Signals: 3, Deferred: 1, Version: portal.StatsVersion},
		"2025": {Requests: map[string]int{"inzage": 6, "bezwaar": 7, "rectificatie": 1, "wissing": 1},
			Grounds:   map[string]int{"rights_of_others": 1, "compelling_grounds": 5, "legal_obligation": 2, portal.GroundNotRecorded: 1},
			Deferrals: map[string]int{"danger": 5, "third_party": 2, "investigation": 1}, Categories: map[string]int{"wellbeing": 6, "domestic_violence": 5, "child_safety": 3},
			Decided: 15, AgainstWill: 8, CoSigned: 6, Signals: 14, Deferred: 8, Withdrawn: 1, Version: portal.StatsVersion},
	}
	got := map[string]reasons{}
	published := map[string]portal.Published{}
	for _, y := range []int{2024, 2025} {
		p := portal.Year(y)
		pc, err := db.PeriodCounts(ctx, p.Label, p.From, p.To)
		if err != nil {
			t.Fatal(err)
		}
		got[p.Label] = reasons{pc.RequestsByKind, pc.RefusalGrounds, pc.DeferralReasons, pc.SignalCategories, pc.Decided,
			pc.AgainstWillDecisions, pc.CoSigned, pc.Signals, pc.Deferred, pc.Withdrawn, pc.Version}
		published[p.Label] = portal.Publish(pc, 5)
		// What is stored is what is counted, reasons and all.
		sc, err := db.RefreshPeriod(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.StoredPeriods(ctx, []string{p.Label})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sc.Counts, stored[p.Label].Counts); diff != "" {
			t.Errorf("%s stored (-computed +stored):\n%s", p.Label, diff)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}

	// Published with k = 5: only cells of at least 5 show, and a total shows when it is at least 5.
	p25 := published["2025"]
	cells := func(b portal.Breakdown) map[string]string {
		m := map[string]string{"total": b.Total.Text(5)}
		for i, n := range b.Names {
			m[n] = b.Parts[i].Text(5)
		}
		return m
	}
	if diff := cmp.Diff(map[string]string{"total": "9", "manifestly_unfounded": "< 5", "rights_of_others": "< 5", "data_correct": "< 5",
		"legal_obligation": "< 5", "compelling_grounds": "5", "other": "< 5", "not_recorded": "< 5"}, cells(p25.RefusalGrounds)); diff != "" {
		t.Errorf("2025 refusal grounds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"total": "8", "danger": "5", "crisis_intervention": "< 5", "investigation": "< 5", "third_party": "< 5"},
		cells(p25.DeferralReasons)); diff != "" {
		t.Errorf("2025 deferral reasons (-want +got):\n%s", diff)
	}
	if c := cells(p25.SignalCategories); c["total"] != "14" || c["wellbeing"] != "6" || c["domestic_violence"] != "5" || c["child_safety"] != "< 5" {
		t.Errorf("2025 signal categories: %v", c)
	}
	// 6 of 8 co-signed would tell that 2 were not: hidden.
	if p25.AgainstWillDecs.Text(5) != "8" || !p25.CoSigned.Suppressed {
		t.Errorf("2025 against the will: %+v, co-signed %+v", p25.AgainstWillDecs, p25.CoSigned)
	}
	// 2024: every total below 5, so everything hidden; no "not recorded" row where there is none.
	p24 := published["2024"]
	if !p24.RefusalGrounds.Total.Suppressed || !p24.DeferralReasons.Total.Suppressed || !p24.AgainstWillDecs.Suppressed {
		t.Errorf("2024 reasons not hidden: %+v %+v %+v", p24.RefusalGrounds.Total, p24.DeferralReasons.Total, p24.AgainstWillDecs)
	}
	for _, n := range p24.RefusalGrounds.Names {
		if n == portal.GroundNotRecorded {
			t.Error("2024 has a not-recorded row without such refusals")
		}
	}
}

// TestOldStoredCountsStayReadable: figures stored before the reasons existed (statistics version 1,
// without the new fields) still read and publish (the reasons hidden as unknown), and are due to be
// computed again.
func TestOldStoredCountsStayReadable(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	p := portal.Year(2024)
	if _, err := db.raw.Exec(ctx, `INSERT INTO stats_periods (period, period_from, period_to, counts, computed_at)
VALUES ($1, $2, $3, '{"Label":"2024","RequestsByKind":{"inzage":7},"Decided":7,"Outcomes":{"toegewezen":7},"BreakGlass":6}', $4)`,
		p.Label, p.From, p.To, p.To.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	stored, err := db.StoredPeriods(ctx, []string{p.Label})
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := stored[p.Label]
	if !ok || sc.Counts.RequestsByKind["inzage"] != 7 || sc.Counts.Version != 0 || sc.Counts.RefusalGrounds != nil {
		t.Fatalf("old stored counts read as %+v", sc)
	}
	pub := portal.PublishStored(sc, 5)
	if pub.Requests.Total.Value != 7 || pub.BreakGlass.Value != 6 || !pub.RefusalGrounds.Total.Suppressed || !pub.SignalCategories.Total.Suppressed {
		t.Errorf("old stored counts publish as %+v", pub)
	}
	if !portal.NeedsRefresh(p, &sc, p.To.Add(2*time.Hour)) {
		t.Error("figures of an older statistics version are not due to be computed again")
	}
	fresh, err := db.RefreshPeriod(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Counts.Version != portal.StatsVersion || portal.NeedsRefresh(p, &fresh, p.To.Add(2*time.Hour)) {
		t.Errorf("recomputed figures: version %d", fresh.Counts.Version)
	}
}
