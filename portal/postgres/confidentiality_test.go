package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// TestExtendConfidentialityOverTime: an extended event stays out of the citizen's log and summary
// past its old end, and appears in both (once) after its new end; the extension is recorded.
func TestExtendConfidentialityOverTime(t *testing.T) {
	t.Parallel()
	d := newTestDB(t)
	ctx := context.Background()
	key, _, err := d.CreateAPIKey(ctx, "suite", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	oldEnd := t0.Add(24 * time.Hour)
	hidden := event(bsnA, t0.Add(-time.Hour), func(e *portal.Event) { e.ConfidentialUntil, e.ConfidentialReason = &oldEnd, "inquiry" })
	plain := event(bsnA, t0.Add(-2*time.Hour))
	evs := []portal.Event{hidden, plain}
	if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Ingest(ctx, key.ID, evs); err != nil {
		t.Fatal(err)
	}
	subject, err := d.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantTotal int) {
		t.Helper()
		s, err := d.Summary(ctx, subject)
		if err != nil {
			t.Fatal(err)
		}
		log, _, err := d.Events(ctx, subject, portal.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != wantTotal || len(log) != wantTotal || s.LastYear != wantTotal {
			t.Errorf("%s: summary total %d (last year %d), log %d; want %d", when, s.Total, s.LastYear, len(log), wantTotal)
		}
	}
	check("before", 1)
	newEnd := t0.Add(10 * 24 * time.Hour)
	r, err := d.ExtendConfidentiality(ctx, evs[0].ID, key, portal.ConfidentialityExtension{Until: newEnd, Reason: "inquiry goes on"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.PreviousUntil.Equal(oldEnd) || !r.Until.Equal(newEnd) || !r.ExtendedAt.Equal(t0) {
		t.Errorf("receipt %+v", r)
	}
	d.clock.Set(oldEnd.Add(time.Hour))
	check("past the old end", 1)
	if _, err := d.ExtendConfidentiality(ctx, evs[1].ID, key, portal.ConfidentialityExtension{Until: newEnd, Reason: "x"}); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Errorf("extending a visible event: %v, want ECONFLICT", err)
	}
	d.clock.Set(newEnd.Add(time.Hour))
	check("past the new end", 2)
	if _, err := d.ExtendConfidentiality(ctx, evs[0].ID, key, portal.ConfidentialityExtension{Until: newEnd.Add(24 * time.Hour), Reason: "x"}); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Errorf("extending after the end: %v, want ECONFLICT", err)
	}
	xs, err := d.ConfidentialityExtensions(ctx, evs[0].ID)
	if err != nil || len(xs) != 1 {
		t.Fatalf("recorded: %v %v", xs, err)
	}
}
