package portal

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCheckFreeText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		okay bool
	}{
		{"Uw huisarts", 500, true},
		{"Dossier 123456789 bij de GGD", 500, true}, // nine digits, but not a BSN (11-proef)
		{"Over 999990019", 500, false},
		{"BSN999990019X", 500, false},
		{"1999990019", 500, true}, // nine digits inside a longer number: a phone number, not a BSN as written
		{"Over 9999 90 019", 500, false},
		{"te lang", 3, false},
		{"bel\x07", 500, false},
		{"\xff", 500, false},
	} {
		if got := CheckFreeText(tc.in, tc.max) == ""; got != tc.okay {
			t.Errorf("CheckFreeText(%q, %d) ok = %v, want %v", tc.in, tc.max, got, tc.okay)
		}
	}
}

func TestConsentTexts(t *testing.T) {
	nc := NewConsent{DataItem: "Uitslag", DataHolder: "Huisarts", Purpose: "Hulp", Necessity: "Nodig", LegalGround: "Geheim",
		IfRefused: "Samen"}
	dutch := ConsentTexts{DataItem: "Uitslag", DataHolder: "Huisarts", Purpose: "Hulp", Necessity: "Nodig", LegalGround: "Geheim",
		IfRefused: "Samen", Lang: LangNL, RoleLang: LangNL}
	for _, l := range []string{LangNL, LangEN} {
		if d := cmp.Diff(dutch, nc.Texts(l)); d != "" {
			t.Errorf("without English, %s (-want +got):\n%s", l, d)
		}
	}
	if !nc.Texts(LangEN).DutchOnly(LangEN) || nc.Texts(LangNL).DutchOnly(LangNL) {
		t.Error("DutchOnly")
	}
	en := ConsentTexts{DataItem: "Result", DataHolder: "GP", Purpose: "Help", Necessity: "Needed", LegalGround: "Secrecy", IfRefused: "Together"}
	nc.EN = &en
	if d := cmp.Diff(dutch, nc.Texts(LangNL)); d != "" {
		t.Errorf("with English, nl (-want +got):\n%s", d)
	}
	want := en
	want.Lang, want.RoleLang = LangEN, LangNL // no English role: the Dutch one ("" here)
	if got := nc.Texts(LangEN); got != want || got.DutchOnly(LangEN) || !got.RoleDutchOnly(LangEN) {
		t.Errorf("with English, en: %+v", got)
	}
	nc.RequestedBy.Role = "Wmo-consulent"
	if got := nc.Texts(LangEN); got.RequesterRole != "Wmo-consulent" || !got.RoleDutchOnly(LangEN) {
		t.Errorf("Dutch role on an English page: %+v", got)
	}
	en.RequesterRole = "Social support adviser"
	if got := nc.Texts(LangEN); got.RequesterRole != "Social support adviser" || got.RoleDutchOnly(LangEN) {
		t.Errorf("English role: %+v", got)
	}
	if got := nc.Texts(LangNL); got.RequesterRole != "Wmo-consulent" || got.RoleDutchOnly(LangNL) {
		t.Errorf("Dutch page: %+v", got)
	}
	if nc.EN.Lang != "" {
		t.Error("Texts changed the stored English texts")
	}
}

func TestSignalTexts(t *testing.T) {
	s := NewSignal{SummaryForSubject: "Zorgen", HandlingTeam: "Wijkteam"}
	if got := s.Texts(LangEN); got != (SignalTexts{SummaryForSubject: "Zorgen", HandlingTeam: "Wijkteam", Lang: LangNL, TeamLang: LangNL}) || !got.DutchOnly(LangEN) {
		t.Errorf("without English: %+v", got)
	}
	s.EN = &SignalTexts{SummaryForSubject: "Worries"}
	if got := s.Texts(LangEN); got != (SignalTexts{SummaryForSubject: "Worries", HandlingTeam: "Wijkteam", Lang: LangEN, TeamLang: LangNL}) || got.DutchOnly(LangEN) {
		t.Errorf("English text, Dutch team name: %+v", got)
	}
	s.EN.HandlingTeam = "District team"
	if got := s.Texts(LangNL); got.SummaryForSubject != "Zorgen" || got.HandlingTeam != "Wijkteam" {
		t.Errorf("Dutch page: %+v", got)
	}
	// No text for the person at all: nothing to note.
	if (NewSignal{HandlingTeam: "Wijkteam"}).Texts(LangEN).DutchOnly(LangEN) {
		t.Error("an empty text is noted as Dutch only")
	}
}

func TestConsentEnglishValidation(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	valid := func() NewConsent {
		return NewConsent{ID: "7f9c3c38-3b5e-4c1a-9d7e-2f1d3f0b6a11", SubjectBSN: "999993653", CaseRef: "Z-1",
			RequestedBy: ConsentRequester{Organization: "Gemeente", Role: "Consulent"}, DataItem: "Uitslag knie",
			DataHolder: "Huisarts", Purpose: "Hulp", Necessity: "Nodig", LegalGround: "Geheim", IfRefused: "Samen",
			ValidUntil: now.AddDate(0, 1, 0).Format("2006-01-02")}
	}
	c := valid()
	c.EN = &ConsentTexts{DataItem: "Result of the knee examination", DataHolder: "Your GP", Purpose: " Help ", Necessity: "Needed",
		LegalGround: "Secrecy", IfRefused: "Together"}
	if err := c.Validate(now); err != nil {
		t.Fatalf("valid English texts: %v %v", err, ErrorFields(err))
	}
	if c.EN.Purpose != "Help" {
		t.Errorf("not trimmed: %q", c.EN.Purpose)
	}
	c.EN.DataHolder = "Your GP or the hospital"
	c.EN.Necessity = ""
	c.EN.RequesterRole = "Adviser 999990019"
	err := c.Validate(now)
	var got []string
	for _, f := range ErrorFields(err) {
		got = append(got, f.Field)
	}
	if d := cmp.Diff([]string{"en.necessity", "en.requester_role", "en.data_holder"}, got); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}
