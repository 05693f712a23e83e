package journeys

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// cosignJourney: a citizen asks for erasure; the clerk refuses it (a decision against the person's
// will), which makes it a proposal; the team lead finds it on their home, first tries to return it
// without a reason (the error is tied to its field), then co-signs it with the keyboard; the citizen
// reads the decision with its ground in plain words and that two employees looked at it.
func cosignJourney(t *testing.T, s *browserSuite) {
	citizen := s.newTab(t)
	citizen.loginCitizen("999998456")
	citizen.open("/verzoeken/nieuw")
	citizen.do(chromedp.Click(chromedp.CSS(`input[name="soort"][value="wissing"]`)))
	wish := "Wis alstublieft de oude melding over mijn schulden."
	citizen.do(chromedp.SendKeys(chromedp.CSS("#toelichting"), wish))
	citizen.click(`form.request-form button[type="submit"]`)
	requestPath := citizen.wantPath("/verzoeken/")
	id := strings.TrimPrefix(requestPath, "/verzoeken/")

	clerk := s.newTab(t)
	clerk.loginStaff("medewerker")
	clerk.open("/medewerker/verzoeken/" + id)
	clerk.click(`form[action$="/behandelen"] button`)
	// An internal note: kept for staff, never shown to the citizen.
	note := "Gebeld met de inwoner: de melding gaat over een betalingsregeling uit 2024."
	clerk.do(chromedp.SendKeys(chromedp.CSS("#notitie"), note))
	clerk.click(`form[action$="/notities"] button`)
	clerk.wantText("De notitie is bewaard", note)
	clerk.do(chromedp.Click(chromedp.CSS(`input[name="besluit"][value="afgewezen"]`)),
		chromedp.Click(chromedp.CSS(`input[name="grond"][value="legal_obligation"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/besluiten"] textarea[name="toelichting"]`),
			"De Participatiewet vraagt ons deze gegevens vijf jaar te bewaren."))
	clerk.click(`form[action$="/besluiten"] button:not([name])`)
	clerk.wantPath("/medewerker/verzoeken/" + id)
	clerk.wantText("Uw besluit is voorgesteld", "wacht op medeondertekening")
	clerk.shot("journey-cosign-proposed")

	lead := s.newTab(t)
	lead.loginStaff("teamleider")
	lead.wantText("Besluiten om mee te ondertekenen")
	lead.click(`main a[href="/medewerker/verzoeken/` + id + `"]`)
	lead.wantText("Voorgesteld besluit", "Wettelijke plicht")
	// Returning without a reason: the form comes back with the message at the field.
	lead.click(`form[action$="/terugsturen"] button`)
	lead.wantText("Schrijf waarom u het voorstel terugstuurt")
	if got := eval[string](lead, `document.querySelector("#terugreden").getAttribute("aria-describedby")`); got != "terugreden-fout" {
		t.Errorf("the missing reason is not tied to its field: %q", got)
	}
	lead.shot("journey-cosign-return-error")
	lead.open("/medewerker/verzoeken/" + id)
	// Co-signing with the keyboard only.
	lead.tabTo(`form[action$="/medeondertekenen"] button:not([name])`)
	lead.enter()
	lead.wantPath("/medewerker/verzoeken/" + id)
	lead.wantText("Het besluit is vastgelegd", "Medeondertekend door", "Tom Teamleider")
	lead.shot("journey-cosign-decided")

	citizen.open(requestPath)
	citizen.wantText("Besluit genomen", "De wet zegt dat wij deze gegevens moeten bewaren", "Twee medewerkers keken naar dit besluit")
	if strings.Contains(citizen.text(), note) {
		t.Error("the citizen reads the internal note")
	}
	citizen.shot("journey-cosign-citizen")
}
