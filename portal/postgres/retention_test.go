package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// TestRemoveExpiredEvents: events older than their own entry's retention period go, in batches,
// with the reviews of removed break-the-glass accesses; younger events and other entries' events
// stay; every batch is recorded; summaries follow; a second run removes nothing.
func TestRemoveExpiredEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	short := activity("kort")
	short.Retention = "P1Y"
	if _, err := db.PutActivity(ctx, short); err != nil {
		t.Fatal(err)
	}
	var evs []portal.Event
	old := func(bsn string, ago time.Duration, act string, mods ...func(*portal.Event)) portal.Event {
		e := event(bsn, t0.Add(-ago), append(mods, func(e *portal.Event) { e.Activity = act })...)
		evs = append(evs, e)
		return e
	}
	year := 365 * 24 * time.Hour
	for range 5 {
		old(bsnA, 2*year, "kort") // past one year: removed
	}
	glass := old(bsnA, 2*year, "kort", func(e *portal.Event) { e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "nood" })
	kept := old(bsnA, 300*24*time.Hour, "kort") // within one year
	other := old(bsnB, 2*year, "wmo-onderzoek") // P5Y: kept
	db.ingest(t, evs)
	if err := db.ReviewBreakGlass(ctx, glass.ID, portal.Staff{Sub: "fg", Name: "FG", Roles: []string{portal.RolePrivacyOfficer}}, true, "terecht"); err != nil {
		t.Fatal(err)
	}

	integrateAll(t, db.DB, testSigner(t)) // retention waits until an event has its leaf
	runs, err := db.RemoveExpiredEvents(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ActivityID != "kort" || runs[0].Removed != 6 || runs[0].ReviewsRemoved != 1 {
		t.Fatalf("runs = %+v, want one for kort with 6 removed and 1 review", runs)
	}
	if want := t0.In(portal.Amsterdam).AddDate(-1, 0, 0); !runs[0].Cutoff.Equal(want) {
		t.Errorf("cutoff %v, want %v", runs[0].Cutoff, want)
	}
	for _, id := range []string{kept.ID, other.ID} {
		var n int
		if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM processing_events WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
			t.Errorf("event %s removed (%d, %v)", id, n, err)
		}
	}
	if n := db.count(t, "processing_events"); n != 2 {
		t.Errorf("events left: %d, want 2", n)
	}
	if n := db.count(t, "break_glass_reviews"); n != 0 {
		t.Errorf("reviews left: %d, want 0", n)
	}
	// Batches of 2: 6 events in 3 recorded batches, summing to the run.
	var batches, removed, reviews int64
	if err := db.raw.QueryRow(ctx, `SELECT count(*), sum(removed), sum(reviews_removed) FROM retention_runs WHERE activity_id = 'kort'
 AND retention = 'P1Y'`).Scan(&batches, &removed, &reviews); err != nil {
		t.Fatal(err)
	}
	if batches != 3 || removed != 6 || reviews != 1 {
		t.Errorf("recorded %d batches, %d removed, %d reviews; want 3, 6, 1", batches, removed, reviews)
	}
	checkSummary(t, db, db.subject(t, bsnA), "after retention")
	checkSummary(t, db, db.subject(t, bsnB), "other citizen after retention")

	runs, err = db.RemoveExpiredEvents(ctx, 2)
	if err != nil || len(runs) != 0 {
		t.Errorf("second run = %+v, %v; want nothing removed", runs, err)
	}
	if n := db.count(t, "retention_runs"); n != 3 {
		t.Errorf("retention_runs rows after an empty run: %d, want 3", n)
	}
}

// TestRemoveExpiredChainSpans: spans kept only for their chain go once older than the longest
// retention period in the register (here P7Y, not the P5Y or P1Y of the other entries), in batches;
// younger ones stay; a second run removes nothing.
func TestRemoveExpiredChainSpans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	for id, r := range map[string]string{"kort": "P1Y", "lang": "P7Y"} {
		a := activity(id)
		a.Retention = r
		if _, err := db.PutActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	key, _, err := db.CreateAPIKey(ctx, "zaaksysteem", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	year := 365 * 24 * time.Hour
	var spans []portal.ChainSpan
	add := func(n int, ago time.Duration, act string) {
		for range n {
			i := len(spans) + 1
			spans = append(spans, portal.ChainSpan{Span: portal.Span{TraceID: fmt.Sprintf("%032x", i), SpanID: fmt.Sprintf("%016x", i),
				Name: "intake"}, StartedAt: t0.Add(-ago), System: "zaaksysteem", Activity: act})
		}
	}
	add(3, 8*year, "kort") // older than the longest retention: removed, whichever entry they cite
	add(2, 8*year, "")
	add(2, 6*year, "kort") // past kort's and wmo's retention but within lang's: kept
	add(1, time.Hour, "lang")
	if _, err := db.StoreChainSpans(ctx, key.ID, spans); err != nil {
		t.Fatal(err)
	}
	n, err := db.RemoveExpiredChainSpans(ctx, 2)
	if err != nil || n != 5 {
		t.Fatalf("removed %d (%v), want 5", n, err)
	}
	if left := db.count(t, "otlp_chain_spans"); left != 3 {
		t.Errorf("%d chain spans left, want 3", left)
	}
	if n, err := db.RemoveExpiredChainSpans(ctx, 2); err != nil || n != 0 {
		t.Errorf("second run removed %d (%v)", n, err)
	}
}

// TestRemoveExpiredRepresentativeActs: a representative's acts are removed with the events that record
// them, after the representatives' register entry's retention period; younger acts stay.
func TestRemoveExpiredRepresentativeActs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	if err := db.EnsureActivity(ctx, portal.RepresentativeActivityEntry("Gemeente")); err != nil {
		t.Fatal(err)
	}
	birth := "2016-05-01"
	rep, _, err := db.PutRepresentation(ctx, portal.Representation{ID: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", RepresentativeBSN: bsnA,
		SubjectBSN: bsnB, SubjectName: "Daan", SubjectBirthDate: birth, Kind: portal.RepParentalAuthority,
		Parts: []string{portal.PartLog}, LegalBasis: portal.LegalBasis{Kind: portal.BasisBRPAuthority, Reference: "gezag"},
		ValidFrom: birth}, 0)
	if err != nil {
		t.Fatal(err)
	}
	record := func(at time.Time) string {
		db.SetClock(func() time.Time { return at })
		id, err := db.RecordRepresentativeAct(ctx, portal.RepresentativeAct{RepresentationID: rep.ID, ActorID: rep.RepresentativeID,
			SubjectID: rep.SubjectID, What: portal.ActViewLog}, "Gemeente", "ouder met gezag")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	now := time.Now()
	record(now.AddDate(-6, 0, 0)) // past the P5Y of the entry
	kept := record(now.AddDate(-1, 0, 0))
	db.SetClock(func() time.Time { return now })
	integrateAll(t, db.DB, testSigner(t)) // retention waits until an event has its leaf
	if _, err := db.RemoveExpiredEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	acts, err := db.RepresentativeActs(ctx, portal.ActFilter{RepresentationID: rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].EventID != kept {
		t.Fatalf("after retention: %+v, want only the act %s", acts, kept)
	}
	evs, _, err := db.Events(ctx, rep.SubjectID, portal.EventFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].ID != kept {
		t.Errorf("the person's log after retention holds %d events, want the one recording the kept act", len(evs))
	}
}
