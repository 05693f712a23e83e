package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestDownloadsFollowTheFilter follows the PDF and CSV links that /verwerkingen itself shows under a
// filter: the files hold what the filtered page holds, not the whole log.
func TestDownloadsFollowTheFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	now := time.Now()
	consent := event(bsnA, now.Add(-30*time.Hour), func(ev *portal.Event) {
		ev.AccessBasis, ev.ConsentRef, ev.Actor.Role = portal.BasisConsent, "TS-2026-0193", "Z-TOESTEMMING"
	})
	oldConsent := event(bsnA, now.AddDate(0, 0, -40), func(ev *portal.Event) {
		ev.AccessBasis, ev.ConsentRef, ev.Actor.Role = portal.BasisConsent, "TS-2026-0001", "Z-OUD"
	})
	var rest []portal.Event
	for i := range 30 {
		rest = append(rest, event(bsnA, now.Add(-time.Duration(i+1)*time.Hour), func(ev *portal.Event) { ev.Actor.Role = "Z-ANDERS" }))
	}
	e.ingest(append(rest, consent, oldConsent)...)
	ca, _ := e.citizen(bsnA)

	for _, c := range []struct {
		name, query string
		want, not   []string
	}{
		{"basis", "?grondslag=consent", []string{"Z-TOESTEMMING", "Z-OUD"}, []string{"Z-ANDERS"}},
		{"basis and period", "?grondslag=consent&van=" + now.AddDate(0, 0, -7).Format("2006-01-02"),
			[]string{"Z-TOESTEMMING"}, []string{"Z-ANDERS", "Z-OUD"}},
		{"none", "", []string{"Z-TOESTEMMING", "Z-OUD", "Z-ANDERS"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, body := e.do("GET", "/verwerkingen"+c.query, ca, "", nil)
			d := doc(t, body)
			links := map[string]string{}
			d.Find(".downloads a").Each(func(_ int, a *goquery.Selection) {
				href, _ := a.Attr("href")
				links[strings.SplitN(href, "?", 2)[0]] = href
			})
			for _, path := range []string{"/verwerkingen.csv", "/verwerkingen.pdf"} {
				href, ok := links[path]
				if !ok {
					t.Fatalf("the page has no link to %s: %v", path, links)
				}
				resp, file := e.do("GET", href, ca, "", nil)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d", href, resp.StatusCode)
				}
				if path == "/verwerkingen.pdf" {
					file = pdfText(t, file)
				}
				for _, w := range c.want {
					if !strings.Contains(file, w) {
						t.Errorf("%s lacks %s", href, w)
					}
				}
				for _, n := range c.not {
					if strings.Contains(file, n) {
						t.Errorf("%s holds %s, which the filter leaves out", href, n)
					}
				}
			}
		})
	}
}
