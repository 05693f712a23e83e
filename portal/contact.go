package portal

import "strings"

// Contact is how a citizen reaches the municipality's team behind Inzicht (the privacy team): shown
// in the portal's footer and contact page and in the letters' sign-off. Every field is optional; a
// field left empty is left out, never shown as an empty label.
type Contact struct {
	Phone   string // e.g. "14 0XX"
	Email   string // e.g. "privacy@voorbeeldstad.nl"
	Address string // postal address on one line, e.g. "Postbus 100, 1234 AB Voorbeeldstad"
	Hours   string // opening hours in the municipality's words, e.g. "maandag tot en met vrijdag 9.00–17.00 uur"
	HoursEN string // the same in English, for English pages and letters; optional
}

// HoursFor is the opening hours for a reader of lang: the English ones on an English page when they
// are set, else the Dutch ones.
func (c Contact) HoursFor(lang string) string {
	if lang == LangEN && c.HoursEN != "" {
		return c.HoursEN
	}
	return c.Hours
}

// HoursLang is "nl" when HoursFor(lang) gives the Dutch hours to a reader of another language (to be
// marked as Dutch for screen readers), else "".
func (c Contact) HoursLang(lang string) string {
	if lang != LangNL && c.HoursFor(lang) == c.Hours && c.Hours != "" {
		return LangNL
	}
	return ""
}

// Set reports whether any way to reach the team is configured.
func (c Contact) Set() bool {
	return strings.TrimSpace(c.Phone+c.Email+c.Address+c.Hours) != ""
}
