package pdfexport

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// Letter is what every letter carries.
type Letter struct {
	Lang         string    // "nl" or "en"
	Municipality string    // e.g. "Gemeente Voorbeeldstad" (sender)
	Reference    string    // e.g. "AVG-2026-000042"
	IssuedAt     time.Time // letter date (shown in Europe/Amsterdam); zero means now
	MaskedBSN    string    // e.g. "*****1234"; masked again here, a full BSN is never printed
}

// Receipt confirms a rights request was received (ontvangstbevestiging).
type Receipt struct {
	Letter
	Kind        string    // already translated, e.g. "Bezwaar tegen een verwerking (AVG artikel 21)"
	ReceivedAt  time.Time // zero: line omitted
	Deadline    time.Time // the legal deadline; zero: "within one month"
	Scope       []string  // already translated lines, e.g. "Alle gegevens"
	Description string    // the citizen's own words; may be long and multi-line
	Email       bool      // true: news also comes by e-mail; false: look in the inbox in Inzicht
	// FiledBy, already translated, names a representative who filed the request for the person, e.g.
	// "Aangevraagd door Eva de Vries (ouder met gezag) namens Daan de Vries"; "" = omitted.
	FiledBy string
}

// Decision is the reasoned decision letter (besluit).
type Decision struct {
	Letter
	Kind            string
	ReceivedAt      time.Time
	Scope           []string
	Description     string
	Outcome         string    // already translated: "Toegewezen" / "Gedeeltelijk toegewezen" / "Afgewezen"
	Motivation      string    // may be long
	Corrections     string    // what was corrected where; "" = section omitted
	Ground          string    // already translated: why it was not granted in full; "" = omitted
	CoSigned        bool      // a decision against the person's will, co-signed by a team lead (four eyes)
	ExtensionReason string    // "" = omitted; else why the deadline was extended
	DecidedAt       time.Time // zero: the letter date
	Inspection      bool      // an inspection request: the overview is printed, with a "none found" line when Overview is empty
	Appeal          bool      // the decision on an Awb objection: the letter explains an appeal to the court, not another objection
	Overview        []Row     // every processing event in scope; printed when Inspection or not empty
	FiledBy         string    // as in Receipt
	// Draft, when set, is printed in a box above the letter: a clerk's preview before deciding
	// ("CONCEPT — dit besluit is nog niet genomen"). Nothing else in the letter differs.
	Draft string
	// NotesListed: the letter lists the internal notes about the person (the answer to an inspection
	// request granted in full or in part), with a "none" line when Notes is empty.
	NotesListed bool
	Notes       []InternalNote // printed when NotesListed or not empty
}

// InternalNote is a staff member's internal note about the person, as the inspection answer lists it.
type InternalNote struct {
	At        time.Time // shown as a date in Europe/Amsterdam
	Author    string    // already as shown: the author's role (or name)
	Reference string    // the request the note was written on
	Text      string
}

// RenderReceipt writes the confirmation of receipt as a PDF to w.
func (e *Exporter) RenderReceipt(w io.Writer, r Receipt) error {
	return outputLetter(w, e.buildReceipt(r), true)
}

// RenderDecision writes the decision letter as a PDF to w.
func (e *Exporter) RenderDecision(w io.Writer, d Decision) error {
	return outputLetter(w, e.buildDecision(d), true)
}

func outputLetter(w io.Writer, pdf *gofpdf.Fpdf, compress bool) error {
	pdf.SetCompression(compress)
	return pdf.Output(w)
}

// Extra layout of the letters, in millimetres.
const (
	sectionGap = 5.0 // space above a section heading
	headingH   = 6.0 // line height of a section heading (12 pt)
	paraGap    = 2.0 // space after a paragraph
	boxPad     = 3.0 // vertical padding of a highlighted box
	boxInset   = 4.0 // horizontal inset of text in a box and the citizen's words
	accentW    = 1.0 // width of the blue bar on the left of a box
)

