package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/inzicht/inzicht/portal"
)

// TestDemoFilingLimit runs the real wiring: a citizen files rights requests up to the default limit
// (portal.DefaultFilingLimits), then gets 429 with a message that says the limit and when they can
// file again, and nothing more is stored; a second citizen on the same server files as usual.
func TestDemoFilingLimit(t *testing.T) {
	logs := &syncBuffer{}
	base, _, _ := startDemo(t, logs)
	t.Cleanup(func() { checkLogsHoldNoBSNAfter(t, logs.String(), "filing limit reached") })
	limit := portal.DefaultFilingLimits().Request.Max

	file := func(browser *http.Client, who string) (int, string) {
		t.Helper()
		resp, page := get(t, browser, base+"/verzoeken/nieuw")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: the form: %d", who, resp.StatusCode)
		}
		resp, page = submitForm(t, browser, resp.Request.URL, []byte(page), map[string]string{"_action": "/verzoeken",
			"soort": "inzage", "omvang": "alles", "toelichting": "Welke gegevens heeft u van mij?"})
		return resp.StatusCode, page
	}

	a := newBrowser(t)
	if resp, _ := loginCitizen(t, a, base, "999993653", "substantieel"); resp.StatusCode != 200 {
		t.Fatalf("login A: %d", resp.StatusCode)
	}
	for i := range limit {
		if status, _ := file(a, "A"); status != 200 {
			t.Fatalf("A's request %d of %d: %d, want 200 (the request page)", i+1, limit, status)
		}
	}
	status, page := file(a, "A")
	if status != 429 {
		t.Fatalf("A's request over the limit: %d, want 429", status)
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	summary := d.Find(".error-summary").Text()
	if !strings.Contains(summary, "20 verzoeken") || !strings.Contains(summary, "24 uur") || !strings.Contains(summary, "vanaf") {
		t.Errorf("the error summary does not say the limit and when: %q", summary)
	}
	// Nothing more was stored: the list holds exactly the limit.
	_, list := get(t, a, base+"/verzoeken")
	ld, _ := goquery.NewDocumentFromReader(strings.NewReader(list))
	if n := ld.Find(`a[href^="/verzoeken/"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		h, _ := s.Attr("href")
		return h != "/verzoeken/nieuw"
	}).Length(); n != limit {
		t.Errorf("A's list links %d requests, want %d", n, limit)
	}

	// Another citizen on the same server is not affected.
	b := newBrowser(t)
	if resp, _ := loginCitizen(t, b, base, "999990019", "substantieel"); resp.StatusCode != 200 {
		t.Fatalf("login B: %d", resp.StatusCode)
	}
	if status, _ := file(b, "B"); status != 200 {
		t.Errorf("B's first request: %d, want 200", status)
	}
}
