package pdfexport

import (
	"strings"
	"testing"

	"github.com/jung-kurt/gofpdf"

	"github.com/inzicht/inzicht/portal/i18n"
)

// contentText is every text of c, joined with spaces, whitespace collapsed: what an HTML page made
// from c shows.
func contentText(c Content) string {
	var ss []string
	add := func(s ...string) { ss = append(ss, s...) }
	add(c.Municipality, c.Title, c.Salutation)
	for _, f := range c.Facts {
		add(f.Label)
		add(f.Values...)
	}
	add(c.Intro...)
	for _, p := range c.Parts {
		add(p.Heading, p.Main, p.Sub, p.WordsLabel, p.Words, p.Empty)
		add(p.Columns...)
		for _, pa := range p.Paras {
			add(pa.Text)
		}
		for _, f := range p.Facts {
			add(f.Label)
			add(f.Values...)
		}
		for _, ev := range p.Events {
			add(ev.Title)
			for _, f := range ev.Fields {
				add(f.Label, f.Value)
			}
		}
		for _, n := range p.Notes {
			add(n.Line, n.Text)
		}
		for _, ch := range p.Charts {
			add(ch.Title)
			add(ch.Labels...)
			add(ch.Texts...)
		}
		for _, row := range p.Table {
			add(row...)
		}
	}
	if so := c.SignOff; so != nil {
		add(so.Closing, so.Signatory, so.Sender, so.ContactHeading)
		for _, f := range so.Contact {
			add(f.Label + ": " + strings.Join(f.Values, ", "))
		}
	}
	return normSpace(strings.Join(ss, " "))
}

// TestContentHoldsWhatThePDFDraws: for every kind of document, in every variant (a draft, notes, an
// appeal, a co-signed refusal, events with marks, charts and tables), each string the PDF draws in its
// body is in the document's Content, the one source of the HTML page; and the PDF holds the Content's
// headings and values. A part laid out in the PDF but left out of Content (or the other way) fails here.
func TestContentHoldsWhatThePDFDraws(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cat, WithContact(teamContact))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"nl", "en"} {
		d := sampleDecision(lang, 3)
		d.Draft, d.CoSigned, d.Ground, d.FiledBy = "CONCEPT", true, "Een grond.", "Aangevraagd door Eva namens Daan"
		d.NotesListed, d.Notes = true, sampleNotes()
		appeal := sampleDecision(lang, 0)
		appeal.Appeal, appeal.Inspection = true, false
		empty := sampleDecision(lang, 0)
		empty.NotesListed = true
		r := sampleReceipt(lang)
		r.Email = true
		cr := ConsentReceipt{Letter: sampleLetter(lang), Title: "Bewijs van uw antwoord", Intro: "U gaf antwoord.", Decision: "U gaf toestemming",
			Fields: [][2]string{{"Wie vroeg het", "Gemeente"}, {"Leeg", ""}, {"Doel", "Dagbesteding"}}, Closing: "U kunt intrekken."}
		rp := Report{Letter: Letter{Lang: lang, Municipality: "Gemeente Voorbeeldstad", IssuedAt: letterIssued}, Title: "Rapportage 2026", Intro: "Cijfers.",
			Charts: []Chart{{Title: "Verzoeken", Labels: []string{"K1", "K2"}, Values: []int{3, 10}, Suppressed: []bool{true, false}, Texts: []string{"< 5", "10"}}},
			Sections: []ReportSection{{Heading: "Soorten", Rows: [][2]string{{"Inzage", "12"}}},
				{Heading: "Vergelijking", Columns: []string{"Wat", "2026", "2025", "Verschil"}, Table: [][]string{{"Inzage", "12", "8", "+4"}}}}}
		log := sampleDoc(lang, 6)
		for name, c := range map[string]struct {
			content Content
			pdf     *gofpdf.Fpdf
		}{
			"receipt":  {e.ReceiptContent(r), e.buildReceipt(r)},
			"decision": {e.DecisionContent(d), e.buildDecision(d)},
			"appeal":   {e.DecisionContent(appeal), e.buildDecision(appeal)},
			"empty":    {e.DecisionContent(empty), e.buildDecision(empty)},
			"consent":  {e.ConsentReceiptContent(cr), e.buildConsentReceipt(cr)},
			"report":   {e.ReportContent(rp), e.buildReport(rp)},
			"log":      {e.LogContent(log), e.build(log)},
		} {
			t.Run(lang+" "+name, func(t *testing.T) {
				// What cp1252 lacks the PDF writes as a look-alike (Ł as L): the content as the PDF can show it.
				text := decodeCP1252([]byte(newEncoder(c.pdf.UnicodeTranslatorFromDescriptor(""))(contentText(c.content))))
				text = normSpace(text)
				// The body of every page, without the running header and footer.
				lt := readLetter(t, plainLetter(t, c.pdf))
				drawn := lt.flow
				enc := newEncoder(c.pdf.UnicodeTranslatorFromDescriptor(""))
				for _, pg := range lt.parts {
					for _, s := range pg {
						s = normSpace(strings.TrimSuffix(strings.TrimPrefix(s, "• "), ":"))
						if s != "" && !strings.Contains(text, s) {
							t.Errorf("the PDF draws %q, which the content lacks", s)
						}
					}
				}
				for _, p := range c.content.Parts {
					if p.Heading != "" && !strings.Contains(drawn, p.Heading) {
						t.Errorf("the content's heading %q is not in the PDF", p.Heading)
					}
					for _, ev := range p.Events {
						for _, f := range ev.Fields {
							if !strings.Contains(drawn, normSpace(decodeCP1252([]byte(enc(f.Value))))) {
								t.Errorf("the content's %s %q is not in the PDF", f.Label, f.Value)
							}
						}
					}
				}
			})
		}
	}
}
