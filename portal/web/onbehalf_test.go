package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// Rights requests and consent on behalf of someone (issue 16), on one server: a parent acting for a
// child of 13, the child's own session, a second parent, a young person of 16, an administrator and
// a clerk.

// obBirth is the date of birth of someone who is years old, a month past their birthday.
func obBirth(years int) string {
	return time.Now().In(portal.Amsterdam).AddDate(-years, -1, 0).Format("2006-01-02")
}

// obConsent asks bsn for consent (as staff do) and returns its id.
func obConsent(t *testing.T, e *env, bsn, item string) string {
	t.Helper()
	nc := portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsn, CaseRef: "JZ-2026-7",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Team: "Jeugdteam", Role: "Jeugdconsulent"},
		DataItem:    item, DataHolder: "De school", Purpose: "Passende hulp op school", Necessity: "Om te zien wat nodig is",
		LegalGround: "De school heeft een geheimhoudingsplicht", IfRefused: "We kiezen samen zonder deze informatie",
		ValidUntil: time.Now().AddDate(0, 2, 0).Format("2006-01-02")}
	if err := nc.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	x, _, err := e.db.CreateConsent(context.Background(), nc, "staff", 0)
	if err != nil {
		t.Fatal(err)
	}
	return x.ID
}

// getEN fetches a page in English with a session.
func (e *env) getEN(path, cookie string) (int, string) {
	e.t.Helper()
	resp, body := e.do("GET", path, "", "", nil, "Cookie", "__Host-inzicht_session="+cookie+"; __Host-inzicht_lang=en")
	return resp.StatusCode, body
}

var tjRe = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)

