package portal

import "strings"

// Texts a person reads that come from outside systems (consent requests, signals) are Dutch, and
// may carry an English version (issue 18). An English page shows the English text when there is one;
// otherwise the Dutch text with a note that it is only available in Dutch (and lang="nl", so that a
// screen reader reads it as Dutch).

// Languages of the portal's pages.
const (
	LangNL = "nl"
	LangEN = "en"
)

// ConsentTexts are the texts of a consent request that the person reads, in one language.
type ConsentTexts struct {
	DataItem    string `json:"data_item"`
	DataHolder  string `json:"data_holder"`
	Purpose     string `json:"purpose"`
	Necessity   string `json:"necessity"`
	LegalGround string `json:"legal_ground"`
	IfRefused   string `json:"if_refused"`
	// RequesterRole is the asker's role (requested_by.role); optional in English (the Dutch role is
	// then shown, marked Dutch).
	RequesterRole string `json:"requester_role,omitempty"`
	// Lang is the language of the six texts above and RoleLang that of RequesterRole (LangNL or
	// LangEN); not part of the API.
	Lang     string `json:"-"`
	RoleLang string `json:"-"`
}

// fields lists the texts with their API names (under prefix) and longest lengths.
func (t *ConsentTexts) fields(prefix string) []textField {
	return []textField{{prefix + "data_item", &t.DataItem, 500}, {prefix + "data_holder", &t.DataHolder, 500},
		{prefix + "purpose", &t.Purpose, 2000}, {prefix + "necessity", &t.Necessity, 2000},
		{prefix + "legal_ground", &t.LegalGround, 2000}, {prefix + "if_refused", &t.IfRefused, 2000},
		{prefix + "requester_role", &t.RequesterRole, 500}}
}

type textField struct {
	field string
	v     *string
	max   int
}

// DutchOnly reports whether texts meant for a reader of lang are Dutch because no text in lang
// exists: the page then says so.
func (t ConsentTexts) DutchOnly(lang string) bool { return lang != LangNL && t.Lang == LangNL }

// RoleDutchOnly reports whether the asker's role is shown in Dutch to a reader of lang.
func (t ConsentTexts) RoleDutchOnly(lang string) bool { return lang != LangNL && t.RoleLang == LangNL }

// Texts returns the consent request's texts for a reader of lang: the English texts on an English
// page when the request has them, else the Dutch ones (Lang says which). The receipt and every page
// take the texts from here, so that they always agree.
func (c NewConsent) Texts(lang string) ConsentTexts {
	if lang == LangEN && c.EN != nil {
		t := *c.EN
		t.Lang, t.RoleLang = LangEN, LangEN
		if t.RequesterRole == "" {
			t.RequesterRole, t.RoleLang = c.RequestedBy.Role, LangNL
		}
		return t
	}
	return ConsentTexts{DataItem: c.DataItem, DataHolder: c.DataHolder, Purpose: c.Purpose, Necessity: c.Necessity,
		LegalGround: c.LegalGround, IfRefused: c.IfRefused, RequesterRole: c.RequestedBy.Role, Lang: LangNL, RoleLang: LangNL}
}

// SignalTexts are the texts about a signal that the person reads, in one language.
type SignalTexts struct {
	// SummaryForSubject is what the signal is about, written for the person.
	SummaryForSubject string `json:"summary_for_subject"`
	// HandlingTeam is the team's name; optional in English (the Dutch name is shown without it).
	HandlingTeam string `json:"handling_team,omitempty"`
	// Lang and TeamLang are the languages of SummaryForSubject and HandlingTeam (LangNL or LangEN);
	// not part of the API.
	Lang     string `json:"-"`
	TeamLang string `json:"-"`
}

// DutchOnly reports whether the text for a reader of lang is Dutch because there is none in lang.
func (t SignalTexts) DutchOnly(lang string) bool {
	return lang != LangNL && t.Lang == LangNL && t.SummaryForSubject != ""
}

// Texts returns the signal's texts for a reader of lang: on an English page the English text and
// team name when the signal has them, else the Dutch ones (Lang and TeamLang say which). A missing
// English team name is not worth a note: it is a name.
func (s NewSignal) Texts(lang string) SignalTexts {
	t := SignalTexts{SummaryForSubject: s.SummaryForSubject, HandlingTeam: s.HandlingTeam, Lang: LangNL, TeamLang: LangNL}
	if lang == LangEN && s.EN != nil {
		if s.EN.HandlingTeam != "" {
			t.HandlingTeam, t.TeamLang = s.EN.HandlingTeam, LangEN
		}
		if s.EN.SummaryForSubject != "" {
			t.SummaryForSubject, t.Lang = s.EN.SummaryForSubject, LangEN
		}
	}
	return t
}

// checkTexts trims each field and reports every problem: required and empty, or CheckFreeText.
func checkTexts(fs []textField, required func(field string) string, add func(field, msg string)) {
	for _, f := range fs {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" {
			if m := required(f.field); m != "" {
				add(f.field, m)
			}
		} else if m := CheckFreeText(*f.v, f.max); m != "" {
			add(f.field, m)
		}
	}
}
