package web_test

// Reviewer's reproductions (issue 16). Each test FAILS on the code under review.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

func reviewDecide(t *testing.T, e *env, id string) {
	t.Helper()
	lead := portal.Staff{Sub: "tl", Name: "Tom Teamleider", Roles: []string{portal.RoleTeamLead}}
	for _, a := range []portal.Action{{Kind: portal.StepStarted}, {Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}} {
		if _, err := e.db.ActOnRequest(context.Background(), id, lead, a); err != nil {
			t.Fatal(err)
		}
	}
}

// R1a: an administrator (financial only) reads the person's care processing through the decision
// letter of an inspection request (ScopeEventsAsOf ignores the acting filter).
func TestRepReviewDecisionLetterAdministrator(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.putFinancialActivity()
	care := event(bsnAdult, time.Now().Add(-2*time.Hour), func(ev *portal.Event) { ev.Actor.Organization = "GGZ Geheimzorg" })
	money := event(bsnAdult, time.Now().Add(-time.Hour), func(ev *portal.Event) {
		ev.Activity, ev.DataCategories, ev.Actor.Organization = "pw-bijstand", []string{"income"}, "Afdeling Inkomen"
	})
	e.ingest(care, money)
	adm := e.represent(bsnBewind, bsnAdult, portal.RepAdministration, yearsAgo(40, 0), portal.PartLog, portal.PartRequests)
	ac, acsrf := e.citizen(bsnBewind)
	e.actFor(ac, adm.ID)
	if _, body := e.get(ac, "/verwerkingen"); strings.Contains(body, "GGZ Geheimzorg") {
		t.Fatal("precondition: the log already shows the care event")
	}
	st, loc, _ := e.post("/verzoeken", ac, "csrf", acsrf, "soort", "inzage", "omvang", "alles", "toelichting", "Inzage.")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	reviewDecide(t, e, id)
	resp, pdf := e.do("GET", "/verzoeken/"+id+"/besluit.pdf", ac, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("decision letter: %d", resp.StatusCode)
	}
	if txt := pdfText(t, pdf); strings.Contains(txt, "GGZ Geheimzorg") || strings.Contains(txt, "Wmo-onderzoek") {
		t.Errorf("the administrator's decision letter lists non-financial (care) processing")
	}
}