// letterBuilder lays out one letter. It reuses the overview's builder for
// fonts, the encoder and the processing-event blocks.
type letterBuilder struct {
	*builder
	ll    *letterLabels
	lt    Letter
	title string
	kw    float64 // width of the label column of the facts
}

func (e *Exporter) newLetterBuilder(l Letter, title string) *letterBuilder {
	l = normLetter(l)
	b := e.newBuilder(Document{Lang: l.Lang, Municipality: l.Municipality, MaskedBSN: l.MaskedBSN, IssuedAt: l.IssuedAt})
	lb := &letterBuilder{builder: b, ll: e.letterLabelsFor(l.Lang), lt: l, title: title}

	p := b.pdf
	subject := lb.title
	if ref := strings.TrimSpace(l.Reference); ref != "" {
		subject += " – " + ref
	}
	p.SetTitle(lb.title, true)
	p.SetSubject(subject, true)
	p.SetHeaderFuncMode(lb.header, true)
	p.SetFooterFunc(lb.footer)

	ll := lb.ll
	p.SetFont(fontFamily, "B", bodySize)
	for _, s := range []string{ll.date, ll.reference, ll.bsn, ll.kind, ll.received, ll.scope} {
		if w := p.GetStringWidth(b.enc(s + ":")); w > lb.kw {
			lb.kw = w
		}
	}
	lb.kw += labelGap
	return lb
}

func (lb *letterBuilder) bottom() float64 {
	_, h := lb.pdf.GetPageSize()
	return h - marginBot
}

// room is the height of an empty page's body.
func (lb *letterBuilder) room() float64 { return lb.bottom() - marginTop - 6 }

// keep starts a new page when h does not fit in the space left, unless h
// would not fit on an empty page either.
func (lb *letterBuilder) keep(h float64) {
	if lb.pdf.GetY()+h > lb.bottom() && h <= lb.room() {
		lb.pdf.AddPage()
	}
}

// header draws the blue bar with the sender; pages after the first also get
// the letter's title as a running title.
func (lb *letterBuilder) header() {
	p := lb.pdf
	defer p.SetCellMargin(p.GetCellMargin())
	p.SetCellMargin(0)
	w, _ := p.GetPageSize()
	setFill(p, colBlue)
	p.Rect(0, 0, w, barHeight, "F")
	p.SetFont(fontFamily, "B", 10)
	setText(p, rgb{0xff, 0xff, 0xff})
	p.SetXY(marginL, 0)
	p.CellFormat(lb.contentWidth(), barHeight, lb.enc(lb.lt.Municipality), "", 0, "L", false, 0, "")
	if p.PageNo() > 1 {
		p.SetXY(marginL, barHeight+3)
		p.SetFont(fontFamily, "", 8)
		setText(p, colMuted)
		p.CellFormat(lb.contentWidth(), 4, lb.enc(lb.title+" "+lb.l.continued), "", 0, "L", false, 0, "")
	}
}

// footer writes "Pagina X van Y" on the left and the reference and letter
// date on the right.
func (lb *letterBuilder) footer() {
	p := lb.pdf
	defer p.SetCellMargin(p.GetCellMargin())
	p.SetCellMargin(0)
	_, h := p.GetPageSize()
	y := h - 15
	setDraw(p, colRule)
	p.SetLineWidth(0.2)
	p.Line(marginL, y, marginL+lb.contentWidth(), y)
	p.SetXY(marginL, y+1.5)
	p.SetFont(fontFamily, "", 8)
	setText(p, colMuted)
	half := lb.contentWidth() / 2
	p.CellFormat(half, 4, lb.enc(fmt.Sprintf(lb.l.page, p.PageNo(), "{nb}")), "", 0, "L", false, 0, "")
	right := date(lb.lt.IssuedAt)
	if ref := strings.TrimSpace(lb.lt.Reference); ref != "" {
		right = fmt.Sprintf(lb.ll.footerRef, ref) + "  ·  " + right
	}
	p.CellFormat(half, 4, lb.enc(right), "", 0, "R", false, 0, "")
}

