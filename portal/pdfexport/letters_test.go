package pdfexport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// The letter dates fall on a different calendar day in UTC than in
// Amsterdam, so a date printed in the wrong zone is caught.
var (
	letterIssued   = time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC) // 01-04-2026 00:30 CEST
	letterReceived = time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC) // 11-03-2026 00:30 CET
	letterDeadline = time.Date(2026, 4, 10, 22, 30, 0, 0, time.UTC) // 11-04-2026 00:30 CEST
	letterDecided  = time.Date(2026, 3, 30, 22, 15, 0, 0, time.UTC) // 31-03-2026 00:15 CEST
)

const (
	letterRef   = "AVG-2026-000042"
	letterWords = "Ik zie dat de Wmo-consulent mijn medische gegevens heeft bekeken.\n" +
		"Dat vind ik niet goed. Ik wil weten waarom dat nodig was – en wie dat ‘mocht’.\n\n" +
		"Met vriendelijke groet, cliënt Ëlbers"
	letterMotivation = "Wij hebben uw gegevens bekeken. De Wmo-consulent had uw medische gegevens nodig " +
		"om uw aanvraag te beoordelen. Dat mag volgens de Wet maatschappelijke ondersteuning 2015."
	letterCorrections = "Uw adres in de basisregistratie is verbeterd: Dorpsstraat 1 werd Dorpsstraat 11."
	letterExtension   = "Wij moesten informatie opvragen bij de Sociale Verzekeringsbank."
)

func sampleLetter(lang string) Letter {
	return Letter{
		Lang:         lang,
		Municipality: "Gemeente Voorbeeldstad",
		Reference:    letterRef,
		IssuedAt:     letterIssued,
		MaskedBSN:    "*****1234",
	}
}

func sampleReceipt(lang string) Receipt {
	r := Receipt{
		Letter:      sampleLetter(lang),
		Kind:        "Bezwaar tegen het gebruik van uw gegevens (AVG artikel 21)",
		ReceivedAt:  letterReceived,
		Deadline:    letterDeadline,
		Scope:       []string{"Verwerking van 12-03-2026: Wmo-consulent", "Soort gegevens: Gezondheid"},
		Description: letterWords,
	}
	if lang == "en" {
		r.Kind = "Objection to the use of your data (GDPR article 21)"
		r.Scope = []string{"All your data"}
		r.Description = "I see that the Wmo officer looked at my medical data. I want to know why."
	}
	return r
}

func sampleDecision(lang string, rows int) Decision {
	d := Decision{
		Letter:          sampleLetter(lang),
		Kind:            "Inzage in uw gegevens (AVG artikel 15)",
		ReceivedAt:      letterReceived,
		Scope:           []string{"Al uw gegevens"},
		Description:     letterWords,
		Outcome:         "Toegewezen",
		Motivation:      letterMotivation,
		Corrections:     letterCorrections,
		ExtensionReason: letterExtension,
		DecidedAt:       letterDecided,
		Inspection:      true,
		Overview:        sampleRows(rows),
	}
	if lang == "en" {
		d.Kind = "Access to your data (GDPR article 15)"
		d.Scope = []string{"All your data"}
		d.Description = "Please show me everything."
		d.Outcome = "Granted"
		d.Motivation = "We looked at your data. You may see all of it."
		d.Corrections = "Your address was corrected."
		d.ExtensionReason = "We had to ask the Social Insurance Bank for information."
	}
	return d
}

// plainLetter outputs a built letter without compression.
func plainLetter(t *testing.T, pdf *gofpdf.Fpdf) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := outputLetter(&buf, pdf, false); err != nil {
		t.Fatalf("output: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("output is not a PDF")
	}
	return buf.Bytes()
}

// letterText is the text of a letter: the pages, and the body text of all
// pages as one string with the header and footer of every page left out and
// all whitespace collapsed, so sentences that wrap or run over a page can be
// searched whole.
type letterText struct {
	pages []string
	parts [][]string // body text operators per page
	flow  string
}

