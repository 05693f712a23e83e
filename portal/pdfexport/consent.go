package pdfexport

import (
	"io"

	"github.com/jung-kurt/gofpdf"
)

// ConsentReceipt is the receipt of a citizen's decision on a consent request, after the Kantara
// Consent Receipt: who asked (the controller), the purpose, the data item and its holder, the
// decision, its validity and any withdrawal. All texts come translated.
type ConsentReceipt struct {
	Letter
	Title    string
	Intro    string
	Decision string      // e.g. "U gaf toestemming op 3 maart 2026"
	Fields   [][2]string // label, value, in order
	Closing  string      // what the citizen can do now (withdraw, …)
}

// RenderConsentReceipt writes the receipt as a PDF.
func (e *Exporter) RenderConsentReceipt(w io.Writer, r ConsentReceipt) error {
	return outputLetter(w, e.buildConsentReceipt(r), true)
}

func (e *Exporter) buildConsentReceipt(r ConsentReceipt) *gofpdf.Fpdf {
	lb := e.newLetterBuilder(r.Letter, func(*letterLabels) string { return r.Title })
	lb.opening(r.Intro)
	lb.box(r.Decision, "")
	for _, f := range r.Fields {
		if f[1] != "" {
			lb.section(f[0], f[1])
		}
	}
	lb.sectionWithTail("", lb.signOffHeight(), r.Closing)
	lb.signOff()
	return lb.pdf
}
