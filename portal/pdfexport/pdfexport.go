// Package pdfexport renders a citizen's overview of the processing of their
// personal data as a PDF document (A4, core fonts, cp1252).
package pdfexport

import (
	"fmt"
	"io"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Amsterdam must work on hosts without zoneinfo
	"unicode"

	"github.com/jung-kurt/gofpdf"
)

// Row is one processing event, already translated into the chosen language.
type Row struct {
	When         time.Time // shown in Europe/Amsterdam, format 02-01-2006 15:04
	Organization string    // e.g. "Gemeente Voorbeeldstad"
	Team         string    // may be ""
	Role         string    // e.g. "Wmo-consulent"
	Employee     string    // may be "" (only shown when not empty)
	Action       string    // translated, e.g. "Bekeken"
	Categories   []string  // translated data categories
	Level        string    // translated, e.g. "Dat-informatie"/"Wat-informatie"
	Activity     string    // name of the processing activity
	Purpose      string    // plain-language purpose
	LegalBasis   string    // plain-language legal basis
	AccessBasis  string    // translated, e.g. "Voor uw zaak"
	Recipient    string    // to whom the data were passed on; may be ""
	CaseRef      string    // the case the processing was part of; may be ""
	Marks        []string  // e.g. "Noodtoegang (break-the-glass): reden: ..." ; "Met toestemming"; "Tegen uw wil: ..."
}

// Document is the whole overview for one citizen.
type Document struct {
	Lang         string    // "nl" or "en": all fixed labels in that language
	Municipality string    // e.g. "Gemeente Voorbeeldstad"
	MaskedBSN    string    // e.g. "*****1234" (never a full BSN)
	From, To     time.Time // period shown; zero From means "from the start"
	IssuedAt     time.Time // date of issue
	Rows         []Row
}

// Render writes the PDF to w. Errors: the writer's error or gofpdf's.
func (e *Exporter) Render(w io.Writer, d Document) error {
	return e.render(w, d, true)
}

// render is Render with a compression switch; tests turn compression off so
// they can read the text in the content streams.
func (e *Exporter) render(w io.Writer, d Document, compress bool) error {
	pdf := e.build(d)
	pdf.SetCompression(compress)
	return pdf.Output(w) // Output returns gofpdf's error or the writer's
}

// Layout, in millimetres and points.
const (
	marginL    = 20.0
	marginR    = 20.0
	marginTop  = 24.0 // below the heading bar
	marginBot  = 22.0 // room for the footer
	barHeight  = 12.0
	bodySize   = 10.0
	lineH      = 5.0
	blockGap   = 5.0
	labelGap   = 3.0
	fontFamily = "Helvetica"
)

type rgb struct{ r, g, b int }

var (
	colBlue      = rgb{0x15, 0x42, 0x73} // Rijksblauw-like heading colour
	colText      = rgb{0x1a, 0x1a, 0x1a}
	colLabel     = rgb{0x55, 0x5e, 0x68}
	colMuted     = rgb{0x6b, 0x6b, 0x6b}
	colBlockFill = rgb{0xe7, 0xed, 0xf4}
	colMarkFill  = rgb{0xfd, 0xf0, 0xd5}
	colMarkText  = rgb{0x7a, 0x3b, 0x00}
	colRule      = rgb{0xc8, 0xd0, 0xd9}
)

func setText(p *gofpdf.Fpdf, c rgb) { p.SetTextColor(c.r, c.g, c.b) }
func setFill(p *gofpdf.Fpdf, c rgb) { p.SetFillColor(c.r, c.g, c.b) }
func setDraw(p *gofpdf.Fpdf, c rgb) { p.SetDrawColor(c.r, c.g, c.b) }