func readLetter(t *testing.T, out []byte) letterText {
	t.Helper()
	lt := letterText{pages: pageTexts(t, out)}
	var body []string
	for i, pg := range lt.pages {
		parts := strings.Split(pg, "\n")
		head := 1 // the sender in the bar
		if i > 0 {
			head = 2 // and the running title
		}
		if len(parts) < head+2 {
			t.Fatalf("page %d has only %d text parts", i+1, len(parts))
		}
		if !strings.Contains(parts[len(parts)-2], fmt.Sprintf(" %d van ", i+1)) &&
			!strings.Contains(parts[len(parts)-2], fmt.Sprintf(" %d of ", i+1)) {
			t.Fatalf("page %d: footer is not the last text: %q", i+1, parts[len(parts)-2:])
		}
		parts = parts[head : len(parts)-2]
		lt.parts = append(lt.parts, parts)
		body = append(body, parts...)
	}
	lt.flow = normSpace(strings.Join(body, "\n"))
	return lt
}

func normSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func (lt letterText) all() string { return strings.Join(lt.pages, "\n") }

// wantFlow checks that every string occurs, whole, in the body text.
func (lt letterText) wantFlow(t *testing.T, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(lt.flow, normSpace(w)) {
			t.Errorf("letter does not contain %q", normSpace(w))
		}
	}
}

// wantOrder checks that the strings occur in this order.
func (lt letterText) wantOrder(t *testing.T, wants ...string) {
	t.Helper()
	at := 0
	for _, w := range wants {
		i := strings.Index(lt.flow[at:], normSpace(w))
		if i < 0 {
			t.Errorf("%q missing or out of order", w)
			continue
		}
		at += i + len(normSpace(w))
	}
}

func (lt letterText) wantFooters(t *testing.T, page, ref string) {
	t.Helper()
	for i, pg := range lt.pages {
		if want := fmt.Sprintf(page, i+1, len(lt.pages)); !strings.Contains(pg, want) {
			t.Errorf("page %d: footer %q missing", i+1, want)
		}
		if !strings.Contains(pg, ref+"  ·  01-04-2026") {
			t.Errorf("page %d: reference and date missing from footer", i+1)
		}
	}
	if strings.Contains(lt.all(), "{nb}") {
		t.Error("page count alias was not replaced")
	}
}

func TestReceiptDutch(t *testing.T) {
	for _, email := range []bool{false, true} {
		r := sampleReceipt("nl")
		r.Email = email
		lt := readLetter(t, plainLetter(t, exporter(t).buildReceipt(r)))
		lt.wantOrder(t,
			"Gemeente Voorbeeldstad",
			"Datum:", "01-04-2026",
			"Ons kenmerk:", letterRef,
			"BSN:", "*****1234",
			"Ontvangstbevestiging van uw verzoek",
			"Geachte heer of mevrouw,",
			"Wat wij van u hebben ontvangen",
			"Soort verzoek:", "Bezwaar tegen het gebruik van uw gegevens (AVG artikel 21)",
			"Ontvangen op:", "11-03-2026",
			"Over welke gegevens:", "• Verwerking van 12-03-2026: Wmo-consulent", "• Soort gegevens: Gezondheid",
			"Uw uitleg:", letterWords,
			"U krijgt uiterlijk op 11-04-2026 een besluit.",
			"Wat gebeurt er nu?",
			"Een medewerker van de gemeente behandelt uw verzoek.",
			"Dan mogen wij de termijn één keer verlengen, met maximaal twee maanden.",
			"Wij vertellen u ook waarom.",
			"Hoe volgt u uw verzoek?",
			"Inzicht > Mijn verzoeken",
			"Noem dan altijd het kenmerk "+letterRef+".",
			"Met vriendelijke groet,",
			"Gemeente Voorbeeldstad",
		)
		inbox, mail := "Kijk in uw berichtenbox in Inzicht.", "U krijgt ook een e-mail als er nieuws is."
		if email {
			inbox, mail = mail, inbox
		}
		lt.wantFlow(t, inbox)
		if strings.Contains(lt.flow, mail) {
			t.Errorf("Email=%v: letter says %q", email, mail)
		}
		for _, utc := range []string{"31-03-2026", "10-03-2026", "10-04-2026"} {
			if strings.Contains(lt.all(), utc) {
				t.Errorf("date %s is the UTC date, not the Amsterdam date", utc)
			}
		}
		if len(lt.pages) != 1 {
			t.Errorf("short receipt has %d pages, want 1", len(lt.pages))
		}
		lt.wantFooters(t, "Pagina %d van %d", "Kenmerk "+letterRef)
	}
}

