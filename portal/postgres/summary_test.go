package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

// liveSummary computes a citizen's summary straight from the log: the definition the
// pre-aggregated Summary must match.
func liveSummary(t *testing.T, db *testDB, subjectID int64) portal.Summary {
	t.Helper()
	var s portal.Summary
	var latest *time.Time
	now := db.clock.Now()
	err := db.raw.QueryRow(context.Background(), `
SELECT count(*), count(*) FILTER (WHERE occurred_at >= $3),
       count(*) FILTER (WHERE access_basis = 'break_glass'), count(*) FILTER (WHERE access_basis = 'against_will'),
       count(*) FILTER (WHERE access_basis = 'consent' AND consent_covered IS NOT FALSE), max(occurred_at),
       coalesce(array_agg(DISTINCT actor_organization) FILTER (WHERE actor_organization <> ''), '{}'),
       coalesce((SELECT array_agg(DISTINCT c) FROM processing_events e2, unnest(e2.data_categories) c
                 WHERE e2.subject_id = $1 AND (e2.confidential_until IS NULL OR e2.confidential_until <= $2)), '{}')
FROM processing_events WHERE subject_id = $1 AND (confidential_until IS NULL OR confidential_until <= $2)`,
		subjectID, now, now.AddDate(-1, 0, 0)).Scan(&s.Total, &s.LastYear, &s.BreakGlass, &s.AgainstWill, &s.Consent,
		&latest, &s.Organizations, &s.Categories)
	if err != nil {
		t.Fatal(err)
	}
	if latest != nil {
		s.Latest = *latest
	}
	return s
}

func checkSummary(t *testing.T, db *testDB, subjectID int64, step string) {
	t.Helper()
	got, err := db.Summary(context.Background(), subjectID)
	if err != nil {
		t.Fatal(err)
	}
	want := liveSummary(t, db, subjectID)
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("%s: Summary differs from the log (-log +Summary):\n%s", step, diff)
	}
}

// TestSummaryMatchesTheLog: the pre-aggregated summary equals the summary computed from the log
// after every kind of change: batches with every access basis, organisations and categories, events
// confidential until a later moment, staff views hidden until a signal is told and then revealed,
// and removed events.
func TestSummaryMatchesTheLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	checkSummary(t, db, a, "no events")

	later := t0.Add(48 * time.Hour)
	past := t0.Add(-time.Hour)
	var batch []portal.Event
	for i, basis := range []string{portal.BasisAssigned, portal.BasisTeam, portal.BasisBreakGlass, portal.BasisConsent, portal.BasisAgainstWill, portal.BasisFunction} {
		batch = append(batch, event(bsnA, t0.AddDate(0, -i*3, 0), func(e *portal.Event) {
			e.AccessBasis = basis
			e.Actor.Organization = fmt.Sprintf("Org %d", i%3)
			e.DataCategories = [][]string{{"health"}, {"income"}, {"health", "income"}}[i%3]
			switch basis {
			case portal.BasisBreakGlass:
				e.BreakGlassReason = "nood"
			case portal.BasisConsent:
				e.ConsentRef = "0b6f6f3e-2f44-4c55-9d1e-2d6a3f1b2c3d"
			case portal.BasisAgainstWill:
				e.AgainstWill = &portal.AgainstWill{DecisionRef: "B-1", Reason: "veiligheid", ApprovedBy: "TL"}
			}
		}))
	}
	// Confidential: one until a later moment (hidden now), one whose confidentiality has passed.
	batch = append(batch, event(bsnA, t0.Add(-time.Hour), func(e *portal.Event) {
		e.Actor.Organization, e.DataCategories = "Geheime Dienst", []string{"criminal"}
		e.ConfidentialUntil, e.ConfidentialReason = &later, "onderzoek"
	}), event(bsnA, t0.AddDate(-2, 0, 0), func(e *portal.Event) {
		e.Actor.Organization = "Vroeger Geheim"
		e.ConfidentialUntil, e.ConfidentialReason = &past, "onderzoek"
	}), event(bsnB, t0, nil...))
	if _, err := db.Ingest(ctx, 0, batch); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, db, a, "after a mixed batch")
	checkSummary(t, db, b, "other citizen")
	if s, _ := db.Summary(ctx, a); slices.Contains(s.Organizations, "Geheime Dienst") || slices.Contains(s.Categories, "criminal") {
		t.Errorf("a still confidential event shows in the summary: %+v", s)
	}

	db.clock.Set(later.Add(time.Minute))
	checkSummary(t, db, a, "after the confidentiality ended")
	if s, _ := db.Summary(ctx, a); !slices.Contains(s.Organizations, "Geheime Dienst") {
		t.Errorf("the event whose confidentiality ended is missing: %+v", s)
	}

	// A view hidden until a signal is told ('infinity'), then revealed by an UPDATE.
	hidden := event(bsnA, t0, func(e *portal.Event) { e.Actor.Organization = "Meldpunt" })
	inf := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	hidden.ConfidentialUntil, hidden.ConfidentialReason = &inf, "melding"
	if _, err := db.Ingest(ctx, 0, []portal.Event{hidden}); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, db, a, "with a hidden view")
	if _, err := db.raw.Exec(ctx, `UPDATE processing_events SET confidential_until = $2 WHERE id = $1`, hidden.ID, db.clock.Now()); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, db, a, "after revealing the view")

	if _, err := db.raw.Exec(ctx, `DELETE FROM processing_events WHERE subject_id = $1 AND access_basis = 'team'`, a); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, db, a, "after removing events")
	checkSummary(t, db, b, "other citizen after removing events")
}

// TestSummaryConcurrentBatches: batches for the same people stored at the same time neither deadlock
// nor lose a count.
func TestSummaryConcurrentBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	people := []string{bsnA, bsnB, bsnC, bsnD, bsnE}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				var batch []portal.Event
				for i := range 50 {
					p := people[(w+i+round)%len(people)]
					if w%2 == 1 {
						p = people[len(people)-1-(i+round)%len(people)] // the other order
					}
					batch = append(batch, event(p, t0.Add(-time.Duration(i)*time.Minute)))
				}
				if _, err := db.Ingest(ctx, 0, batch); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for _, p := range people {
		id := db.subject(t, p)
		checkSummary(t, db, id, p)
		s, _ := db.Summary(ctx, id)
		total += s.Total
	}
	if total != 8*5*50 {
		t.Errorf("summaries count %d events, want %d", total, 8*5*50)
	}
}
