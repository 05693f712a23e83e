package pdfexport

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal/i18n"
)

// exporter builds an Exporter from the real catalogue, so the tests check the texts citizens get.
func exporter(t testing.TB) *Exporter {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var (
	issued = time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	from   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to     = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
)

const longPurpose = "Wij bekijken of u hulp nodig heeft bij het huishouden of bij het zelfstandig wonen. " +
	"Daarvoor kijkt de Wmo-consulent naar uw situatie, naar de hulp die u al krijgt van familie of " +
	"buren, en naar wat u zelf nog kunt. Op basis daarvan neemt de gemeente een besluit over uw " +
	"aanvraag voor een maatwerkvoorziening. Dit doel is met opzet lang, zodat de tekst over meerdere " +
	"regels loopt en het afbreken van tekst getest wordt – met ‘aanhalingstekens’ en “dubbele” ook."

// sampleRows returns n varied rows with Dutch characters, one very long
// purpose and marks. Row i has activity "Activiteit #i" and legal basis
// "Grondslag #i" so tests can find every block.
func sampleRows(n int) []Row {
	var rows []Row
	start := time.Date(2025, 3, 29, 23, 30, 0, 0, time.UTC) // DST starts in the night of 30 March
	for i := 0; i < n; i++ {
		r := Row{
			When:         start.Add(time.Duration(i) * 2 * time.Hour),
			Organization: "Gemeente Voorbeeldstad",
			Team:         "Team Zorg & Welzijn",
			Role:         "Wmo-consulent",
			Action:       "Bekeken",
			Categories:   []string{"Persoonsgegevens (naam, adres, geboortedatum)", "Gezondheid – medische indicatie", "Financiële gegevens"},
			Level:        "Wat-informatie",
			Activity:     fmt.Sprintf("Activiteit #%02d: beoordelen aanvraag maatwerkvoorziening", i),
			Purpose:      "Beoordelen of u recht heeft op ondersteuning.",
			LegalBasis:   fmt.Sprintf("Grondslag #%02d: Wet maatschappelijke ondersteuning 2015", i),
			AccessBasis:  "Voor uw zaak",
		}
		if i == 0 {
			r.Recipient, r.CaseRef = "UWV Amsterdam", "Z-2025-0001"
		}
		switch i % 4 {
		case 0:
			r.Employee = "J. de Vries-Ëlbers"
			r.Purpose = longPurpose
		case 1:
			r.Team = ""
			r.Organization = "Sociale Verzekeringsbank"
			r.Action = "Gewijzigd"
			r.Level = "Dat-informatie"
			r.Marks = []string{"Met toestemming"}
		case 2:
			r.Marks = []string{"Noodtoegang (break-the-glass): reden: acute zorgsituatie, cliënt niet bereikbaar – ‘spoed’", "Tegen uw wil: besluit van het college"}
		case 3:
			r.Employee = "Łukasz Wiśniewski" // letters cp1252 lacks
		}
		rows = append(rows, r)
	}
	return rows
}

func sampleDoc(lang string, n int) Document {
	return Document{
		Lang:         lang,
		Municipality: "Gemeente Voorbeeldstad",
		MaskedBSN:    "*****1234",
		From:         from,
		To:           to,
		IssuedAt:     issued,
		Rows:         sampleRows(n),
	}
}

func renderPlain(t *testing.T, d Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := exporter(t).render(&buf, d, false); err != nil {
		t.Fatalf("render: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("output does not start with %%PDF-: %q", buf.Bytes()[:min(16, buf.Len())])
	}
	return buf.Bytes()
}

var (
	streamRE = regexp.MustCompile(`(?s)stream\n(.*?)\nendstream`)
	tjRE     = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)
)

// cp1252High maps bytes 0x80..0x9f of cp1252 to Unicode (0 = unused).
var cp1252High = [32]rune{
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
}

func decodeCP1252(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c >= 0x80 && c < 0xa0:
			sb.WriteRune(cp1252High[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// pageTexts returns the text shown on each page of an uncompressed PDF made
// by gofpdf (one content stream per page, in page order), one string per
// text operator joined by newlines.
func pageTexts(t *testing.T, pdf []byte) []string {
	t.Helper()
	var pages []string
	for _, m := range streamRE.FindAllSubmatch(pdf, -1) {
		var parts []string
		for _, tj := range tjRE.FindAllSubmatch(m[1], -1) {
			s := tj[1]
			s = bytes.ReplaceAll(s, []byte(`\r`), []byte("\r"))
			s = regexp.MustCompile(`\\(.)`).ReplaceAll(s, []byte("$1"))
			parts = append(parts, decodeCP1252(s))
		}
		pages = append(pages, strings.Join(parts, "\n"))
	}
	return pages
}

func TestRenderDutch(t *testing.T) {
	d := sampleDoc("nl", 14)
	p := exporter(t).build(d)
	wantPages := p.PageCount()
	if wantPages < 3 {
		t.Fatalf("PageCount = %d, want at least 3 for 14 rows", wantPages)
	}

	out := renderPlain(t, d)
	if n := len(regexp.MustCompile(`/Type /Page\n`).FindAll(out, -1)); n != wantPages {
		t.Errorf("%d page objects in output, PageCount said %d", n, wantPages)
	}
	pages := pageTexts(t, out)
	if len(pages) != wantPages {
		t.Fatalf("found %d content streams, want %d", len(pages), wantPages)
	}
	all := strings.Join(pages, "\n")

	for _, want := range []string{
		"Overzicht van verwerkingen van uw gegevens",
		"Gemeente Voorbeeldstad",
		"*****1234",
		"01-01-2025 tot en met 31-12-2025",
		"Uitgegeven op",
		"15-03-2026",
		"Wettelijke grond",
		"Toegang", "Voor uw zaak", "Ontvanger", "UWV Amsterdam", "Zaaknummer", "Z-2025-0001",
		"Financiële gegevens",                    // ë survives
		"cliënt niet",                            // ë
		"bereikbaar –",                           // en dash
		"‘spoed’",                                // typographic quotes
		"J. de Vries-Ëlbers",                     // capital with diaeresis
		"Lukasz Wisniewski",                      // ł, ś lose their accent, not garbled
		"30-03-2025 00:30",                       // 23:30 UTC in winter time
		"30-03-2025 03:30",                       // 01:30 UTC after the switch to summer time
		"Sociale Verzekeringsbank",               // organisation without team
		"Noodtoegang (break-the-glass): reden: ", // marks are printed
		"Met toestemming",
		"Tegen uw wil: besluit van het college",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("text does not contain %q", want)
		}
	}
	for i, pg := range pages {
		want := fmt.Sprintf("Pagina %d van %d", i+1, wantPages)
		if !strings.Contains(pg, want) {
			t.Errorf("page %d: footer %q missing", i+1, want)
		}
		if !strings.Contains(pg, "Uitgegeven op 15-03-2026") {
			t.Errorf("page %d: issue date missing from footer", i+1)
		}
	}
	if strings.Contains(all, "{nb}") {
		t.Error("page count alias was not replaced")
	}
	if strings.Contains(all, "Łukasz") || strings.Contains(all, "?ukasz") || strings.Contains(all, ".ukasz") {
		t.Error("Ł was not transliterated")
	}

	// The long purpose must wrap over several lines: no single text
	// operator holds all of it.
	if strings.Contains(all, longPurpose) {
		t.Error("long purpose was not wrapped")
	}
	if !strings.Contains(all, "Wij bekijken of u hulp nodig heeft") {
		t.Error("start of long purpose missing")
	}

	// Blocks are not split: each row's activity and legal basis are on the
	// page that holds its title.
	for i, r := range d.Rows {
		title := r.When.In(amsterdam).Format("02-01-2006 15:04")
		act := fmt.Sprintf("Activiteit #%02d", i)
		legal := fmt.Sprintf("Grondslag #%02d", i)
		found := false
		for _, pg := range pages {
			if strings.Contains(pg, title) {
				found = true
				if !strings.Contains(pg, act) || !strings.Contains(pg, legal) {
					t.Errorf("row %d (%s) is split over pages", i, title)
				}
			}
		}
		if !found {
			t.Errorf("row %d: title %q not found", i, title)
		}
	}

	if m := regexp.MustCompile(`(^|\D)\d{9}(\D|$)`).Find(out); m != nil {
		t.Errorf("output contains a 9-digit number: %q", m)
	}
}

func TestRenderEnglish(t *testing.T) {
	d := sampleDoc("en", 3)
	d.From = time.Time{}
	out := renderPlain(t, d)
	all := strings.Join(pageTexts(t, out), "\n")
	for _, want := range []string{
		"Overview of the processing of your personal data",
		"BSN:",
		"*****1234",
		"Period:",
		"from the start up to and including 31-12-2025",
		"Issued on",
		"Page 1 of ",
		"Legal basis",
		"Why",
		"Role",
		"Access",
		"Recipient",
		"Case number",
		"Please note",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("English text does not contain %q", want)
		}
	}
	for _, dutch := range []string{"Pagina", "Uitgegeven", "Wettelijke grondslag", "Periode", "vanaf het begin", "Waarom", "Toegang"} {
		if strings.Contains(all, dutch) {
			t.Errorf("English document contains Dutch label %q", dutch)
		}
	}
}

func TestRenderEmpty(t *testing.T) {
	for lang, want := range map[string]string{
		"nl": "Geen verwerkingen in deze periode.",
		"en": "No processing in this period.",
	} {
		d := sampleDoc(lang, 0)
		if n := exporter(t).build(d).PageCount(); n != 1 {
			t.Errorf("%s: PageCount = %d, want 1", lang, n)
		}
		all := strings.Join(pageTexts(t, renderPlain(t, d)), "\n")
		if !strings.Contains(all, want) {
			t.Errorf("%s: empty document does not say %q", lang, want)
		}
	}
}

// A caller that passes the full BSN by mistake must not get it printed.
func TestFullBSNNeverPrinted(t *testing.T) {
	d := sampleDoc("nl", 2)
	d.MaskedBSN = "123456782"
	out := renderPlain(t, d)
	if bytes.Contains(out, []byte("123456782")) {
		t.Fatal("full BSN is in the PDF")
	}
	all := strings.Join(pageTexts(t, out), "\n")
	if !strings.Contains(all, "BSN:") || !strings.Contains(all, "*****6782") {
		t.Errorf("BSN line not masked as *****6782:\n%s", all)
	}
}

func TestMaskBSN(t *testing.T) {
	for in, want := range map[string]string{
		"*****1234":   "*****1234",
		"123456782":   "*****6782",
		"":            "",
		"*********":   "*********",
		"1234 567 82": "**** *67 82",
	} {
		if got := maskBSN(in); got != want {
			t.Errorf("maskBSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEncoder(t *testing.T) {
	if len(latinExtA) != 0x80 {
		t.Fatalf("latinExtA has %d entries, want 128", len(latinExtA))
	}
	enc := newEncoder(exporter(t).build(Document{}).UnicodeTranslatorFromDescriptor(""))
	for in, want := range map[string]string{
		"Financiële café – ‘x’ “y” …": "Financiële café – ‘x’ “y” …",
		"Łódź Ĳsselmeer ĳs":           "Lódz IJsselmeer ijs",
		"a\u2011b\u00a0c\u202fd":      "a-b\u00a0c d",
		"tab\there\r\nnext":           "tab here\nnext",
		"snow ☃ 漢 €":                  "snow ? ? €",
		"zero\u200bwidth":             "zerowidth",
		"e\u0301":                     "e",
	} {
		got := decodeCP1252([]byte(enc(in)))
		if got != want {
			t.Errorf("enc(%q) = %q, want %q", in, got, want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriterError(t *testing.T) {
	err := exporter(t).Render(failWriter{}, sampleDoc("nl", 1))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Render to failing writer: err = %v, want disk full", err)
	}
}

func TestRenderCompressed(t *testing.T) {
	var buf bytes.Buffer
	if err := exporter(t).Render(&buf, sampleDoc("nl", 14)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if bytes.Contains(buf.Bytes(), []byte("Wettelijke grond")) {
		t.Error("Render does not compress page content")
	}
}

// TestWriteSample writes sample PDFs for visual inspection:
//
//	PDFEXPORT_SAMPLE=/tmp/pdfexport-sample.pdf go test -run TestWriteSample ./portal/pdfexport
func TestWriteSample(t *testing.T) {
	path := os.Getenv("PDFEXPORT_SAMPLE")
	if path == "" {
		t.Skip("set PDFEXPORT_SAMPLE to write a sample PDF")
	}
	for _, lang := range []string{"nl", "en"} {
		p := path
		if lang == "en" {
			p = strings.TrimSuffix(path, ".pdf") + "-en.pdf"
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		n := 14
		if lang == "en" {
			n = 3
		}
		if err := exporter(t).Render(f, sampleDoc(lang, n)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", p)
	}
}

// blockHeight must predict exactly what row draws, otherwise the
// keep-together logic is off.
func TestBlockHeightMatchesDrawing(t *testing.T) {
	rows := sampleRows(4)
	rows = append(rows, Row{When: issued, Organization: strings.Repeat("Samenwerkingsverband Noord ", 6), Team: "Team Ëën",
		Role: "Medewerker", Action: "Bekeken", Purpose: "https://example.nl/" + strings.Repeat("lang-woord-zonder-spaties", 8),
		Marks: []string{strings.Repeat("Tegen uw wil: ", 12)}})
	for _, lang := range []string{"nl", "en"} {
		b := exporter(t).newBuilder(Document{Lang: lang, IssuedAt: issued})
		for i, r := range rows {
			b.pdf.AddPage()
			page, y0 := b.pdf.PageNo(), b.pdf.GetY()
			ev := b.l.event(r)
			want := b.blockHeight(b.enc(ev.Title), ev.Fields)
			b.event(ev)
			if b.pdf.PageNo() != page {
				t.Fatalf("%s row %d: a normal block went to a new page", lang, i)
			}
			if got := b.pdf.GetY() - blockGap - y0; got < want-0.01 || got > want+0.01 {
				t.Errorf("%s row %d: drawn height %.2f, measured %.2f", lang, i, got, want)
			}
		}
		if err := b.pdf.Error(); err != nil {
			t.Fatal(err)
		}
	}
}

// A block taller than a page may break, but must still render fully.
func TestHugeRow(t *testing.T) {
	d := sampleDoc("nl", 2)
	d.Rows[1].Purpose = strings.Repeat("Een heel lange uitleg over het doel van deze verwerking. ", 150) + "EINDE-DOEL"
	pages := pageTexts(t, renderPlain(t, d))
	if len(pages) < 3 {
		t.Fatalf("%d pages, want at least 3", len(pages))
	}
	all := strings.Join(pages, "\n")
	for _, want := range []string{"EINDE-DOEL", "Grondslag #01", "Pagina 3 van"} {
		if !strings.Contains(all, want) {
			t.Errorf("text does not contain %q", want)
		}
	}
}
