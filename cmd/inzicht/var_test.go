package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

// varFile is a small VNG register (VAR API 0.1 list answer), with the organisation's name under
// Inzicht's "organisaties" extension. The first entry is the VAR OAS's own example.
const varFile = `{
  "count": 2, "next": null, "previous": null,
  "organisaties": [{"oin": "00000001821002193000", "naam": "Gemeente Voorbeeldstad"}],
  "results": [
    {
      "id": "C83B2D4E-119B-4214-9567-8095E1D30EFF",
      "naam": "Wijzigen van geslachtsnaam.",
      "categorie": "Burgerzaken",
      "verantwoordelijkeOrganisatie": "00000001821002193000",
      "verantwoordelijkeBestuursorgaan": "Ambtenaar van de burgerlijke stand",
      "doel": "Verwerken van een verzoek tot geslachtsnaamwijziging",
      "grondslag": "Wettelijke verplichting",
      "toelichtingGrondslag": "BW Art. 1:20 lid 2, 1:20a lid 2 en 3, 1:80e lid 2, 1:163 en 1:183",
      "bewaartermijn": "5 jaar bij toekenning, 1 jaar bij afwijzing",
      "herkomst": "Betrokkene, BRP, Kadaster en Handelsregister",
      "afnemendeCategorieOntvangers": ["Justis"],
      "verwerktePersoonsgegevens": [{"rolBetrokkene": "aanvrager", "naam": "Naam en adres"}, {"naam": "BSN"}]
    },
    {
      "id": "5f0bef4c-f66f-4311-84a5-19e8bf359eaf",
      "naam": "Huwelijk",
      "verantwoordelijkeOrganisatie": "00000001821002193000",
      "doel": "Voltrekken van een huwelijk",
      "grondslag": "Wettelijke verplichting",
      "bewaartermijn": "P75Y"
    }
  ]
}`

func TestRegisterLoadVAR(t *testing.T) {
	url := pgtest.NewURL(t)
	env := envOf(map[string]string{"DATABASE_URL": url, "INZICHT_ENV": "development"})
	file := filepath.Join(t.TempDir(), "var.json")
	if err := os.WriteFile(file, []byte(varFile), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"register", "load", file}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "2 activities loaded (2 new, 0 updated) from a VNG VAR file, 1 organisations") {
		t.Errorf("output %q", s)
	}
	out.Reset()
	if err := run(context.Background(), []string{"register", "load", file}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), "(0 new, 2 updated)") {
		t.Errorf("load again: %q, %v", out.String(), err)
	}

	db, err := postgres.Open(context.Background(), url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Activities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	legal := "Wettelijke verplichting: BW Art. 1:20 lid 2, 1:20a lid 2 en 3, 1:80e lid 2, 1:163 en 1:183"
	want := []portal.Activity{{
		ID:   "5f0bef4c-f66f-4311-84a5-19e8bf359eaf",
		Name: portal.Text{NL: "Huwelijk", EN: "Huwelijk"}, Purpose: portal.Text{NL: "Voltrekken van een huwelijk", EN: "Voltrekken van een huwelijk"},
		LegalBasis: portal.Text{NL: "Wettelijke verplichting", EN: "Wettelijke verplichting"}, DataCategories: []string{"persoonsgegevens"},
		Retention: "P75Y", Controller: "Gemeente Voorbeeldstad",
	}, {
		ID:         "c83b2d4e-119b-4214-9567-8095e1d30eff",
		Name:       portal.Text{NL: "Wijzigen van geslachtsnaam.", EN: "Wijzigen van geslachtsnaam."},
		Purpose:    portal.Text{NL: "Verwerken van een verzoek tot geslachtsnaamwijziging", EN: "Verwerken van een verzoek tot geslachtsnaamwijziging"},
		LegalBasis: portal.Text{NL: legal, EN: legal}, DataCategories: []string{"naam_en_adres", "bsn"},
		Retention: "P5Y", Controller: "Gemeente Voorbeeldstad",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("register (-want +got):\n%s", diff)
	}
	names, err := db.OrganisationNames(context.Background(), []string{"00000001821002193000"})
	if err != nil || names["00000001821002193000"] != "Gemeente Voorbeeldstad" {
		t.Errorf("organisations %v, %v", names, err)
	}

	// An organisation nobody named, and a bewaartermijn without a period, are refused by entry.
	for name, body := range map[string]string{
		"unknown organisation": `[{"id":"0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10","naam":"N","doel":"D","grondslag":"G","bewaartermijn":"P1Y","verantwoordelijkeOrganisatie":"00000009999999999000"}]`,
		"no period":            `[{"id":"0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10","naam":"N","doel":"D","grondslag":"G","bewaartermijn":"zolang nodig","verantwoordelijkeOrganisatie":"00000001821002193000"}]`,
		"no doel":              `[{"id":"0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10","naam":"N","grondslag":"G","bewaartermijn":"P1Y","verantwoordelijkeOrganisatie":"00000001821002193000"}]`,
	} {
		bad := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(bad, []byte(body), 0o600)
		if err := run(context.Background(), []string{"register", "load", bad}, env, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "0b7e6c1e") {
			t.Errorf("%s: %v, want an error naming the entry", name, err)
		}
	}
	if got2, _ := db.Activities(context.Background()); len(got2) != 2 {
		t.Errorf("%d entries after refused files, want 2", len(got2))
	}
}
