package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// TestBreakGlassAlerts: each emergency access stored becomes one notification for the team leads and
// one queued e-mail, in the transaction that stores it; a batch sent again alerts nobody twice; each
// team lead marks what they saw, independently; another organisation's access is not on this
// municipality's list.
func TestBreakGlassAlerts(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	const org = "Gemeente Voorbeeldstad"
	now := db.clock.Now()
	glassA := breakGlass(bsnA, now.Add(-time.Hour), "Crisis")
	glassB := breakGlass(bsnB, now.Add(-30*time.Minute), "Spoed")
	plain := event(bsnA, now.Add(-time.Hour))
	foreign := breakGlass(bsnB, now.Add(-10*time.Minute), "Spoed elders")
	foreign.Actor.Organization = "Zorgaanbieder Elders"
	counts := func() (notifications, jobs int) {
		return db.reqCount(t, `SELECT count(*) FROM staff_notifications WHERE kind = 'break_glass'`),
			db.reqCount(t, `SELECT count(*) FROM river_job WHERE kind = 'alert_break_glass'`)
	}
	db.ingest(t, []portal.Event{glassA, plain})
	if n, j := counts(); n != 1 || j != 1 {
		t.Fatalf("after one emergency access: %d notifications, %d jobs", n, j)
	}
	db.ingest(t, []portal.Event{glassA, plain}) // the client's retry
	if n, j := counts(); n != 1 || j != 1 {
		t.Fatalf("a batch sent again alerted again: %d notifications, %d jobs", n, j)
	}
	// The job holds when and by whom, never the person.
	var args string
	if err := db.raw.QueryRow(ctx, `SELECT args::text FROM river_job WHERE kind = 'alert_break_glass'`).Scan(&args); err != nil {
		t.Fatal(err)
	}
	for _, not := range []string{bsnA, "Crisis", glassA.Actor.EmployeeName} {
		if not != "" && strings.Contains(args, not) {
			t.Errorf("the job's arguments hold %q: %s", not, args)
		}
	}
	db.ingest(t, []portal.Event{glassB, foreign})
	if n, j := counts(); n != 3 || j != 3 {
		t.Fatalf("after three emergency accesses: %d notifications, %d jobs", n, j)
	}
	unseen := func(sub string) map[string]bool {
		u, err := db.UnseenBreakGlass(ctx, sub, org)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if u := unseen("lead-1"); len(u) != 2 || !u[glassA.ID] || !u[glassB.ID] {
		t.Fatalf("lead 1 unseen: %v", u)
	}
	if err := db.MarkBreakGlassSeen(ctx, "lead-1", []string{glassA.ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkBreakGlassSeen(ctx, "lead-1", []string{glassA.ID}); err != nil { // a double click
		t.Fatal(err)
	}
	if u := unseen("lead-1"); len(u) != 1 || !u[glassB.ID] {
		t.Errorf("lead 1 after marking one: %v", u)
	}
	if u := unseen("lead-2"); len(u) != 2 {
		t.Errorf("lead 2 is affected by lead 1's marking: %v", u)
	}
}