// R1b: a parent whose representation covers only "requests" (not "log") reads the child's whole log,
// including the record of staff opening a hidden child-safety signal, through the decision letter.
func TestRepReviewDecisionLetterHiddenSignalAndParts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	if err := e.db.EnsureInternalActivities(ctx, "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	e.ingest(event(srChildBSN, time.Now().Add(-3*time.Hour), func(ev *portal.Event) { ev.Actor.Organization = "Jeugdzorg Zuid" }))
	hidden := e.srSignal("child_safety", srViolText)
	if _, err := e.db.OpenSignal(ctx, hidden.ID, portal.Staff{Sub: "c1", Name: "Cor Clerk", Roles: []string{portal.RoleClerk}}, "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	rep := e.represent(bsnParent, srChildBSN, portal.RepParentalAuthority, srChildBirth, portal.PartRequests)
	pc, pcsrf := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	if st, _ := e.get(pc, "/verwerkingen"); st != 403 {
		t.Fatalf("precondition: /verwerkingen outside the parts: %d", st)
	}
	st, loc, _ := e.post("/verzoeken", pc, "csrf", pcsrf, "soort", "inzage", "omvang", "alles", "toelichting", "Inzage.")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	reviewDecide(t, e, id)
	resp, pdf := e.do("GET", "/verzoeken/"+id+"/besluit.pdf", pc, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("decision letter: %d", resp.StatusCode)
	}
	txt := pdfText(t, pdf)
	if strings.Contains(txt, "Een melding over u behandelen") {
		t.Errorf("the decision letter shows a parent the record of staff opening a hidden child-safety signal")
	}
	if strings.Contains(txt, "Jeugdzorg Zuid") {
		t.Errorf("a representation without the log part reads the child's processing log through the decision letter")
	}
}

// R2: a representative replaces the represented person's notification address with their own and
// confirms it while acting; from then on every message of the person (also about a signal hidden from
// representatives, and after the representation ended) is mailed to the representative.
func TestRepReviewRepresentativeTakesOverNotificationAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{MailEnabled: true}, web.Deps{})
	ctx := context.Background()
	child, err := e.db.EnsureSubject(ctx, srChildBSN)
	if err != nil {
		t.Fatal(err)
	}
	// The child confirmed her own address.
	confirm := func(subject int64) {
		for v := int64(1); v < 50; v++ {
			if _, tok, err := e.db.PrepareConfirmation(ctx, subject, v); err == nil {
				if err := e.db.ConfirmEmail(ctx, subject, tok); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatal("no confirmation token")
	}
	if err := e.db.SetEmail(ctx, child, "kind@example.org"); err != nil {
		t.Fatal(err)
	}
	confirm(child)

	rep := e.represent(bsnParent, srChildBSN, portal.RepParentalAuthority, srChildBirth, portal.PartRequests)
	pc, pcsrf := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	st, _, _ := e.post("/verzoeken", pc, "csrf", pcsrf, "soort", "inzage", "omvang", "alles", "toelichting", "x",
		"email", "ouder@example.org")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	if es, _ := e.db.EmailStatus(ctx, child); !es.Confirmed {
		t.Errorf("a representative's filing removed the child's confirmed notification address")
	}
	// The parent receives the confirmation link and confirms it in the acting session.
	var token string
	for v := int64(1); v < 50 && token == ""; v++ {
		if _, tok, err := e.db.PrepareConfirmation(ctx, child, v); err == nil {
			token = tok
		}
	}
	if token != "" {
		resp, _ := e.do("POST", "/email/bevestigen", pc, "", form("csrf", pcsrf, "token", token), formCT...)
		if resp.StatusCode == 303 {
			t.Errorf("the parent confirmed their own address as the child's notification address")
		}
	}
	e.srSignal("domestic_violence", srViolText)
	ms, err := e.db.Messages(ctx, child, 10)
	if err != nil || len(ms) == 0 {
		t.Fatal(err)
	}
	n, err := e.db.Notification(ctx, ms[0].ID)
	if err == nil && n.Email == "ouder@example.org" {
		t.Errorf("the child's message about a hidden domestic-violence signal is mailed to the parent")
	}
}

// R3: a page showing the represented person's data with an error status is not recorded.
func TestRepReviewErrorStatusViewNotRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ev := event(bsnChild, time.Now().Add(-2*time.Hour), func(ev *portal.Event) { ev.Actor.Organization = "Jeugdzorg Zuid" })
	e.ingest(ev)
	rep := e.represent(bsnParent, bsnChild, portal.RepParentalAuthority, yearsAgo(10, 0))
	pc, pcsrf := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	before := len(e.acts(portal.ActFilter{RepresentationID: rep.ID, Limit: 1000}))
	st, _, body := e.post("/verzoeken", pc, "csrf", pcsrf, "soort", "", "verwerking", ev.ID)
	if st != 422 || !strings.Contains(body, "Jeugdzorg Zuid") {
		t.Fatalf("precondition: %d, the form with the child's data", st)
	}
	if after := len(e.acts(portal.ActFilter{RepresentationID: rep.ID, Limit: 1000})); after == before {
		t.Errorf("the parent saw the child's processing (422 form) and nothing was recorded in the child's log")
	}
}

