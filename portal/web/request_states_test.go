package web_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// fileRequest files a request of kind for the citizen and returns its id.
func (e *env) fileRequest(cookie, csrf, kind string, kv ...string) string {
	e.t.Helper()
	args := append([]string{"csrf", csrf, "soort", kind, "omvang", "alles", "toelichting", "Wat weet u van mij?"}, kv...)
	status, loc, _ := e.post("/verzoeken", cookie, args...)
	if status != 303 {
		e.t.Fatalf("file %s: %d", kind, status)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
}

// clerkDo applies a clerk's steps to a request ("behandelen", "besluiten", …) with the form values kv.
func (e *env) clerkDo(clerk, csrf, id string, steps []string, kv ...string) {
	e.t.Helper()
	for _, step := range steps {
		if status, _, body := e.post("/medewerker/verzoeken/"+id+"/"+step, clerk, append([]string{"csrf", csrf}, kv...)...); status != 303 {
			e.t.Fatalf("%s %s: %d %.300s", step, id, status, body)
		}
	}
}

func wantOut(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("%s shows %q", what, n)
		}
	}
}

// TestWithdrawingARequestIsConfirmed: two citizens each file a request. A opens the withdrawal, reads
// what happens and confirms; B opens it and says no. Only A's request is withdrawn, A is told so, and
// sending the confirmation again (a double click, the back button) changes nothing and says why.
func TestWithdrawingARequestIsConfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	ca, acsrf := e.citizen(bsnA)
	cb, bcsrf := e.citizen(bsnB)
	idA, idB := e.fileRequest(ca, acsrf, "inzage"), e.fileRequest(cb, bcsrf, "inzage")
	subA, subB := mustSubject(t, e, bsnA), mustSubject(t, e, bsnB)
	stored := func(sub int64, id string) portal.RightsRequest {
		t.Helper()
		r, err := e.db.Request(ctx, sub, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// The request's page asks first: a link to the confirmation, no form that withdraws at once.
	_, body := e.get(ca, "/verzoeken/"+idA)
	if strings.Contains(body, `action="/verzoeken/`+idA+`/intrekken"`) || !strings.Contains(body, `href="/verzoeken/`+idA+`/intrekken"`) {
		t.Error("the request page withdraws at once instead of asking first")
	}
	for _, g := range []struct{ cookie, id string }{{ca, idA}, {cb, idB}} {
		st, body := e.get(g.cookie, "/verzoeken/"+g.id+"/intrekken")
		if st != 200 {
			t.Fatalf("confirmation page: %d", st)
		}
		wantIn(t, "the confirmation page", body, "Weet u zeker dat u dit verzoek wilt intrekken?", "U krijgt geen besluit.",
			"U kunt het intrekken niet ongedaan maken.", "Ja, trek mijn verzoek in", "Nee, ga terug",
			`action="/verzoeken/`+g.id+`/intrekken"`, `href="/verzoeken/`+g.id+`"`)
	}
	if st, _ := e.get(cb, "/verzoeken/"+idA+"/intrekken"); st != 404 {
		t.Errorf("B opens A's confirmation page: %d", st)
	}
	if st, _, _ := e.post("/verzoeken/"+idA+"/intrekken", cb, "csrf", bcsrf); st != 404 {
		t.Errorf("B withdraws A's request: %d", st)
	}
	if st, _, _ := e.post("/verzoeken/"+idA+"/intrekken", ca); st != 403 {
		t.Errorf("withdrawing without the CSRF token: %d", st)
	}
	// Opening the confirmation changes nothing.
	if s := stored(subA, idA).Status; s != portal.StatusReceived {
		t.Fatalf("asking to confirm changed A's request to %s", s)
	}

	// B says no: back to the request, unchanged, without a notice.
	st, body := e.get(cb, "/verzoeken/"+idB)
	if st != 200 || strings.Contains(body, "is ingetrokken") || !strings.Contains(body, `href="/verzoeken/`+idB+`/intrekken"`) {
		t.Errorf("B's page after saying no: %d", st)
	}
	// A confirms.
	status, loc, _ := e.post("/verzoeken/"+idA+"/intrekken", ca, "csrf", acsrf)
	if status != 303 || loc != "/verzoeken/"+idA+"?gedaan=ingetrokken" {
		t.Fatalf("withdraw: %d %s", status, loc)
	}
	ra, rb := stored(subA, idA), stored(subB, idB)
	if ra.Status != portal.StatusWithdrawn || rb.Status != portal.StatusReceived {
		t.Fatalf("after A withdrew: A %s, B %s", ra.Status, rb.Status)
	}
	var at time.Time
	for _, s := range ra.Steps {
		if s.Kind == portal.StepWithdrawn {
			at = s.At
		}
	}
	_, body = e.get(ca, loc)
	wantIn(t, "A's page after withdrawing", body, "Uw verzoek is ingetrokken. De gemeente stopt met de behandeling.",
		"U heeft dit ingetrokken op "+web.FormatDateTime("nl", at), "Daarom komt er geen besluit.", "Ingetrokken op")
	wantOut(t, "A's withdrawn request", body, "Besluit uiterlijk op", "Er is nog geen besluit", `/intrekken"`, "E-mail bij nieuws")
	// A notice in the address of a request that is still open says nothing.
	if _, body = e.get(cb, "/verzoeken/"+idB+"?gedaan=ingetrokken"); strings.Contains(body, "is ingetrokken") {
		t.Error("an open request shows the withdrawal notice")
	}

	// Sent again: nothing changes, the page says it was withdrawn already, no error page.
	status, _, body = e.post("/verzoeken/"+idA+"/intrekken", ca, "csrf", acsrf)
	if status != 409 {
		t.Errorf("second withdrawal: %d", status)
	}
	wantIn(t, "the second withdrawal", body, "Dit is al ingetrokken. U heeft dit ingetrokken op", "U hoeft niets meer te doen.", ra.Reference)
	wantOut(t, "the second withdrawal", body, "Er ging iets mis", "Weet u zeker")
	n := 0
	for _, s := range stored(subA, idA).Steps {
		if s.Kind == portal.StepWithdrawn {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d withdrawal steps, want 1", n)
	}
	// The back button to the confirmation page: it says so, and asks nothing.
	st, body = e.get(ca, "/verzoeken/"+idA+"/intrekken")
	if st != 200 || !strings.Contains(body, "Dit is al ingetrokken.") || strings.Contains(body, `action="/verzoeken/`+idA+`/intrekken"`) {
		t.Errorf("confirmation page of a withdrawn request: %d", st)
	}

	// The inbox names the date of the decision, and the withdrawal.
	_, body = e.get(ca, "/berichten")
	wantIn(t, "A's inbox", body, "Wij hebben uw verzoek "+ra.Reference+" ontvangen. U krijgt uiterlijk op "+web.FormatDate("nl", ra.FirstDeadline)+" een besluit.",
		"U heeft uw verzoek "+ra.Reference+" ingetrokken.")
	wantOut(t, "A's inbox", body, "datum bij het verzoek")
	_, body = e.getEN("/berichten", ca)
	wantIn(t, "A's English inbox", body, "You will get a decision on "+web.FormatDate("en", ra.FirstDeadline)+" at the latest.")

	// The list, in Dutch and English.
	_, body = e.get(ca, "/verzoeken")
	wantIn(t, "A's list", body, "Ingetrokken", "Geen besluit: u heeft het verzoek ingetrokken")
	wantOut(t, "A's list", body, "Besluit uiterlijk op")
	_, body = e.getEN("/verzoeken/"+idA+"?gedaan=ingetrokken", ca)
	wantIn(t, "A's English page", body, "Your request has been withdrawn.", "You withdrew this on", "So there will be no decision.")
	wantOut(t, "A's English page", body, "Decision at the latest on", "There is no decision yet")
	_, body = e.getEN("/verzoeken/"+idB+"/intrekken", cb)
	wantIn(t, "B's English confirmation", body, "Are you sure you want to withdraw this request?", "Yes, withdraw my request", "No, go back")
	if s := stored(subB, idB).Status; s != portal.StatusReceived {
		t.Errorf("B's request is %s", s)
	}
}

// TestWithdrawingADecidedRequest: a request decided (or a question answered) cannot be withdrawn, also
// not from a confirmation page opened before the clerk decided; the person is told why, not shown an
// error.
func TestWithdrawingADecidedRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	ca, csrf := e.citizen(bsnA)
	sub := mustSubject(t, e, bsnA)
	clerk, ccsrf := e.staff("clerk")
	insp, q := e.fileRequest(ca, csrf, "inzage"), e.fileRequest(ca, csrf, "vraag")

	// The confirmation is open in the citizen's browser while the clerk decides.
	if st, body := e.get(ca, "/verzoeken/"+insp+"/intrekken"); st != 200 || !strings.Contains(body, "Weet u zeker") {
		t.Fatalf("confirmation page: %d", st)
	}
	e.clerkDo(clerk, ccsrf, insp, []string{"behandelen", "besluiten"}, "besluit", "toegewezen", "toelichting", "U krijgt een overzicht.")
	e.clerkDo(clerk, ccsrf, q, []string{"behandelen", "besluiten"}, "toelichting", "Het wijkteam keek mee.")

	status, _, body := e.post("/verzoeken/"+insp+"/intrekken", ca, "csrf", csrf)
	if status != 409 {
		t.Errorf("withdrawing a decided request: %d", status)
	}
	wantIn(t, "withdrawing a decided request", body, "U kunt dit verzoek niet meer intrekken. Er is al een besluit genomen.", "U krijgt een overzicht.")
	r, err := e.db.Request(ctx, sub, insp)
	if err != nil || r.Status != portal.StatusDecided {
		t.Errorf("the decided request is %s (%v)", r.Status, err)
	}
	st, body := e.get(ca, "/verzoeken/"+q+"/intrekken")
	if st != 200 || strings.Contains(body, `action="/verzoeken/`+q+`/intrekken"`) {
		t.Errorf("confirmation page of an answered question: %d", st)
	}
	wantIn(t, "the answered question's withdrawal", body, "U kunt deze vraag niet meer intrekken. Uw vraag is al beantwoord.")
	_, body = e.getEN("/verzoeken/"+insp+"/intrekken", ca)
	wantIn(t, "the English page", body, "You can no longer withdraw this request. A decision has already been made.")
}

// TestRequestStatesSayWhatIsTrue walks a request of each kind through its states and reads the
// citizen's page and list in each, in Dutch and English: no deadline or "no decision yet" where none
// will come, answers called answers, Awb objections decided in Awb terms.
func TestRequestStatesSayWhatIsTrue(t *testing.T) {
	t.Parallel()
	var clk atomic.Pointer[time.Time]
	setClock := func(at time.Time) { clk.Store(&at) }
	realNow := time.Now()
	setClock(realNow)
	now := func() time.Time { return *clk.Load() }
	e := newEnv(t, web.Config{}, web.Deps{Now: now})
	e.db.SetClock(now)
	ca, csrf := e.citizen(bsnA)
	clerk, ccsrf := e.staff("clerk")

	type check struct {
		what             string
		id               string
		want, not        []string // the Dutch page
		wantEN, notEN    []string // the English page
		inList, outList  []string // the Dutch list, within the request's item
		inListEN, outLEN []string
	}
	var checks []check
	neverNL := []string{"datum bij het verzoek", "<dd>—</dd>", "<dd></dd>"}

	// AVG requests: open, in progress, extended, decided, withdrawn.
	open := e.fileRequest(ca, csrf, "rectificatie")
	r, _ := e.db.Request(context.Background(), mustSubject(t, e, bsnA), open)
	deadline := web.FormatDate("nl", r.Deadline)
	checks = append(checks, check{what: "an open correction", id: open,
		want: []string{"Ontvangen", "Besluit uiterlijk op", "Er is nog geen besluit. U krijgt uiterlijk op " + deadline + " een besluit.", "Verzoek intrekken"},
		not:  []string{"Antwoord uiterlijk op", "Ingetrokken"}, wantEN: []string{"Decision at the latest on", "You will get a decision on"},
		inList: []string{"Besluit uiterlijk op", deadline}})
	handling := e.fileRequest(ca, csrf, "wissing")
	e.clerkDo(clerk, ccsrf, handling, []string{"behandelen"})
	checks = append(checks, check{what: "an erasure in progress", id: handling, want: []string{"In behandeling", "Besluit uiterlijk op"}})
	extended := e.fileRequest(ca, csrf, "beperking")
	e.clerkDo(clerk, ccsrf, extended, []string{"behandelen", "verlengen"}, "maanden", "1", "toelichting", "Wij wachten op de zorgaanbieder.")
	checks = append(checks, check{what: "an extended restriction", id: extended,
		want: []string{"Termijn verlengd", "Besluit uiterlijk op", "De termijn is verlengd. Reden: Wij wachten op de zorgaanbieder."}})
	withdrawnObj := e.fileRequest(ca, csrf, "bezwaar")
	e.clerkDo(clerk, ccsrf, withdrawnObj, []string{"behandelen"})
	if st, _, _ := e.post("/verzoeken/"+withdrawnObj+"/intrekken", ca, "csrf", csrf); st != 303 {
		t.Fatalf("withdraw the objection: %d", st)
	}
	checks = append(checks, check{what: "an objection withdrawn while in progress", id: withdrawnObj,
		want:   []string{"Ingetrokken", "U heeft dit ingetrokken op", "Daarom komt er geen besluit."},
		not:    []string{"Besluit uiterlijk op", "Er is nog geen besluit", "Verzoek intrekken"},
		wantEN: []string{"Withdrawn", "You withdrew this on", "So there will be no decision."}, notEN: []string{"Decision at the latest on", "There is no decision yet"},
		inList: []string{"Ingetrokken", "Geen besluit: u heeft het verzoek ingetrokken"}, outList: []string{"Besluit uiterlijk op"},
		inListEN: []string{"No decision: the request was withdrawn"}})

	// Questions: open, answered, withdrawn.
	qOpen := e.fileRequest(ca, csrf, "vraag")
	checks = append(checks, check{what: "an open question", id: qOpen,
		want: []string{"Antwoord uiterlijk op", "Er is nog geen antwoord. U krijgt uiterlijk op", "Vraag intrekken"},
		not:  []string{"Besluit uiterlijk op", "Er is nog geen besluit"}, wantEN: []string{"Answer at the latest on"},
		inList: []string{"Antwoord uiterlijk op"}, outList: []string{"Besluit uiterlijk op"}})
	qAnswered := e.fileRequest(ca, csrf, "vraag")
	e.clerkDo(clerk, ccsrf, qAnswered, []string{"behandelen", "besluiten"}, "toelichting", "Het wijkteam keek naar uw aanvraag.")
	checks = append(checks, check{what: "an answered question", id: qAnswered,
		want: []string{"Beantwoord", "Beantwoord op", "Ons antwoord", "Het wijkteam keek naar uw aanvraag.", "Uw vraag is beantwoord",
			"Vraag gesteld", "Een medewerker is begonnen met uw vraag"},
		not:    []string{"Verzoek ingediend", "Besluit genomen", "Besluit uiterlijk op", "Antwoord uiterlijk op", "besluit.pdf", "bezwaarschrift"},
		wantEN: []string{"Answered on"}, notEN: []string{"Decided on"},
		inList: []string{"Beantwoord", "Beantwoord op"}, outList: []string{"Besluit genomen", "<dt>Besluit</dt>"},
		inListEN: []string{"Answered"}, outLEN: []string{"Decision made"}})
	qWithdrawn := e.fileRequest(ca, csrf, "vraag")
	if st, _, _ := e.post("/verzoeken/"+qWithdrawn+"/intrekken", ca, "csrf", csrf); st != 303 {
		t.Fatalf("withdraw the question: %d", st)
	}
	checks = append(checks, check{what: "a withdrawn question", id: qWithdrawn,
		want: []string{"Ingetrokken", "Daarom komt er geen antwoord."}, not: []string{"Antwoord uiterlijk op", "Er is nog geen antwoord", "besluit.pdf", "Vraag intrekken"},
		inList: []string{"Geen antwoord: de vraag is ingetrokken"}})

	// Decided inspections ten days ago, and Awb objections against them: open, and decided each way.
	setClock(realNow.Add(-10 * 24 * time.Hour))
	var decided []string
	for range 4 {
		id := e.fileRequest(ca, csrf, "inzage")
		e.clerkDo(clerk, ccsrf, id, []string{"behandelen", "besluiten"}, "besluit", "deels_toegewezen", "grond", "rights_of_others",
			"toelichting", "Gegevens over uw buurman laten we weg.")
		decided = append(decided, id)
	}
	setClock(realNow)
	checks = append(checks, check{what: "a decided inspection", id: decided[0],
		want:   []string{"Besluit genomen", "Besluit genomen op", "Gedeeltelijk toegewezen: u krijgt een deel van wat u vroeg", "besluit.pdf", "Niet eens met dit besluit?"},
		not:    []string{"Besluit uiterlijk op", "Er is nog geen besluit", "Verzoek intrekken", "beroep"},
		inList: []string{"Gedeeltelijk toegewezen", "Besluit genomen op"}, outList: []string{"Besluit uiterlijk op"}})
	objection := func(of string) string {
		st, loc, _ := e.post("/verzoeken/"+of+"/bezwaarschrift", ca, "csrf", csrf, "wat", "Het deel over mijn buurman", "waarom", "Het gaat over mijn eigen huis.")
		if st != 303 {
			t.Fatalf("objection: %d", st)
		}
		return strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	}
	awbOpen := objection(decided[0])
	checks = append(checks, check{what: "an open Awb objection", id: awbOpen,
		want:   []string{"Bezwaarschrift", "Bezwaar tegen", "Besluit uiterlijk op", "Er is nog geen beslissing op uw bezwaar. U krijgt die uiterlijk op"},
		not:    []string{"Al uw gegevens", "Er is nog geen besluit."},
		wantEN: []string{"There is no decision on your objection yet."}})
	for i, o := range []struct{ outcome, nl, en, short, shortEN string }{
		{"toegewezen", "Gegrond: u krijgt gelijk. Wij passen het besluit aan.", "Well-founded: you are right.", "Gegrond", "Well-founded"},
		{"deels_toegewezen", "Gedeeltelijk gegrond: u krijgt voor een deel gelijk.", "Partly well-founded", "Gedeeltelijk gegrond", "Partly well-founded"},
		{"afgewezen", "Ongegrond: u krijgt geen gelijk. Het besluit blijft zoals het was.", "Unfounded: you are not proved right.", "Ongegrond", "Unfounded"},
	} {
		id := objection(decided[i+1])
		e.clerkDo(clerk, ccsrf, id, []string{"behandelen", "besluiten"}, "besluit", o.outcome, "grond", "other", "toelichting", "Wij keken opnieuw.")
		// The letter names the outcome in the Awb's words too.
		if st, letter := e.get(ca, "/verzoeken/"+id+"/besluit"); st != 200 || !strings.Contains(letter, ": "+o.short+"</p>") ||
			strings.Contains(letter, "oegewezen") || strings.Contains(letter, "fgewezen") {
			t.Errorf("the letter on an objection decided %s: %d, or not worded %q", o.outcome, st, o.short)
		}
		checks = append(checks, check{what: "an Awb objection decided " + o.outcome, id: id,
			want: []string{"Beslissing op bezwaar", o.nl, "Niet eens met de beslissing op uw bezwaar?", "beroep instellen bij de rechtbank",
				"Bezwaarschrift ingediend", "Er is beslist op uw bezwaar"},
			not:    []string{"Verzoek ingediend", "Toegewezen", "toegewezen", "Afgewezen", "Bezwaarschrift maken", "Besluit uiterlijk op"},
			wantEN: []string{"Decision on your objection", o.en, "appeal to the court"}, notEN: []string{"Granted", "Rejected"},
			inList: []string{"Beslissing op bezwaar", o.short}, outList: []string{"Toegewezen", "Afgewezen"},
			inListEN: []string{o.shortEN}})
	}

	_, body := e.get(ca, "/berichten")
	wantIn(t, "the inbox", body, "Wij hebben uw bezwaarschrift")
	wantOut(t, "the inbox", body, neverNL...)
	_, list := e.get(ca, "/verzoeken")
	_, listEN := e.getEN("/verzoeken", ca)
	item := func(list, id string) string {
		d := doc(t, list)
		h, _ := d.Find(`li.event:has(a[href="/verzoeken/` + id + `"])`).Html()
		if h == "" {
			t.Fatalf("the list lacks %s", id)
		}
		return h
	}
	for _, c := range checks {
		st, body := e.get(ca, "/verzoeken/"+c.id)
		if st != 200 {
			t.Fatalf("%s: %d", c.what, st)
		}
		wantIn(t, c.what, body, c.want...)
		wantOut(t, c.what, body, append(c.not, neverNL...)...)
		_, body = e.getEN("/verzoeken/"+c.id, ca)
		wantIn(t, c.what+" (English)", body, c.wantEN...)
		wantOut(t, c.what+" (English)", body, append(c.notEN, neverNL...)...)
		li := item(list, c.id)
		wantIn(t, c.what+" in the list", li, c.inList...)
		wantOut(t, c.what+" in the list", li, append(c.outList, neverNL...)...)
		li = item(listEN, c.id)
		wantIn(t, c.what+" in the English list", li, c.inListEN...)
		wantOut(t, c.what+" in the English list", li, c.outLEN...)
	}
}

// TestAParentWithdrawsForAChild: a parent acting for a child confirms the withdrawal of a request the
// child filed; both read who withdrew it and when. The child withdraws another one himself, which the
// parent reads as done by the child. Sent again by the parent, nothing is withdrawn and the child's log
// records a view of the request, not a second withdrawal.
func TestAParentWithdrawsForAChild(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	if err := e.db.EnsureInternalActivities(ctx, "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	child := mustSubject(t, e, bsnB)
	rep := e.represent(bsnA, bsnB, portal.RepParentalAuthority, obBirth(13))
	pc, pcsrf := e.citizen(bsnA)
	e.actFor(pc, rep.ID)
	cc, ccsrf := e.citizen(bsnB)
	first, second := e.fileRequest(cc, ccsrf, "inzage"), e.fileRequest(cc, ccsrf, "bezwaar", "toelichting", "Niet doen.")
	count := func(what string) (n int) {
		for _, a := range e.acts(portal.ActFilter{SubjectID: child, Limit: 100}) {
			if a.What == what {
				n++
			}
		}
		return n
	}
	withdrawals := func() int { return count(portal.ActWithdrawRequest) }

	st, body := e.get(pc, "/verzoeken/"+first+"/intrekken")
	if st != 200 || !strings.Contains(body, "Weet u zeker dat u dit verzoek wilt intrekken?") {
		t.Fatalf("the parent's confirmation page: %d", st)
	}
	if n := withdrawals(); n != 0 {
		t.Fatalf("opening the confirmation recorded %d withdrawals", n)
	}
	if st, loc, _ := e.post("/verzoeken/"+first+"/intrekken", pc, "csrf", pcsrf); st != 303 || loc != "/verzoeken/"+first+"?gedaan=ingetrokken" {
		t.Fatalf("the parent withdraws: %d %s", st, loc)
	}
	r, err := e.db.Request(ctx, child, first)
	if err != nil || r.Status != portal.StatusWithdrawn || r.WithdrawnBy == nil || r.WithdrawnBy.RepresentationID != rep.ID {
		t.Fatalf("after the parent withdrew: %s %+v %v", r.Status, r.WithdrawnBy, err)
	}
	const namens = "Eva de Vries (ouder met gezag) namens Daan de Vries"
	for _, c := range []string{pc, cc} {
		_, body = e.get(c, "/verzoeken/"+first)
		wantIn(t, "the withdrawn request", body, namens+" heeft dit ingetrokken op", "Daarom komt er geen besluit.")
		wantOut(t, "the withdrawn request", body, "U heeft dit ingetrokken")
	}
	if n := withdrawals(); n != 1 {
		t.Errorf("%d withdrawals recorded in the child's log, want 1", n)
	}
	// Sent again: nothing withdrawn, recorded as a view.
	views := count(portal.ActViewRequest)
	if st, _, body := e.post("/verzoeken/"+first+"/intrekken", pc, "csrf", pcsrf); st != 409 || !strings.Contains(body, "Dit is al ingetrokken.") {
		t.Errorf("the parent withdraws again: %d", st)
	}
	if n := withdrawals(); n != 1 {
		t.Errorf("sending again recorded %d withdrawals, want 1", n)
	}
	if n := count(portal.ActViewRequest); n != views+1 {
		t.Errorf("sending again recorded %d views, want %d", n, views+1)
	}

	// The child withdraws the other himself; the parent reads that he did.
	if st, _, _ := e.post("/verzoeken/"+second+"/intrekken", cc, "csrf", ccsrf); st != 303 {
		t.Fatalf("the child withdraws: %d", st)
	}
	_, body = e.get(pc, "/verzoeken/"+second)
	wantIn(t, "the parent's page of the child's withdrawal", body, "Daan de Vries heeft dit zelf ingetrokken op")
	_, body = e.get(cc, "/verzoeken/"+second)
	wantIn(t, "the child's page of his withdrawal", body, "U heeft dit ingetrokken op")
}

// TestWithdrawalPastTheLimit: past the limit on withdrawals the confirmation is shown again with the
// limit and when the person can try again (429); the request stays open.
func TestWithdrawalPastTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	l := portal.DefaultFilingLimits()
	l.Withdrawal = portal.FilingLimit{Max: 1, Window: 24 * time.Hour}
	if err := e.db.SetFilingLimits(l); err != nil {
		t.Fatal(err)
	}
	ca, csrf := e.citizen(bsnA)
	first, second := e.fileRequest(ca, csrf, "inzage"), e.fileRequest(ca, csrf, "inzage")
	if st, _, _ := e.post("/verzoeken/"+first+"/intrekken", ca, "csrf", csrf); st != 303 {
		t.Fatalf("first withdrawal: %d", st)
	}
	st, _, body := e.post("/verzoeken/"+second+"/intrekken", ca, "csrf", csrf)
	if st != 429 {
		t.Errorf("second withdrawal past the limit: %d", st)
	}
	wantIn(t, "the confirmation past the limit", body, "Weet u zeker dat u dit verzoek wilt intrekken?", `role="alert"`, "keer iets ingetrokken. Meer kan niet.")
	r, err := e.db.Request(context.Background(), mustSubject(t, e, bsnA), second)
	if err != nil || r.Status != portal.StatusReceived {
		t.Errorf("the second request is %s (%v)", r.Status, err)
	}
}
