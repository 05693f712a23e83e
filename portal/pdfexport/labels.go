package pdfexport

import (
	"fmt"
	"strings"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/i18n"
)

// Exporter renders the PDF documents with the fixed texts of one message catalogue. It is read-only
// after New, so it is safe for concurrent use.
type Exporter struct {
	nl, en             labels
	letterNL, letterEN *letterLabels
	contact            portal.Contact // the team's contact, printed in every letter's sign-off
}

// Option sets up an Exporter beyond its texts.
type Option func(*Exporter)

// WithContact prints the team's phone, e-mail, address and hours under every letter (fields left
// empty are left out) and names the address in the decision's objection paragraph.
func WithContact(c portal.Contact) Option {
	return func(e *Exporter) { e.contact = c }
}

// New reads the documents' fixed texts from cat. It returns an error naming the keys cat lacks in
// Dutch or English, so a broken catalogue stops the start-up instead of printing keys in a letter.
func New(cat *i18n.Catalog, opts ...Option) (*Exporter, error) {
	var missing []string
	text := func(lang string) func(key string) string {
		return func(key string) string {
			if !cat.Has(lang, key) {
				missing = append(missing, lang+":"+key)
			}
			return cat.T(lang, key) // no args: the text as is, verbs and all
		}
	}
	e := &Exporter{
		nl:       labelsFrom(text("nl")),
		en:       labelsFrom(text("en")),
		letterNL: letterLabelsFrom(true, text("nl")),
		letterEN: letterLabelsFrom(false, text("en")),
	}
	for _, o := range opts {
		o(e)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("pdfexport: the catalogue lacks %s", strings.Join(missing, ", "))
	}
	return e, nil
}

// labels are the fixed texts of the document in one language.
type labels struct {
	title     string
	continued string
	heading   string
	period    string
	periodFmt string // from, to
	start     string
	issued    string
	page      string // page number, total alias
	empty     string
	explain   []string

	role, employee, action, categories, level, activity, purpose, legal, basis, recipient, caseRef, marks string
}

func (l labels) rowLabels() []string {
	return []string{l.role, l.employee, l.action, l.categories, l.level, l.activity, l.purpose, l.legal, l.basis,
		l.recipient, l.caseRef, l.marks}
}

// labelsFrom reads the labels of the processing overview. The fields of an event have the field.*
// keys of the log page and the CSV's header: one set of labels for the page, the HTML document, the
// PDF and the CSV (issue 18).
func labelsFrom(t func(key string) string) labels {
	return labels{
		title:     t("pdf.log.title"),
		continued: t("pdf.continued"),
		heading:   t("pdf.log.heading"),
		period:    t("pdf.log.period"),
		periodFmt: t("pdf.log.period.fmt"),
		start:     t("pdf.log.start"),
		issued:    t("pdf.log.issued"),
		page:      t("pdf.page"),
		empty:     t("pdf.log.empty"),
		explain:   []string{t("pdf.log.explain.1"), t("log.hidden"), t("pdf.log.explain.3")},

		role:       t("field.role"),
		employee:   t("field.employee"),
		action:     t("field.action"),
		categories: t("field.categories"),
		level:      t("field.level"),
		activity:   t("field.activity"),
		purpose:    t("field.purpose"),
		legal:      t("field.legal"),
		basis:      t("field.basis"),
		recipient:  t("field.recipient"),
		caseRef:    t("field.case"),
		marks:      t("field.marks"),
	}
}

// isEnglish is the one language choice of every document: "en" (also "en-GB" and the like) is
// English, anything else Dutch, so the text of a letter and the labels of its overview blocks never
// mix languages.
func isEnglish(lang string) bool {
	return len(lang) >= 2 && (lang[:2] == "en" || lang[:2] == "EN" || lang[:2] == "En")
}

// labelsFor returns the English labels for English and the Dutch labels otherwise.
func (e *Exporter) labelsFor(lang string) labels {
	if isEnglish(lang) {
		return e.en
	}
	return e.nl
}
