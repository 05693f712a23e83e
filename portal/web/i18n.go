package web

import (
	"fmt"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// t returns the message key in lang from the catalogue, formatted with args; templates call it as
// {{t .Lang "key"}}.
func (s *server) t(lang, key string, args ...any) string { return s.cat.T(lang, key, args...) }

// category returns the plain-language name of a data category.
func (s *server) category(lang, id string) string { return s.cat.Category(lang, id) }

var amsterdam = portal.Amsterdam

var monthsNL = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

// FormatDateTime shows a time in Europe/Amsterdam in the language's style.
func FormatDateTime(lang string, t time.Time) string {
	t = t.In(amsterdam)
	if lang == "en" {
		return t.Format("2 January 2006, 15:04")
	}
	return fmt.Sprintf("%d %s %d, %s", t.Day(), monthsNL[t.Month()-1], t.Year(), t.Format("15:04"))
}

// FormatDate shows a date in Europe/Amsterdam in the language's style.
func FormatDate(lang string, t time.Time) string {
	t = t.In(amsterdam)
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsNL[t.Month()-1], t.Year())
}
