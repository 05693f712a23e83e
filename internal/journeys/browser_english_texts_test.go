package journeys

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// englishTextsJourney (issue 18): texts that come from the API in English. A back-office system asks
// two persons for consent and registers a signal about each: for the first with English texts, for
// the second without. On the English pages the first reads English; the second reads the Dutch texts
// with the note "This text is only available in Dutch." (marked lang="nl" for screen readers); the
// Dutch pages stay Dutch. A clerk then destroys the second person's signal: its page says what was
// destroyed and when and offers a question and contact, not inspection, correction or objection.
// Every page checked with axe-core and at 320 px.
func englishTextsJourney(t *testing.T, s *browserSuite) {
	const withEN, dutchOnly = "999995108", "999995121"
	const note = "This text is only available in Dutch."
	until := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	consent := func(bsn, en string) string {
		id := uuid.NewString()
		body := fmt.Sprintf(`{"id":%q,"subject_bsn":%q,"case_ref":"WMO-2026-0815",`+
			`"requested_by":{"organization":"Gemeente Voorbeeldstad","team":"Wmo","role":"Wmo-consulent"},`+
			`"data_item":"Uitslag van het knieonderzoek","data_holder":"Uw huisarts","purpose":"Passende hulp bij het lopen",`+
			`"necessity":"Om te zien welke hulp u nodig heeft","legal_ground":"Uw huisarts heeft een beroepsgeheim",`+
			`"if_refused":"We kiezen samen met u, zonder deze uitslag","valid_until":%q%s}`, id, bsn, until, en)
		if status, out := s.api(t, "POST", "/consent-requests", body); status != 201 {
			t.Fatalf("consent request: %d %s", status, out)
		}
		return id
	}
	signal := func(bsn, en string) string {
		id := uuid.NewString()
		body := fmt.Sprintf(`{"id":%q,"subject_bsn":%q,"received_at":%q,"reporter_kind":"school",`+
			`"nature":{"category":"wellbeing","summary":"Leerling vaak afwezig"},"urgency":"normal","handling_team":"Wijkteam Noord",`+
			`"summary_for_subject":"De school maakt zich zorgen omdat u vaak afwezig bent."%s}`,
			id, bsn, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), en)
		if status, out := s.api(t, "POST", "/signals", body); status != 201 {
			t.Fatalf("signal: %d %s", status, out)
		}
		return id
	}
	consentA := consent(withEN, `,"en":{"data_item":"Result of the knee examination","data_holder":"Your GP",`+
		`"purpose":"The right help with walking","necessity":"To see what help you need",`+
		`"legal_ground":"Your GP has a duty of confidentiality","if_refused":"We choose together with you, without this result",`+
		`"requester_role":"Social support adviser"}`)
	consentB := consent(dutchOnly, "")
	signalA := signal(withEN, `,"en":{"summary_for_subject":"The school is worried because you are often absent.","handling_team":"District Team North"}`)
	signalB := signal(dutchOnly, "")
	if _, body := s.api(t, "GET", "/consent-requests/"+consentA, ""); !strings.Contains(body, `"purpose":"The right help with walking"`) {
		t.Errorf("the API does not return the English texts: %s", body)
	}

	// dutchMarked is the text of the elements marked Dutch in main.
	dutchMarked := func(b *tab) string {
		return eval[string](b, `[...document.querySelectorAll('main [lang="nl"]')].map(e => e.innerText).join(" | ")`)
	}

	// The first person, in English.
	a := s.newTab(t)
	a.loginCitizen(withEN)
	a.click(`a[href^="/taal?lang=en"]`)
	a.open("/toestemmingen")
	a.wantText("Result of the knee examination — Your GP", "The right help with walking")
	a.click(`main a[href="/toestemmingen/` + consentA + `"]`)
	a.wantText("Result of the knee examination", "Your GP has a duty of confidentiality", "We choose together with you, without this result",
		"Social support adviser")
	if m := dutchMarked(a); m != "" {
		t.Errorf("the English consent page marks Dutch text: %q", m)
	}
	if txt := a.text(); strings.Contains(txt, note) || strings.Contains(txt, "knieonderzoek") {
		t.Error("the English consent page shows Dutch texts or the Dutch-only note")
	}
	a.shot("english-texts-consent-en")
	a.open("/signalen/" + signalA)
	a.wantText("The school is worried because you are often absent.", "District Team North")
	if m := dutchMarked(a); m != "" {
		t.Errorf("the English signal page marks Dutch text: %q", m)
	}
	a.open("/signalen")
	a.wantText("District Team North")
	// In Dutch the Dutch texts.
	a.click(`a[href^="/taal?lang=nl"]`)
	a.open("/toestemmingen/" + consentA)
	a.wantText("Uitslag van het knieonderzoek", "Uw huisarts heeft een beroepsgeheim")
	if strings.Contains(a.text(), "knee") {
		t.Error("the Dutch page shows the English texts")
	}

	// The second person, in English: the Dutch texts with the note, marked Dutch.
	b := s.newTab(t)
	b.loginCitizen(dutchOnly)
	b.click(`a[href^="/taal?lang=en"]`)
	b.open("/toestemmingen")
	b.wantText(note, "Uitslag van het knieonderzoek — Uw huisarts")
	b.click(`main a[href="/toestemmingen/` + consentB + `"]`)
	b.wantText(note, "Request for consent", "Which data")
	if m := dutchMarked(b); !strings.Contains(m, "Uitslag van het knieonderzoek") || !strings.Contains(m, "beroepsgeheim") ||
		!strings.Contains(m, "zonder deze uitslag") || !strings.Contains(m, "Wmo-consulent") {
		t.Errorf("the Dutch texts are not marked lang=nl: %q", m)
	}
	b.shot("english-texts-consent-dutch-only")
	b.open("/signalen/" + signalB)
	b.wantText(note, "De school maakt zich zorgen")
	if m := dutchMarked(b); !strings.Contains(m, "De school maakt zich zorgen") || !strings.Contains(m, "Wijkteam Noord") {
		t.Errorf("the Dutch signal texts are not marked lang=nl: %q", m)
	}
	b.shot("english-texts-signal-dutch-only")

	// A clerk destroys the second person's signal.
	clerk := s.newTab(t)
	clerk.loginStaff("medewerker")
	clerk.open("/medewerker/signalen/" + signalB)
	clerk.do(chromedp.Click(chromedp.CSS(`form[action$="/bewaarbesluit"] input[value="vernietigen"]`)))
	clerk.click(`form[action$="/bewaarbesluit"] button[type="submit"]`)

	b.open("/signalen/" + signalB)
	b.wantText("This report was destroyed on", "What was destroyed?", "What is still kept?", "I have a question about this report",
		"Contact the municipality")
	for _, soort := range []string{"inzage", "rectificatie", "bezwaar"} {
		if n := eval[int](b, `document.querySelectorAll('main a[href*="soort=`+soort+`"]').length`); n != 0 {
			t.Errorf("the destroyed signal still offers %s", soort)
		}
	}
	if txt := b.text(); strings.Contains(txt, "De school maakt zich zorgen") || strings.Contains(txt, note) {
		t.Error("the destroyed signal shows its content")
	}
	b.shot("english-texts-signal-destroyed")
	b.click(`main a[href*="soort=vraag"]`)
	b.wantPath("/verzoeken/nieuw")
	b.open("/signalen")
	b.wantText("The report was destroyed on")
	b.click(`a[href^="/taal?lang=nl"]`)
	b.open("/signalen/" + signalB)
	b.wantText("Deze melding is vernietigd op", "Ik heb een vraag over deze melding")
}
