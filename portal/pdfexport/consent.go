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
	// DutchLabels name the fields whose value is Dutch on a receipt in another language (the request
	// has no text in the reader's language): the page marks them lang="nl" for screen readers.
	DutchLabels []string
}

// RenderConsentReceipt writes the receipt as a PDF.
func (e *Exporter) RenderConsentReceipt(w io.Writer, r ConsentReceipt) error {
	return outputLetter(w, e.buildConsentReceipt(r), true)
}

func (e *Exporter) buildConsentReceipt(r ConsentReceipt) *gofpdf.Fpdf {
	return e.layoutLetter(r.Letter, e.ConsentReceiptContent(r))
}
