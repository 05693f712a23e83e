package web_test

import (
	"context"
	"encoding/csv"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/internal/pdftext"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/i18n"
	"github.com/inzicht/inzicht/portal/web"
)

// cp1252High are the characters of cp1252's 0x80–0x9F; the other bytes are Latin-1.
var cp1252High = []rune("€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ")

var drawnRE = regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\)Tj`)

// pdfStrings are the strings a PDF draws, in order, decoded from cp1252, with each page's running
// header and footer (page number, issue date, reference, "continued") left out.
func pdfStrings(t *testing.T, pdf, municipality string) []string {
	t.Helper()
	raw, err := pdftext.Text([]byte(pdf))
	if err != nil {
		t.Fatalf("%v: %.20q", err, pdf)
	}
	footer := regexp.MustCompile(`^(Pagina \d+ van \d+|Page \d+ of \d+|(Uitgegeven op|Issued on) \d\d-\d\d-\d{4}|.*·\s+\d\d-\d\d-\d{4}|\d\d-\d\d-\d{4})$`)
	continued := regexp.MustCompile(`\((vervolg|continued)\)$`)
	var out []string
	afterFooter := false
	for _, m := range drawnRE.FindAllStringSubmatch(raw, -1) {
		b := strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`, `\r`, "").Replace(m[1])
		var sb strings.Builder
		for i := 0; i < len(b); i++ {
			if c := b[i]; c >= 0x80 && c < 0xa0 {
				sb.WriteRune(cp1252High[c-0x80])
			} else {
				sb.WriteRune(rune(c))
			}
		}
		s := strings.TrimSpace(strings.TrimPrefix(sb.String(), "• "))
		switch {
		case s == "":
		case footer.MatchString(s) && (afterFooter || strings.HasPrefix(s, "Pagina") || strings.HasPrefix(s, "Page")):
			afterFooter = true
		case afterFooter && s == municipality:
		case continued.MatchString(s):
		default:
			afterFooter = false
			out = append(out, s)
		}
	}
	return out
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

var tagRE = regexp.MustCompile(`<[^>]*>`)

// compareDocument checks that the HTML document (the article of the page) and the PDF carry the same
// content: every text and every label–value pair of the page is in the PDF, and every string the PDF
// draws is on the page.
func compareDocument(t *testing.T, page, pdf, municipality string) {
	t.Helper()
	d := doc(t, page)
	art := d.Find("article.doc")
	if art.Length() != 1 {
		t.Fatalf("the page has no document article")
	}
	strs := pdfStrings(t, pdf, municipality)
	flow := norm(strings.Join(strs, " "))
	inPDF := func(what, s string) {
		t.Helper()
		if s = norm(s); s != "" && !strings.Contains(flow, s) {
			t.Errorf("the page's %s %q is not in the PDF", what, s)
		}
	}
	// Texts: headings, paragraphs, list items, quotes, captions, table cells without nested parts.
	art.Find("h1, h2, p, li, blockquote, caption, th, td").Not(".doc-struct, .doc-struct *").Each(func(_ int, s *goquery.Selection) {
		if s.Find("p, li, ul").Length() == 0 {
			inPDF(goquery.NodeName(s), s.Text())
		}
	})
	pairs := 0
	// Label–value pairs: a fact reads "Label: value" in the PDF, an event's field "Label value".
	art.Find("dl > div").Each(func(_ int, s *goquery.Selection) {
		dt, dd := norm(s.Find("dt").Text()), s.Find("dd")
		if dd.Find("li").Length() > 0 {
			return // a list: its items are checked one by one
		}
		v := norm(dd.Text())
		if !strings.Contains(flow, dt+": "+v) && !strings.Contains(flow, dt+" "+v) {
			t.Errorf("the pair %q: %q is not in the PDF", dt, v)
		}
		pairs++
	})
	art.Find("table.doc-events tr").Has("th[scope=row]").Each(func(_ int, s *goquery.Selection) {
		if s.HasClass("doc-mark") && s.Prev().HasClass("doc-mark") {
			inPDF("mark", s.Find("td").Text()) // a run of marks has its label once in the PDF
			return
		}
		label, value := norm(s.Find("th").Text()), norm(s.Find("td").Text())
		if !strings.Contains(flow, label+" "+value) {
			t.Errorf("the event field %q %q is not in the PDF", label, value)
		}
		pairs++
	})
	if pairs == 0 {
		t.Error("no label–value pairs on the page")
	}
	// The other way: everything the PDF draws is on the page.
	h, _ := art.Html()
	text := norm(html.UnescapeString(tagRE.ReplaceAllString(h, " ")))
	for _, s := range strs {
		if s = norm(strings.TrimSuffix(s, ":")); !strings.Contains(text, s) {
			t.Errorf("the PDF draws %q, which the page does not show", s)
		}
	}
}

