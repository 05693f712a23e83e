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

// TestOrganizationByEntity: an LDV entity URI names a register entry's controller when it is that
// entry's URI or a URI above it, an entity naming an OIN the organisation with that OIN, a
// controller's name names itself, and anything else is unknown.
func TestOrganizationByEntity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	svb := activity("svb-aow")
	svb.Controller, svb.URI = "Sociale Verzekeringsbank", "https://svb.example/register/aow"
	if _, err := db.PutActivity(ctx, svb); err != nil {
		t.Fatal(err)
	}
	const oin = "00000001003214345000"
	if _, err := db.PutOrganisation(ctx, portal.Organisation{OIN: oin, Name: "Belastingdienst"}); err != nil {
		t.Fatal(err)
	}
	toeslagen := activity("toeslagen")
	toeslagen.Controller, toeslagen.URI = "Dienst Toeslagen", "https://toeslagen.example/register/"+oin
	if _, err := db.PutActivity(ctx, toeslagen); err != nil {
		t.Fatal(err)
	}
	for entity, want := range map[string]string{
		oin:                 "Belastingdienst",
		"urn:nl:oin:" + oin: "Belastingdienst",
		"https://belastingdienst.example/oin/" + oin: "Belastingdienst",
		"urn:nl:oin:00000001003214345001":            "",                 // an OIN nobody named
		toeslagen.URI:                                "Dienst Toeslagen", // a register entry's URI ending in an OIN: the register wins
		"https://svb.example/register/aow":           "Sociale Verzekeringsbank",
		"https://svb.example/":                       "Sociale Verzekeringsbank",
		"https://svb.example":                        "Sociale Verzekeringsbank",
		"https://svb.examplex":                       "",
		"gemeente voorbeeldstad":                     "Gemeente Voorbeeldstad",
		"https://other.example":                      "",
		"":                                           "",
	} {
		got, err := db.OrganizationByEntity(ctx, entity)
		if err != nil || got != want {
			t.Errorf("%q: %q (%v), want %q", entity, got, err, want)
		}
	}
	// A URI is unique across entries; another entry asking for it is ECONFLICT and changes nothing.
	other := activity("ander")
	other.URI = svb.URI
	if _, err := db.PutActivity(ctx, other); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Errorf("a taken uri: %v, want ECONFLICT", err)
	}
	reg, err := db.Register(ctx)
	uris := map[string]string{}
	for _, a := range reg {
		if a.URI != "" {
			uris[a.ID] = a.URI
		}
	}
	if err != nil || len(reg) != 4 || len(uris) != 2 || uris["svb-aow"] != svb.URI {
		t.Errorf("register of %d entries with uris %v (%v)", len(reg), uris, err)
	}
	if as, _ := db.Activities(ctx); len(as) != 4 {
		t.Errorf("register holds %d entries, want 4 (the refused PUT stored nothing)", len(as))
	}
}

// TestFinancialActivities: a register entry's financial mark (issue 16: an administrator acts in
// these only) is stored apart from the entry's own columns, read by Register, and replaced with the
// entry: a PUT without it clears it.
func TestFinancialActivities(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	income := activity("pw-bijstand")
	income.Financial = true
	for _, a := range []portal.Activity{income, activity("wmo-onderzoek")} {
		if _, err := db.PutActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	financial := func() map[string]bool {
		t.Helper()
		reg, err := db.Register(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, a := range reg {
			m[a.ID] = a.Financial
		}
		return m
	}
	if got := financial(); !got["pw-bijstand"] || got["wmo-onderzoek"] || len(got) != 2 {
		t.Errorf("financial marks %v, want only pw-bijstand", got)
	}
	income.Financial = false
	if _, err := db.PutActivity(ctx, income); err != nil {
		t.Fatal(err)
	}
	if got := financial(); got["pw-bijstand"] {
		t.Errorf("a PUT without financial kept the mark: %v", got)
	}
}