// amsterdam is the zone all times are shown in.
var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil { // cannot happen with time/tzdata linked in
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// builder holds the state of one rendering.
type builder struct {
	pdf *gofpdf.Fpdf
	l   labels
	d   Document
	enc func(string) string // UTF-8 -> cp1252 for the core fonts
	lw  float64             // width of the label column
}

// build lays out the whole document from its content (LogContent). The returned Fpdf has not been
// output yet, so callers (and tests) can still ask for PageCount.
func (e *Exporter) build(d Document) *gofpdf.Fpdf {
	b := e.newBuilder(d)
	c := e.LogContent(b.d)
	pdf := b.pdf
	pdf.AddPage()
	b.intro(c)
	for _, part := range c.Parts {
		if len(part.Events) == 0 {
			pdf.Ln(2)
			pdf.SetFont(fontFamily, "I", bodySize)
			setText(pdf, colText)
			pdf.MultiCell(0, lineH, b.enc(part.Empty), "", "L", false)
		}
		for _, ev := range part.Events {
			b.event(ev)
		}
	}
	return pdf
}

// newBuilder sets up the document: page format, fonts, metadata, header and
// footer. No page has been added yet.
func (e *Exporter) newBuilder(d Document) *builder {
	pdf := gofpdf.New("P", "mm", "A4", "")
	b := &builder{pdf: pdf, l: e.labelsFor(d.Lang), d: d}
	b.enc = newEncoder(pdf.UnicodeTranslatorFromDescriptor(""))
	if d.IssuedAt.IsZero() {
		b.d.IssuedAt = time.Now()
	}
	b.d.MaskedBSN = maskBSN(d.MaskedBSN)

	pdf.SetMargins(marginL, marginTop, marginR)
	pdf.SetAutoPageBreak(true, marginBot)
	pdf.SetCellMargin(0)
	pdf.AliasNbPages("")
	pdf.SetTitle(b.l.title, true)
	pdf.SetSubject(b.l.title, true)
	pdf.SetAuthor(d.Municipality, true)
	pdf.SetCreator("Inzicht", false)
	pdf.SetCreationDate(b.d.IssuedAt)
	pdf.SetModificationDate(b.d.IssuedAt)
	pdf.SetHeaderFuncMode(b.header, true)
	pdf.SetFooterFunc(b.footer)

	pdf.SetFont(fontFamily, "B", bodySize)
	for _, s := range b.l.rowLabels() {
		if w := pdf.GetStringWidth(b.enc(s)); w > b.lw {
			b.lw = w
		}
	}
	b.lw += labelGap
	return b
}

func (b *builder) contentWidth() float64 {
	w, _ := b.pdf.GetPageSize()
	return w - marginL - marginR
}

// header draws the blue bar on every page; pages after the first also get a
// small running title.
func (b *builder) header() {
	p := b.pdf
	defer p.SetCellMargin(p.GetCellMargin())
	p.SetCellMargin(0)
	w, _ := p.GetPageSize()
	setFill(p, colBlue)
	p.Rect(0, 0, w, barHeight, "F")
	p.SetFont(fontFamily, "B", 10)
	setText(p, rgb{0xff, 0xff, 0xff})
	p.SetXY(marginL, 0)
	p.CellFormat(b.contentWidth(), barHeight, b.enc(b.d.Municipality), "", 0, "L", false, 0, "")
	if p.PageNo() > 1 {
		p.SetXY(marginL, barHeight+3)
		p.SetFont(fontFamily, "", 8)
		setText(p, colMuted)
		p.CellFormat(b.contentWidth(), 4, b.enc(b.l.title+" "+b.l.continued), "", 0, "L", false, 0, "")
	}
}

// footer writes "Pagina X van Y" on the left and the issue date on the right.
// The page number is left-aligned because the {nb} alias is wider than the
// number it becomes, which would misplace right-aligned text.
func (b *builder) footer() {
	p := b.pdf
	defer p.SetCellMargin(p.GetCellMargin())
	p.SetCellMargin(0)
	_, h := p.GetPageSize()
	y := h - 15
	setDraw(p, colRule)
	p.SetLineWidth(0.2)
	p.Line(marginL, y, marginL+b.contentWidth(), y)
	p.SetXY(marginL, y+1.5)
	p.SetFont(fontFamily, "", 8)
	setText(p, colMuted)
	half := b.contentWidth() / 2
	p.CellFormat(half, 4, b.enc(fmt.Sprintf(b.l.page, p.PageNo(), "{nb}")), "", 0, "L", false, 0, "")
	p.CellFormat(half, 4, b.enc(b.l.issued+" "+date(b.d.IssuedAt)), "", 0, "R", false, 0, "")
}

// intro writes the title, the citizen's details and the explanation.
func (b *builder) intro(c Content) {
	p := b.pdf
	cw := b.contentWidth()

	p.SetFont(fontFamily, "B", 17)
	setText(p, colBlue)
	p.MultiCell(cw, 8, b.enc(c.Title), "", "L", false)
	p.Ln(2)

	p.SetFont(fontFamily, "B", 12)
	setText(p, colText)
	p.MultiCell(cw, 6, b.enc(c.Municipality), "", "L", false)
	p.Ln(1)

	p.SetFont(fontFamily, "B", bodySize)
	kw := 0.0
	for _, f := range c.Facts {
		if w := p.GetStringWidth(b.enc(f.Label + ":")); w > kw {
			kw = w
		}
	}
	kw += 2
	for _, f := range c.Facts {
		p.SetFont(fontFamily, "B", bodySize)
		setText(p, colText)
		p.CellFormat(kw, lineH, b.enc(f.Label+":"), "", 0, "L", false, 0, "")
		p.SetFont(fontFamily, "", bodySize)
		p.MultiCell(cw-kw, lineH, b.enc(strings.Join(f.Values, ", ")), "", "L", false)
	}

	p.Ln(4)
	p.SetFont(fontFamily, "", bodySize)
	setText(p, colText)
	for _, para := range c.Intro {
		p.MultiCell(cw, lineH, b.enc(para), "", "L", false)
		p.Ln(1.5)
	}

	p.Ln(2)
	setDraw(p, colBlue)
	p.SetLineWidth(0.6)
	y := p.GetY()
	p.Line(marginL, y, marginL+cw, y)
	p.Ln(4)
	p.SetFont(fontFamily, "B", 12)
	setText(p, colBlue)
	heading := ""
	if len(c.Parts) > 0 {
		heading = c.Parts[0].Heading
	}
	p.CellFormat(cw, 6, b.enc(heading), "", 1, "L", false, 0, "")
	p.Ln(2)
}

// periodOf is the period the overview covers, "from the start" when it has no first day.
func (l labels) periodOf(d Document) string {
	from := l.start
	if !d.From.IsZero() {
		from = date(d.From)
	}
	to := d.To
	if to.IsZero() {
		to = d.IssuedAt
	}
	return fmt.Sprintf(l.periodFmt, from, date(to))
}

// fields are the labelled values of a row, in the order every document shows them; empty values
// are left out. Every mark carries the marks label (the PDF prints it once, beside the first).
func (l labels) fields(r Row) []Field {
	var fs []Field
	add := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			fs = append(fs, Field{Label: label, Value: value})
		}
	}
	add(l.role, r.Role)
	add(l.employee, r.Employee)
	add(l.action, r.Action)
	add(l.categories, strings.Join(nonEmpty(r.Categories), ", "))
	add(l.level, r.Level)
	add(l.activity, r.Activity)
	add(l.purpose, r.Purpose)
	add(l.legal, r.LegalBasis)
	add(l.basis, r.AccessBasis)
	add(l.recipient, r.Recipient)
	add(l.caseRef, r.CaseRef)
	for _, m := range nonEmpty(r.Marks) {
		fs = append(fs, Field{Label: l.marks, Value: m, Mark: true})
	}
	return fs
}

