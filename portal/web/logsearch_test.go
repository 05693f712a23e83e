package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// logPos is what /verwerkingen says about where the page is, and its pager links.
type logPos struct {
	status                  string
	first, prev, next, last string
	lines                   string // the text of the page's lines
	body                    string
}

func (e *env) logPage(t *testing.T, cookie, path string) (int, logPos) {
	t.Helper()
	resp, body := e.do("GET", path, cookie, "", nil)
	d := doc(t, body)
	p := logPos{status: strings.TrimSpace(d.Find(".pager-status").Text()), body: body, lines: d.Find(".events").Text()}
	d.Find(".pager a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		switch strings.TrimSpace(a.Text()) {
		case "Eerste pagina (nieuwste)", "First page (newest)":
			p.first = href
		case "Vorige pagina", "Previous page":
			p.prev = href
		case "Volgende pagina", "Next page":
			p.next = href
		case "Laatste pagina (oudste)", "Last page (oldest)":
			p.last = href
		default:
			t.Errorf("unknown pager link %q", a.Text())
		}
	})
	return resp.StatusCode, p
}

// TestLogSearchAndPaging: two citizens page, filter and search their logs at once; the page says where
// it is ("26–50 van 60"), filters and search survive paging, the downloads and the language switch,
// and no search of one citizen shows the other's lines.
func TestLogSearchAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	now := time.Now()
	var evsA []portal.Event
	for i := range 60 {
		evsA = append(evsA, event(bsnA, now.Add(-time.Duration(i+1)*time.Hour), func(ev *portal.Event) {
			ev.CaseRef = fmt.Sprintf("A-%02d", i)
			if i%3 == 0 {
				ev.Action, ev.Recipient = "disclose", "UWV Amsterdam"
			}
			if i == 7 {
				ev.CaseRef = "A-50%korting"
			}
		}))
	}
	var evsB []portal.Event
	for i := range 10 {
		evsB = append(evsB, event(bsnB, now.Add(-time.Duration(i+1)*time.Hour-time.Minute), func(ev *portal.Event) {
			ev.CaseRef, ev.Action, ev.Recipient = fmt.Sprintf("B-%02d", i), "disclose", "UWV Amsterdam"
			if i == 3 {
				ev.CaseRef = "B-50%korting"
			}
		}))
	}
	e.ingest(append(evsA, evsB...)...)
	ca, csrfA := e.citizen(bsnA)
	cb, _ := e.citizen(bsnB)

	// Unfiltered: the total comes from the summary.
	st, p1 := e.logPage(t, ca, "/verwerkingen")
	if st != 200 || p1.status != "Verwerking 1–25 van 60" || p1.next == "" || p1.last == "" || p1.prev != "" || p1.first != "" {
		t.Fatalf("first page (%d): %+v", st, p1)
	}
	_, p2 := e.logPage(t, ca, p1.next)
	if p2.status != "Verwerking 26–50 van 60" || p2.prev == "" || p2.first != "/verwerkingen" {
		t.Fatalf("second page: %+v", p2)
	}
	_, p3 := e.logPage(t, ca, p2.next)
	if p3.status != "Verwerking 51–60 van 60" || p3.next != "" || p3.last != "" || !strings.Contains(p3.body, "A-59") {
		t.Fatalf("third page: %+v", p3)
	}
	_, back := e.logPage(t, ca, p3.prev)
	if back.status != "Verwerking 26–50 van 60" || !strings.Contains(back.body, "A-25") || strings.Contains(back.body, "A-24<") {
		t.Errorf("previous from the third page: %q", back.status)
	}
	_, last := e.logPage(t, ca, p1.last)
	if last.status != "Verwerking 51–60 van 60" || !strings.Contains(last.body, "A-50") || strings.Contains(last.body, "A-49") {
		t.Errorf("last page: %q", last.status)
	}
	_, lastBack := e.logPage(t, ca, last.prev)
	if lastBack.status != "Verwerking 26–50 van 60" {
		t.Errorf("previous from the last page: %q", lastBack.status)
	}
	_, top := e.logPage(t, ca, p2.prev)
	if top.status != "Verwerking 1–25 van 60" || top.prev != "" {
		t.Errorf("previous from the second page: %+v", top.status)
	}

	// A filter: the 20 passed-on lines; the count is made with the filter, paging keeps it.
	_, f1 := e.logPage(t, ca, "/verwerkingen?actie=disclose&ontvanger="+url.QueryEscape("UWV Amsterdam"))
	if f1.status != "Verwerking 1–20 van 20" || f1.next != "" || strings.Contains(f1.body, "A-01") || !strings.Contains(f1.body, "A-57") {
		t.Errorf("filtered on action and recipient: %q", f1.status)
	}
	_, s1 := e.logPage(t, ca, "/verwerkingen?zoek=doorgegeven")
	if s1.status != "Verwerking 1–20 van 20" {
		t.Errorf("a search for the action's label: %q", s1.status)
	}
	// A search of a period with paging: the filter is in every link.
	from := now.Add(-40 * time.Hour).In(amsterdamTZ(t)).Format("2006-01-02")
	_, pf := e.logPage(t, ca, "/verwerkingen?zoek=A-&van="+from)
	for _, l := range []string{pf.next, pf.last} {
		if l != "" && (!strings.Contains(l, "zoek=A-") || !strings.Contains(l, "van="+from)) {
			t.Errorf("a pager link drops the filter: %s", l)
		}
	}
	// "%" is a character: only the one line.
	_, pc := e.logPage(t, ca, "/verwerkingen?zoek="+url.QueryEscape("50%"))
	if pc.status != "Verwerking 1–1 van 1" || !strings.Contains(pc.body, "A-50%korting") || strings.Contains(pc.body, "B-50") {
		t.Errorf("search for 50%%: %q", pc.status)
	}
	// B's search at the same time finds B's line only.
	_, pb := e.logPage(t, cb, "/verwerkingen?zoek="+url.QueryEscape("korting"))
	if pb.status != "Verwerking 1–1 van 1" || !strings.Contains(pb.body, "B-50%korting") || strings.Contains(pb.body, "A-50") {
		t.Errorf("B's search: %q", pb.status)
	}
	_, none := e.logPage(t, ca, "/verwerkingen?zoek=B-0")
	if none.status != "" || !strings.Contains(none.body, "Er zijn geen verwerkingen gevonden.") {
		t.Errorf("A's search for B's case: %q", none.status)
	}

	// The downloads honour the search and the filters.
	resp, csv := e.do("GET", "/verwerkingen.csv?zoek=korting&actie=view", ca, "", nil)
	if resp.StatusCode != 200 || strings.Count(csv, "\n") != 2 || !strings.Contains(csv, "A-50%korting") {
		t.Errorf("CSV with a search (%d):\n%s", resp.StatusCode, csv)
	}
	resp, csv = e.do("GET", "/verwerkingen.csv?ontvanger="+url.QueryEscape("UWV Amsterdam"), ca, "", nil)
	if resp.StatusCode != 200 || strings.Count(csv, "\n") != 21 || strings.Contains(csv, "B-") {
		t.Errorf("CSV filtered on recipient (%d): %d lines", resp.StatusCode, strings.Count(csv, "\n"))
	}
	resp, _ = e.do("GET", "/verwerkingen.pdf?van=2026-02-31", ca, "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("PDF with an impossible date: %d", resp.StatusCode)
	}

	// The language switch keeps the filters: the page remembers its query for /taal.
	resp, _ = e.do("GET", "/verwerkingen?actie=disclose&zoek=UWV", ca, "", nil)
	var remembered string
	for _, c := range resp.Cookies() {
		if c.Name == "inzicht_logq" {
			remembered = c.Value
		}
	}
	resp, _ = e.do("GET", "/taal?lang=en&terug=/verwerkingen", "", "", nil, "Cookie", "__Host-inzicht_session="+ca+"; inzicht_logq="+remembered)
	if loc := resp.Header.Get("Location"); loc != "/verwerkingen?actie=disclose&zoek=UWV" {
		t.Errorf("language switch goes to %q", loc)
	}
	resp, _ = e.do("GET", "/taal?lang=en&terug=/overzicht", "", "", nil, "Cookie", "__Host-inzicht_session="+ca+"; inzicht_logq="+remembered)
	if loc := resp.Header.Get("Location"); loc != "/overzicht" {
		t.Errorf("language switch from another page goes to %q", loc)
	}
	st, en := e.getEN("/verwerkingen?actie=disclose&zoek=UWV", ca)
	if st != 200 || !strings.Contains(en, "Processing 1–20 of 20") || !strings.Contains(en, `value="UWV"`) {
		t.Errorf("the English page (%d) lacks the position or the search", st)
	}
	// Logging out forgets the search, for the next person at the same computer.
	resp, _ = e.do("POST", "/uitloggen", ca, "", strings.NewReader("csrf="+url.QueryEscape(csrfA)), formCT...)
	cleared := false
	for _, c := range resp.Cookies() {
		if c.Name == "inzicht_logq" && c.Value == "" && c.Path == "/taal" && c.Expires.Before(time.Now()) {
			cleared = true
		}
	}
	if resp.StatusCode != http.StatusSeeOther || !cleared {
		t.Errorf("logout (%d) does not clear the remembered search: %v", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
}

func amsterdamTZ(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestLogFilterMistakes: a wrong date, a period the wrong way round, a search that is too long and a
// value no list offers give the page again (422) with a summary and a message at each field, as typed.
func TestLogFilterMistakes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)))
	ca, _ := e.citizen(bsnA)
	long := strings.Repeat("x", portal.MaxSearchLen+1)
	for _, tc := range []struct {
		name, query string
		fields      []string
	}{
		{"month 13", "van=2025-13-01", []string{"van"}},
		{"text for a date", "tot=gisteren", []string{"tot"}},
		{"31 February", "van=31-02-2025", []string{"van"}},
		{"from after to", "van=2025-03-10&tot=2025-03-01", []string{"tot"}},
		{"search too long", "zoek=" + long, []string{"zoek"}},
		{"an action not in the list", "actie=steal", []string{"actie"}},
		{"several at once", "zoek=" + long + "&van=1-1-25&grondslag=x", []string{"zoek", "grondslag", "van"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do("GET", "/verwerkingen?"+tc.query, ca, "", nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			d := doc(t, body)
			var links []string
			d.Find(".error-summary a").Each(func(_ int, a *goquery.Selection) {
				href, _ := a.Attr("href")
				links = append(links, strings.TrimPrefix(href, "#"))
			})
			if strings.Join(links, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("summary links %v, want %v", links, tc.fields)
			}
			for _, f := range tc.fields {
				if d.Find("#"+f+"-fout.field-error").Length() != 1 {
					t.Errorf("no message at %s", f)
				}
				if desc, _ := d.Find("#" + f).Attr("aria-describedby"); !strings.Contains(desc, f+"-fout") {
					t.Errorf("%s is not described by its message: %q", f, desc)
				}
			}
			if d.Find(".event").Length() != 0 || d.Find(".downloads").Length() != 0 {
				t.Error("the page shows lines or downloads under a filter it could not read")
			}
			if d.Find(`a[href="/verwerkingen"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
				return strings.TrimSpace(s.Text()) == "Wis filters"
			}).Length() != 1 {
				t.Error("no 'Wis filters' link")
			}
		})
	}
	// A date typed as a Dutch person writes it is read.
	if st, _ := e.logPage(t, ca, "/verwerkingen?van=1-1-2020&tot=31-12-2099"); st != 200 {
		t.Errorf("d-m-yyyy dates: %d", st)
	}
	// A malformed page position no form sends is an error too, not a silent first page.
	if resp, _ := e.do("GET", "/verwerkingen?vanaf=-3", ca, "", nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a negative position: %d", resp.StatusCode)
	}
}

// TestLogSearchActingAdministrator: an administrator (bewind, financial processing only) acting for
// someone finds nothing outside what they may see, whatever they filter or search for, and the filter
// options do not reveal it either.
func TestLogSearchActingAdministrator(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.putFinancialActivity()
	care := event(bsnAdult, time.Now().Add(-2*time.Hour), func(ev *portal.Event) {
		ev.Actor.Team, ev.Action, ev.Recipient, ev.CaseRef = "Team Zorg Geheim", "disclose", "GGD Zorgteam", "Z-ZORG"
		ev.Actor.Organization = "Zorginstelling Noord"
	})
	money := event(bsnAdult, time.Now().Add(-time.Hour), func(ev *portal.Event) {
		ev.Activity, ev.DataCategories, ev.Actor.Team, ev.CaseRef = "pw-bijstand", []string{"income"}, "Team Inkomen", "Z-GELD"
	})
	e.ingest(care, money)
	adm := e.represent(bsnBewind, bsnAdult, portal.RepAdministration, yearsAgo(40, 0), portal.PartLog)
	ac, _ := e.citizen(bsnBewind)
	e.actFor(ac, adm.ID)
	own, _ := e.citizen(bsnAdult)

	st, p := e.logPage(t, ac, "/verwerkingen")
	if st != 200 || p.status != "Verwerking 1–1 van 1" {
		t.Fatalf("administrator's log (%d): %q", st, p.status)
	}
	d := doc(t, p.body)
	for _, sel := range []string{"#ontvanger", "#organisatie option", "#actie option"} {
		if txt := d.Find(sel).Text(); strings.Contains(txt, "GGD Zorgteam") || strings.Contains(txt, "Zorginstelling") || strings.Contains(txt, "Doorgegeven") {
			t.Errorf("the filter %s offers what the administrator may not see: %q", sel, txt)
		}
	}
	for _, q := range []string{"zoek=Zorg", "zoek=Z-ZORG", "zoek=doorgegeven", "actie=disclose", "ontvanger=GGD+Zorgteam",
		"organisatie=Zorginstelling+Noord", "zoek=%25", "zoek=_"} {
		st, p := e.logPage(t, ac, "/verwerkingen?"+q)
		if st != 200 || p.status != "" || strings.Contains(p.lines, "Z-ZORG") || strings.Contains(p.body, "Team Zorg Geheim") {
			t.Errorf("%s: the administrator finds the care line (%d, %q)", q, st, p.status)
		}
		resp, csv := e.do("GET", "/verwerkingen.csv?"+q, ac, "", nil)
		if resp.StatusCode != 200 || strings.Contains(csv, "Z-ZORG") {
			t.Errorf("%s: the administrator's CSV holds the care line (%d)", q, resp.StatusCode)
		}
	}
	if _, p := e.logPage(t, ac, "/verwerkingen?zoek=_"); p.status != "" {
		t.Errorf("an underscore found %q for the administrator (no line shows one)", p.status)
	}
	if _, p := e.logPage(t, ac, "/verwerkingen?zoek=geld"); p.status != "Verwerking 1–1 van 1" {
		t.Errorf("the administrator's search for the financial line: %q", p.status)
	}
	// The person themselves finds the care line with the same search.
	if _, p := e.logPage(t, own, "/verwerkingen?zoek=Zorg"); p.status != "Verwerking 1–1 van 1" || !strings.Contains(p.body, "Z-ZORG") {
		t.Errorf("the person's own search: %q", p.status)
	}
}
