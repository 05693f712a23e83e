package pdfexport

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Content is one document as a sequence of parts, in the words of its language: the one description
// of a letter, report or log overview that the PDF lays out on A4 and that the portal shows as an
// HTML page (the accessible version: gofpdf cannot write a tagged PDF). Both are made from the same
// Content, so the page and the PDF cannot say different things.
type Content struct {
	Lang         string // "nl" or "en"
	Municipality string // the sender
	Title        string
	Facts        []Fact // under the sender: the date, the reference, the masked BSN (a log: the period)
	Salutation   string // "" when the document has none (a report, the log)
	Intro        []string
	Parts        []Part
	SignOff      *SignOff // nil when the document is not signed (a report, the log)
}

// Fact is a label with one or more values.
type Fact struct {
	Label  string
	Values []string
}

// Part kinds: what a Part holds and how it is shown.
const (
	PartSection = "section" // a heading (may be "") and paragraphs
	PartBox     = "box"     // a highlighted statement: Main and, smaller, Sub
	PartRequest = "request" // the request as filed: Heading, Paras (who filed it), Facts, the citizen's Words
	PartEvents  = "events"  // processing events: Heading, Paras (intro), Events or the Empty line
	PartNotes   = "notes"   // internal notes: Heading, Paras (intro), Notes or the Empty line
	PartCharts  = "charts"  // the report's bar charts
	PartFigures = "figures" // the report's figures: Heading, Facts (label, value) and/or a table
)

// Part is one part of a document; Kind says which fields are used.
type Part struct {
	Kind    string
	Heading string
	Paras   []Para
	Main    string // box
	Sub     string // box
	Facts   []Fact
	// WordsLabel and Words are the citizen's own words (a request), shown as a quote.
	WordsLabel string
	Words      string
	Events     []Event
	Notes      []Note
	Empty      string // shown when Events or Notes is empty
	Charts     []Chart
	Columns    []string
	Table      [][]string
	// KeepWithSignOff: the last section before the sign-off, kept on one page with it in the PDF.
	KeepWithSignOff bool
}

// Para is a paragraph; Bold ones stand out (the last day to object).
type Para struct {
	Text string
	Bold bool
	Lang string // the paragraph's language when it is not the document's ("" when it is)
}

// Event is one processing event: a title (time, organisation, team) and its labelled fields.
type Event struct {
	When   time.Time
	Title  string
	Fields []Field
}

// Field is one labelled value of an event; Mark fields are warnings (emergency access, against the
// person's will) that stand out.
type Field struct {
	Label string
	Value string
	Mark  bool
}

// Note is an internal note as the decision lists it: a line with date, author and request, and the
// note's words.
type Note struct {
	Line string
	Text string
}

// SignOff is the end of a letter: the closing, the signatory line (decisions), the sender, and how
// to reach the team.
type SignOff struct {
	Closing        string
	Signatory      string
	Sender         string
	ContactHeading string
	Contact        []Fact
}

// paras makes paragraphs of the non-empty texts, trimmed.
func paras(ss ...string) []Para {
	var out []Para
	for _, s := range nonEmpty(ss) {
		out = append(out, Para{Text: s})
	}
	return out
}

// section is a section part, or nothing when it has no text.
func section(heading string, ss ...string) []Part {
	ps := paras(ss...)
	if len(ps) == 0 {
		return nil
	}
	return []Part{{Kind: PartSection, Heading: heading, Paras: ps}}
}

// letterFacts are the facts under the sender: the date, and the reference and masked BSN when set.
func letterFacts(ll *letterLabels, l Letter) []Fact {
	facts := []Fact{{Label: ll.date, Values: []string{date(l.IssuedAt)}}}
	if ref := strings.TrimSpace(l.Reference); ref != "" {
		facts = append(facts, Fact{Label: ll.reference, Values: []string{ref}})
	}
	if bsn := strings.TrimSpace(maskBSN(l.MaskedBSN)); bsn != "" {
		facts = append(facts, Fact{Label: ll.bsn, Values: []string{bsn}})
	}
	return facts
}

// normLetter masks the BSN again and dates an undated letter now.
func normLetter(l Letter) Letter {
	l.MaskedBSN = maskBSN(l.MaskedBSN)
	if l.IssuedAt.IsZero() {
		l.IssuedAt = time.Now()
	}
	return l
}

// letterContent is what every letter starts with.
func letterContent(ll *letterLabels, l Letter, title, intro string) Content {
	return Content{Lang: langOf(l.Lang), Municipality: l.Municipality, Title: title, Facts: letterFacts(ll, l),
		Salutation: ll.salutation, Intro: []string{intro}}
}

func langOf(l string) string {
	if isEnglish(l) {
		return "en"
	}
	return "nl"
}