func TestReceiptEnglish(t *testing.T) {
	r := sampleReceipt("en")
	r.Email = true
	lt := readLetter(t, plainLetter(t, exporter(t).buildReceipt(r)))
	lt.wantOrder(t,
		"Date:", "01-04-2026",
		"Our reference:", letterRef,
		"BSN:", "*****1234",
		"Confirmation of receipt of your request",
		"Dear Sir or Madam,",
		"What we received from you",
		"Kind of request:", "Objection to the use of your data (GDPR article 21)",
		"Received on:", "11-03-2026",
		"Which data:", "All your data",
		"Your explanation:", r.Description,
		"You will receive a decision by 11-04-2026 at the latest.",
		"What happens next?",
		"We may then extend the deadline once, by at most two months.",
		"Inzicht > My requests",
		"You will also receive an e-mail when there is news.",
		"Then always mention reference "+letterRef+".",
		"Kind regards,",
	)
	if strings.Contains(lt.flow, "• All your data") {
		t.Error("a single scope line got a bullet")
	}
	lt.wantFooters(t, "Page %d of %d", "Reference "+letterRef)
	for _, dutch := range []string{"Pagina", "Kenmerk", "Ontvangen op", "uiterlijk", "verzoek", "Datum"} {
		if strings.Contains(lt.all(), dutch) {
			t.Errorf("English receipt contains Dutch %q", dutch)
		}
	}
}

// Without a deadline the receipt still says when a decision comes; without a
// reference, description or receipt date those lines are left out.
func TestReceiptMinimal(t *testing.T) {
	r := Receipt{Letter: Letter{Lang: "nl", Municipality: "Gemeente Voorbeeldstad", IssuedAt: letterIssued}, Kind: "Inzage"}
	lt := readLetter(t, plainLetter(t, exporter(t).buildReceipt(r)))
	lt.wantFlow(t, "U krijgt binnen een maand een besluit.", "Neem dan contact op met de gemeente.")
	for _, absent := range []string{"Ons kenmerk", "BSN", "Uw uitleg", "Ontvangen op", "Over welke gegevens", "Kenmerk"} {
		if strings.Contains(lt.all(), absent) {
			t.Errorf("minimal receipt contains %q", absent)
		}
	}
	if !strings.Contains(lt.all(), "Pagina 1 van 1") {
		t.Error("footer missing")
	}
}

func TestDecisionDutch(t *testing.T) {
	d := sampleDecision("nl", 3)
	lt := readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t,
		"Gemeente Voorbeeldstad",
		"Datum:", "01-04-2026",
		"Ons kenmerk:", letterRef,
		"BSN:", "*****1234",
		"Besluit op uw verzoek",
		"Geachte heer of mevrouw,",
		"Uw verzoek",
		"Soort verzoek:", "Inzage in uw gegevens (AVG artikel 15)",
		"Ontvangen op:", "11-03-2026",
		"Over welke gegevens:", "Al uw gegevens",
		"Uw uitleg:", letterWords,
		"Ons besluit: Toegewezen",
		"Besloten op 31-03-2026",
		"Waarom", letterMotivation,
		"Wat is verbeterd", letterCorrections,
		"Wij hadden meer tijd nodig",
		"Wij hebben de termijn voor dit besluit verlengd. De reden is: "+letterExtension,
		"Overzicht van uw gegevens",
		"Hieronder ziet u elke keer dat uw gegevens zijn gebruikt.",
		"30-03-2025 00:30", "Functie", "Wmo-consulent", "Wat gebeurde er", "Bekeken",
		"Welke gegevens", "Financiële gegevens", "Taak", "Activiteit #00", "Waarom", "Wij bekijken of u hulp nodig heeft",
		"Wettelijke grond", "Grondslag #00", "Toegang", "Voor uw zaak", "Ontvanger", "UWV Amsterdam", "Zaaknummer", "Z-2025-0001",
		"Activiteit #01", "Let op", "Met toestemming",
		"Activiteit #02", "Noodtoegang (break-the-glass)",
		"Bezwaar maken",
		"Bent u het niet eens met dit besluit? Dan kunt u bezwaar maken. "+
			"Doe dit binnen zes weken na de datum van deze brief (artikel 6:7 Algemene wet bestuursrecht). "+
			"Stuur uw bezwaar naar het college van burgemeester en wethouders van de gemeente Voorbeeldstad. "+
			"Zet in uw bezwaar: uw naam en adres, de datum, het kenmerk "+letterRef+", waarom u het niet eens bent, en uw handtekening.",
		"De laatste dag om bezwaar te maken is 13-05-2026.",
		"U kunt ook een klacht indienen bij de Autoriteit Persoonsgegevens.",
		"Met vriendelijke groet,",
		"Gemeente Voorbeeldstad",
	)
	if strings.Contains(lt.flow, "Geen verwerkingen") || strings.Contains(lt.flow, "geen verwerkingen") {
		t.Error("inspection with events says there are none")
	}
	lt.wantFooters(t, "Pagina %d van %d", "Kenmerk "+letterRef)
}

