package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestCouncilFiguresAreSuppressedAggregates: the council page and the open data hold counts only,
// suppress small numbers consistently, and never a BSN, a name or a single case.
func TestCouncilFiguresAreSuppressedAggregates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	sub := mustSubject(t, e, bsnA)
	lead := portal.Staff{Sub: "tl", Name: "Tessa Teamleider", Roles: []string{portal.RoleTeamLead}}
	for i := range 8 {
		kind := portal.KindObjection
		if i >= 6 {
			kind = portal.KindInspection
		}
		r, err := e.db.CreateRequest(ctx, sub, portal.NewRequest{Kind: kind, Scope: portal.Scope{All: true}, Description: "Geheime toelichting"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []portal.Action{{Kind: portal.StepStarted}, {Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}} {
			if _, err := e.db.ActOnRequest(ctx, r.ID, lead, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	council, _ := e.staff("council")
	resp, page := e.do("GET", "/raad", council, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("council page: %d", resp.StatusCode)
	}
	_, open := e.do("GET", "/open-data/statistieken.json", "", "", nil)
	_, csvBody := e.do("GET", "/raad/cijfers.csv", council, "", nil)
	if !strings.Contains(csvBody, ";Bezwaar;6") || !strings.Contains(csvBody, ";Inzage;< 5") {
		t.Errorf("CSV lacks the shown and the suppressed count:\n%s", csvBody)
	}
	resp, pdf := e.do("GET", "/raad/rapportage.pdf", council, "", nil)
	pdfTxt := pdfText(t, pdf)
	if resp.StatusCode != 200 || !strings.Contains(pdfTxt, "< 5") {
		t.Errorf("yearly report: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/raad/rapportage.pdf?jaar=1999", council, "", nil); resp.StatusCode != 404 {
		t.Errorf("a year without figures: %d", resp.StatusCode)
	}
	for name, body := range map[string]string{"council page": page, "open data": open, "CSV": csvBody, "PDF": pdfTxt} {
		for _, secret := range []string{bsnA, "*****3653", "Geheime toelichting", "Tessa", "AVG-"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s holds %q", name, secret)
			}
		}
	}
	var doc struct {
		Periods []struct {
			Requests struct {
				Total portal.Cell            `json:"total"`
				By    map[string]portal.Cell `json:"by"`
			} `json:"requests_by_kind"`
		} `json:"periods"`
	}
	if err := json.Unmarshal([]byte(open), &doc); err != nil || len(doc.Periods) == 0 {
		t.Fatalf("open data: %v %s", err, open)
	}
	r := doc.Periods[0].Requests
	if r.Total.Value != 8 || r.By["bezwaar"].Value != 6 || !r.By["inzage"].Suppressed {
		t.Errorf("requests by kind: %+v", r)
	}
	// The inspections cannot be found by subtraction: at least two parts are hidden.
	hidden := 0
	for _, c := range r.By {
		if c.Suppressed {
			hidden++
		}
	}
	if hidden < 2 {
		t.Errorf("only %d hidden parts", hidden)
	}
	if !strings.Contains(page, "&lt; 5") || !strings.Contains(page, ">6<") {
		t.Error("the council page does not show the suppressed and the shown counts")
	}
}

// TestCouncilServesStoredFigures: the council page, the CSV and the open data show the figures the
// refresh stored, with when they were computed, not a count of the tables at the time of the visit; a
// refresh brings the change.
func TestCouncilServesStoredFigures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	sub := mustSubject(t, e, bsnA)
	file := func(n int) {
		for range n {
			if _, err := e.db.CreateRequest(ctx, sub, portal.NewRequest{Kind: portal.KindObjection, Scope: portal.Scope{All: true}, Description: "x"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	type openData struct {
		ComputedAt time.Time `json:"computed_at"`
		Periods    []struct {
			Period     string    `json:"period"`
			ComputedAt time.Time `json:"computed_at"`
			Requests   struct {
				Total portal.Cell `json:"total"`
			} `json:"requests_by_kind"`
		} `json:"periods"`
	}
	read := func() openData {
		t.Helper()
		resp, body := e.do("GET", "/open-data/statistieken.json", "", "", nil)
		var doc openData
		if err := json.Unmarshal([]byte(body), &doc); resp.StatusCode != 200 || err != nil || len(doc.Periods) == 0 {
			t.Fatalf("open data: %d %v %s", resp.StatusCode, err, body)
		}
		return doc
	}
	file(6)
	// Nothing stored yet (no job ran): the first visit computes and stores the figures.
	first := read()
	if got := first.Periods[0].Requests.Total.Value; got != 6 {
		t.Fatalf("first visit: %d requests this year, want 6", got)
	}
	if first.ComputedAt.IsZero() || first.Periods[0].ComputedAt.IsZero() {
		t.Errorf("open data does not say when the figures were computed: %+v", first)
	}
	now := time.Now()
	m, err := e.db.StoredPeriods(ctx, []string{portal.Year(now.In(portal.Amsterdam).Year()).Label})
	if err != nil {
		t.Fatal(err)
	}
	if stored := len(m); stored != 1 {
		t.Fatalf("the first visit stored %d of this year's figures, want 1", stored)
	}

	// More requests: the pages still show the stored figures.
	file(3)
	if got := read().Periods[0].Requests.Total.Value; got != 6 {
		t.Errorf("before a refresh: %d requests, want the stored 6", got)
	}
	council, _ := e.staff("council")
	_, csvBody := e.do("GET", "/raad/cijfers.csv", council, "", nil)
	if !strings.Contains(csvBody, ";Bezwaar;6") {
		t.Errorf("CSV before a refresh does not show the stored 6:\n%s", csvBody)
	}
	resp, page := e.do("GET", "/raad", council, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, ">6<") || strings.Contains(page, ">9<") {
		t.Errorf("council page before a refresh: %d, want the stored 6", resp.StatusCode)
	}
	if !strings.Contains(page, "Bijgewerkt op ") {
		t.Error("the council page does not say when the figures were computed")
	}

	// The refresh job's work: now the pages show the change.
	for _, p := range []portal.Period{portal.Year(now.In(portal.Amsterdam).Year()), portal.QuarterOf(now)} {
		if _, err := e.db.RefreshPeriod(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	after := read()
	if got := after.Periods[0].Requests.Total.Value; got != 9 {
		t.Errorf("after a refresh: %d requests, want 9", got)
	}
	if !after.Periods[0].ComputedAt.After(first.Periods[0].ComputedAt) {
		t.Errorf("computed_at did not move: %v, then %v", first.Periods[0].ComputedAt, after.Periods[0].ComputedAt)
	}
	if _, page := e.do("GET", "/raad", council, "", nil); !strings.Contains(page, ">9<") {
		t.Error("council page after a refresh does not show 9")
	}
}
