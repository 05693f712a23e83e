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

// waitForMail opens the demo's mailbox (/dev-mail) until a mail to addr whose text holds want has
// come, and returns the mailbox's text. The jobs send mail in the background, so it looks again for a
// while; how long it takes is not what is tested.
func (b *tab) waitForMail(addr, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b.open("/dev-mail")
		txt := b.text()
		for _, m := range strings.Split(txt, "aan / to: ")[1:] {
			if strings.HasPrefix(m, addr) && strings.Contains(m, want) {
				return txt
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no mail to %s with %q in the demo mailbox:\n%s", addr, want, txt)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// accessAlertJourney (issue 18): a citizen adds an e-mail address at /instellingen (after a typing
// mistake), confirms it through the link in the demo mailbox, switches on the alert on emergency
// access with the keyboard alone; an emergency access posted through the API then shows in the inbox
// with a link to the processing line, and the e-mail that says only "there is a new message" arrives.
// The pages in English too; each page checked with axe-core and at 320 px.
func accessAlertJourney(t *testing.T, s *browserSuite) {
	const bsn = "999991772"
	addr := "alert-" + uuid.NewString()[:8] + "@example.nl"
	b := s.newTab(t)
	b.loginCitizen(bsn)
	b.open("/instellingen")
	b.wantText("Instellingen", "U gaf geen e-mailadres")

	// A typing mistake: the focus goes to the list of errors, the text stays to correct.
	b.tabTo("#email")
	b.do(chromedp.KeyEvent("alert-zonder-apenstaartje.nl"))
	b.enter()
	if cls := eval[string](b, `document.activeElement.className`); cls != "error-summary" {
		t.Errorf("after a wrong address the focus is on %q, not the error summary", cls)
	}
	b.wantText("Dit is geen goed e-mailadres")
	if f := eval[string](b, `document.querySelector("#email").getAttribute("aria-invalid") + "|" + document.querySelector("#email").value`); f != "true|alert-zonder-apenstaartje.nl" {
		t.Errorf("the wrong address is not marked at its field: %q", f)
	}
	b.tabTo("#email")
	b.do(chromedp.KeyEvent("a", chromedp.KeyModifiers(kb.ModifierCtrl)))
	b.do(chromedp.KeyEvent(addr))
	if v := eval[string](b, `document.querySelector("#email").value`); v != addr {
		t.Fatalf("the field holds %q after correcting, want %q", v, addr)
	}
	b.tabTo(`form[action="/instellingen/email"] button`)
	b.enter()
	b.wantPath("/instellingen")
	b.wantText("Wij stuurden een e-mail met een link", addr+". Dit adres is nog niet bevestigd")
	b.shot("journey-alert-settings-pending")

	// The confirmation mail in the demo mailbox; its link, then the button, with the keyboard.
	b.waitForMail(addr, "/email/bevestigen?token=")
	b.tabTo(`a[href*="/email/bevestigen?token="]`)
	b.enter()
	b.wantPath("/email/bevestigen")
	b.tabTo(`form[action="/email/bevestigen"] button`)
	b.enter()
	b.wantText("Uw e-mailadres is bevestigd")

	b.open("/instellingen")
	b.wantText(addr + ". Dit adres is bevestigd")
	b.tabTo("#alert-break_glass")
	b.do(chromedp.KeyEvent(" "))
	if !eval[bool](b, `document.querySelector("#alert-break_glass").checked && document.querySelector("#alert-email").checked`) {
		t.Fatal("the alert on emergency access (with e-mail) is not ticked")
	}
	b.tabTo(`form[action="/instellingen/keuzes"] button`)
	b.enter()
	b.wantText("Uw keuzes zijn opgeslagen")
	if !eval[bool](b, `document.querySelector("#alert-break_glass").checked && !document.querySelector("#alert-any").checked`) {
		t.Error("the page does not show the stored choice")
	}
	b.shot("journey-alert-settings-saved")

	// An emergency access through the API, sent twice (a client's retry).
	id := uuid.NewString()
	batch := fmt.Sprintf(`{"events":[{"id":%q,"occurred_at":%q,"subject_bsn":%q,"activity":"pw-bijstand","action":"view",`+
		`"data_categories":["income"],"level":"what","actor":{"organization":"Gemeente Voorbeeldstad",`+
		`"team":"Team Werk en Inkomen","role":"Klantmanager inkomen"},"access_basis":"break_glass",`+
		`"break_glass_reason":"Spoed: dreigende afsluiting van water"}]}`, id, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), bsn)
	for range 2 {
		if st, body := s.api(t, "POST", "/processing-events", batch); st != 200 {
			t.Fatalf("posting the emergency access: %d %s", st, body)
		}
	}
	b.open("/berichten")
	b.wantText("Een medewerker heeft uw gegevens bekeken met noodtoegang")
	if n := eval[int](b, `document.querySelectorAll('a[href="/verwerkingen/`+id+`"]').length`); n != 1 {
		t.Errorf("the inbox links the emergency access %d times, want once", n)
	}
	b.shot("journey-alert-inbox")
	b.tabTo(`a[href="/verwerkingen/` + id + `"]`)
	b.enter()
	b.wantPath("/verwerkingen/" + id)
	b.wantText("Spoed: dreigende afsluiting van water")

	// The e-mail says only that there is a new message.
	box := b.waitForMail(addr, "Er is een nieuw bericht voor u in Inzicht")
	if strings.Contains(box, "dreigende afsluiting") || strings.Contains(box, bsn) {
		t.Error("a mail carries personal content")
	}
	if n := strings.Count(box, "aan / to: "+addr); n != 2 {
		t.Errorf("%d mails to the address, want 2 (the confirmation and one alert)", n)
	}

	// English.
	b.open("/instellingen")
	b.click(`a[href^="/taal?lang=en"]`)
	b.open("/instellingen")
	b.wantText("Settings", addr+". This address is confirmed", "with emergency access")
	b.open("/berichten")
	b.wantText("An employee looked at your data with emergency access")
	b.shot("journey-alert-english")
	b.click(`a[href^="/taal?lang=nl"]`)
}