// pdfLines returns the text lines a PDF draws, unescaped and joined by single spaces, so a sentence
// wrapped over lines (and one with parentheses, which PDF escapes) can be looked for.
func pdfLines(t *testing.T, pdf string) string {
	t.Helper()
	var parts []string
	for _, m := range tjRe.FindAllStringSubmatch(pdfText(t, pdf), -1) {
		s := strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`).Replace(m[1])
		parts = append(parts, strings.TrimSpace(s))
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestOnBehalfRequestsAndConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	if err := e.db.EnsureInternalActivities(ctx, "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	parentBSN, childBSN, parent2BSN := bsnA, bsnB, validBSN(t, 2)
	youngBSN, adminBSN, adultBSN := validBSN(t, 3), validBSN(t, 4), validBSN(t, 5)
	child := mustSubject(t, e, childBSN)
	rep := e.represent(parentBSN, childBSN, portal.RepParentalAuthority, obBirth(13))
	rep2 := e.represent(parent2BSN, childBSN, portal.RepParentalAuthority, obBirth(13))
	pc, pcsrf := e.citizen(parentBSN)
	e.actFor(pc, rep.ID)
	cc, ccsrf := e.citizen(childBSN)
	const namens = "Eva de Vries (ouder met gezag) namens Daan de Vries"

	t.Run("a parent files an inspection request for the child", func(t *testing.T) {
		status, loc, body := e.post("/verzoeken", pc, "csrf", pcsrf, "soort", "inzage", "omvang", "alles",
			"toelichting", "Ik wil weten wat de gemeente over Daan weet.")
		if status != 303 || !strings.HasPrefix(loc, "/verzoeken/") {
			t.Fatalf("file: %d %s %.300s", status, loc, body)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
		r, err := e.db.Request(ctx, child, id)
		if err != nil {
			t.Fatalf("the request is not the child's: %v", err)
		}
		if r.FiledBy == nil || r.FiledBy.RepresentationID != rep.ID || r.FiledBy.Kind != portal.RepParentalAuthority {
			t.Fatalf("stored as filed by %+v, want representation %s", r.FiledBy, rep.ID)
		}
		_, body = e.do("GET", loc, pc, "", nil)
		wantIn(t, "the parent's page", body, "Ingediend door "+namens)

		// The child's own session sees the request and who filed it.
		_, body = e.do("GET", "/verzoeken", cc, "", nil)
		wantIn(t, "the child's list", body, r.Reference)
		_, body = e.do("GET", "/verzoeken/"+id, cc, "", nil)
		wantIn(t, "the child's request page", body, namens, "Ingediend door "+namens)
		resp, pdf := e.do("GET", "/verzoeken/"+id+"/ontvangstbevestiging.pdf", cc, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("receipt: %d", resp.StatusCode)
		}
		wantIn(t, "the receipt", pdfLines(t, pdf), "Aangevraagd door "+namens)
		_, pdf = e.getEN("/verzoeken/"+id+"/ontvangstbevestiging.pdf", pc)
		wantIn(t, "the English receipt", pdfLines(t, pdf),
			"Requested by Eva de Vries (parent with authority) on behalf of Daan de Vries")
		_, body = e.getEN("/verzoeken/"+id, cc)
		wantIn(t, "the English request page", body, "Filed by Eva de Vries (parent with authority) on behalf of Daan de Vries")

		// The parent acting for themselves again does not see it among their own requests.
		own, _ := e.citizen(parentBSN)
		if _, body = e.do("GET", "/verzoeken", own, "", nil); strings.Contains(body, r.Reference) {
			t.Error("the child's request is among the parent's own")
		}

		// Staff see the capacity and the representation, and the queue marks the request.
		clerk, _ := e.staff("clerk")
		_, body = e.do("GET", "/medewerker/verzoeken", clerk, "", nil)
		wantIn(t, "the queue", body, r.Reference, "Door vertegenwoordiger (ouder met gezag)")
		_, body = e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
		wantIn(t, "the staff request page", body,
			"Ingediend door een vertegenwoordiger: Eva de Vries, ouder met gezag, vertegenwoordiging V-"+rep.ID[:8],
			"Namens Daan de Vries")

		// The parent withdraws it for the child.
		if status, _, _ := e.post("/verzoeken/"+id+"/intrekken", pc, "csrf", pcsrf); status != 303 {
			t.Fatalf("withdraw: %d", status)
		}
		r, err = e.db.Request(ctx, child, id)
		if err != nil || r.WithdrawnBy == nil || r.WithdrawnBy.RepresentationID != rep.ID || r.Status != portal.StatusWithdrawn {
			t.Fatalf("after the withdrawal: %+v %v", r.WithdrawnBy, err)
		}
		_, body = e.do("GET", "/verzoeken/"+id, cc, "", nil)
		wantIn(t, "the child's page after the withdrawal", body, "Ingetrokken door "+namens)
		_, body = e.do("GET", "/berichten", cc, "", nil)
		wantIn(t, "the child's inbox", body, "Uw vertegenwoordiger heeft namens u verzoek "+r.Reference+" ingediend",
			"Uw vertegenwoordiger heeft namens u verzoek "+r.Reference+" ingetrokken")
		if strings.Contains(body, "U heeft uw verzoek "+r.Reference+" ingetrokken") {
			t.Error("the child's inbox says she withdrew the request herself")
		}
		_, body = e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
		wantIn(t, "the staff page after the withdrawal", body,
			"Ingetrokken door een vertegenwoordiger: Eva de Vries, ouder met gezag, vertegenwoordiging V-"+rep.ID[:8])
	})

	t.Run("the decision letter names both", func(t *testing.T) {
		status, loc, _ := e.post("/verzoeken", pc, "csrf", pcsrf, "soort", "inzage", "omvang", "alles", "toelichting", "Nog een keer.")
		if status != 303 {
			t.Fatalf("file: %d", status)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
		lead := portal.Staff{Sub: "tl", Name: "Tom Teamleider", Roles: []string{portal.RoleTeamLead}}
		for _, a := range []portal.Action{{Kind: portal.StepStarted}, {Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}} {
			if _, err := e.db.ActOnRequest(ctx, id, lead, a); err != nil {
				t.Fatal(err)
			}
		}
		resp, pdf := e.do("GET", "/verzoeken/"+id+"/besluit.pdf", cc, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("decision letter: %d", resp.StatusCode)
		}
		wantIn(t, "the decision letter", pdfLines(t, pdf), "Aangevraagd door "+namens)
	})

	t.Run("the child's own request names nobody", func(t *testing.T) {
		status, loc, _ := e.post("/verzoeken", cc, "csrf", ccsrf, "soort", "bezwaar", "omvang", "alles", "toelichting", "Zelf.")
		if status != 303 {
			t.Fatalf("file: %d", status)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
		r, err := e.db.Request(ctx, child, id)
		if err != nil || r.FiledBy != nil {
			t.Fatalf("own request filed by %+v, %v", r.FiledBy, err)
		}
		_, pdf := e.do("GET", "/verzoeken/"+id+"/ontvangstbevestiging.pdf", cc, "", nil)
		if strings.Contains(pdfLines(t, pdf), "Aangevraagd door") {
			t.Error("the child's own receipt names a representative")
		}
	})

	t.Run("consent: the child answers, a parent decides, a second parent cannot decide again", func(t *testing.T) {
		id := obConsent(t, e, childBSN, "Het verslag van de intern begeleider")

		// The child (13) answers herself: her own answer, the request stays open.
		_, body := e.do("GET", "/toestemmingen/"+id, cc, "", nil)
		wantIn(t, "the child's consent page", body, "Je bent jonger dan 16", "Mijn antwoord opslaan")
		status, loc, _ := e.post("/toestemmingen/"+id+"/besluit", cc, "csrf", ccsrf, "besluit", "refused", "opmerking", "Ik wil dit liever niet")
		if status != 303 || !strings.HasSuffix(loc, "?opgeslagen=1") {
			t.Fatalf("own answer: %d %s", status, loc)
		}
		x, err := e.db.CitizenConsent(ctx, child, id)
		if err != nil || x.Status != portal.ConsentPending || x.DecidedAt != nil || x.OwnAnswer != portal.ConsentRefused ||
			x.OwnAnswerAt == nil || x.OwnAnswerComment != "Ik wil dit liever niet" {
			t.Fatalf("after the child's answer: %+v %v", x, err)
		}
		_, body = e.do("GET", loc, cc, "", nil)
		wantIn(t, "the child's page after answering", body,
			"Je antwoord is opgeslagen. Omdat je jonger bent dan 16, beslist je ouder of voogd. Die ziet jouw antwoord.",
			"Wacht op het besluit van je ouder of voogd", "Nee, vindt het niet goed")
		if resp, _ := e.do("GET", "/toestemmingen/"+id+"/bewijs.json", cc, "", nil); resp.StatusCode != 404 {
			t.Errorf("a receipt before the decision: %d", resp.StatusCode)
		}

		// The parent acting for her sees her answer, and decides.
		_, body = e.do("GET", "/toestemmingen/"+id, pc, "", nil)
		wantIn(t, "the parent's consent page", body, "Antwoord van Daan de Vries zelf", "Nee, vindt het niet goed",
			"Ik wil dit liever niet", "Daan de Vries is 12 jaar of ouder", "Ja, ik geef toestemming")
		if status, _, _ := e.post("/toestemmingen/"+id+"/besluit", pc, "csrf", pcsrf, "besluit", "granted", "opmerking", "Het helpt Daan"); status != 303 {
			t.Fatalf("the parent's decision: %d", status)
		}
		x, err = e.db.CitizenConsent(ctx, child, id)
		if err != nil || x.Status != portal.ConsentGranted || x.DecidedBy == nil || x.DecidedBy.RepresentationID != rep.ID ||
			x.OwnAnswer != portal.ConsentRefused {
			t.Fatalf("after the parent's decision: %+v %v", x, err)
		}
		_, body = e.do("GET", "/berichten", cc, "", nil)
		wantIn(t, "the child's inbox", body, "Uw vertegenwoordiger gaf namens u toestemming.")
		_, body = e.do("GET", "/toestemmingen/"+id, cc, "", nil)
		wantIn(t, "the child's page after the decision", body, "Toestemming gegeven door een vertegenwoordiger",
			"Besluit genomen door", namens)

		// A second parent deciding differently afterwards: a request is decided once (EINVALID, the
		// page again); the grant stands. They may withdraw it, which names their representation.
		p2, p2csrf := e.citizen(parent2BSN)
		e.actFor(p2, rep2.ID)
		if status, _, _ := e.post("/toestemmingen/"+id+"/besluit", p2, "csrf", p2csrf, "besluit", "refused"); status != 422 {
			t.Errorf("a second decision: %d, want 422", status)
		}
		if x, _ = e.db.CitizenConsent(ctx, child, id); x.Status != portal.ConsentGranted || x.DecidedBy.RepresentationID != rep.ID {
			t.Fatalf("the second parent changed the decision: %+v", x)
		}
		// The child cannot withdraw it: her parents decide.
		if status, _, _ := e.post("/toestemmingen/"+id+"/intrekken", cc, "csrf", ccsrf); status != 403 {
			t.Errorf("the child withdrawing: %d, want 403", status)
		}
		// Receipts name the representative and the capacity, and the child's own answer.
		_, pdf := e.do("GET", "/toestemmingen/"+id+"/bewijs.pdf", cc, "", nil)
		wantIn(t, "the consent receipt", pdfLines(t, pdf), "Eva de Vries (ouder met gezag) gaf namens Daan de Vries toestemming op",
			"Antwoord van Daan de Vries zelf", "Ik wil dit liever niet")
		_, js := e.do("GET", "/toestemmingen/"+id+"/bewijs.json", pc, "", nil)
		wantIn(t, "the JSON receipt", js, `"decidedBy": {`, `"representationId": "`+rep.ID+`"`, `"capacity": "parental_authority"`,
			`"capacityText": "ouder met gezag"`, `"representative": "Eva de Vries"`, `"onBehalfOf": "Daan de Vries"`,
			`"piiPrincipalOwnAnswer": {`, `"answer": "refused"`, `"comment": "Ik wil dit liever niet"`)

		if status, _, _ := e.post("/toestemmingen/"+id+"/intrekken", p2, "csrf", p2csrf); status != 303 {
			t.Fatalf("the second parent withdrawing: %d", status)
		}
		x, _ = e.db.CitizenConsent(ctx, child, id)
		if x.Status != portal.ConsentWithdrawn || x.WithdrawnBy == nil || x.WithdrawnBy.RepresentationID != rep2.ID {
			t.Fatalf("after the withdrawal: %+v", x)
		}
		_, js = e.do("GET", "/toestemmingen/"+id+"/bewijs.json", cc, "", nil)
		wantIn(t, "the JSON receipt after the withdrawal", js, `"withdrawnBy": {`, `"representationId": "`+rep2.ID+`"`)
		_, pdf = e.getEN("/toestemmingen/"+id+"/bewijs.pdf", cc)
		wantIn(t, "the English consent receipt", pdfLines(t, pdf),
			"Eva de Vries (parent with authority) gave consent on behalf of Daan de Vries on",
			"Eva de Vries (parent with authority) withdrew the consent on behalf of Daan de Vries on")
	})

	t.Run("a young person of 16 decides herself", func(t *testing.T) {
		young := mustSubject(t, e, youngBSN)
		e.represent(parentBSN, youngBSN, portal.RepParentalAuthority, obBirth(16)) // ended by age
		id := obConsent(t, e, youngBSN, "Het verslag van de mentor")
		yc, ycsrf := e.citizen(youngBSN)
		_, body := e.do("GET", "/toestemmingen/"+id, yc, "", nil)
		if strings.Contains(body, "Je bent jonger dan 16") || !strings.Contains(body, "Ja, ik geef toestemming") {
			t.Error("the young person of 16 is shown the child's form")
		}
		if status, loc, _ := e.post("/toestemmingen/"+id+"/besluit", yc, "csrf", ycsrf, "besluit", "granted"); status != 303 || strings.Contains(loc, "opgeslagen") {
			t.Fatalf("decide: %d %s", status, loc)
		}
		x, err := e.db.CitizenConsent(ctx, young, id)
		if err != nil || x.Status != portal.ConsentGranted || x.DecidedBy != nil || x.OwnAnswer != "" {
			t.Fatalf("the young person's decision: %+v %v", x, err)
		}
	})

	t.Run("an administrator without the consent part gets 403", func(t *testing.T) {
		adm := e.represent(adminBSN, adultBSN, portal.RepAdministration, obBirth(40), portal.PartLog, portal.PartRequests)
		id := obConsent(t, e, adultBSN, "Het overzicht van de schuldhulp")
		ac, acsrf := e.citizen(adminBSN)
		e.actFor(ac, adm.ID)
		if resp, _ := e.do("GET", "/toestemmingen", ac, "", nil); resp.StatusCode != 403 {
			t.Errorf("/toestemmingen: %d, want 403", resp.StatusCode)
		}
		if status, _, _ := e.post("/toestemmingen/"+id+"/besluit", ac, "csrf", acsrf, "besluit", "granted"); status != 403 {
			t.Errorf("deciding: %d, want 403", status)
		}
		x, err := e.db.CitizenConsent(ctx, mustSubject(t, e, adultBSN), id)
		if err != nil || x.Status != portal.ConsentPending {
			t.Errorf("after the administrator's attempt: %+v %v", x, err)
		}
	})
}
