package pdfexport

import (
	"strings"
	"testing"
)

// A request filed by a representative names them, their capacity and the person, in the request
// section of the receipt and the decision letter; a request the person filed names nobody.
func TestLettersNameRepresentative(t *testing.T) {
	const nl = "Aangevraagd door Eva de Vries (ouder met gezag) namens Daan de Vries"
	r := sampleReceipt("nl")
	r.FiledBy = nl
	lt := readLetter(t, plainLetter(t, exporter(t).buildReceipt(r)))
	lt.wantOrder(t, "Wat wij van u hebben ontvangen", nl, "Soort verzoek:")

	const en = "Requested by Eva de Vries (parent with authority) on behalf of Daan de Vries"
	d := sampleDecision("en", 1)
	d.FiledBy = en
	lt = readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t, en, "Kind of request:")

	lt = readLetter(t, plainLetter(t, exporter(t).buildReceipt(sampleReceipt("nl"))))
	if strings.Contains(lt.all(), "Aangevraagd door") {
		t.Error("a request the person filed names a representative")
	}
}