// rowTitle is the title of an event: the time, the organisation and the team.
func rowTitle(r Row) string {
	t := r.When.In(amsterdam).Format("02-01-2006 15:04")
	org := strings.TrimSpace(r.Organization)
	if team := strings.TrimSpace(r.Team); team != "" {
		if org != "" {
			org += " – " + team
		} else {
			org = team
		}
	}
	if org != "" {
		t += "  ·  " + org
	}
	return t
}

const (
	titlePad  = 1.5 // vertical padding inside the block title bar
	titleInst = 2.0 // horizontal inset of the title text
	markInst  = 1.5 // horizontal inset of a highlighted mark
)

// lines returns how many lines MultiCell will need for s at width w in the
// current font.
func (b *builder) lines(s string, w float64) int {
	n := len(b.pdf.SplitLines([]byte(s), w))
	if n == 0 {
		n = 1
	}
	return n
}

// blockHeight measures a block exactly as row draws it.
func (b *builder) blockHeight(title string, fs []Field) float64 {
	p := b.pdf
	cw := b.contentWidth()
	p.SetFont(fontFamily, "B", bodySize)
	h := float64(b.lines(title, cw-2*titleInst))*lineH + 2*titlePad + 1.5
	vw := cw - b.lw
	for _, f := range fs {
		if f.Mark {
			p.SetFont(fontFamily, "B", bodySize)
			h += float64(b.lines(b.enc(f.Value), vw-2*markInst))*lineH + 1
		} else {
			p.SetFont(fontFamily, "", bodySize)
			h += float64(b.lines(b.enc(f.Value), vw)) * lineH
		}
	}
	return h
}