// R4: a clerk asked to keep a signal from representatives (deferral, pending); telling the child
// early drops that wish, and the parent sees the signal.
func TestRepReviewHideFlagLostWhenToldEarly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	clerk := portal.Staff{Sub: "c1", Name: "Cor Clerk", Roles: []string{portal.RoleClerk}}
	sg, _, err := e.db.RegisterSignal(ctx, portal.NewSignal{ID: uuid.NewString(), SubjectBSN: srChildBSN,
		ReceivedAt: time.Now().Add(-time.Hour), ReporterKind: "school", Nature: portal.Nature{Category: "wellbeing", Summary: srDeferText},
		Urgency: "normal", HandlingTeam: "Wijkteam Zuid"}, "staff", 0, &clerk,
		&portal.DeferralRequest{Reason: portal.DeferralReasons[0], Motivation: "Vader is de zorg", ReviewAt: time.Now().AddDate(0, 0, 14),
			HideFromRepresentatives: true}, portal.SignalPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.TellSignal(ctx, sg.ID); err != nil {
		t.Fatal(err)
	}
	rep := e.represent(bsnParent, srChildBSN, portal.RepParentalAuthority, srChildBirth)
	pc, _ := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	if st, body := e.get(pc, "/signalen/"+sg.ID); st == 200 && strings.Contains(body, srDeferText) {
		t.Errorf("the parent reads a signal the clerk marked 'hide from representatives'")
	}
}

// R5: the request form's ?melding= reads a signal for a representation that does not cover signals.
func TestRepReviewRequestFormReadsSignalOutsideParts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	sg := e.srSignal("wellbeing", srWellText)
	rep := e.represent(bsnParent, srChildBSN, portal.RepParentalAuthority, srChildBirth, portal.PartRequests)
	pc, _ := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	if st, _ := e.get(pc, "/signalen/"+sg.ID); st != 403 {
		t.Fatalf("precondition: %d", st)
	}
	if st, body := e.get(pc, "/verzoeken/nieuw?melding="+sg.ID); st == 200 && strings.Contains(body, "Dit gaat over de melding van") {
		t.Errorf("a representation without the signals part reads a signal's date and category through the request form")
	}
}

// R6: a PUT that changes the representative of an existing representation id hands the new person
// the old one's approved signal releases and rewrites who filed earlier requests.
func TestRepReviewRepresentationPutChangesPersons(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	hidden := e.srSignal("domestic_violence", srViolText)
	rep := e.represent(bsnParent, srChildBSN, portal.RepParentalAuthority, srChildBirth)
	clerk := portal.Staff{Sub: "c1", Name: "Cor Clerk", Roles: []string{portal.RoleClerk}}
	lead := portal.Staff{Sub: "l1", Name: "Lia Lead", Roles: []string{portal.RoleTeamLead}}
	rel, err := e.db.RequestSignalRelease(ctx, hidden.ID, rep.ID, "Moeder beschermt het kind; zij mag dit lezen.", clerk)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.DecideSignalRelease(ctx, hidden.ID, rel.ID, true, lead); err != nil {
		t.Fatal(err)
	}
	pc, pcsrf := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	st, loc, _ := e.post("/verzoeken", pc, "csrf", pcsrf, "soort", "inzage", "omvang", "alles", "toelichting", "x")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	reqID := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")

	// The municipality tries to "correct" the representation to another representative (the other
	// parent): refused, since the release and the request were recorded under Eva's.
	r := rep.Representation
	r.RepresentativeBSN, r.RepresentativeName = bsnStranger, "Mark de Vries"
	if _, _, err := e.db.PutRepresentation(ctx, r, 0); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Fatalf("changing the representative of a representation: %v, want a conflict", err)
	}
	for _, mod := range []func(*portal.Representation){
		func(r *portal.Representation) { r.SubjectBSN = bsnStranger },
		func(r *portal.Representation) {
			r.Kind = portal.RepGuardianship
			r.LegalBasis.Kind = portal.BasisCourtDecision
		},
	} {
		r := rep.Representation
		mod(&r)
		if _, _, err := e.db.PutRepresentation(ctx, r, 0); portal.ErrorCode(err) != portal.ECONFLICT {
			t.Errorf("changing the person or kind: %v, want a conflict", err)
		}
	}
	mc, _ := e.citizen(bsnStranger)
	e.actFor(mc, rep.ID) // the session names it, but it is not Mark's: he sees his own data
	if st, body := e.get(mc, "/signalen/"+hidden.ID); st == 200 || strings.Contains(body, srViolText) {
		t.Errorf("another citizen reads a domestic-violence signal released (four eyes) only for Eva (%d)", st)
	}
	cc, _ := e.citizen(srChildBSN)
	if _, body := e.get(cc, "/verzoeken/"+reqID); strings.Contains(body, "Mark de Vries") || !strings.Contains(body, "Eva de Vries") {
		t.Errorf("the child's request page should still say Eva filed the request")
	}
}