func TestDecisionEnglish(t *testing.T) {
	d := sampleDecision("en", 1)
	lt := readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t,
		"Date:", "01-04-2026",
		"Decision on your request",
		"Your request",
		"Received on:", "11-03-2026",
		"Our decision: Granted",
		"Decided on 31-03-2026",
		"Why", d.Motivation,
		"What was corrected", d.Corrections,
		"We needed more time", "The reason: "+d.ExtensionReason,
		"Overview of your data",
		"Role", "Legal basis",
		"How to object",
		"Do you disagree with this decision? Then you can object (bezwaar maken). "+
			"Do this within six weeks of the date of this letter (article 6:7 of the General Administrative Law Act, Algemene wet bestuursrecht). "+
			"Send your objection to the Municipal Executive (college van burgemeester en wethouders) of Gemeente Voorbeeldstad. "+
			"Put in your objection: your name and address, the date, reference "+letterRef+", why you disagree, and your signature.",
		"The last day to object is 13-05-2026.",
		"You can also complain to the Dutch Data Protection Authority (Autoriteit Persoonsgegevens).",
		"Kind regards,",
	)
	lt.wantFooters(t, "Page %d of %d", "Reference "+letterRef)
	for _, dutch := range []string{"Pagina", "Ons besluit", "Waarom", "Wettelijke grond", "Functie"} {
		if strings.Contains(lt.all(), dutch) {
			t.Errorf("English decision contains Dutch %q", dutch)
		}
	}
}

// Corrections, the extension and the overview appear only when set.
func TestDecisionOptionalSections(t *testing.T) {
	d := sampleDecision("nl", 2)
	d.Outcome = "Afgewezen"
	d.Corrections = "  "
	d.ExtensionReason = ""
	d.Inspection = false
	d.Overview = nil
	lt := readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t, "Ons besluit: Afgewezen", "Waarom", letterMotivation, "Bezwaar maken", "De laatste dag om bezwaar te maken is 13-05-2026.")
	for _, absent := range []string{"Wat is verbeterd", "Wij hadden meer tijd nodig", "verlengd", "Overzicht van uw gegevens", "Activiteit #00", "Wettelijke grond"} {
		if strings.Contains(lt.flow, absent) {
			t.Errorf("decision without that section contains %q", absent)
		}
	}
	// DecidedAt zero: the letter date is the decision date.
	d.DecidedAt = time.Time{}
	lt = readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantFlow(t, "Besloten op 01-04-2026")

	// Rows passed without Inspection are still shown, not dropped.
	d.Overview = sampleRows(1)
	lt = readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t, "Overzicht van uw gegevens", "Grondslag #00", "Bezwaar maken")
	if strings.Contains(lt.flow, exporter(t).letterNL.overviewEmpty) {
		t.Error("overview with a row says there are none")
	}
}

// An inspection without events says so clearly, in both languages.
func TestDecisionEmptyInspection(t *testing.T) {
	for lang, want := range map[string][2]string{
		"nl": {"Overzicht van uw gegevens", "Wij hebben geen verwerkingen van uw gegevens gevonden die bij uw verzoek horen."},
		"en": {"Overview of your data", "We found no processing of your data that falls within your request."},
	} {
		d := sampleDecision(lang, 0)
		if d.Overview != nil {
			t.Fatal("sampleRows(0) is not nil")
		}
		lt := readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
		lt.wantOrder(t, want[0], want[1])
		d.Overview = []Row{}
		lt = readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
		lt.wantOrder(t, want[0], want[1])
	}
}