// requestPart is what the citizen asked for.
func requestPart(ll *letterLabels, heading, kind string, received time.Time, scope []string, description, filedBy string) Part {
	p := Part{Kind: PartRequest, Heading: heading, Paras: paras(filedBy)}
	if k := strings.TrimSpace(kind); k != "" {
		p.Facts = append(p.Facts, Fact{Label: ll.kind, Values: []string{k}})
	}
	if !received.IsZero() {
		p.Facts = append(p.Facts, Fact{Label: ll.received, Values: []string{date(received)}})
	}
	if sc := nonEmpty(scope); len(sc) > 0 {
		p.Facts = append(p.Facts, Fact{Label: ll.scope, Values: sc})
	}
	if d := strings.TrimSpace(description); d != "" {
		p.WordsLabel, p.Words = ll.words, d
	}
	return p
}

// signOff is the end of a letter; signatory adds the college's line (decisions).
func (e *Exporter) signOff(ll *letterLabels, l Letter, signatory bool) *SignOff {
	so := &SignOff{Closing: ll.closing, Sender: strings.TrimSpace(l.Municipality), ContactHeading: ll.contactHeading}
	if signatory {
		so.Signatory = fmt.Sprintf(ll.signatoryFmt, college(ll, l.Municipality))
	}
	for _, f := range []struct{ label, value string }{
		{ll.phone, e.contact.Phone}, {ll.hours, e.contact.HoursFor(l.Lang)},
		{ll.email, e.contact.Email}, {ll.address, e.contact.Address},
	} {
		if v := strings.TrimSpace(f.value); v != "" {
			so.Contact = append(so.Contact, Fact{Label: f.label, Values: []string{v}})
		}
	}
	return so
}

// ReceiptContent is the confirmation of receipt as content (RenderReceipt lays it out as a PDF).
func (e *Exporter) ReceiptContent(r Receipt) Content {
	r.Letter = normLetter(r.Letter)
	ll := e.letterLabelsFor(r.Lang)
	c := letterContent(ll, r.Letter, ll.receiptTitle, ll.receiptIntro)
	c.Parts = append(c.Parts, requestPart(ll, ll.receiptRequest, r.Kind, r.ReceivedAt, r.Scope, r.Description, r.FiledBy))
	deadline := ll.deadlineUnknown
	if !r.Deadline.IsZero() {
		deadline = fmt.Sprintf(ll.deadlineFmt, date(r.Deadline))
	}
	c.Parts = append(c.Parts, Part{Kind: PartBox, Main: deadline})
	c.Parts = append(c.Parts, section(ll.nextHeading, ll.next...)...)
	news := ll.followInbox
	if r.Email {
		news = ll.followEmail
	}
	questions := ll.questionsNoRef
	if ref := strings.TrimSpace(r.Reference); ref != "" {
		questions = fmt.Sprintf(ll.questionsFmt, ref)
	}
	c.Parts = append(c.Parts, keepWithSignOff(section(ll.followHeading, ll.follow, news, questions))...)
	c.SignOff = e.signOff(ll, r.Letter, false)
	return c
}

func keepWithSignOff(ps []Part) []Part {
	for i := range ps {
		ps[i].KeepWithSignOff = true
	}
	return ps
}

// DecisionContent is the decision letter as content (RenderDecision lays it out as a PDF).
func (e *Exporter) DecisionContent(d Decision) Content {
	d.Letter = normLetter(d.Letter)
	ll := e.letterLabelsFor(d.Lang)
	c := letterContent(ll, d.Letter, ll.decisionTitle, ll.decisionIntro)
	if d.Draft != "" {
		c.Parts = append(c.Parts, Part{Kind: PartBox, Main: d.Draft})
	}
	c.Parts = append(c.Parts, requestPart(ll, ll.decisionRequest, d.Kind, d.ReceivedAt, d.Scope, d.Description, d.FiledBy))
	decided := d.DecidedAt
	if decided.IsZero() {
		decided = d.IssuedAt
	}
	c.Parts = append(c.Parts, Part{Kind: PartBox, Main: fmt.Sprintf(ll.outcomeFmt, strings.TrimSpace(d.Outcome)),
		Sub: fmt.Sprintf(ll.decidedFmt, date(decided))})
	c.Parts = append(c.Parts, section(ll.ground, d.Ground)...)
	c.Parts = append(c.Parts, section(ll.why, d.Motivation)...)
	c.Parts = append(c.Parts, section(ll.corrections, d.Corrections)...)
	if d.CoSigned {
		c.Parts = append(c.Parts, section(ll.cosignedHeading, ll.cosigned)...)
	}
	if reason := strings.TrimSpace(d.ExtensionReason); reason != "" {
		c.Parts = append(c.Parts, section(ll.extensionHeading, fmt.Sprintf(ll.extensionFmt, reason))...)
	}
	if d.Inspection || len(d.Overview) > 0 { // rows given are never dropped
		p := Part{Kind: PartEvents, Heading: ll.overview, Paras: paras(ll.overviewIntro), Empty: ll.overviewEmpty}
		lb := e.labelsFor(d.Lang)
		for _, r := range d.Overview {
			p.Events = append(p.Events, lb.event(r))
		}
		c.Parts = append(c.Parts, p)
	}
	if d.NotesListed || len(d.Notes) > 0 { // notes given are never dropped
		p := Part{Kind: PartNotes, Heading: ll.notesHeading, Paras: paras(ll.notesIntro), Empty: ll.notesEmpty}
		for _, n := range d.Notes {
			p.Notes = append(p.Notes, Note{Line: fmt.Sprintf(ll.noteLineFmt, date(n.At), strings.TrimSpace(n.Author),
				strings.TrimSpace(n.Reference)), Text: strings.TrimSpace(n.Text)})
		}
		c.Parts = append(c.Parts, p)
	}
	c.Parts = append(c.Parts, objectionPart(ll, d.Letter, d.Appeal, e.contact.Address))
	c.SignOff = e.signOff(ll, d.Letter, true)
	return c
}

