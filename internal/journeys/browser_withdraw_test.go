package journeys

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
)

// withdrawJourney (issue 18): with the keyboard alone a citizen files an inspection request, opens
// "Verzoek intrekken", reads what happens and says no (the request stays), then withdraws it with the
// confirmation and reads the success notice and the withdrawn page (when and by whom, no decision
// coming, no deadline); the back button to the confirmation says it was withdrawn already. The same
// in English. Then she grants a consent and withdraws it through its confirmation. The API must agree
// at each step; every page is checked with axe-core and at 320 px (tab.check).
func withdrawJourney(t *testing.T, s *browserSuite) {
	b := s.newTab(t)
	b.loginCitizen("999998456")
	b.tabTo(`nav a[href="/verzoeken"]`)
	b.enter()
	b.tabTo(`main a[href="/verzoeken/nieuw"]`)
	b.enter()
	b.wantPath("/verzoeken/nieuw")
	// Inspection is the second choice (after a question): the arrow key moves to it and chooses it.
	b.tabTo(`input[name="soort"]`)
	b.do(chromedp.KeyEvent(kb.ArrowDown))
	if kind := eval[string](b, `(document.querySelector('input[name="soort"]:checked') || {value: ""}).value`); kind != "inzage" {
		t.Fatalf("the arrow key chose %q, not the inspection", kind)
	}
	b.tabTo(`form.request-form button[type="submit"]`)
	b.enter()
	reqPath := b.wantPath("/verzoeken/")
	id := strings.TrimPrefix(reqPath, "/verzoeken/")
	b.wantText("Ontvangen", "Besluit uiterlijk op", "Er is nog geen besluit. U krijgt uiterlijk op")
	status := func(want string) {
		t.Helper()
		if code, body := s.api(t, "GET", "/rights-requests/"+id, ""); code != 200 || !strings.Contains(body, `"status":"`+want+`"`) {
			t.Fatalf("the API says %d %.300s, want status %s", code, body, want)
		}
	}
	status("ontvangen")

	// Open the withdrawal and say no: nothing changes.
	b.tabTo(`main a[href="` + reqPath + `/intrekken"]`)
	b.enter()
	b.wantPath(reqPath + "/intrekken")
	b.wantText("Weet u zeker dat u dit verzoek wilt intrekken?", "De gemeente stopt met de behandeling. U krijgt geen besluit.",
		"U kunt het intrekken niet ongedaan maken.", "Ja, trek mijn verzoek in", "Nee, ga terug")
	b.shot("journey-withdraw-confirm")
	b.tabTo(`.confirm a[href="` + reqPath + `"]`)
	b.enter()
	b.wantPath(reqPath)
	if strings.Contains(b.text(), "is ingetrokken") {
		t.Error("saying no shows a withdrawal notice")
	}
	status("ontvangen")

	// Open it again and confirm.
	b.tabTo(`main a[href="` + reqPath + `/intrekken"]`)
	b.enter()
	b.tabTo(`.confirm button[type="submit"]`)
	b.enter()
	if p := b.path(); p != reqPath+"?gedaan=ingetrokken" {
		t.Fatalf("after confirming on %s", p)
	}
	b.wantText("Uw verzoek is ingetrokken. De gemeente stopt met de behandeling. U krijgt geen besluit.",
		"U heeft dit ingetrokken op", "Daarom komt er geen besluit.", "Ingetrokken op")
	for _, untrue := range []string{"Besluit uiterlijk op", "Er is nog geen besluit", "Verzoek intrekken"} {
		if strings.Contains(b.text(), untrue) {
			t.Errorf("the withdrawn request says %q", untrue)
		}
	}
	b.shot("journey-withdraw-done")
	status("ingetrokken")

	// The back button leads to the confirmation page. Loaded again, it says the request was withdrawn
	// already; restored from the browser's memory, it still asks, and confirming again says so.
	b.do(chromedp.Evaluate[chromedp.Void](`history.back()`))
	for i := 0; !b.wantPathIs(reqPath+"/intrekken") || eval[string](b, `document.readyState`) != "complete"; i++ {
		if i == 200 {
			t.Fatalf("the back button did not lead to the confirmation page: %s", b.path())
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.check()
	b.wantPath(reqPath + "/intrekken")
	if eval[bool](b, `document.querySelector('.confirm form[action$="/intrekken"]') !== null`) {
		b.tabTo(`.confirm button[type="submit"]`)
		b.enter()
		b.wantPath(reqPath + "/intrekken")
	}
	b.wantText("Dit is al ingetrokken.", "U heeft dit ingetrokken op", "U hoeft niets meer te doen.")
	b.shot("journey-withdraw-again")
	status("ingetrokken")

	// In English, the page and the list (the switch keeps the page, not its one-time notice).
	b.open(reqPath + "?gedaan=ingetrokken")
	b.tabTo(`a[href^="/taal?lang=en"]`)
	b.enter()
	b.wantText("Withdrawn", "You withdrew this on", "So there will be no decision.")
	if strings.Contains(b.text(), "Decision at the latest on") {
		t.Error("the English withdrawn request gives a deadline")
	}
	b.shot("journey-withdraw-english")
	b.open("/verzoeken")
	b.wantText("No decision: the request was withdrawn")
	b.open(reqPath + "/intrekken")
	b.wantText("This has been withdrawn already.")
	b.tabTo(`a[href^="/taal?lang=nl"]`)
	b.enter()

	// A consent: granted, then withdrawn through its confirmation, by keyboard.
	consentID := uuid.NewString()
	if code, body := s.api(t, "POST", "/consent-requests", fmt.Sprintf(`{"id":%q,"subject_bsn":"999998456","case_ref":"Z-2026-0077",`+
		`"requested_by":{"organization":"Gemeente Voorbeeldstad","team":"Wijkteam Zuid","role":"Wmo-consulent"},`+
		`"data_item":"Het verslag van uw fysiotherapeut","data_holder":"Uw fysiotherapeut",`+
		`"purpose":"We kijken of u een scootmobiel nodig heeft.","necessity":"Om te weten hoe ver u kunt lopen.",`+
		`"legal_ground":"Uw fysiotherapeut heeft een beroepsgeheim.","if_refused":"We vragen u dan zelf hoe ver u kunt lopen.",`+
		`"valid_until":%q}`, consentID, time.Now().AddDate(0, 3, 0).Format("2006-01-02"))); code != 201 {
		t.Fatalf("consent request: %d %s", code, body)
	}
	consent := func(want string) {
		t.Helper()
		if _, body := s.api(t, "GET", "/consent-requests/"+consentID, ""); !strings.Contains(body, `"status":"`+want+`"`) {
			t.Fatalf("the API says %.300s, want status %s", body, want)
		}
	}
	b.open("/toestemmingen/" + consentID)
	b.tabTo("#besluit-ja")
	b.do(chromedp.KeyEvent(" "))
	b.tabTo(`form[action$="/besluit"] button[type="submit"]`)
	b.enter()
	b.wantText("U heeft toestemming gegeven.")
	consent("granted")
	b.tabTo(`main a[href="/toestemmingen/` + consentID + `/intrekken"]`)
	b.enter()
	b.wantText("Weet u zeker dat u uw toestemming wilt intrekken?")
	b.tabTo(`.confirm a[href="/toestemmingen/` + consentID + `"]`)
	b.enter()
	consent("granted")
	b.tabTo(`main a[href="/toestemmingen/` + consentID + `/intrekken"]`)
	b.enter()
	b.tabTo(`.confirm button[type="submit"]`)
	b.enter()
	b.wantText("U heeft uw toestemming ingetrokken.")
	b.shot("journey-withdraw-consent")
	consent("withdrawn")
}