// opening writes the sender, the facts of the letter, the title, the
// salutation and the first paragraph.
func (lb *letterBuilder) opening(c Content) {
	p := lb.pdf
	cw := lb.contentWidth()
	p.AddPage()

	p.SetFont(fontFamily, "B", 12)
	setText(p, colText)
	p.MultiCell(cw, 6, lb.enc(c.Municipality), "", "L", false)
	p.Ln(1)
	for _, f := range c.Facts {
		lb.fact(f.Label, f.Values)
	}

	p.Ln(6)
	p.SetFont(fontFamily, "B", 17)
	setText(p, colBlue)
	p.MultiCell(cw, 8, lb.enc(c.Title), "", "L", false)
	p.Ln(1)
	setDraw(p, colBlue)
	p.SetLineWidth(0.6)
	y := p.GetY()
	p.Line(marginL, y, marginL+cw, y)
	p.Ln(5)

	if c.Salutation != "" {
		lb.para(c.Salutation)
	}
	for _, s := range c.Intro {
		lb.para(s)
	}
}

// fact writes a label with one or more value lines next to it.
func (lb *letterBuilder) fact(label string, values []string) {
	p := lb.pdf
	vw := lb.contentWidth() - lb.kw
	for i, v := range values {
		if p.GetY()+lineH > lb.bottom() { // keep the label with its first line
			p.AddPage()
		}
		y := p.GetY()
		if i == 0 {
			p.SetFont(fontFamily, "B", bodySize)
			setText(p, colText)
			p.SetXY(marginL, y)
			p.CellFormat(lb.kw, lineH, lb.enc(label+":"), "", 0, "L", false, 0, "")
		}
		p.SetFont(fontFamily, "", bodySize)
		setText(p, colText)
		p.SetXY(marginL+lb.kw, y)
		p.MultiCell(vw, lineH, lb.enc(v), "", "L", false)
	}
}

// paraHeight is the height para needs for s.
func (lb *letterBuilder) paraHeight(s string) float64 {
	lb.pdf.SetFont(fontFamily, "", bodySize)
	return float64(lb.lines(lb.enc(s), lb.contentWidth()))*lineH + paraGap
}

// para writes a paragraph of body text. It may break over pages.
func (lb *letterBuilder) para(s string) {
	p := lb.pdf
	p.SetFont(fontFamily, "", bodySize)
	setText(p, colText)
	p.SetX(marginL)
	p.MultiCell(lb.contentWidth(), lineH, lb.enc(s), "", "L", false)
	p.Ln(paraGap)
}

// firstLines is the height of the first lines of s that must stay with a
// heading: two lines, or the whole paragraph when it is shorter.
func (lb *letterBuilder) firstLines(s string) float64 {
	lb.pdf.SetFont(fontFamily, "", bodySize)
	return float64(min(2, lb.lines(lb.enc(s), lb.contentWidth()))) * lineH
}

// heading writes a section heading. need is the height of what must follow
// it on the same page, so a heading is never left alone at the bottom.
func (lb *letterBuilder) heading(s string, need float64) {
	p := lb.pdf
	cw := lb.contentWidth()
	p.SetFont(fontFamily, "B", 12)
	h := float64(lb.lines(lb.enc(s), cw))*headingH + 1.5
	switch {
	case p.GetY()+sectionGap+h+need <= lb.bottom():
		p.Ln(sectionGap)
	case h+need <= lb.room():
		p.AddPage()
	default:
		p.Ln(sectionGap)
		if p.GetY()+h+2*lineH > lb.bottom() {
			p.AddPage()
		}
	}
	p.SetFont(fontFamily, "B", 12)
	setText(p, colBlue)
	p.SetX(marginL)
	p.MultiCell(cw, headingH, lb.enc(s), "", "L", false)
	p.Ln(1.5)
}