// getPage fetches path in language lang ("nl" or "en") for the session cookie.
func (e *env) getPage(path, lang, cookie string) (int, string) {
	e.t.Helper()
	st, _, body := e.getIn(cookie, lang, path)
	return st, body
}

// TestDocumentsHTMLAndPDFCarryTheSameContent: for every document the portal makes (the processing
// log, the receipt and the decision of a request, the staff copy of the decision, the consent receipt
// and the council's report) the HTML page and the PDF carry the same texts and the same label–value
// pairs, in Dutch and in English; the log's CSV has the same labels as the HTML overview.
func TestDocumentsHTMLAndPDFCarryTheSameContent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{Contact: portal.Contact{Phone: "14 0123", Email: "privacy@voorbeeldstad.nl",
		Address: "Postbus 100, 1234 AB Voorbeeldstad"}}, web.Deps{})
	ctx := context.Background()
	now := time.Now()
	e.ingest(
		event(bsnA, now.Add(-50*time.Hour)),
		event(bsnA, now.Add(-40*time.Hour), func(ev *portal.Event) {
			ev.AccessBasis, ev.BreakGlassReason = portal.BasisBreakGlass, "Crisis bij de cliënt – ‘spoed’"
		}),
		event(bsnA, now.Add(-30*time.Hour), func(ev *portal.Event) {
			ev.Action, ev.Recipient, ev.CaseRef = "disclose", "UWV Amsterdam", "Z-2026-0042"
		}),
	)
	ca, csrf := e.citizen(bsnA)
	st, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles",
		"toelichting", "Ik wil alles zien.\nOok wie mijn gegevens kreeg.")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	reviewDecide(t, e, id)
	subA, err := e.db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	consent, _, err := e.db.CreateConsent(ctx, portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsnA, CaseRef: "Z-7",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Role: "Consulent"}, DataItem: "Medische informatie",
		DataHolder: "Uw huisarts", Purpose: "Dagbesteding", Necessity: "Om te weten wat past", LegalGround: "Beroepsgeheim",
		IfRefused: "We besluiten zonder", ValidUntil: now.AddDate(0, 6, 0).Format("2006-01-02")}, "staff", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.DecideConsent(ctx, subA, consent.ID, portal.ConsentGranted, "Alleen voor dit doel."); err != nil {
		t.Fatal(err)
	}
	clerk, _ := e.staff("clerk")
	council, _ := e.staff("council")

	docs := []struct{ name, page, pdf, cookie string }{
		{"log", "/verwerkingen/overzicht", "/verwerkingen.pdf", ca},
		{"log filtered", "/verwerkingen/overzicht?actie=disclose", "/verwerkingen.pdf?actie=disclose", ca},
		{"receipt", "/verzoeken/" + id + "/ontvangstbevestiging", "/verzoeken/" + id + "/ontvangstbevestiging.pdf", ca},
		{"decision", "/verzoeken/" + id + "/besluit", "/verzoeken/" + id + "/besluit.pdf", ca},
		{"staff decision", "/medewerker/verzoeken/" + id + "/besluit", "/medewerker/verzoeken/" + id + "/besluit.pdf", clerk},
		{"consent receipt", "/toestemmingen/" + consent.ID + "/bewijs", "/toestemmingen/" + consent.ID + "/bewijs.pdf", ca},
		{"council report", "/raad/rapportage", "/raad/rapportage.pdf", council},
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"nl", "en"} {
		for _, c := range docs {
			t.Run(lang+" "+c.name, func(t *testing.T) {
				st, page := e.getPage(c.page, lang, c.cookie)
				if st != 200 {
					t.Fatalf("%s: %d", c.page, st)
				}
				st, pdf := e.getPage(c.pdf, lang, c.cookie)
				if st != 200 || !strings.HasPrefix(pdf, "%PDF") {
					t.Fatalf("%s: %d", c.pdf, st)
				}
				compareDocument(t, page, pdf, "Gemeente Voorbeeldstad")
				d := doc(t, page)
				if href, _ := d.Find(".doc-pdf a").Attr("href"); !strings.HasPrefix(href, c.pdf) {
					t.Errorf("the page's PDF link is %q, want %q", href, c.pdf)
				}
				if got := d.Find(".doc-pdf a").Text(); got != cat.T(lang, "doc.pdf") {
					t.Errorf("the PDF link reads %q", got)
				}
				if d.Find("html").AttrOr("lang", "") != lang {
					t.Errorf("the page is not in %s", lang)
				}
			})
		}
		t.Run(lang+" log labels", func(t *testing.T) {
			// The log's fields have the page's labels (field.*), in the HTML document, the PDF and the CSV.
			_, page := e.getPage("/verwerkingen/overzicht", lang, ca)
			d := doc(t, page)
			var labels []string
			d.Find("table.doc-events th[scope=row]").Each(func(_ int, s *goquery.Selection) { labels = append(labels, norm(s.Text())) })
			_, csvBody := e.getPage("/verwerkingen.csv", lang, ca)
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\ufeff")))
			r.Comma = ';'
			head, err := r.Read()
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"field.role", "field.action", "field.categories", "field.level", "field.activity",
				"field.purpose", "field.legal", "field.basis", "field.recipient", "field.case", "field.marks"} {
				want := cat.T(lang, key)
				if !contains(labels, want) {
					t.Errorf("the HTML overview lacks the label %q (%s): %v", want, key, labels)
				}
				if !contains(head, want) {
					t.Errorf("the CSV header lacks the label %q (%s): %v", want, key, head)
				}
			}
			for _, old := range map[string][]string{"nl": {"Soort informatie", "Doel", "Wat is er gedaan", "Wettelijke grondslag"},
				"en": {"Type of information", "Purpose", "What was done", "Processing activity"}}[lang] {
				if contains(labels, old) || contains(head, old) {
					t.Errorf("the old PDF label %q is still used", old)
				}
			}
			// The PDF carries the access basis, the recipient and the case the page and CSV show.
			_, pdf := e.getPage("/verwerkingen.pdf", lang, ca)
			flow := norm(strings.Join(pdfStrings(t, pdf, "Gemeente Voorbeeldstad"), " "))
			for _, want := range []string{cat.T(lang, "field.recipient") + " UWV Amsterdam", cat.T(lang, "field.case") + " Z-2026-0042",
				cat.T(lang, "field.basis") + " " + cat.T(lang, "basis.assigned")} {
				if !strings.Contains(flow, want) {
					t.Errorf("the log PDF lacks %q", want)
				}
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestDocumentsAccess: another citizen gets 404 on each HTML document of citizen A; a citizen without
// a decision gets 404 on the decision; an administrator (financial matters only) acting for the person
// sees on the HTML decision exactly what their PDF shows: the financial processing, not the care; the
// HTML overview of the log is the filtered log, under the PDF's limits (an invalid filter is refused
// on both).
func TestDocumentsAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	e.putFinancialActivity()
	care := event(bsnAdult, time.Now().Add(-2*time.Hour), func(ev *portal.Event) { ev.Actor.Organization = "GGZ Geheimzorg" })
	money := event(bsnAdult, time.Now().Add(-time.Hour), func(ev *portal.Event) {
		ev.Activity, ev.DataCategories, ev.Actor.Organization = "pw-bijstand", []string{"income"}, "Afdeling Inkomen"
	})
	e.ingest(care, money)
	own, ocsrf := e.citizen(bsnAdult)
	st, loc, _ := e.post("/verzoeken", own, "csrf", ocsrf, "soort", "inzage", "omvang", "alles", "toelichting", "Alles graag.")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	ownID := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	reviewDecide(t, e, ownID)

	adm := e.represent(bsnBewind, bsnAdult, portal.RepAdministration, yearsAgo(40, 0), portal.PartLog, portal.PartRequests)
	ac, acsrf := e.citizen(bsnBewind)
	e.actFor(ac, adm.ID)
	st, loc, _ = e.post("/verzoeken", ac, "csrf", acsrf, "soort", "inzage", "omvang", "alles", "toelichting", "Inzage.")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	admID := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	reviewDecide(t, e, admID)

	other, _ := e.citizen(bsnB)
	for _, p := range []string{"/verzoeken/" + ownID + "/ontvangstbevestiging", "/verzoeken/" + ownID + "/besluit",
		"/verzoeken/" + admID + "/besluit", "/verzoeken/" + uuid.NewString() + "/besluit"} {
		if st, _ := e.get(other, p); st != 404 {
			t.Errorf("another citizen gets %d on %s, want 404", st, p)
		}
	}
	// The administrator reaches only the request filed under their representation, and sees on its
	// page what its PDF shows: the financial line, not the care.
	if st, _ := e.get(ac, "/verzoeken/"+ownID+"/besluit"); st != 404 {
		t.Errorf("the administrator reads the person's own decision: %d", st)
	}
	st, page := e.get(ac, "/verzoeken/"+admID+"/besluit")
	if st != 200 {
		t.Fatalf("the administrator's decision page: %d", st)
	}
	_, pdf := e.get(ac, "/verzoeken/"+admID+"/besluit.pdf")
	compareDocument(t, page, pdf, "Gemeente Voorbeeldstad")
	if !strings.Contains(page, "Afdeling Inkomen") || strings.Contains(page, "GGZ Geheimzorg") || strings.Contains(page, "Wmo-onderzoek") {
		t.Errorf("the administrator's decision page does not show the financial line only")
	}
	// The person's own letter lists both.
	_, page = e.get(own, "/verzoeken/"+ownID+"/besluit")
	if !strings.Contains(page, "Afdeling Inkomen") || !strings.Contains(page, "GGZ Geheimzorg") {
		t.Errorf("the person's own decision page lacks a line")
	}
	// The log overview for the administrator: the financial line only, as on their log page.
	_, page = e.get(ac, "/verwerkingen/overzicht")
	if !strings.Contains(page, "Afdeling Inkomen") || strings.Contains(page, "GGZ Geheimzorg") {
		t.Errorf("the administrator's log overview does not show the financial line only")
	}
	_, pdf = e.get(ac, "/verwerkingen.pdf")
	compareDocument(t, page, pdf, "Gemeente Voorbeeldstad")
	// Reading the letter page is recorded in the person's log like the PDF: one act per reading.
	acts := func() int {
		t.Helper()
		as, err := e.db.RepresentativeActs(ctx, portal.ActFilter{SubjectID: adm.SubjectID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range as {
			if a.What == portal.ActDownloadLetter && a.Ref == admID {
				n++
			}
		}
		return n
	}
	before := acts()
	e.get(ac, "/verzoeken/"+admID+"/besluit")
	e.get(ac, "/verzoeken/"+admID+"/ontvangstbevestiging")
	if got := acts(); got != before+2 {
		t.Errorf("reading the letter pages recorded %d acts, want %d", got-before, 2)
	}
	// A filter mistake is refused on the page as on the PDF.
	if st, _ := e.get(own, "/verwerkingen/overzicht?van=2026-02-31"); st != 422 {
		t.Errorf("the overview with an impossible date: %d", st)
	}
}
