package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
)

// TestFamily: the demo family loads once (events and representations), the parents may act for both
// children now (one under 12, one from 12 to 16), and the administrator's entries include financial
// and non-financial processing, so the administrator's view visibly leaves some out.
func TestFamily(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if _, err := demo.Load(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	evs, reps, err := demo.LoadFamily(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	if evs == 0 || reps != 5 {
		t.Fatalf("first load: %d events, %d representations (want some, 5)", evs, reps)
	}
	evs, reps, err = demo.LoadFamily(ctx, db, now)
	if err != nil || evs != 0 || reps != 0 {
		t.Fatalf("second load added %d events, %d representations (%v)", evs, reps, err)
	}
	stages := map[string]string{}
	for _, r := range demo.FamilyRepresentations(now) {
		birth, _ := portal.ParseDate(r.SubjectBirthDate)
		stages[r.SubjectName] = portal.AgeRuleAt(birth, r.Kind, now).Stage
		if !r.ActsAt(now) {
			t.Errorf("%s may not act for %s on the demo day", r.RepresentativeName, r.SubjectName)
		}
	}
	if stages["Daan de Vries"] != portal.StageUnder12 || stages["Noor de Vries"] != portal.Stage12To16 {
		t.Errorf("children's stages: %v", stages)
	}
	reg, err := db.Register(ctx)
	if err != nil {
		t.Fatal(err)
	}
	financial := map[string]bool{}
	for _, a := range reg {
		financial[a.ID] = a.Financial
	}
	var fin, other int
	for _, r := range demo.FamilyRepresentations(now) {
		if r.Kind != portal.RepAdministration {
			continue
		}
		list, err := db.RepresentationsOf(ctx, r.SubjectBSN, false)
		if err != nil || len(list) != 1 {
			t.Fatalf("the administrated person's representations: %v %v", list, err)
		}
		sub, _ := db.EnsureSubject(ctx, r.SubjectBSN)
		es, _, err := db.Events(ctx, sub, portal.EventFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if financial[e.Activity.ID] {
				fin++
			} else {
				other++
			}
		}
	}
	if fin == 0 || other == 0 {
		t.Errorf("the administrated person has %d financial and %d other events; want both", fin, other)
	}
}
