package journeys

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// questionJourney (issue 18): a citizen asks a plain question about one line of her log with the
// keyboard alone — first sending it empty, then with her words; a clerk answers it; she reads the answer
// in Dutch and in English. Every page is checked with axe-core and at 320 px (tab.check).
func questionJourney(t *testing.T, s *browserSuite) {
	citizen := s.newTab(t)
	citizen.loginCitizen("999991772")
	citizen.tabTo(`nav a[href="/verwerkingen"]`)
	citizen.enter()
	citizen.tabTo(`.events a[href^="/verwerkingen/"]`)
	citizen.enter()
	line := citizen.wantPath("/verwerkingen/")
	citizen.wantText("Een vraag over deze regel")
	citizen.tabTo(`a[href^="/verzoeken/nieuw?soort=vraag&verwerking="]`)
	citizen.enter()
	citizen.wantPath("/verzoeken/nieuw")
	if !eval[bool](citizen, `document.querySelector('input[name="soort"][value="vraag"]').checked`) ||
		eval[string](citizen, `document.querySelector('input[name="soort"]').value`) != "vraag" {
		t.Error("the question is not the first choice, chosen")
	}
	citizen.wantText("Uw vraag")
	// Sent empty: the focus goes to the error summary, whose link leads to the field.
	citizen.tabTo(`form.request-form button[type="submit"]`)
	citizen.enter()
	if cls := eval[string](citizen, `document.activeElement.className`); cls != "error-summary" {
		t.Fatalf("after sending an empty question the focus is on %q, not the error summary", cls)
	}
	citizen.wantText("Schrijf uw vraag")
	citizen.shot("journey-question-error")
	citizen.tabTo(`.error-summary a[href="#toelichting"]`)
	citizen.do(chromedp.KeyEvent(kb.Enter))
	if id := eval[string](citizen, `document.activeElement.id`); id != "toelichting" {
		t.Fatalf("the error link moved the focus to %q, not the field", id)
	}
	question := "Waarom is deze gegevens bekeken? Ik ken die organisatie niet."
	citizen.do(chromedp.KeyEvent(question))
	citizen.tabTo(`form.request-form button[type="submit"]`)
	citizen.enter()
	requestPath := citizen.wantPath("/verzoeken/")
	citizen.wantText("Ontvangen", question, "Antwoord uiterlijk op", "Er is nog geen antwoord")
	citizen.shot("journey-question-filed")
	id := strings.TrimPrefix(requestPath, "/verzoeken/")

	clerk := s.newTab(t)
	clerk.loginStaff("medewerker")
	clerk.open("/medewerker/verzoeken/" + id)
	clerk.click(`form[action$="/behandelen"] button`)
	clerk.wantText("Antwoord aan de inwoner")
	answer := "De GGD keek naar uw gegevens voor de jaarlijkse controle. Dat mag volgens de Wet publieke gezondheid."
	clerk.do(chromedp.SendKeys(chromedp.CSS(`form[action$="/besluiten"] textarea[name="toelichting"]`), answer))
	clerk.click(`form[action$="/besluiten"] button`)
	clerk.wantPath("/medewerker/verzoeken/" + id)
	clerk.shot("journey-question-clerk")

	citizen.open(requestPath)
	citizen.wantText("Ons antwoord", answer, "Uw vraag is beantwoord")
	citizen.shot("journey-question-answered")
	citizen.open("/berichten")
	citizen.wantText("is beantwoord")

	// In English.
	citizen.open(requestPath)
	citizen.tabTo(`a[href^="/taal?lang=en"]`)
	citizen.enter()
	citizen.wantPath(requestPath)
	citizen.wantText("Our answer", answer, "Your question was answered")
	citizen.shot("journey-question-english")
	citizen.open(line)
	citizen.wantText("A question about this line")
	citizen.open("/verzoeken/nieuw?soort=vraag")
	citizen.wantText("Question: I want to know something about my data", "Your question")
	citizen.open("/verzoeken/nieuw?soort=inzage")
	citizen.wantText("Your explanation (not required)")
	citizen.open(requestPath)
	citizen.tabTo(`a[href^="/taal?lang=nl"]`)
	citizen.enter()
}