// box is a highlighted statement: a light block with a blue bar on the left,
// a bold first text and an optional smaller second line. It is never split.
func (lb *letterBuilder) box(main, sub string) {
	p := lb.pdf
	cw := lb.contentWidth()
	tw := cw - accentW - 2*boxInset
	main, sub = lb.enc(main), lb.enc(sub)
	p.SetFont(fontFamily, "B", 12)
	h := float64(lb.lines(main, tw))*headingH + 2*boxPad
	if sub != "" {
		p.SetFont(fontFamily, "", bodySize)
		h += float64(lb.lines(sub, tw))*lineH + 0.5
	}
	p.Ln(sectionGap - paraGap)
	lb.keep(h)
	y := p.GetY()
	setFill(p, colBlockFill)
	p.Rect(marginL, y, cw, h, "F")
	setFill(p, colBlue)
	p.Rect(marginL, y, accentW, h, "F")
	x := marginL + accentW + boxInset
	p.SetXY(x, y+boxPad)
	p.SetFont(fontFamily, "B", 12)
	setText(p, colBlue)
	p.MultiCell(tw, headingH, main, "", "L", false)
	if sub != "" {
		p.SetXY(x, p.GetY()+0.5)
		p.SetFont(fontFamily, "", bodySize)
		setText(p, colText)
		p.MultiCell(tw, lineH, sub, "", "L", false)
	}
	p.SetXY(marginL, y+h)
	p.Ln(paraGap)
}

// words writes the citizen's own text, line by line on a light background
// with a bar on the left, so it reads as a quote and may run over pages.
func (lb *letterBuilder) words(s string) {
	p := lb.pdf
	cw := lb.contentWidth()
	tw := cw - accentW - 2*boxInset
	p.SetFont(fontFamily, "", bodySize)
	lines := p.SplitLines([]byte(lb.enc(strings.TrimSpace(s))), tw)
	pad := func(y, h float64) {
		setFill(p, colBlockFill)
		p.Rect(marginL, y, cw, h, "F")
		setFill(p, colRule)
		p.Rect(marginL, y, accentW, h, "F")
	}
	if p.GetY()+1.5+2*lineH > lb.bottom() {
		p.AddPage()
	}
	pad(p.GetY(), 1.5)
	p.SetY(p.GetY() + 1.5)
	// The last two lines with text (and blank lines between them) stay
	// together, so the last line is never alone on a new page.
	n, keepFrom := len(lines), -1
	for j, withText := n-1, 0; j >= 0 && keepFrom < 0; j-- {
		if len(bytes.TrimSpace(lines[j])) > 0 {
			if withText++; withText == 2 {
				keepFrom = j
			}
		}
	}
	for i, line := range lines {
		y := p.GetY()
		brk := y+lineH > lb.bottom()
		if !brk && i >= 2 && i == keepFrom && y+float64(n-i)*lineH > lb.bottom() {
			brk = true
		}
		if brk {
			pad(y, 1.5) // close the block on this page, open it on the next
			p.AddPage()
			pad(p.GetY(), 1.5)
			p.SetY(p.GetY() + 1.5)
			if len(bytes.TrimSpace(line)) == 0 {
				continue // no blank line at the top of a page
			}
			y = p.GetY()
		}
		pad(y, lineH)
		p.SetFont(fontFamily, "", bodySize)
		setText(p, colText)
		p.SetXY(marginL+accentW+boxInset, y)
		p.CellFormat(tw, lineH, string(line), "", 0, "L", false, 0, "")
		p.SetXY(marginL, y+lineH)
	}
	pad(p.GetY(), 1.5)
	p.SetY(p.GetY() + 1.5)
	p.Ln(paraGap)
}