// A full BSN passed by mistake is masked in both letters, also in the
// metadata.
func TestLettersNeverPrintFullBSN(t *testing.T) {
	nineDigits := regexp.MustCompile(`(^|\D)\d{9}(\D|$)`)
	check := func(name string, out []byte) {
		t.Helper()
		if bytes.Contains(out, []byte("123456782")) {
			t.Errorf("%s: full BSN is in the PDF", name)
		}
		if m := nineDigits.Find(out); m != nil {
			t.Errorf("%s: output contains a 9-digit number %q", name, m)
		}
		lt := readLetter(t, out)
		lt.wantOrder(t, "BSN:", "*****6782")
	}
	for _, lang := range []string{"nl", "en"} {
		r := sampleReceipt(lang)
		r.MaskedBSN = "123456782"
		check(lang+" receipt", plainLetter(t, exporter(t).buildReceipt(r)))
		d := sampleDecision(lang, 2)
		d.MaskedBSN = "123456782"
		check(lang+" decision", plainLetter(t, exporter(t).buildDecision(d)))
	}
}

// headingsOf are the section headings of both languages.
func headingsOf(t *testing.T) []string {
	e := exporter(t)
	var hs []string
	for _, l := range []*letterLabels{e.letterNL, e.letterEN} {
		hs = append(hs, l.receiptRequest, l.decisionRequest, l.nextHeading, l.followHeading, l.why,
			l.corrections, l.extensionHeading, l.overview, l.notesHeading, l.objectHeading, l.words+":")
	}
	return hs
}

// checkNoOrphans fails when a page ends in a heading or starts with the
// sign-off.
func checkNoOrphans(t *testing.T, lt letterText) {
	t.Helper()
	e := exporter(t)
	headings := headingsOf(t)
	for i, parts := range lt.parts {
		if len(parts) == 0 {
			t.Errorf("page %d has no body text", i+1)
			continue
		}
		if i > 0 && (parts[0] == e.letterNL.closing || parts[0] == e.letterEN.closing) {
			t.Errorf("page %d holds the sign-off alone", i+1)
		}
		last := parts[len(parts)-1]
		for _, h := range headings {
			if last == h {
				t.Errorf("page %d ends with heading %q", i+1, h)
			}
		}
	}
}

// Long texts run over pages without losing a word.
func TestLettersPaginate(t *testing.T) {
	var desc, motiv strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&desc, "Zin %d van mijn uitleg: ik ben het niet eens met het gebruik van mijn gegevens door de gemeente. ", i)
		if i%10 == 9 {
			desc.WriteString("\n\n")
		}
		fmt.Fprintf(&motiv, "Reden %d: de gemeente mocht uw gegevens gebruiken omdat de wet dat toestaat. ", i)
	}
	desc.WriteString("EINDE-UITLEG")
	motiv.WriteString("EINDE-MOTIVERING")

	r := sampleReceipt("nl")
	r.Description = desc.String()
	rl := readLetter(t, plainLetter(t, exporter(t).buildReceipt(r)))
	if len(rl.pages) < 2 {
		t.Errorf("long receipt has %d pages, want at least 2", len(rl.pages))
	}
	rl.wantOrder(t, "Uw uitleg:", desc.String(), "U krijgt uiterlijk op 11-04-2026 een besluit.", "Met vriendelijke groet,")
	rl.wantFooters(t, "Pagina %d van %d", "Kenmerk "+letterRef)
	checkNoOrphans(t, rl)
	if !strings.Contains(rl.pages[1], "Ontvangstbevestiging van uw verzoek (vervolg)") {
		t.Error("page 2 lacks the running title")
	}

	for _, rows := range []int{0, 5, 12} {
		d := sampleDecision("nl", rows)
		d.Description = desc.String()
		d.Motivation = motiv.String()
		d.Corrections = strings.Repeat("Verbeterd in de basisregistratie personen. ", 40) + "EINDE-CORRECTIES"
		out := plainLetter(t, exporter(t).buildDecision(d))
		checkPlacement(t, fmt.Sprintf("decision with %d rows", rows), out)
		dl := readLetter(t, out)
		if len(dl.pages) < 3 {
			t.Errorf("%d rows: long decision has %d pages, want at least 3", rows, len(dl.pages))
		}
		dl.wantOrder(t, desc.String(), "Ons besluit: Toegewezen", motiv.String(), d.Corrections,
			"Overzicht van uw gegevens", "De laatste dag om bezwaar te maken is 13-05-2026.", "Met vriendelijke groet,")
		for i := 0; i < rows; i++ {
			dl.wantFlow(t, fmt.Sprintf("Grondslag #%02d", i))
		}
		dl.wantFooters(t, "Pagina %d van %d", "Kenmerk "+letterRef)
		checkNoOrphans(t, dl)
		// The objection section is short enough to stay on one page.
		for _, pg := range dl.parts {
			body := normSpace(strings.Join(pg, "\n"))
			if strings.Contains(body, "Bezwaar maken") != strings.Contains(body, "Autoriteit Persoonsgegevens") {
				t.Errorf("%d rows: objection section is split over pages", rows)
			}
		}
	}
}

