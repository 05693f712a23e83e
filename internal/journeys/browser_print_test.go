package journeys

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/inzicht/inzicht/internal/pdftext"
)

// printDocumentsJourney (issue 18): a citizen opens the HTML version of their whole log and of the
// receipt and the decision letter of a request they filed, with the keyboard, in Dutch and English;
// the council opens the annual report as a page.
// Each page passes axe and fits 320 px; printed (print media emulated) it shows the document without
// the site's menu, footer, links around it and buttons, and a block is not split over two pages. The
// PDF beside it is a secondary link.
func printDocumentsJourney(t *testing.T, s *browserSuite) {
	b := s.newTab(t)
	b.loginCitizen("999993653")
	b.tabTo(`nav a[href="/verwerkingen"]`)
	b.enter()
	total := logTotal(t, b)
	b.tabTo(`.downloads a[href^="/verwerkingen/overzicht"]`)
	b.enter()
	b.wantPath("/verwerkingen/overzicht")
	b.wantText("Overzicht van verwerkingen van uw gegevens", "Wat gebeurde er", "Wettelijke grond", "Toegang")
	if n := eval[int](b, `document.querySelectorAll("table.doc-events tbody.doc-event").length`); n != total {
		t.Errorf("the overview holds %d processing lines; the log counts %d", n, total)
	}
	// The PDF is the second way, reachable by keyboard, and holds the same lines.
	b.tabTo(`.doc-pdf a[href^="/verwerkingen.pdf"]`)
	pdf := b.download(`.doc-pdf a`)
	txt, err := pdftext.Text(pdf)
	if err != nil {
		t.Fatalf("the log PDF: %v", err)
	}
	if !strings.Contains(txt, "Wettelijke grond") || !strings.Contains(txt, "Toegang") {
		t.Error("the log PDF does not use the page's labels")
	}
	b.shot("journey-doc-log")
	b.printed("journey-print-log")

	// English, by the language link: the same overview in English.
	b.tabTo(`a[href^="/taal?lang=en"]`)
	b.enter()
	b.wantPath("/verwerkingen/overzicht")
	b.wantText("Overview of the processing of your personal data", "What happened", "Legal basis",
		"Download as PDF (not accessible to screen readers)")
	b.printed("journey-print-log-en")
	b.open("/taal?lang=nl&terug=/overzicht")

	// A request filed in the browser: its receipt as a page, then the decision letter.
	c := s.newTab(t)
	c.loginCitizen("999991772")
	c.open("/verzoeken/nieuw")
	c.do(chromedp.Click(chromedp.CSS(`input[name="soort"][value="inzage"]`)),
		chromedp.Click(chromedp.CSS(`#omvang-alles`)),
		chromedp.SendKeys(chromedp.CSS("#toelichting"), "Ik wil alles zien, ook wie mijn gegevens kreeg."))
	c.click(`form.request-form button[type="submit"]`)
	if !strings.HasPrefix(c.path(), "/verzoeken/") {
		t.Fatalf("filing the request: on %s\n%s", c.path(), c.text())
	}
	id := strings.TrimPrefix(c.wantPath("/verzoeken/"), "/verzoeken/")
	requestPath := "/verzoeken/" + id
	c.tabTo(`a[href="` + requestPath + `/ontvangstbevestiging"]`)
	c.enter()
	c.wantPath(requestPath + "/ontvangstbevestiging")
	c.wantText("Ontvangstbevestiging", "Ik wil alles zien, ook wie mijn gegevens kreeg.", "Geachte heer of mevrouw,", "Met vriendelijke groet,")
	c.printed("journey-print-receipt")
	c.tabTo(`.doc-tools a[href="` + requestPath + `"]`)
	c.enter()

	clerk := s.newTab(t)
	clerk.loginStaff("medewerker")
	casePath := "/medewerker/verzoeken/" + id
	clerk.open(casePath)
	clerk.click(`form[action$="/behandelen"] button`)
	clerk.do(chromedp.Click(chromedp.CSS(`input[name="besluit"][value="toegewezen"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/besluiten"] textarea[name="toelichting"]`), "U ziet hierbij al uw gegevens."))
	clerk.click(`form[action$="/besluiten"] button:not([name])`)
	clerk.wantText("Het besluit is vastgelegd.")
	// The staff copy of the letter as a page, beside its PDF.
	clerk.click(`a[href="` + casePath + `/besluit"]`)
	clerk.wantText("Besluit op uw verzoek", "U ziet hierbij al uw gegevens.")

	c.open(requestPath)
	c.tabTo(`a[href="` + requestPath + `/besluit"]`)
	c.enter()
	c.wantPath(requestPath + "/besluit")
	c.wantText("Besluit op uw verzoek", "Ons besluit: Toegewezen", "U ziet hierbij al uw gegevens.", "Bezwaar maken",
		"namens het college van burgemeester en wethouders")
	if n := eval[int](c, `document.querySelectorAll("table.doc-events tbody.doc-event").length`); n == 0 {
		t.Error("the decision on an inspection request lists no processing")
	}
	c.shot("journey-doc-decision")
	c.printed("journey-print-decision")
	c.tabTo(`a[href^="/taal?lang=en"]`)
	c.enter()
	c.wantPath(requestPath + "/besluit")
	c.wantText("Decision on your request", "Back to the request", "How to object")
	c.printed("journey-print-decision-en")

	// The council's annual report as a page: its charts as tables, its figures, printable.
	r := s.newTab(t)
	r.loginStaff("raad")
	r.open("/raad")
	r.tabTo(`a[href^="/raad/rapportage?jaar="]`)
	r.enter()
	r.wantPath("/raad/rapportage")
	r.wantText("Rapportage ", "Terug naar de cijfers", "Download als PDF (niet toegankelijk voor schermlezers)")
	if n := eval[int](r, `document.querySelectorAll("table.doc-chart").length`); n == 0 {
		t.Error("the report page has no charts as tables")
	}
	r.printed("journey-print-report")
}

