package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestFourEyesOnDecisionsAgainstWill: two citizens object; the clerk rejects A's objection (first
// forgetting the ground) and grants B's. A's rejection waits for a team lead: a clerk cannot co-sign,
// nor can the proposer with a team lead's role; a second team lead previews the letter, returns the
// proposal (first without a reason), the clerk proposes again and the lead co-signs, twice by a double
// click. What is stored, what A reads and A's letter are checked; B's grant was made at once.
func TestFourEyesOnDecisionsAgainstWill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)), event(bsnB, time.Now().Add(-time.Hour)))
	subA, subB := mustSubject(t, e, bsnA), mustSubject(t, e, bsnB)
	file := func(sub int64) portal.RightsRequest {
		r, err := e.db.CreateRequest(ctx, sub, portal.NewRequest{Kind: portal.KindObjection, Scope: portal.Scope{All: true},
			Description: "Ik wil niet dat de school mijn gegevens krijgt."})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ra, rb := file(subA), file(subB)
	clerk, ccsrf := e.staffAs("mia", "Mia Medewerker", portal.RoleClerk)
	clerkLead, clcsrf := e.staffAs("mia", "Mia Medewerker", portal.RoleTeamLead) // the proposer, also a team lead
	lead, lcsrf := e.staffAs("theo", "Theo Teamleider", portal.RoleTeamLead)
	for _, r := range []portal.RightsRequest{ra, rb} {
		if status, _, _ := e.post("/medewerker/verzoeken/"+r.ID+"/behandelen", clerk, "csrf", ccsrf); status != 303 {
			t.Fatalf("start: %d", status)
		}
	}
	base := "/medewerker/verzoeken/" + ra.ID

	// The clerk forgets the ground: the form comes back with the rule, as typed.
	motivation := "De school heeft uw gegevens nodig voor de zorg aan uw kind."
	status, _, body := e.post(base+"/besluiten", clerk, "csrf", ccsrf, "besluit", "afgewezen", "toelichting", motivation)
	if status != 422 {
		t.Fatalf("rejection without a ground: %d", status)
	}
	checkFieldError(t, body, "grond", "Kies de grond")
	if !strings.Contains(body, motivation) || !strings.Contains(body, `value="afgewezen" checked`) {
		t.Error("what the clerk typed was lost")
	}
	status, loc, _ := e.post(base+"/besluiten", clerk, "csrf", ccsrf, "besluit", "afgewezen", "grond", "compelling_grounds",
		"toelichting", motivation)
	if status != 303 || loc != base+"?gedaan=proposed" {
		t.Fatalf("propose: %d %s", status, loc)
	}
	_, body = e.do("GET", loc, clerk, "", nil)
	for _, want := range []string{"Uw besluit is voorgesteld", "wacht op medeondertekening", "Dwingende gerechtvaardigde gronden"} {
		if !strings.Contains(body, want) {
			t.Errorf("the clerk's page lacks %q", want)
		}
	}
	if strings.Contains(body, `action="`+base+`/besluiten"`) {
		t.Error("the decision form is still offered while the proposal waits")
	}
	// A second tab still shows the form: deciding there says a proposal waits, and changes nothing.
	status, _, body = e.post(base+"/besluiten", clerk, "csrf", ccsrf, "besluit", "toegewezen")
	if status != 409 || !strings.Contains(body, "ligt al een voorgesteld besluit") || strings.Contains(body, `action="`+base+`/besluiten"`) {
		t.Errorf("deciding past a waiting proposal: %d", status)
	}
	// B's objection granted: decided at once, no co-signature.
	if status, _, _ := e.post("/medewerker/verzoeken/"+rb.ID+"/besluiten", clerk, "csrf", ccsrf, "besluit", "toegewezen"); status != 303 {
		t.Fatalf("grant B: %d", status)
	}
	if got, _ := e.db.Request(ctx, subB, rb.ID); got.Status != portal.StatusDecided || got.CoSigned {
		t.Errorf("B's grant: %s co-signed %v", got.Status, got.CoSigned)
	}
	if got, _ := e.db.Request(ctx, subA, ra.ID); got.Status != portal.StatusHandling || got.Outcome != "" {
		t.Fatalf("A's rejection was decided without a second person: %+v", got)
	}

	ps, err := e.db.Proposals(ctx, ra.ID)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals: %v %d", err, len(ps))
	}
	pid := fmt.Sprint(ps[0].ID)
	// A clerk cannot co-sign; the proposer cannot either, though a team lead.
	if status, _, _ := e.post(base+"/medeondertekenen", clerk, "csrf", ccsrf, "voorstel", pid); status != 403 {
		t.Errorf("a clerk co-signs: %d", status)
	}
	if status, _, _ := e.post(base+"/medeondertekenen", clerkLead, "csrf", clcsrf, "voorstel", pid); status != 403 {
		t.Errorf("the proposer co-signs: %d", status)
	}
	_, home := e.do("GET", "/medewerker", clerkLead, "", nil)
	if strings.Contains(home, ra.Reference) {
		t.Error("the proposer's home asks them to co-sign their own proposal")
	}
	_, home = e.do("GET", "/medewerker", lead, "", nil)
	if !strings.Contains(home, ra.Reference) || !strings.Contains(home, "Mia Medewerker") {
		t.Error("the team lead's home does not list the proposal")
	}
	// The lead previews the letter: CONCEPT, the ground in plain words, the four eyes; nothing stored.
	resp, pdf := e.do("POST", base+"/medeondertekenen", lead, "", form("csrf", lcsrf, "voorstel", pid, "voorbeeld", "1"), formCT...)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("preview: %d", resp.StatusCode)
	}
	txt := pdfText(t, pdf)
	for _, want := range []string{"CONCEPT", "De reden in het kort", "zwaarwegende reden", "Twee medewerkers keken naar dit besluit"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	// Returning without a reason: the form with its message; with a reason: back to the clerk.
	status, _, body = e.post(base+"/terugsturen", lead, "csrf", lcsrf, "voorstel", pid, "terugreden", "  ")
	if status != 422 {
		t.Fatalf("return without a reason: %d", status)
	}
	checkFieldError(t, body, "terugreden", "waarom u het voorstel terugstuurt")
	reason := "Weeg ook mee dat de ouder al hulp krijgt van de school."
	if status, loc, _ := e.post(base+"/terugsturen", lead, "csrf", lcsrf, "voorstel", pid, "terugreden", reason); status != 303 || loc != base+"?gedaan=returned" {
		t.Fatalf("return: %d %s", status, loc)
	}
	_, body = e.do("GET", base, clerk, "", nil)
	if !strings.Contains(body, reason) || !strings.Contains(body, "Teruggestuurd door Theo Teamleider") {
		t.Error("the clerk does not read why the proposal came back")
	}
	// The clerk proposes a partial grant; the lead co-signs, and presses again (double click).
	if status, loc, _ := e.post(base+"/besluiten", clerk, "csrf", ccsrf, "besluit", "deels_toegewezen", "grond", "legal_obligation",
		"toelichting", "De school krijgt alleen nog wat de wet vraagt."); status != 303 || loc != base+"?gedaan=proposed" {
		t.Fatalf("propose again: %d %s", status, loc)
	}
	ps, _ = e.db.Proposals(ctx, ra.ID)
	pid = fmt.Sprint(ps[0].ID)
	if status, loc, _ := e.post(base+"/medeondertekenen", lead, "csrf", lcsrf, "voorstel", pid); status != 303 || loc != base+"?gedaan=decided" {
		t.Fatalf("co-sign: %d %s", status, loc)
	}
	if status, _, _ := e.post(base+"/medeondertekenen", lead, "csrf", lcsrf, "voorstel", pid); status != 409 {
		t.Errorf("a second co-signature: %d, want 409", status)
	}
	status, _, body = e.post(base+"/besluiten", clerk, "csrf", ccsrf, "besluit", "toegewezen")
	if status != 409 || !strings.Contains(body, "kan niet meer besloten worden") {
		t.Errorf("deciding a decided request: %d", status)
	}
	got, err := e.db.Request(ctx, subA, ra.ID)
	if err != nil || got.Status != portal.StatusDecided || got.Outcome != portal.OutcomePartly || got.Ground != portal.GroundLegalObligation ||
		!got.CoSigned || got.CoSignerName != "Theo Teamleider" {
		t.Fatalf("stored decision: %v %+v", err, got)
	}
	// A reads the decision with the ground in plain words and that two employees looked at it; one
	// message about the decision, none about the proposals.
	ca, _ := e.citizen(bsnA)
	_, body = e.do("GET", "/verzoeken/"+ra.ID, ca, "", nil)
	for _, want := range []string{"De wet zegt dat wij deze gegevens moeten bewaren", "Twee medewerkers keken naar dit besluit",
		"Een tweede medewerker bekijkt het besluit"} {
		if !strings.Contains(body, want) {
			t.Errorf("A's request page lacks %q", want)
		}
	}
	if strings.Contains(body, reason) || strings.Contains(body, "compelling") {
		t.Error("A reads the team lead's internal reason or the first proposal")
	}
	msgs, err := e.db.Messages(ctx, subA, 100)
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, m := range msgs {
		if m.RequestID == ra.ID && m.Kind == portal.StepDecided {
			decided++
		}
		if m.Kind == portal.StepProposed || m.Kind == portal.StepReturned {
			t.Errorf("A was messaged about an internal step: %s", m.Kind)
		}
	}
	if decided != 1 {
		t.Errorf("%d decision messages, want 1", decided)
	}
	_, pdf = e.do("GET", "/verzoeken/"+ra.ID+"/besluit.pdf", ca, "", nil)
	txt = pdfText(t, pdf)
	if !regexp.MustCompile(`De reden in het kort[\s\S]*De wet zegt`).MatchString(txt) || !strings.Contains(txt, "Twee medewerkers") {
		t.Errorf("A's letter lacks the ground or the four eyes:\n%s", txt)
	}
}