// event draws one processing event as a block. A block that does not fit in the
// space left on the page starts on a new page, unless it would not fit on an
// empty page either; then it is allowed to break.
func (b *builder) event(ev Event) {
	p := b.pdf
	cw := b.contentWidth()
	title := b.enc(ev.Title)
	fs := ev.Fields

	_, ph := p.GetPageSize()
	bottom := ph - marginBot
	h := b.blockHeight(title, fs)
	if p.GetY()+h > bottom && h <= bottom-marginTop-6 {
		p.AddPage()
	}

	// Title bar: date/time, organisation and team in bold on a light fill.
	p.SetFont(fontFamily, "B", bodySize)
	n := b.lines(title, cw-2*titleInst)
	if p.GetY()+float64(n)*lineH+2*titlePad+lineH > bottom {
		p.AddPage() // never leave a title alone at the bottom of a page
	}
	y := p.GetY()
	setFill(p, colBlockFill)
	p.Rect(marginL, y, cw, float64(n)*lineH+2*titlePad, "F")
	setFill(p, colBlue)
	p.Rect(marginL, y, 1, float64(n)*lineH+2*titlePad, "F")
	setText(p, colBlue)
	p.SetXY(marginL+titleInst, y+titlePad)
	p.MultiCell(cw-2*titleInst, lineH, title, "", "L", false)
	p.SetY(p.GetY() + titlePad + 1.5)

	vw := cw - b.lw
	for i, f := range fs {
		y := p.GetY()
		if y+lineH > bottom { // keep label and first value line together
			p.AddPage()
			y = p.GetY()
		}
		// A run of marks has its label once, beside the first.
		if f.Label != "" && !(f.Mark && i > 0 && fs[i-1].Mark && fs[i-1].Label == f.Label) {
			p.SetFont(fontFamily, "", bodySize)
			setText(p, colLabel)
			p.SetXY(marginL, y)
			p.CellFormat(b.lw, lineH, b.enc(f.Label), "", 0, "L", false, 0, "")
		}
		p.SetXY(marginL+b.lw, y)
		if f.Mark {
			p.SetFont(fontFamily, "B", bodySize)
			setText(p, colMarkText)
			setFill(p, colMarkFill)
			p.SetCellMargin(markInst)
			p.MultiCell(vw, lineH, b.enc(f.Value), "", "L", true)
			p.SetCellMargin(0)
			p.SetY(p.GetY() + 1)
		} else {
			p.SetFont(fontFamily, "", bodySize)
			setText(p, colText)
			p.MultiCell(vw, lineH, b.enc(f.Value), "", "L", false)
		}
	}
	p.Ln(blockGap)
}

// date formats t as a calendar date in Amsterdam.
func date(t time.Time) string { return t.In(amsterdam).Format("02-01-2006") }

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// maskBSN is a last line of defence: whatever the caller passes, at most the
// last four digits are printed.
func maskBSN(s string) string {
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits <= 4 {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) && digits > 4 {
			sb.WriteRune('*')
			digits--
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
