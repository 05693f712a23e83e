package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
)

func TestPutActivity(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()

	b := activity("b-register")
	a := activity("a-register")
	a2 := a
	a2.Name = portal.Text{NL: "Nieuwe naam", EN: "New name"}
	a2.Purpose = portal.Text{NL: "Nieuw doel", EN: "New purpose"}
	a2.LegalBasis = portal.Text{NL: "Nieuwe wet", EN: "New act"}
	a2.DataCategories = []string{"address"}
	a2.Retention = "P18M"
	a2.Controller = "CAK"

	steps := []struct {
		name        string
		put         portal.Activity
		wantCreated bool
		wantList    []portal.Activity
	}{
		{"create b", b, true, []portal.Activity{b}},
		{"create a", a, true, []portal.Activity{a, b}},
		{"same a again", a, false, []portal.Activity{a, b}},
		{"update a", a2, false, []portal.Activity{a2, b}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			created, err := db.PutActivity(ctx, s.put)
			if err != nil {
				t.Fatal(err)
			}
			if created != s.wantCreated {
				t.Errorf("created = %v, want %v", created, s.wantCreated)
			}
			got, err := db.Activities(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(s.wantList, got); diff != "" {
				t.Errorf("Activities (-want +got):\n%s", diff)
			}
		})
	}
	set, err := db.ActivityIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"a-register": true, "b-register": true}, set); diff != "" {
		t.Errorf("ActivityIDs (-want +got):\n%s", diff)
	}
}

func TestActivitiesEmpty(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	got, err := db.Activities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("Activities on an empty register = %v", got)
	}
}
