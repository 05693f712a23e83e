package pdfexport

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/inzicht/inzicht/portal"
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
	// contact is the team's contact (from the Exporter); signatory adds the line "namens het
	// college van burgemeester en wethouders van …" to the sign-off (decisions).
	contact   portal.Contact
	signatory bool
	kw        float64 // width of the label column of the facts
	// appeal: the decision on an Awb objection, after which one appeals to the court (Decision.Appeal)
	appeal bool
}

func (e *Exporter) newLetterBuilder(l Letter, title func(*letterLabels) string) *letterBuilder {
	l.MaskedBSN = maskBSN(l.MaskedBSN)
	if l.IssuedAt.IsZero() {
		l.IssuedAt = time.Now()
	}
	b := e.newBuilder(Document{Lang: l.Lang, Municipality: l.Municipality, MaskedBSN: l.MaskedBSN, IssuedAt: l.IssuedAt})
	lb := &letterBuilder{builder: b, ll: e.letterLabelsFor(l.Lang), lt: l, contact: e.contact}
	lb.title = title(lb.ll)

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
func (lb *letterBuilder) opening(intro string) {
	p := lb.pdf
	cw := lb.contentWidth()
	p.AddPage()

	p.SetFont(fontFamily, "B", 12)
	setText(p, colText)
	p.MultiCell(cw, 6, lb.enc(lb.lt.Municipality), "", "L", false)
	p.Ln(1)
	facts := [][2]string{{lb.ll.date, date(lb.lt.IssuedAt)}}
	if ref := strings.TrimSpace(lb.lt.Reference); ref != "" {
		facts = append(facts, [2]string{lb.ll.reference, ref})
	}
	if bsn := strings.TrimSpace(lb.lt.MaskedBSN); bsn != "" {
		facts = append(facts, [2]string{lb.ll.bsn, bsn})
	}
	for _, f := range facts {
		lb.fact(f[0], []string{f[1]})
	}

	p.Ln(6)
	p.SetFont(fontFamily, "B", 17)
	setText(p, colBlue)
	p.MultiCell(cw, 8, lb.enc(lb.title), "", "L", false)
	p.Ln(1)
	setDraw(p, colBlue)
	p.SetLineWidth(0.6)
	y := p.GetY()
	p.Line(marginL, y, marginL+cw, y)
	p.Ln(5)

	lb.para(lb.ll.salutation)
	lb.para(intro)
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
func (lb *letterBuilder) request(heading, kind string, received time.Time, scope []string, description, filedBy string) {
	ll := lb.ll
	lb.heading(heading, 2*lineH)
	if fb := strings.TrimSpace(filedBy); fb != "" {
		lb.para(fb)
	}
	if k := strings.TrimSpace(kind); k != "" {
		lb.fact(ll.kind, []string{k})
	}
	if !received.IsZero() {
		lb.fact(ll.received, []string{date(received)})
	}
	if sc := nonEmpty(scope); len(sc) > 0 {
		if len(sc) > 1 {
			for i := range sc {
				sc[i] = "• " + sc[i]
			}
		}
		lb.fact(ll.scope, sc)
	}
	if d := strings.TrimSpace(description); d != "" {
		p := lb.pdf
		p.Ln(2)
		if p.GetY()+lineH+1.5+2*lineH > lb.bottom() { // label with the first lines
			p.AddPage()
		}
		p.SetFont(fontFamily, "B", bodySize)
		setText(p, colText)
		p.SetX(marginL)
		p.CellFormat(lb.contentWidth(), lineH, lb.enc(ll.words+":"), "", 1, "L", false, 0, "")
		lb.words(d)
	}
}

// section writes a heading and its paragraphs; empty paragraphs are skipped.
func (lb *letterBuilder) section(heading string, paras ...string) {
	lb.sectionWithTail(heading, 0, paras...)
}

// sectionWithTail is section for the last section of a letter: when tail
// (the height of what follows, the sign-off) is not 0, the whole section is
// kept on one page with it if it fits, so the sign-off never stands alone.
func (lb *letterBuilder) sectionWithTail(heading string, tail float64, paras ...string) {
	paras = nonEmpty(paras)
	if len(paras) == 0 {
		return
	}
	need := lb.firstLines(paras[0])
	if tail > 0 {
		need = tail
		for _, s := range paras {
			need += lb.paraHeight(s)
		}
	}
	lb.heading(heading, need)
	for _, s := range paras {
		lb.para(s)
	}
}

// signOffHeight is the height signOff needs.
func (lb *letterBuilder) signOffHeight() float64 {
	h := sectionGap - paraGap + lineH + paraGap + lineH
	if lb.signatory {
		h += lb.linesHeight(lb.signatoryLine())
	}
	if lines := lb.contactLines(); len(lines) > 0 {
		h += sectionGap + lineH*float64(len(lines)+1)
	}
	return h
}

// linesHeight is the height of s written in full width, without a paragraph gap.
func (lb *letterBuilder) linesHeight(s string) float64 {
	return float64(len(lb.pdf.SplitText(lb.enc(s), lb.contentWidth()))) * lineH
}

// signatoryLine is "namens het college van burgemeester en wethouders van de gemeente …,".
func (lb *letterBuilder) signatoryLine() string {
	return fmt.Sprintf(lb.ll.signatoryFmt, lb.college())
}

// contactLines are the team's contact details, one "Label: value" line each; empty fields are left out.
func (lb *letterBuilder) contactLines() []string {
	var lines []string
	for _, f := range []struct{ label, value string }{
		{lb.ll.phone, lb.contact.Phone}, {lb.ll.hours, lb.contact.Hours},
		{lb.ll.email, lb.contact.Email}, {lb.ll.address, lb.contact.Address},
	} {
		if v := strings.TrimSpace(f.value); v != "" {
			lines = append(lines, f.label+": "+v)
		}
	}
	return lines
}

// signOff writes the closing, the signatory (decisions) and the sender, kept together, and under
// them how to reach the team.
func (lb *letterBuilder) signOff() {
	p := lb.pdf
	p.Ln(sectionGap - paraGap)
	lb.keep(lb.signOffHeight() - (sectionGap - paraGap))
	lb.para(lb.ll.closing)
	setText(p, colText)
	if lb.signatory {
		p.SetFont(fontFamily, "", bodySize)
		p.SetX(marginL)
		p.MultiCell(lb.contentWidth(), lineH, lb.enc(lb.signatoryLine()), "", "L", false)
	}
	p.SetFont(fontFamily, "B", bodySize)
	p.SetX(marginL)
	p.MultiCell(lb.contentWidth(), lineH, lb.enc(strings.TrimSpace(lb.lt.Municipality)), "", "L", false)
	lines := lb.contactLines()
	if len(lines) == 0 {
		return
	}
	p.Ln(sectionGap)
	p.SetFont(fontFamily, "B", bodySize)
	p.SetX(marginL)
	p.MultiCell(lb.contentWidth(), lineH, lb.enc(lb.ll.contactHeading), "", "L", false)
	p.SetFont(fontFamily, "", bodySize)
	for _, l := range lines {
		p.SetX(marginL)
		p.MultiCell(lb.contentWidth(), lineH, lb.enc(l), "", "L", false)
	}
}

// college names the municipality as the addressee of an objection: in Dutch
// "Gemeente Voorbeeldstad" becomes "de gemeente Voorbeeldstad", so the
// sentence reads "... het college van burgemeester en wethouders van de
// gemeente Voorbeeldstad".
func (lb *letterBuilder) college() string {
	m := strings.TrimSpace(lb.lt.Municipality)
	if !lb.ll.dutch {
		if m == "" {
			return lb.ll.collegeNone
		}
		return m
	}
	if len(m) > len("gemeente ") && strings.EqualFold(m[:len("gemeente ")], "gemeente ") {
		return "de gemeente " + m[len("gemeente "):]
	}
	if m == "" {
		return lb.ll.collegeNone
	}
	return m
}

// objectionLastDay is the last day of the six-week objection period: the
// letter date plus six weeks, as a calendar date in Amsterdam.
func objectionLastDay(issued time.Time) time.Time {
	return issued.In(amsterdam).AddDate(0, 0, 42)
}

// objection writes how to object, the last day and the complaint line. The
// section is kept on one page with the sign-off when it fits.
func (lb *letterBuilder) objection() {
	ll := lb.ll
	ref := fmt.Sprintf(ll.refPhraseFmt, strings.TrimSpace(lb.lt.Reference))
	if strings.TrimSpace(lb.lt.Reference) == "" {
		ref = ll.refPhraseNone
	}
	object := fmt.Sprintf(ll.objectFmt, lb.college(), ref)
	if a := strings.TrimSpace(lb.contact.Address); a != "" {
		object += " " + fmt.Sprintf(ll.objectAddress, a)
	}
	heading := ll.objectHeading
	paras := []string{
		object,
		fmt.Sprintf(ll.lastDayFmt, date(objectionLastDay(lb.lt.IssuedAt))),
		ll.complaint,
	}
	if lb.appeal {
		heading = ll.appealHeading
		paras[0] = fmt.Sprintf(ll.appealFmt, ref)
		paras[1] = fmt.Sprintf(ll.appealLastDayFmt, date(objectionLastDay(lb.lt.IssuedAt)))
	}
	need := lb.signOffHeight()
	for _, s := range paras {
		need += lb.paraHeight(s)
	}
	lb.heading(heading, need)
	lb.para(paras[0])
	lb.boldPara(paras[1])
	lb.para(paras[2])
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
	lb := e.newLetterBuilder(r.Letter, func(l *letterLabels) string { return l.receiptTitle })
	ll := lb.ll
	lb.opening(ll.receiptIntro)
	lb.request(ll.receiptRequest, r.Kind, r.ReceivedAt, r.Scope, r.Description, r.FiledBy)

	deadline := ll.deadlineUnknown
	if !r.Deadline.IsZero() {
		deadline = fmt.Sprintf(ll.deadlineFmt, date(r.Deadline))
	}
	lb.box(deadline, "")

	lb.section(ll.nextHeading, ll.next...)
	news := ll.followInbox
	if r.Email {
		news = ll.followEmail
	}
	questions := ll.questionsNoRef
	if ref := strings.TrimSpace(r.Reference); ref != "" {
		questions = fmt.Sprintf(ll.questionsFmt, ref)
	}
	lb.sectionWithTail(ll.followHeading, lb.signOffHeight(), ll.follow, news, questions)
	lb.signOff()
	return lb.pdf
}

// buildDecision lays out the decision letter.
func (e *Exporter) buildDecision(d Decision) *gofpdf.Fpdf {
	lb := e.newLetterBuilder(d.Letter, func(l *letterLabels) string { return l.decisionTitle })
	ll := lb.ll
	lb.opening(ll.decisionIntro)
	if d.Draft != "" {
		lb.box(d.Draft, "")
	}
	lb.request(ll.decisionRequest, d.Kind, d.ReceivedAt, d.Scope, d.Description, d.FiledBy)

	decided := d.DecidedAt
	if decided.IsZero() {
		decided = lb.lt.IssuedAt
	}
	lb.box(fmt.Sprintf(ll.outcomeFmt, strings.TrimSpace(d.Outcome)), fmt.Sprintf(ll.decidedFmt, date(decided)))

	lb.section(ll.ground, d.Ground)
	lb.section(ll.why, d.Motivation)
	lb.section(ll.corrections, d.Corrections)
	if d.CoSigned {
		lb.section(ll.cosignedHeading, ll.cosigned)
	}
	if reason := strings.TrimSpace(d.ExtensionReason); reason != "" {
		lb.section(ll.extensionHeading, fmt.Sprintf(ll.extensionFmt, reason))
	}
	if d.Inspection || len(d.Overview) > 0 { // rows given are never dropped
		lb.overview(d.Overview)
	}
	if d.NotesListed || len(d.Notes) > 0 { // notes given are never dropped
		lb.notes(d.Notes)
	}
	lb.signatory = true
	lb.appeal = d.Appeal
	lb.objection()
	lb.signOff()
	return lb.pdf
}

// overview writes the inspection overview: every processing event in scope
// as a block, or a clear line that there are none.
func (lb *letterBuilder) overview(rows []Row) {
	ll := lb.ll
	need := lb.paraHeight(ll.overviewIntro)
	if len(rows) == 0 {
		need += lb.paraHeight(ll.overviewEmpty)
	} else if h := lb.blockHeight(lb.enc(lb.rowTitle(rows[0])), lb.fields(rows[0])); need+h+headingH+sectionGap <= lb.room() {
		need += h // the heading stays with the first block
	} else {
		need += 3 * lineH
	}
	lb.heading(ll.overview, need)
	lb.para(ll.overviewIntro)
	if len(rows) == 0 {
		lb.boldPara(ll.overviewEmpty)
		return
	}
	lb.pdf.Ln(1)
	for _, r := range rows {
		lb.row(r)
	}
}

// notes writes the internal notes about the person: per note a line with the date, the author and the
// request, and the note's words as a quote; or a clear line that there are none.
func (lb *letterBuilder) notes(ns []InternalNote) {
	ll := lb.ll
	need := lb.paraHeight(ll.notesIntro) + 3*lineH
	if len(ns) == 0 {
		need = lb.paraHeight(ll.notesIntro) + lb.paraHeight(ll.notesEmpty)
	}
	lb.heading(ll.notesHeading, need)
	lb.para(ll.notesIntro)
	if len(ns) == 0 {
		lb.boldPara(ll.notesEmpty)
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
		p.MultiCell(lb.contentWidth(), lineH, lb.enc(fmt.Sprintf(ll.noteLineFmt, date(n.At), strings.TrimSpace(n.Author),
			strings.TrimSpace(n.Reference))), "", "L", false)
		lb.words(n.Text)
	}
}