// R7: an administrator (bewind: financial matters only) registered with the signals part reads a
// care signal about the person; nothing limits signals, consent or requests to financial matters.
func TestRepReviewAdministratorReadsCareSignal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	sg := e.srSignal("wellbeing", "Mevrouw vergeet haar medicijnen en is verward")
	// Administration with the signals or consent part is refused at registration.
	for _, p := range []string{portal.PartSignals, portal.PartConsent} {
		r := portal.Representation{ID: "9d4c3f1e-8b7a-4c2d-9e1f-0a1b2c3d4e5f", RepresentativeBSN: bsnBewind, SubjectBSN: srChildBSN,
			SubjectName: "Henk Jansen", SubjectBirthDate: "1950-01-01", Kind: portal.RepAdministration,
			Parts: []string{portal.PartLog, p}, LegalBasis: portal.LegalBasis{Kind: portal.BasisCourtDecision, Reference: "C/01/1"},
			ValidFrom: "2020-01-01"}
		if err := r.Validate(); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("administration with part %s: %v, want invalid", p, err)
		}
	}
	adm := e.represent(bsnBewind, srChildBSN, portal.RepAdministration, "1950-01-01", portal.PartLog, portal.PartRequests)
	ac, _ := e.citizen(bsnBewind)
	e.actFor(ac, adm.ID)
	if st, body := e.get(ac, "/signalen/"+sg.ID); st == 200 && strings.Contains(body, "medicijnen") {
		t.Errorf("an administrator (financial only) reads a care signal about the person")
	}
}

// R8: the privacy officer's /toezicht shows a child's dispute (name, reason) and the acts done in the
// child's name, and nothing is recorded in the child's log.
func TestRepReviewOversightDisputeViewNotRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	rep := e.represent(bsnParent, bsnChild, portal.RepParentalAuthority, yearsAgo(13, 0))
	pc, _ := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	e.get(pc, "/overzicht")
	cc, _ := e.citizen(bsnChild)
	resp, _ := e.do("POST", "/vertegenwoordigers/"+rep.ID+"/bezwaar", cc, "", form("csrf", csrfOf(t, e, cc), "reden", "Mijn vader slaat mij"), formCT...)
	if resp.StatusCode != 303 {
		t.Fatalf("dispute: %d", resp.StatusCode)
	}
	officer, _ := e.staff("privacy_officer")
	if st, body := e.get(officer, "/toezicht"); st != 200 || !strings.Contains(body, "Mijn vader slaat mij") {
		t.Fatalf("precondition: /toezicht %d", st)
	}
	child, _ := e.db.EnsureSubject(ctx, bsnChild)
	evs, _, err := e.db.Events(ctx, child, portal.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Activity.ID == portal.OversightActivity {
			return
		}
	}
	t.Errorf("the privacy officer read the child's dispute and the acts in her name; her log does not show it")
}

