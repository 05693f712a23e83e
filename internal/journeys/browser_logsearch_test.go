package journeys

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// logSearchJourney (issue 18): a citizen searches their log, pages through the results, narrows them
// with a filter and switches to English, with the keyboard alone; the page says where it is each time
// ("26–29 van 29"), keeps the search and the filter, passes axe and fits 320 px.
func logSearchJourney(t *testing.T, s *browserSuite) {
	b := s.newTab(t)
	b.loginCitizen("999993653")
	b.tabTo(`nav a[href="/verwerkingen"]`)
	b.enter()
	status := func() string {
		return strings.TrimSpace(eval[string](b, `document.querySelector(".pager-status").textContent`))
	}
	if st := status(); !strings.HasPrefix(st, "Verwerking 1–25 van ") {
		t.Fatalf("the log says %q", st)
	}

	// Search for the home care organisation: 29 of the demo's lines.
	b.tabTo("#zoek")
	b.do(chromedp.KeyEvent("thuiszorg"))
	b.tabTo(`form.log-search button[type="submit"]`)
	b.enter()
	if p := b.path(); !strings.Contains(p, "zoek=thuiszorg") {
		t.Fatalf("the search was not sent: %s", p)
	}
	if st := status(); st != "Verwerking 1–25 van 29" {
		t.Fatalf("after the search the log says %q", st)
	}
	orgs := eval[[]string](b, `[...document.querySelectorAll(".events .event-title")].map(h => h.textContent)`)
	for _, o := range orgs {
		if !strings.Contains(o, "Thuiszorg De Linde") {
			t.Errorf("a line found by 'thuiszorg' is of %q", o)
		}
	}
	b.tabTo(`.pager a[rel="next"]`)
	b.enter()
	if st := status(); st != "Verwerking 26–29 van 29" {
		t.Errorf("the second page says %q", st)
	}
	if v := eval[string](b, `document.querySelector("#zoek").value`); v != "thuiszorg" {
		t.Errorf("the search box holds %q on the second page", v)
	}
	b.tabTo(`.pager a[rel="prev"]`, kb.ModifierShift)
	b.enter()
	if st := status(); st != "Verwerking 1–25 van 29" {
		t.Errorf("back on the first page: %q", st)
	}

	// Narrow to what was viewed: open the filters and choose with the keyboard.
	// The filters are open already under a search; a person opens them with Enter when they are not.
	if !eval[bool](b, `document.querySelector(".filters details").open`) {
		b.tabTo(`.filters details summary`)
		b.do(chromedp.KeyEvent(kb.Enter))
	}
	b.tabTo("#actie")
	b.do(chromedp.KeyEvent("Bek"))
	if v := eval[string](b, `document.querySelector("#actie").value`); v != "view" {
		t.Fatalf("typing 'Bek' chose %q in the action list", v)
	}
	b.tabTo(`form.log-search button[type="submit"]`)
	b.enter()
	if st := status(); st != "Verwerking 1–20 van 20" {
		t.Errorf("search and filter: %q", st)
	}
	b.shot("journey-log-search")

	// English: the search and the filter survive the language switch.
	b.tabTo(`a[href^="/taal?lang=en"]`, kb.ModifierShift)
	b.enter()
	q, _ := url.ParseQuery(strings.SplitN(b.path(), "?", 2)[1])
	if q.Get("zoek") != "thuiszorg" || q.Get("actie") != "view" {
		t.Errorf("after the language switch: %s", b.path())
	}
	if st := status(); st != "Processing 1–20 of 20" {
		t.Errorf("in English: %q", st)
	}
	b.wantText("Clear filters")
	b.tabTo(`form.log-search a[href="/verwerkingen"]`)
	b.enter()
	if st := status(); !strings.HasPrefix(st, "Processing 1–25 of ") || strings.HasSuffix(st, " of 29") {
		t.Errorf("after clearing the filters: %q", st)
	}
	if v := eval[string](b, `document.querySelector("#zoek").value`); v != "" {
		t.Errorf("the search box holds %q after clearing the filters", v)
	}
}