var logCountRE = regexp.MustCompile(`(?:van|of) (\d+)`)

// logTotal reads how many lines the log says it has ("Verwerking 1–25 van 412").
func logTotal(t *testing.T, b *tab) int {
	t.Helper()
	st := eval[string](b, `document.querySelector(".pager-status").textContent`)
	m := logCountRE.FindStringSubmatch(st)
	if m == nil {
		t.Fatalf("the log says %q", st)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// printed looks at the page as printed (print media emulated): the document is there, the site's
// header, menu, footer, forms, buttons and the links around the document are not, link addresses are
// not printed, and blocks keep together. With screenshots on, it saves the printed page as an image
// and the browser's own print as a PDF beside it.
func (b *tab) printed(name string) {
	b.t.Helper()
	b.media("print")
	defer b.media("")
	shown := eval[[]string](b, `["header.site-header", ".site-header nav", "footer.site-footer", ".doc-tools", "form", "button", ".button", ".skip-link"]
		.filter(sel => [...document.querySelectorAll(sel)].some(e => e.getClientRects().length > 0))`)
	if len(shown) > 0 {
		b.t.Errorf("printed, %s still shows %v", b.path(), shown)
	}
	if !eval[bool](b, `(a => a !== null && a.getClientRects().length > 0 && a.querySelector("h1").innerText.length > 0)(document.querySelector("article.doc"))`) {
		b.t.Errorf("printed, %s does not show the document", b.path())
	}
	if after := eval[string](b, `(a => a ? getComputedStyle(a, "::after").content : "none")(document.querySelector("article.doc a, main a"))`); after != "none" && after != "normal" {
		b.t.Errorf("printed, a link prints its address: %s", after)
	}
	for sel, want := range map[string]string{".doc-event": "avoid", ".doc-box": "avoid", ".doc-signoff": "avoid"} {
		q := jsString(sel)
		if got := eval[string](b, `(e => e ? getComputedStyle(e).breakInside : "avoid")(document.querySelector(`+q+`))`); got != want {
			b.t.Errorf("printed, %s breaks inside: %s", sel, got)
		}
	}
	if b.s.shots == "" {
		return
	}
	b.shot(name)
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{})
	if err != nil || !bytes.HasPrefix(res.Data, []byte("%PDF")) {
		b.t.Fatalf("printing %s: %v", b.path(), err)
	}
	if err := os.WriteFile(filepath.Join(os.TempDir(), name+".pdf"), res.Data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// media emulates a CSS media type ("print"; "" ends the emulation).
func (b *tab) media(m string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
		b.t.Fatalf("emulating %q media: %v", m, err)
	}
}
