package web

import "strings"

// RowLabels are the labels of the fields of a line of the log, in one language. They are the same on
// every line, so they are looked up once per language (server.rowLabels) instead of by a template
// function call for every field of every line: html/template calls its functions by reflection, and
// those calls were about half of the server's CPU time for a page of 25 lines (docs/performance.md).
type RowLabels struct {
	Role, Action, Categories, Level, Purpose, Legal, Basis, Recipient, Case, System, NotStated string
}

func (s *server) newRowLabels(l string) *RowLabels {
	return &RowLabels{Role: s.t(l, "field.role"), Action: s.t(l, "field.action"), Categories: s.t(l, "field.categories"),
		Level: s.t(l, "field.level"), Purpose: s.t(l, "field.purpose"), Legal: s.t(l, "field.legal"), Basis: s.t(l, "field.basis"),
		Recipient: s.t(l, "field.recipient"), Case: s.t(l, "field.case"), System: s.t(l, "field.system"),
		NotStated: s.t(l, "field.not_stated")}
}

// labelsFor returns the row labels of language l.
func (s *server) labelsFor(l string) *RowLabels {
	if r, ok := s.rowLabels[l]; ok {
		return r
	}
	return s.newRowLabels(l)
}

// setRowTexts fills the texts a line of the log shows that are made of several fields, so the
// template writes each with one action: the heading (time, organisation, team) and the data
// categories as one list. The template escapes them as it escaped the parts. (The employee is not
// among them: a staff page fills it in after the row is made.)
func (s *server) setRowTexts(l string, r *Row) {
	r.L = s.labelsFor(l)
	r.Heading = FormatDateTime(l, r.When) + " — " + r.Org
	if r.Team != "" {
		r.Heading += ", " + r.Team
	}
	r.CategoryList = strings.Join(r.Categories, ", ")
}
