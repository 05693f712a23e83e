package pdfexport

import (
	"io"

	"github.com/jung-kurt/gofpdf"
)

// Report is the council's yearly report: figures that are already suppressed and translated.
type Report struct {
	Letter
	Title    string
	Intro    string
	Charts   []Chart
	Sections []ReportSection
}

// Chart is a bar chart of one figure over periods. A suppressed value is drawn as an empty stub with
// its text ("< 5"), never as a value.
type Chart struct {
	Title      string
	Labels     []string
	Values     []int
	Suppressed []bool
	Texts      []string
}

// ReportSection is a heading with label–value rows, or, when Columns is set, a table: a header row
// and rows of as many cells (the first a label, the others right-aligned figures).
type ReportSection struct {
	Heading string
	Rows    [][2]string
	Columns []string
	Table   [][]string
}

// RenderReport writes the report as a PDF.
func (e *Exporter) RenderReport(w io.Writer, r Report) error {
	return outputLetter(w, e.buildReport(r), true)
}

func (e *Exporter) buildReport(r Report) *gofpdf.Fpdf {
	c := e.ReportContent(r)
	lb := e.newLetterBuilder(r.Letter, c.Title)
	p := lb.pdf
	p.SetFont(fontFamily, "B", bodySize)
	for _, part := range c.Parts {
		for _, f := range part.Facts {
			if w := p.GetStringWidth(lb.enc(f.Label+":")) + labelGap; w > lb.kw {
				lb.kw = w
			}
		}
	}
	if lim := lb.contentWidth() * 0.6; lb.kw > lim {
		lb.kw = lim
	}
	lb.opening(c)
	for _, part := range c.Parts {
		switch part.Kind {
		case PartCharts:
			lb.charts(part.Charts)
		case PartFigures:
			lb.heading(part.Heading, 2*lineH)
			for _, f := range part.Facts {
				lb.fact(f.Label, f.Values)
			}
			if len(part.Columns) > 0 {
				lb.table(part.Columns, part.Table)
			}
		}
	}
	return lb.pdf
}

// charts draws the bar charts two by two.
func (lb *letterBuilder) charts(charts []Chart) {
	p := lb.pdf
	const chartH, chartW = 38.0, 80.0
	rowTop := p.GetY()
	for i, c := range charts {
		col := i % 2
		if col == 0 {
			if p.GetY()+chartH+12 > lb.bottom() {
				p.AddPage()
			}
			p.Ln(4)
			rowTop = p.GetY()
		}
		x0 := marginL + float64(col)*(chartW+10)
		y0 := rowTop
		p.SetFont(fontFamily, "B", 9)
		setText(p, colText)
		p.SetXY(x0, y0)
		p.CellFormat(chartW, 5, lb.enc(c.Title), "", 0, "L", false, 0, "")
		max := 5
		for _, v := range c.Values {
			if v > max {
				max = v
			}
		}
		base := y0 + 6 + chartH - 10
		bw := chartW / float64(max1(len(c.Values)))
		setDraw(p, colBlue)
		setFill(p, colBlue)
		p.SetLineWidth(0.3)
		for j, v := range c.Values {
			x := x0 + float64(j)*bw + bw*0.15
			h := float64(v) / float64(max) * (chartH - 18)
			style := "F"
			if j < len(c.Suppressed) && c.Suppressed[j] {
				h, style = 1.5, "D"
			}
			p.Rect(x, base-h, bw*0.7, h, style)
			p.SetFont(fontFamily, "", 7)
			setText(p, colText)
			if j < len(c.Texts) {
				p.SetXY(x, base-h-4)
				p.CellFormat(bw*0.7, 4, lb.enc(c.Texts[j]), "", 0, "C", false, 0, "")
			}
			if j < len(c.Labels) {
				p.SetXY(x-1, base+1)
				p.CellFormat(bw*0.7+2, 4, lb.enc(c.Labels[j]), "", 0, "C", false, 0, "")
			}
		}
		setDraw(p, colRule)
		p.Line(x0, base, x0+chartW, base)
		p.SetY(rowTop + chartH)
	}
}

// table draws a header row and rows: the first column takes what the figures leave, each figure
// column a fixed width; a row that does not fit starts a new page under a repeated header.
func (lb *letterBuilder) table(cols []string, rows [][]string) {
	p := lb.pdf
	cw := lb.contentWidth()
	figW := 28.0
	first := cw - figW*float64(len(cols)-1)
	draw := func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		p.SetFont(fontFamily, style, bodySize)
		setText(p, colText)
		// The label may wrap; the figures sit on its first line.
		lines := p.SplitLines([]byte(lb.enc(cells[0])), first-2)
		h := float64(max1(len(lines))) * lineH
		y := p.GetY()
		p.SetXY(marginL, y)
		p.MultiCell(first-2, lineH, lb.enc(cells[0]), "", "L", false)
		for i := 1; i < len(cells) && i < len(cols); i++ {
			p.SetXY(marginL+first+float64(i-1)*figW, y)
			p.CellFormat(figW, lineH, lb.enc(cells[i]), "", 0, "R", false, 0, "")
		}
		setDraw(p, colRule)
		p.SetLineWidth(0.2)
		p.Line(marginL, y+h+0.5, marginL+cw, y+h+0.5)
		p.SetXY(marginL, y+h+1)
	}
	draw(cols, true)
	for _, r := range rows {
		if p.GetY()+2*lineH > lb.bottom() {
			p.AddPage()
			draw(cols, true)
		}
		draw(r, false)
	}
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
