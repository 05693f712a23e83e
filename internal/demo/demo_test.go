package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
)

func TestLoadTwiceAddsNothing(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Now()
	first, err := demo.Load(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := demo.Register()
	if first.Activities != len(reg) || first.Events != len(demo.Events(now)) || first.Existing != 0 {
		t.Fatalf("first load: %+v (register %d, events %d)", first, len(reg), len(demo.Events(now)))
	}
	second, err := demo.Load(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	if second.Activities != 0 || second.Events != 0 || second.Existing != first.Events {
		t.Fatalf("second load added something: %+v", second)
	}
	// A load on a later day (other dates, same ids) adds nothing either.
	third, err := demo.Load(ctx, db, now.AddDate(0, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	if third.Events != 0 {
		t.Fatalf("load on a later day added %d events", third.Events)
	}
	for _, c := range demo.Citizens {
		id, err := db.EnsureSubject(ctx, c.BSN)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := db.Summary(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total < 90 || sum.Latest.Before(now.AddDate(0, 0, -30)) || sum.Latest.After(now) {
			t.Errorf("citizen %s: %d visible events, latest %v; want a year of events up to now", portal.MaskBSN(c.BSN), sum.Total, sum.Latest)
		}
	}
}

func TestDemoCoversEveryKindOfEvent(t *testing.T) {
	now := time.Now()
	kinds := map[string]int{}
	domains := map[string]bool{}
	var confidentialFuture, confidentialPast, foreign, failed int
	for _, e := range demo.Events(now) {
		if e.Span != nil && e.Span.Foreign != nil {
			foreign++
		}
		if e.Span != nil && e.Span.Failed {
			failed++
		}
		kinds[e.AccessBasis]++
		domains[e.Activity] = true
		if e.ConfidentialUntil != nil {
			if e.ConfidentialUntil.After(now) {
				confidentialFuture++
			} else {
				confidentialPast++
			}
		}
		if e.OccurredAt.Before(now.AddDate(-1, 0, -1)) || e.OccurredAt.After(now) {
			t.Errorf("event %s at %v lies outside the last year", e.ID, e.OccurredAt)
		}
	}
	for _, k := range []string{"break_glass", "consent", "against_will", "assigned", "team", "function"} {
		if kinds[k] == 0 {
			t.Errorf("no demo event with access basis %s", k)
		}
	}
	for _, a := range []string{"wmo-onderzoek", "jeugd-toegang", "pw-bijstand"} {
		if !domains[a] {
			t.Errorf("no demo event for %s", a)
		}
	}
	if confidentialFuture == 0 || confidentialPast == 0 {
		t.Errorf("want confidential events both still hidden and released: %d, %d", confidentialFuture, confidentialPast)
	}
	if foreign == 0 || failed == 0 {
		t.Errorf("want spans done for another organisation (%d) and failed ones (%d)", foreign, failed)
	}
	reg, err := demo.Register()
	if err != nil {
		t.Fatal(err)
	}
	if len(reg) < 10 {
		t.Errorf("register has %d activities, want about ten", len(reg))
	}
}
