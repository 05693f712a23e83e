package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

func TestEventsPagination(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	// 120 events; groups of three share a time, so the id must break ties.
	var evs []portal.Event
	for i := range 120 {
		evs = append(evs, event(bsnA, t0.Add(-time.Duration(i/3)*time.Hour)))
	}
	slices.Reverse(evs) // store oldest first so insertion order cannot stand in for the ordering
	db.ingest(t, evs)
	db.ingest(t, []portal.Event{event(bsnB, t0), event(bsnB, t0.Add(-500*time.Hour))}) // another citizen

	want := slices.Clone(evs)
	slices.SortFunc(want, func(a, b portal.Event) int {
		if c := b.OccurredAt.Compare(a.OccurredAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	var wantIDs []string
	for _, e := range want {
		wantIDs = append(wantIDs, e.ID)
	}

	subj := db.subject(t, bsnA)
	var got []string
	var pageSizes []int
	var mores []bool
	f := portal.EventFilter{Limit: 50}
	for page := 0; page < 10; page++ {
		evs, more, err := db.Events(ctx, subj, f)
		if err != nil {
			t.Fatal(err)
		}
		pageSizes = append(pageSizes, len(evs))
		mores = append(mores, more)
		got = append(got, ids(evs)...)
		if !more {
			break
		}
		last := evs[len(evs)-1]
		f.After = &portal.Cursor{OccurredAt: last.OccurredAt, ID: last.ID}
	}
	if diff := cmp.Diff([]int{50, 50, 20}, pageSizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, true, false}, mores); diff != "" {
		t.Errorf("more flags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantIDs, got); diff != "" {
		t.Errorf("events in order, each once (-want +got):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Errorf("event %s returned twice", id)
		}
		seen[id] = true
	}

	// Exactly Limit events left: more is false.
	f = portal.EventFilter{Limit: 120}
	all, more, err := db.Events(ctx, subj, f)
	if err != nil || len(all) != 120 || more {
		t.Errorf("Limit 120: %d events, more %v, err %v; want 120, false", len(all), more, err)
	}
	// Zero and oversized limits fall back to 50.
	for _, l := range []int{0, -1, 1001} {
		evs, more, err := db.Events(ctx, subj, portal.EventFilter{Limit: l})
		if err != nil || len(evs) != 50 || !more {
			t.Errorf("Limit %d: %d events, more %v, err %v; want 50, true", l, len(evs), more, err)
		}
	}
}

func TestEventRoundTrip(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	e := event(bsnA, t0.Add(-90*time.Minute), func(e *portal.Event) {
		e.Activity = "bijstand"
		e.Action = "disclose"
		e.Recipient = "CAK"
		e.DataCategories = []string{"income", "health"}
		e.Level = "that"
		e.Actor = portal.Actor{Organization: "Gemeente Voorbeeldstad", Team: "Werk en Inkomen", Role: "Klantmanager",
			EmployeeID: "E123", EmployeeName: "J. de Vries"}
		e.System = "Suite"
		e.CaseRef = "ZAAK-42"
		e.AccessBasis = portal.BasisAgainstWill
		e.AgainstWill = &portal.AgainstWill{DecisionRef: "BESL-1", Reason: "Vermoeden van fraude", ApprovedBy: "Teamleider"}
	})
	db.ingest(t, []portal.Event{e})
	got, err := db.Event(ctx, db.subject(t, bsnA), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := portal.LoggedEvent{Event: e, Activity: activity("bijstand"), ReceivedAt: t0}
	want.SubjectBSN = "" // the log never carries the BSN back
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Event (-want +got):\n%s", diff)
	}
	if !got.Sensitive() {
		t.Error("against_will event not sensitive")
	}
}

func TestEventNotFound(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	mine, theirs := event(bsnA, t0.Add(-time.Hour)), event(bsnB, t0.Add(-time.Hour))
	db.ingest(t, []portal.Event{mine, theirs})
	a := db.subject(t, bsnA)
	tests := []struct {
		name    string
		subject int64
		id      string
		want    string
	}{
		{"mine", a, mine.ID, ""},
		{"another citizen's event", a, theirs.ID, portal.ENOTFOUND},
		{"unknown id", a, uuid.NewString(), portal.ENOTFOUND},
		{"unknown subject", 999999, mine.ID, portal.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Event(ctx, tt.subject, tt.id)
			if code := portal.ErrorCode(err); code != tt.want {
				t.Fatalf("ErrorCode = %q, want %q (err %v)", code, tt.want, err)
			}
			if tt.want == "" && got.ID != tt.id {
				t.Errorf("got event %s, want %s", got.ID, tt.id)
			}
			if tt.want != "" && got.ID != "" {
				t.Errorf("error with an event: %+v", got.Event)
			}
		})
	}
}

func TestEventsFilters(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	at := func(h int) time.Time { return t0.Add(-time.Duration(h) * time.Hour) }
	e1 := event(bsnA, at(1), func(e *portal.Event) { e.Actor.Organization = "CAK"; e.DataCategories = []string{"income"} })
	e2 := event(bsnA, at(2), func(e *portal.Event) {
		e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "spoed"
		e.DataCategories = []string{"health", "income"}
	})
	e3 := event(bsnA, at(3), func(e *portal.Event) { e.AccessBasis, e.ConsentRef = portal.BasisConsent, "TOE-9" })
	e4 := event(bsnA, at(4), func(e *portal.Event) { e.Actor.Organization = "CAK"; e.AccessBasis = portal.BasisTeam })
	other := event(bsnB, at(2), func(e *portal.Event) { e.Actor.Organization = "CAK" })
	db.ingest(t, []portal.Event{e1, e2, e3, e4, other})
	subj := db.subject(t, bsnA)

	tests := []struct {
		name string
		f    portal.EventFilter
		want []portal.Event
	}{
		{"none", portal.EventFilter{}, []portal.Event{e1, e2, e3, e4}},
		{"from inclusive", portal.EventFilter{From: at(2)}, []portal.Event{e1, e2}},
		{"to exclusive", portal.EventFilter{To: at(2)}, []portal.Event{e3, e4}},
		{"from and to", portal.EventFilter{From: at(3), To: at(1)}, []portal.Event{e2, e3}},
		{"empty period", portal.EventFilter{From: at(1), To: at(1)}, nil},
		{"organization", portal.EventFilter{Organization: "CAK"}, []portal.Event{e1, e4}},
		{"organization unknown", portal.EventFilter{Organization: "UWV"}, nil},
		{"organization is exact", portal.EventFilter{Organization: "cak"}, nil},
		{"category", portal.EventFilter{Category: "income"}, []portal.Event{e1, e2}},
		{"category health", portal.EventFilter{Category: "health"}, []portal.Event{e2, e3, e4}},
		{"access basis break_glass", portal.EventFilter{AccessBasis: portal.BasisBreakGlass}, []portal.Event{e2}},
		{"access basis assigned", portal.EventFilter{AccessBasis: portal.BasisAssigned}, []portal.Event{e1}},
		{"combined", portal.EventFilter{Organization: "CAK", Category: "health"}, []portal.Event{e4}},
		{"filter and cursor", portal.EventFilter{Category: "health", After: &portal.Cursor{OccurredAt: e2.OccurredAt, ID: e2.ID}},
			[]portal.Event{e3, e4}},
		{"filter with limit", portal.EventFilter{Category: "health", Limit: 2}, []portal.Event{e2, e3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := db.Events(ctx, subj, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, e := range tt.want {
				want = append(want, e.ID)
			}
			if diff := cmp.Diff(want, ids(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfidentialEvents(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	until := t0.Add(30 * 24 * time.Hour)
	open := event(bsnA, t0.Add(-2*time.Hour), func(e *portal.Event) { e.Actor.Organization = "Gemeente" })
	secret := event(bsnA, t0.Add(-time.Hour), func(e *portal.Event) {
		e.ConfidentialUntil, e.ConfidentialReason = &until, "lopend fraudeonderzoek"
		e.Actor.Organization = "SIOD"
		e.DataCategories = []string{"income"}
		e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "onderzoek"
	})
	db.ingest(t, []portal.Event{open, secret})
	subj := db.subject(t, bsnA)

	check := func(t *testing.T, wantIDs []string, wantSecret bool, wantSum portal.Summary) {
		t.Helper()
		evs, _, err := db.Events(ctx, subj, portal.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantIDs, ids(evs)); diff != "" {
			t.Errorf("Events (-want +got):\n%s", diff)
		}
		for _, f := range []portal.EventFilter{{Organization: "SIOD"}, {Category: "income"}, {AccessBasis: portal.BasisBreakGlass}} {
			evs, _, err := db.Events(ctx, subj, f)
			if err != nil {
				t.Fatal(err)
			}
			if (len(evs) == 1) != wantSecret {
				t.Errorf("filter %+v: %d events, confidential visible should be %v", f, len(evs), wantSecret)
			}
		}
		_, err = db.Event(ctx, subj, secret.ID)
		if wantSecret && err != nil {
			t.Errorf("Event(confidential after its date) = %v", err)
		}
		if !wantSecret && portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("Event(confidential) error = %v, want %s", err, portal.ENOTFOUND)
		}
		sum, err := db.Summary(ctx, subj)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantSum, sum); diff != "" {
			t.Errorf("Summary (-want +got):\n%s", diff)
		}
	}

	t.Run("hidden before its date", func(t *testing.T) {
		check(t, []string{open.ID}, false, portal.Summary{Total: 1, LastYear: 1, Organizations: []string{"Gemeente"},
			Categories: []string{"health"}, Latest: open.OccurredAt})
	})
	t.Run("hidden one second before", func(t *testing.T) {
		db.clock.Set(until.Add(-time.Second))
		check(t, []string{open.ID}, false, portal.Summary{Total: 1, LastYear: 1, Organizations: []string{"Gemeente"},
			Categories: []string{"health"}, Latest: open.OccurredAt})
	})
	t.Run("visible once the date passes", func(t *testing.T) {
		db.clock.Set(until)
		check(t, []string{secret.ID, open.ID}, true, portal.Summary{Total: 2, LastYear: 2, BreakGlass: 1,
			Organizations: []string{"Gemeente", "SIOD"}, Categories: []string{"health", "income"}, Latest: secret.OccurredAt})
	})
}

func TestSummary(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	evs := []portal.Event{
		event(bsnA, t0.Add(-time.Hour), func(e *portal.Event) { e.Actor.Organization = "CAK"; e.DataCategories = []string{"income"} }),
		event(bsnA, t0.Add(-2*time.Hour), func(e *portal.Event) { e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "x" }),
		event(bsnA, t0.Add(-3*time.Hour), func(e *portal.Event) { e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "y" }),
		event(bsnA, t0.Add(-4*time.Hour), func(e *portal.Event) { e.AccessBasis, e.ConsentRef = portal.BasisConsent, "T" }),
		event(bsnA, t0.Add(-5*time.Hour), func(e *portal.Event) {
			e.AccessBasis = portal.BasisAgainstWill
			e.AgainstWill = &portal.AgainstWill{DecisionRef: "B", Reason: "R", ApprovedBy: "A"}
			e.DataCategories = []string{"address", "health"}
		}),
		event(bsnA, t0.AddDate(-2, 0, 0), func(e *portal.Event) { e.Actor.Organization = "UWV" }), // older than a year
		event(bsnB, t0, func(e *portal.Event) { e.Actor.Organization = "SVB"; e.DataCategories = []string{"pension"} }),
	}
	db.ingest(t, evs)
	got, err := db.Summary(ctx, db.subject(t, bsnA))
	if err != nil {
		t.Fatal(err)
	}
	// The consent line cites no stored consent ("T"): it did not hold, so it is not counted as
	// processing with the person's consent (issue 17).
	want := portal.Summary{Total: 6, LastYear: 5, BreakGlass: 2, Consent: 0, AgainstWill: 1,
		Organizations: []string{"CAK", "Gemeente Voorbeeldstad", "UWV"},
		Categories:    []string{"address", "health", "income"}, Latest: evs[0].OccurredAt}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}

	empty, err := db.Summary(ctx, db.subject(t, bsnC))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(portal.Summary{}, empty, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Summary of a citizen without events (-want +got):\n%s", diff)
	}
}

func TestEnsureSubject(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a1 := db.subject(t, bsnA)
	a2 := db.subject(t, bsnA)
	b := db.subject(t, bsnB)
	if a1 != a2 {
		t.Errorf("EnsureSubject not idempotent: %d then %d", a1, a2)
	}
	if a1 == b {
		t.Errorf("two BSNs share subject %d", a1)
	}
	if n := db.count(t, "subjects"); n != 2 {
		t.Errorf("subjects rows = %d, want 2", n)
	}
	for bsn, id := range map[string]int64{bsnA: a1, bsnB: b} {
		got, err := db.SubjectBSN(ctx, id)
		if err != nil || got != bsn {
			t.Errorf("SubjectBSN(%d) = %q, %v; want %q", id, got, err, bsn)
		}
	}
	if _, err := db.SubjectBSN(ctx, 987654); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("SubjectBSN(unknown) error = %v, want %s", err, portal.ENOTFOUND)
	}
	// Ingest links to the same subject row as the login does.
	e := event(bsnA, t0.Add(-time.Minute))
	db.ingest(t, []portal.Event{e, event(bsnC, t0)})
	if _, err := db.Event(ctx, a1, e.ID); err != nil {
		t.Errorf("event of bsnA not under subject %d: %v", a1, err)
	}
	if c := db.subject(t, bsnC); c == a1 || c == b {
		t.Errorf("subject of bsnC = %d collides", c)
	}
	if n := db.count(t, "subjects"); n != 3 {
		t.Errorf("subjects rows = %d, want 3", n)
	}
}