// request writes what the citizen asked for.
func (lb *letterBuilder) request(part Part) {
	lb.heading(part.Heading, 2*lineH)
	for _, fb := range part.Paras {
		lb.para(fb.Text)
	}
	for _, f := range part.Facts {
		vs := append([]string(nil), f.Values...)
		if len(vs) > 1 {
			for i := range vs {
				vs[i] = "• " + vs[i]
			}
		}
		lb.fact(f.Label, vs)
	}
	if d := part.Words; d != "" {
		p := lb.pdf
		p.Ln(2)
		if p.GetY()+lineH+1.5+2*lineH > lb.bottom() { // label with the first lines
			p.AddPage()
		}
		p.SetFont(fontFamily, "B", bodySize)
		setText(p, colText)
		p.SetX(marginL)
		p.CellFormat(lb.contentWidth(), lineH, lb.enc(part.WordsLabel+":"), "", 1, "L", false, 0, "")
		lb.words(d)
	}
}

// section writes a heading and its paragraphs. When tail (the height of what follows, the
// sign-off) is not 0, the whole section is kept on one page with it if it fits, so the sign-off
// never stands alone.
func (lb *letterBuilder) section(heading string, tail float64, ps []Para) {
	if len(ps) == 0 {
		return
	}
	need := lb.firstLines(ps[0].Text)
	if tail > 0 {
		need = tail
		for _, s := range ps {
			need += lb.paraHeight(s.Text)
		}
	}
	lb.heading(heading, need)
	for _, s := range ps {
		if s.Bold {
			lb.boldPara(s.Text)
		} else {
			lb.para(s.Text)
		}
	}
}

// signOffHeight is the height signOff needs.
func (lb *letterBuilder) signOffHeight(so *SignOff) float64 {
	if so == nil {
		return 0
	}
	h := sectionGap - paraGap + lineH + paraGap + lineH
	if so.Signatory != "" {
		h += lb.linesHeight(so.Signatory)
	}
	if len(so.Contact) > 0 {
		h += sectionGap + lineH*float64(len(so.Contact)+1)
	}
	return h
}

// linesHeight is the height of s written in full width, without a paragraph gap.
func (lb *letterBuilder) linesHeight(s string) float64 {
	return float64(len(lb.pdf.SplitText(lb.enc(s), lb.contentWidth()))) * lineH
}

// signOff writes the closing, the signatory (decisions) and the sender, kept together, and under
// them how to reach the team.
func (lb *letterBuilder) signOff(so *SignOff) {
	p := lb.pdf
	p.Ln(sectionGap - paraGap)
	lb.keep(lb.signOffHeight(so) - (sectionGap - paraGap))
	lb.para(so.Closing)
	setText(p, colText)
	if so.Signatory != "" {
		p.SetFont(fontFamily, "", bodySize)
		p.SetX(marginL)
		p.MultiCell(lb.contentWidth(), lineH, lb.enc(so.Signatory), "", "L", false)
	}
	p.SetFont(fontFamily, "B", bodySize)
	p.SetX(marginL)
	p.MultiCell(lb.contentWidth(), lineH, lb.enc(so.Sender), "", "L", false)
	if len(so.Contact) == 0 {
		return
	}
	p.Ln(sectionGap)
	p.SetFont(fontFamily, "B", bodySize)
	p.SetX(marginL)
	p.MultiCell(lb.contentWidth(), lineH, lb.enc(so.ContactHeading), "", "L", false)
	p.SetFont(fontFamily, "", bodySize)
	for _, f := range so.Contact {
		p.SetX(marginL)
		p.MultiCell(lb.contentWidth(), lineH, lb.enc(f.Label+": "+strings.Join(f.Values, ", ")), "", "L", false)
	}
}

// college names the municipality as the addressee of an objection: in Dutch
// "Gemeente Voorbeeldstad" becomes "de gemeente Voorbeeldstad", so the
// sentence reads "... het college van burgemeester en wethouders van de
// gemeente Voorbeeldstad".
func college(ll *letterLabels, municipality string) string {
	m := strings.TrimSpace(municipality)
	if !ll.dutch {
		if m == "" {
			return ll.collegeNone
		}
		return m
	}
	if len(m) > len("gemeente ") && strings.EqualFold(m[:len("gemeente ")], "gemeente ") {
		return "de gemeente " + m[len("gemeente "):]
	}
	if m == "" {
		return ll.collegeNone
	}
	return m
}