func TestObjectionLastDay(t *testing.T) {
	for _, c := range []struct {
		issued time.Time
		want   string
	}{
		{letterIssued, "13-05-2026"}, // 01-04-2026 in Amsterdam
		{time.Date(2026, 3, 31, 21, 30, 0, 0, time.UTC), "12-05-2026"},
		{time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC), "01-12-2026"}, // over the end of summer time
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "12-02-2027"},
	} {
		if got := date(objectionLastDay(c.issued)); got != c.want {
			t.Errorf("objectionLastDay(%v) = %s, want %s", c.issued, got, c.want)
		}
	}
}

func TestCollege(t *testing.T) {
	for _, c := range []struct{ lang, muni, want string }{
		{"nl", "Gemeente Voorbeeldstad", "de gemeente Voorbeeldstad"},
		{"nl", "gemeente Voorbeeldstad", "de gemeente Voorbeeldstad"},
		{"nl", "Voorbeeldstad", "Voorbeeldstad"},
		{"nl", "", "de gemeente"},
		{"en", "Gemeente Voorbeeldstad", "Gemeente Voorbeeldstad"},
		{"en", "", "the municipality"},
	} {
		if got := college(exporter(t).letterLabelsFor(c.lang), c.muni); got != c.want {
			t.Errorf("%s college(%q) = %q, want %q", c.lang, c.muni, got, c.want)
		}
	}
}

func TestLettersCompressedAndWriterError(t *testing.T) {
	var buf bytes.Buffer
	if err := exporter(t).RenderDecision(&buf, sampleDecision("nl", 3)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || bytes.Contains(buf.Bytes(), []byte("Ons besluit")) {
		t.Error("RenderDecision does not write a compressed PDF")
	}
	if err := exporter(t).RenderReceipt(failWriter{}, sampleReceipt("nl")); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("RenderReceipt to failing writer: err = %v", err)
	}
	if err := exporter(t).RenderDecision(failWriter{}, sampleDecision("nl", 1)); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("RenderDecision to failing writer: err = %v", err)
	}
}

// TestWriteLetterSamples writes sample letters to a temporary directory, or
// to PDFEXPORT_LETTERS for visual inspection:
//
//	PDFEXPORT_LETTERS=/tmp/letters go test -run TestWriteLetterSamples ./portal/pdfexport
func TestWriteLetterSamples(t *testing.T) {
	dir := os.Getenv("PDFEXPORT_LETTERS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	long := sampleDecision("nl", 6)
	long.Description = strings.Repeat(letterWords+"\n", 8)
	empty := sampleDecision("en", 0)
	plain := sampleDecision("nl", 0)
	plain.Inspection, plain.Corrections, plain.ExtensionReason, plain.Outcome = false, "", "", "Afgewezen"
	// A description of this length puts the outcome box at the foot of
	// page 1, so it has to move to page 2 whole.
	boundary := sampleDecision("nl", 2)
	boundary.Description = strings.Repeat("Dit is een regel van mijn uitleg.\n", 26) + "Laatste regel."
	samples := map[string]func(*bytes.Buffer) error{
		"decision-nl-boundary.pdf": func(b *bytes.Buffer) error { return exporter(t).RenderDecision(b, boundary) },
		"receipt-nl.pdf":           func(b *bytes.Buffer) error { return exporter(t).RenderReceipt(b, sampleReceipt("nl")) },
		"receipt-en.pdf":           func(b *bytes.Buffer) error { return exporter(t).RenderReceipt(b, sampleReceipt("en")) },
		"decision-nl.pdf":          func(b *bytes.Buffer) error { return exporter(t).RenderDecision(b, sampleDecision("nl", 3)) },
		"decision-nl-long.pdf":     func(b *bytes.Buffer) error { return exporter(t).RenderDecision(b, long) },
		"decision-nl-plain.pdf":    func(b *bytes.Buffer) error { return exporter(t).RenderDecision(b, plain) },
		"decision-en-empty.pdf":    func(b *bytes.Buffer) error { return exporter(t).RenderDecision(b, empty) },
		"decision-en-events.pdf":   func(b *bytes.Buffer) error { return exporter(t).RenderDecision(b, sampleDecision("en", 2)) },
	}
	for name, render := range samples {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(b), []byte("%%EOF")) {
			t.Errorf("%s: not a complete PDF (err %v)", name, err)
		}
		t.Logf("wrote %s (%d bytes)", p, len(b))
	}
}