// R9: parent A has a release for a hidden signal and opens it; parent B (no release) reads in the
// child's log that A "viewed a report", which B's own list does not hold.
func TestRepReviewOtherParentSeesHiddenSignalView(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	hidden := e.srSignal("domestic_violence", srViolText)
	repA := e.represent(bsnParent, srChildBSN, portal.RepParentalAuthority, srChildBirth)
	repB := e.represent(bsnParent2, srChildBSN, portal.RepParentalAuthority, srChildBirth)
	rel, err := e.db.RequestSignalRelease(ctx, hidden.ID, repA.ID, "Moeder beschermt het kind.", portal.Staff{Sub: "c1", Roles: []string{portal.RoleClerk}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.DecideSignalRelease(ctx, hidden.ID, rel.ID, true, portal.Staff{Sub: "l1", Roles: []string{portal.RoleTeamLead}}); err != nil {
		t.Fatal(err)
	}
	a, _ := e.citizen(bsnParent)
	e.actFor(a, repA.ID)
	if st, _ := e.get(a, "/signalen/"+hidden.ID); st != 200 {
		t.Fatalf("A: %d", st)
	}
	b, _ := e.citizen(bsnParent2)
	e.actFor(b, repB.ID)
	acts := e.acts(portal.ActFilter{RepresentationID: repA.ID, Limit: 10})
	for _, act := range acts {
		if act.What == portal.ActViewSignal {
			if st, body := e.get(b, "/verwerkingen/"+act.EventID); st == 200 && strings.Contains(body, "Bekeek een melding") {
				t.Errorf("parent B learns that A opened a report B cannot see (hidden signal's existence leaks)")
			}
		}
	}
}

// R11: the child files a request about a hidden domestic-violence signal (the form's own prefilled
// text names it); the parent opens the child's requests and reads that the signal exists.
func TestRepReviewRequestAboutHiddenSignalLeaks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	hidden := e.srSignal("domestic_violence", srViolText)
	cc, ccsrf := e.citizen(srChildBSN)
	st, body := e.get(cc, "/verzoeken/nieuw?melding="+hidden.ID)
	if st != 200 {
		t.Fatalf("form: %d", st)
	}
	d := doc(t, body)
	text := d.Find(`textarea[name="toelichting"]`).Text()
	if !strings.Contains(text, "Dit gaat over de melding van") {
		t.Fatalf("prefill: %q", text)
	}
	if v, _ := d.Find(`input[name="melding"]`).Attr("value"); v != hidden.ID {
		t.Fatalf("the form does not carry the signal: %q", v)
	}
	st, loc, _ := e.post("/verzoeken", cc, "csrf", ccsrf, "soort", "bezwaar", "omvang", "alles", "melding", hidden.ID,
		"toelichting", text+"Dit klopt niet.")
	if st != 303 {
		t.Fatalf("file: %d", st)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	rep := e.represent(bsnParent, srChildBSN, portal.RepParentalAuthority, srChildBirth)
	pc, _ := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	if st, _ := e.get(pc, "/signalen/"+hidden.ID); st != 404 {
		t.Fatalf("precondition: the signal is hidden from the parent (%d)", st)
	}
	if st, body := e.get(pc, "/verzoeken/"+id); st != 404 || strings.Contains(body, "Dit gaat over de melding van") {
		t.Errorf("the parent reads, in the child's request (%d), that a hidden domestic-violence signal exists:\n%s", st, text)
	}
	if _, body := e.get(pc, "/verzoeken"); strings.Contains(body, id) {
		t.Errorf("the child's request about a hidden signal is in the parent's list")
	}
	if _, body := e.get(pc, "/berichten"); strings.Contains(body, id) {
		t.Errorf("a message about the child's request on a hidden signal is in the parent's inbox")
	}
	if st, body := e.get(cc, "/verzoeken/"+id); st != 200 || !strings.Contains(body, "Dit gaat over de melding van") {
		t.Errorf("the child's own request page (%d)", st)
	}
	// A parent cannot file a request naming a signal hidden from them.
	pc2, pcsrf2 := e.citizen(bsnParent)
	e.actFor(pc2, rep.ID)
	if st, _, _ := e.post("/verzoeken", pc2, "csrf", pcsrf2, "soort", "inzage", "omvang", "alles", "melding", hidden.ID,
		"toelichting", "x"); st != 404 {
		t.Errorf("a parent filing about a hidden signal: %d, want 404", st)
	}
}