// objectionLastDay is the last day of the six-week objection period: the
// letter date plus six weeks, as a calendar date in Amsterdam.
func objectionLastDay(issued time.Time) time.Time {
	return issued.In(amsterdam).AddDate(0, 0, 42)
}

func (lb *letterBuilder) boldPara(s string) {
	p := lb.pdf
	p.SetFont(fontFamily, "B", bodySize)
	setText(p, colText)
	p.SetX(marginL)
	p.MultiCell(lb.contentWidth(), lineH, lb.enc(s), "", "L", false)
	p.Ln(paraGap)
}

// buildReceipt lays out the confirmation of receipt.
func (e *Exporter) buildReceipt(r Receipt) *gofpdf.Fpdf {
	return e.layoutLetter(r.Letter, e.ReceiptContent(r))
}

// buildDecision lays out the decision letter.
func (e *Exporter) buildDecision(d Decision) *gofpdf.Fpdf {
	return e.layoutLetter(d.Letter, e.DecisionContent(d))
}

// layoutLetter lays out a letter's content on A4.
func (e *Exporter) layoutLetter(l Letter, c Content) *gofpdf.Fpdf {
	lb := e.newLetterBuilder(l, c.Title)
	lb.opening(c)
	lb.parts(c)
	if c.SignOff != nil {
		lb.signOff(c.SignOff)
	}
	return lb.pdf
}

// parts lays out the parts of a letter in order.
func (lb *letterBuilder) parts(c Content) {
	for _, part := range c.Parts {
		switch part.Kind {
		case PartBox:
			lb.box(part.Main, part.Sub)
		case PartRequest:
			lb.request(part)
		case PartSection:
			tail := 0.0
			if part.KeepWithSignOff {
				tail = lb.signOffHeight(c.SignOff)
			}
			lb.section(part.Heading, tail, part.Paras)
		case PartEvents:
			lb.overview(part)
		case PartNotes:
			lb.notes(part)
		}
	}
}

// overview writes the inspection overview: every processing event in scope
// as a block, or a clear line that there are none.
func (lb *letterBuilder) overview(part Part) {
	intro := ""
	if len(part.Paras) > 0 {
		intro = part.Paras[0].Text
	}
	rows := part.Events
	need := lb.paraHeight(intro)
	if len(rows) == 0 {
		need += lb.paraHeight(part.Empty)
	} else if h := lb.blockHeight(lb.enc(rows[0].Title), rows[0].Fields); need+h+headingH+sectionGap <= lb.room() {
		need += h // the heading stays with the first block
	} else {
		need += 3 * lineH
	}
	lb.heading(part.Heading, need)
	lb.para(intro)
	if len(rows) == 0 {
		lb.boldPara(part.Empty)
		return
	}
	lb.pdf.Ln(1)
	for _, r := range rows {
		lb.event(r)
	}
}

// notes writes the internal notes about the person: per note a line with the date, the author and the
// request, and the note's words as a quote; or a clear line that there are none.
func (lb *letterBuilder) notes(part Part) {
	intro := ""
	if len(part.Paras) > 0 {
		intro = part.Paras[0].Text
	}
	ns := part.Notes
	need := lb.paraHeight(intro) + 3*lineH
	if len(ns) == 0 {
		need = lb.paraHeight(intro) + lb.paraHeight(part.Empty)
	}
	lb.heading(part.Heading, need)
	lb.para(intro)
	if len(ns) == 0 {
		lb.boldPara(part.Empty)
		return
	}
	p := lb.pdf
	for _, n := range ns {
		if p.GetY()+lineH+1.5+2*lineH > lb.bottom() { // the line with the first lines of the note
			p.AddPage()
		}
		p.SetFont(fontFamily, "B", bodySize)
		setText(p, colText)
		p.SetX(marginL)
		p.MultiCell(lb.contentWidth(), lineH, lb.enc(n.Line), "", "L", false)
		lb.words(n.Text)
	}
}
