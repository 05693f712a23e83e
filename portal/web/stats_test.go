package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestCouncilFiguresAreSuppressedAggregates: the council page and the open data hold counts only,
// suppress small numbers consistently, and never a BSN, a name or a single case.
func TestCouncilFiguresAreSuppressedAggregates(t *testing.T) {
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
