package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

func TestStaffAsksConsentAndTheCitizenDecides(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, csrf := e.staff("clerk")
	until := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	form := []string{"csrf", csrf, "bsn", bsnA, "zaak", "Z-7", "functie", "Wmo-consulent", "gegeven", "Medische informatie over uw mobiliteit",
		"houder", "Uw huisarts", "doel", "Dagbesteding", "noodzaak", "Om te kiezen wat past", "grond", "Beroepsgeheim van de huisarts",
		"weigeren", "We kiezen samen zonder deze informatie", "tot", until}
	// A list of holders is blanket consent: refused, nothing stored.
	bad := append([]string(nil), form...)
	bad[11] = "huisarts en ziekenhuis"
	if status, _, body := e.post("/medewerker/toestemmingen", clerk, bad...); status != 422 {
		t.Fatalf("several holders: %d %s", status, body)
	}
	subject := mustSubject(t, e, bsnA)
	if cs, _ := e.db.CitizenConsents(context.Background(), subject); len(cs) != 0 {
		t.Fatalf("a refused request was stored: %d", len(cs))
	}
	if status, loc, _ := e.post("/medewerker/toestemmingen", clerk, form...); status != 303 || !strings.Contains(loc, "toestemming=") {
		t.Fatalf("ask: %d %s", status, loc)
	}
	cs, err := e.db.CitizenConsents(context.Background(), subject)
	if err != nil || len(cs) != 1 || cs[0].RequestedBy.Employee != "Mia Medewerker" || cs[0].Status != portal.ConsentPending {
		t.Fatalf("stored: %+v %v", cs, err)
	}
	id := cs[0].ID

	ca, ccsrf := e.citizen(bsnA)
	_, body := e.do("GET", "/toestemmingen", ca, "", nil)
	if !strings.Contains(body, "Uw huisarts") || !strings.Contains(body, "Wacht op uw antwoord") {
		t.Error("the citizen's list lacks the open request")
	}
	if resp, _ := e.do("GET", "/toestemmingen/"+id+"/bewijs.pdf", ca, "", nil); resp.StatusCode != 404 {
		t.Errorf("receipt before a decision: %d", resp.StatusCode)
	}
	if status, _, _ := e.post("/toestemmingen/"+id+"/besluit", ca, "csrf", ccsrf, "besluit", "granted", "opmerking", "Prima"); status != 303 {
		t.Fatalf("grant: %d", status)
	}
	resp, pdf := e.do("GET", "/toestemmingen/"+id+"/bewijs.pdf", ca, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(pdfText(t, pdf), "Uw huisarts") || strings.Contains(pdfText(t, pdf), bsnA) {
		t.Errorf("receipt PDF: %d", resp.StatusCode)
	}
	_, js := e.do("GET", "/toestemmingen/"+id+"/bewijs.json", ca, "", nil)
	for _, want := range []string{`"consentReceiptID": "` + id, `"decision": "granted"`, `"piiPrincipalId": "*****3653"`, `"consentType": "EXPLICIT"`} {
		if !strings.Contains(js, want) {
			t.Errorf("receipt JSON lacks %s", want)
		}
	}
	// Another citizen reaches none of it.
	cb, bcsrf := e.citizen(bsnB)
	if status, _, _ := e.post("/toestemmingen/"+id+"/intrekken", cb, "csrf", bcsrf); status != 404 {
		t.Errorf("withdraw another's consent: %d", status)
	}
	if status, _, _ := e.post("/toestemmingen/"+id+"/intrekken", ca, "csrf", ccsrf); status != 303 {
		t.Fatalf("withdraw: %d", status)
	}
	_, body = e.do("GET", "/toestemmingen/"+id, ca, "", nil)
	if !strings.Contains(body, "U trok uw toestemming in") {
		t.Error("withdrawal not shown")
	}
	if status, _, _ := e.post("/toestemmingen/"+id+"/besluit", ca, "csrf", ccsrf, "besluit", "granted"); status != 422 {
		t.Errorf("grant after withdrawal: %d", status)
	}
	_, body = e.do("GET", "/berichten", ca, "", nil)
	if strings.Count(body, "/toestemmingen/"+id) < 3 {
		t.Error("the inbox lacks a message per step (asked, granted, withdrawn)")
	}
}
