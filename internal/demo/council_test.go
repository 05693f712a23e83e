package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
)

// historyNow is a fixed day late in a year, so this year has most of its history.
var historyNow = time.Date(2026, 11, 20, 10, 0, 0, 0, portal.Amsterdam)

// TestHistoryLoadsOnceAndFast: the history loads in bulk (seconds, not minutes), computes the
// figures of every period shown, and a second load adds nothing; it never touches the demo persons.
func TestHistoryLoadsOnceAndFast(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, db, historyNow); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	first, err := demo.LoadHistory(ctx, db, historyNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("history loaded in %v: %+v", time.Since(start), first)
	if first.Requests < 200 || first.Signals < 500 || first.Consents < 700 || first.Events < 80 || first.Periods != len(portal.StatisticsPeriods(historyNow)) {
		t.Errorf("first load: %+v", first)
	}
	second, err := demo.LoadHistory(ctx, db, historyNow)
	if err != nil {
		t.Fatal(err)
	}
	if second.Requests+second.Signals+second.Consents+second.Events+second.Subjects != 0 || second.Periods != 0 {
		t.Errorf("second load added something: %+v", second)
	}
}