var tdRE = regexp.MustCompile(`BT ([\d.]+) ([\d.]+) Td \(`)

// checkPlacement fails when text lies outside the page's margins or in the
// gap between the body and the footer.
func checkPlacement(t *testing.T, name string, out []byte) {
	t.Helper()
	const k = 72 / 25.4 // points per millimetre
	const pageW, pageH = 210.0, 297.0
	for i, m := range streamRE.FindAllSubmatch(out, -1) {
		tds := tdRE.FindAllSubmatch(m[1], -1)
		if len(tds) == 0 {
			t.Errorf("%s page %d: no positioned text found", name, i+1)
		}
		for _, td := range tds {
			var x, y float64
			fmt.Sscan(string(td[1]), &x)
			fmt.Sscan(string(td[2]), &y)
			x, y = x/k, pageH-y/k // millimetres from the left and the top
			if x < marginL-0.01 || x > pageW-marginR {
				t.Errorf("%s page %d: text starts at x=%.1fmm, outside the margins", name, i+1, x)
			}
			inHeader := y < marginTop
			inBody := y >= marginTop && y <= pageH-marginBot
			inFooter := y > pageH-15 && y < pageH-5
			if !inHeader && !inBody && !inFooter {
				t.Errorf("%s page %d: text baseline at y=%.1fmm is below the body", name, i+1, y)
			}
		}
	}
}

// Descriptions of every length from one line to over a page put each
// heading, box and block at every spot of the page: nothing may be orphaned,
// split or placed off the body.
func TestLetterLayoutSweep(t *testing.T) {
	for extra := 0; extra <= 60; extra++ {
		desc := strings.Repeat("Dit is een regel van mijn uitleg.\n", extra+1) + "Laatste regel."
		r := sampleReceipt("nl")
		r.Description = desc
		out := plainLetter(t, exporter(t).buildReceipt(r))
		checkPlacement(t, fmt.Sprintf("receipt %d", extra), out)
		rl := readLetter(t, out)
		checkNoOrphans(t, rl)
		rl.wantOrder(t, desc, "U krijgt uiterlijk op 11-04-2026 een besluit.", "Met vriendelijke groet,")

		d := sampleDecision("nl", 2)
		d.Description = desc
		out = plainLetter(t, exporter(t).buildDecision(d))
		checkPlacement(t, fmt.Sprintf("decision %d", extra), out)
		dl := readLetter(t, out)
		checkNoOrphans(t, dl)
		dl.wantOrder(t, desc, "Ons besluit: Toegewezen", "Grondslag #01", "De laatste dag om bezwaar te maken is 13-05-2026.")
		for i, pg := range dl.parts {
			body := normSpace(strings.Join(pg, "\n"))
			if strings.Contains(body, "Ons besluit:") != strings.Contains(body, "Besloten op") {
				t.Errorf("decision %d, page %d: the outcome box is split", extra, i+1)
			}
			if strings.HasSuffix(body, "Met vriendelijke groet,") {
				t.Errorf("decision %d, page %d: closing without the sender", extra, i+1)
			}
		}
	}
}

// Issue 18: the decision on an Awb objection tells how to appeal to the court, not to object again.
func TestDecisionOnAnAwbObjectionExplainsTheAppeal(t *testing.T) {
	d := sampleDecision("nl", 0)
	d.Appeal, d.Inspection, d.Overview = true, false, nil
	lt := readLetter(t, plainLetter(t, exporter(t).buildDecision(d)))
	lt.wantOrder(t,
		"Beroep instellen",
		"Bent u het niet eens met deze beslissing op uw bezwaar? Dan kunt u beroep instellen bij de rechtbank.",
		"De laatste dag om beroep in te stellen is 13-05-2026.",
		"Met vriendelijke groet,",
	)
	if strings.Contains(lt.flow, "Bezwaar maken") || strings.Contains(lt.flow, "De laatste dag om bezwaar te maken") {
		t.Error("the decision on an objection invites another objection")
	}
}