// objectionPart says how to object (or, after a decision on an objection, to appeal), with the last
// day in bold; it is kept on one page with the sign-off.
func objectionPart(ll *letterLabels, l Letter, appeal bool, address string) Part {
	ref := fmt.Sprintf(ll.refPhraseFmt, strings.TrimSpace(l.Reference))
	if strings.TrimSpace(l.Reference) == "" {
		ref = ll.refPhraseNone
	}
	object := fmt.Sprintf(ll.objectFmt, college(ll, l.Municipality), ref)
	if a := strings.TrimSpace(address); a != "" {
		object += " " + fmt.Sprintf(ll.objectAddress, a)
	}
	heading := ll.objectHeading
	lastDay := fmt.Sprintf(ll.lastDayFmt, date(objectionLastDay(l.IssuedAt)))
	if appeal {
		heading = ll.appealHeading
		object = fmt.Sprintf(ll.appealFmt, ref)
		lastDay = fmt.Sprintf(ll.appealLastDayFmt, date(objectionLastDay(l.IssuedAt)))
	}
	return Part{Kind: PartSection, Heading: heading, KeepWithSignOff: true,
		Paras: []Para{{Text: object}, {Text: lastDay, Bold: true}, {Text: ll.complaint}}}
}

// ConsentReceiptContent is the consent receipt as content (RenderConsentReceipt lays it out).
func (e *Exporter) ConsentReceiptContent(r ConsentReceipt) Content {
	r.Letter = normLetter(r.Letter)
	ll := e.letterLabelsFor(r.Lang)
	c := letterContent(ll, r.Letter, r.Title, r.Intro)
	c.Parts = append(c.Parts, Part{Kind: PartBox, Main: r.Decision})
	for _, f := range r.Fields {
		if f[1] == "" {
			continue
		}
		ps := section(f[0], f[1])
		if slices.Contains(r.DutchLabels, f[0]) {
			for i := range ps {
				for j := range ps[i].Paras {
					ps[i].Paras[j].Lang = "nl"
				}
			}
		}
		c.Parts = append(c.Parts, ps...)
	}
	c.Parts = append(c.Parts, keepWithSignOff(section("", r.Closing))...)
	c.SignOff = e.signOff(ll, r.Letter, false)
	return c
}

// ReportContent is the council's report as content (RenderReport lays it out).
func (e *Exporter) ReportContent(r Report) Content {
	r.Letter = normLetter(r.Letter)
	ll := e.letterLabelsFor(r.Lang)
	c := Content{Lang: langOf(r.Lang), Municipality: r.Municipality, Title: r.Title,
		Facts: []Fact{{Label: ll.date, Values: []string{date(r.IssuedAt)}}}, Intro: []string{r.Intro}}
	if len(r.Charts) > 0 {
		c.Parts = append(c.Parts, Part{Kind: PartCharts, Charts: r.Charts})
	}
	for _, s := range r.Sections {
		p := Part{Kind: PartFigures, Heading: s.Heading, Columns: s.Columns, Table: s.Table}
		for _, row := range s.Rows {
			p.Facts = append(p.Facts, Fact{Label: row[0], Values: []string{row[1]}})
		}
		c.Parts = append(c.Parts, p)
	}
	return c
}

// LogContent is the overview of processing as content (Render lays it out as a PDF).
func (e *Exporter) LogContent(d Document) Content {
	l := e.labelsFor(d.Lang)
	if d.IssuedAt.IsZero() {
		d.IssuedAt = time.Now()
	}
	c := Content{Lang: langOf(d.Lang), Municipality: d.Municipality, Title: l.title,
		Facts: []Fact{{Label: "BSN", Values: []string{maskBSN(d.MaskedBSN)}}, {Label: l.period, Values: []string{l.periodOf(d)}},
			{Label: l.issued, Values: []string{date(d.IssuedAt)}}},
		Intro: l.explain}
	p := Part{Kind: PartEvents, Heading: l.heading, Empty: l.empty}
	for _, r := range d.Rows {
		p.Events = append(p.Events, l.event(r))
	}
	c.Parts = append(c.Parts, p)
	return c
}

// event is a row with its title and labelled fields, as every document shows it.
func (l labels) event(r Row) Event {
	return Event{When: r.When, Title: rowTitle(r), Fields: l.fields(r)}
}
