package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/pdftext"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

var formCT = []string{"Content-Type", "application/x-www-form-urlencoded"}

// post sends a form; values are URL-encoded.
func (e *env) post(path, cookie string, kv ...string) (int, string, string) {
	e.t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	resp, body := e.do("POST", path, cookie, "", strings.NewReader(v.Encode()), formCT...)
	return resp.StatusCode, resp.Header.Get("Location"), body
}

// pdfText returns the text a PDF draws, so a test can look for it.
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	s, err := pdftext.Text([]byte(pdf))
	if err != nil {
		t.Fatalf("%v: %.20q", err, pdf)
	}
	return s
}

func TestCitizenFilesAnObjectionFromAProcessingEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ev := event(bsnA, time.Now().Add(-48*time.Hour))
	e.ingest(ev)
	ca, csrf := e.citizen(bsnA)

	// The detail page offers the form, linked to the event.
	_, body := e.do("GET", "/verwerkingen/"+ev.ID, ca, "", nil)
	link := "/verzoeken/nieuw?verwerking=" + ev.ID
	if !strings.Contains(body, `href="`+link+`"`) {
		t.Fatalf("detail page does not offer %s", link)
	}
	resp, body := e.do("GET", link, ca, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	d := doc(t, body)
	if v, _ := d.Find(`input[name="verwerking"]`).Attr("value"); v != ev.ID {
		t.Errorf("form not linked to the event: %q", v)
	}
	if _, ok := d.Find(`input[name="soort"][value="bezwaar"]`).Attr("checked"); !ok {
		t.Error("objection not preselected")
	}
	if d.Find(`input[name="email"]`).Length() != 0 {
		t.Error("e-mail field offered without a mail server")
	}

	status, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "bezwaar", "omvang", "keuze", "verwerking", ev.ID,
		"toelichting", "Ik wil niet dat het wijkteam mijn gezondheid bekijkt.")
	if status != 303 || !strings.HasPrefix(loc, "/verzoeken/") {
		t.Fatalf("submit: %d %s", status, loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	_, body = e.do("GET", loc, ca, "", nil)
	for _, want := range []string{"Ontvangen", "AVG-", "Ik wil niet dat het wijkteam", "ontvangstbevestiging.pdf", "Verzoek ingediend"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	deadline := web.FormatDate("nl", portal.Deadline(time.Now()))
	if !strings.Contains(body, deadline) {
		t.Errorf("request page lacks the deadline %s", deadline)
	}

	// Receipt PDF.
	resp, pdf := e.do("GET", "/verzoeken/"+id+"/ontvangstbevestiging.pdf", ca, "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("receipt: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r, err := e.db.Request(context.Background(), mustSubject(t, e, bsnA), id)
	if err != nil {
		t.Fatal(err)
	}
	if txt := pdfText(t, pdf); !strings.Contains(txt, r.Reference) || strings.Contains(txt, bsnA) {
		t.Errorf("receipt: reference present %v, full BSN present %v", strings.Contains(txt, r.Reference), strings.Contains(txt, bsnA))
	}

	// The inbox has the message, and the header counts it until it is read.
	_, body = e.do("GET", "/overzicht", ca, "", nil)
	if !strings.Contains(body, "1 nieuw") {
		t.Error("header shows no unread count")
	}
	_, body = e.do("GET", "/berichten", ca, "", nil)
	if !strings.Contains(body, r.Reference) {
		t.Error("inbox lacks the message")
	}
	// Reading the page changes nothing; the citizen marks the messages read.
	_, body = e.do("GET", "/overzicht", ca, "", nil)
	if !strings.Contains(body, "1 nieuw") {
		t.Error("a GET marked messages read")
	}
	ids, _ := doc(t, func() string { _, b := e.do("GET", "/berichten", ca, "", nil); return b }()).Find(`input[name="ids"]`).Attr("value")
	if status, _, _ := e.post("/berichten/gelezen", ca, "csrf", csrf, "ids", ids); status != 303 {
		t.Fatalf("mark read: %d", status)
	}
	_, body = e.do("GET", "/overzicht", ca, "", nil)
	if strings.Contains(body, "1 nieuw") {
		t.Error("unread count stays after marking read")
	}

	// Another citizen cannot see it, nor its PDF.
	cb, _ := e.citizen(bsnB)
	for _, p := range []string{"/verzoeken/" + id, "/verzoeken/" + id + "/ontvangstbevestiging.pdf"} {
		if resp, _ := e.do("GET", p, cb, "", nil); resp.StatusCode != 404 {
			t.Errorf("%s as another citizen: %d", p, resp.StatusCode)
		}
	}
}

func mustSubject(t *testing.T, e *env, bsn string) int64 {
	t.Helper()
	id, err := e.db.EnsureSubject(context.Background(), bsn)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRequestFormShowsErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{MailEnabled: true}, web.Deps{})
	evB := event(bsnB, time.Now().Add(-time.Hour))
	e.ingest(evB)
	ca, csrf := e.citizen(bsnA)
	status, _, body := e.post("/verzoeken", ca, "csrf", csrf, "omvang", "keuze", "toelichting", " ", "email", "geen-adres")
	if status != 422 {
		t.Fatalf("invalid form: %d", status)
	}
	for _, want := range []string{"Kies wat u wilt vragen.", "Kies over welke gegevens het gaat.", "Schrijf uw uitleg", "Dit e-mailadres klopt niet"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	if !strings.Contains(body, `value="geen-adres"`) {
		t.Error("typed e-mail address not kept")
	}
	// Another citizen's event cannot be put in the scope.
	status, _, _ = e.post("/verzoeken", ca, "csrf", csrf, "soort", "bezwaar", "omvang", "keuze", "verwerking", evB.ID, "toelichting", "x")
	if status != 422 {
		t.Errorf("scope with another citizen's event: %d", status)
	}
	rs, err := e.db.Requests(context.Background(), mustSubject(t, e, bsnA))
	if err != nil || len(rs) != 0 {
		t.Errorf("refused forms stored requests: %d %v", len(rs), err)
	}
	// Without the CSRF token nothing is stored either.
	if status, _, _ := e.post("/verzoeken", ca, "soort", "inzage", "omvang", "alles", "toelichting", "x"); status != 403 {
		t.Errorf("without CSRF: %d", status)
	}
}

func TestCitizenWithdrawsBeforeTheDecisionOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles", "toelichting", "Wat weet u van mij?")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	cb, csrfB := e.citizen(bsnB)
	if status, _, _ := e.post("/verzoeken/"+id+"/intrekken", cb, "csrf", csrfB); status != 404 {
		t.Errorf("withdraw another's request: %d", status)
	}
	if status, _, _ := e.post("/verzoeken/"+id+"/intrekken", ca, "csrf", csrf); status != 303 {
		t.Fatalf("withdraw: %d", status)
	}
	_, body := e.do("GET", "/verzoeken/"+id, ca, "", nil)
	if !strings.Contains(body, "Ingetrokken") || strings.Contains(body, `action="/verzoeken/`+id+`/intrekken"`) {
		t.Error("withdrawn request still offers withdrawal or lacks its status")
	}
	if status, _, _ := e.post("/verzoeken/"+id+"/intrekken", ca, "csrf", csrf); status != 409 {
		t.Errorf("second withdrawal: %d", status)
	}
}

func TestClerkHandlesARequestAndTheCitizenSeesIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ev := event(bsnA, time.Now().Add(-24*time.Hour))
	e.ingest(ev)
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles", "toelichting", "Welke gegevens heeft u?")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	subject := mustSubject(t, e, bsnA)
	before, _, _ := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 100})

	clerk, ccsrf := e.staff("clerk")
	_, body := e.do("GET", "/medewerker/verzoeken", clerk, "", nil)
	if !strings.Contains(body, "/medewerker/verzoeken/"+id) || !strings.Contains(body, "Inzage") {
		t.Fatal("queue lacks the request")
	}
	if strings.Contains(body, "Welke gegevens heeft u?") || strings.Contains(body, bsnA) {
		t.Error("the queue shows personal data; only the request page may")
	}
	// Opening the request shows the citizen's data and is logged in their processing log.
	resp, body := e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, bsnA) || !strings.Contains(body, "Welke gegevens heeft u?") {
		t.Fatalf("request page: %d", resp.StatusCode)
	}
	after, _, _ := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 100})
	if len(after) != len(before)+1 {
		t.Fatalf("opening the request added %d events to the citizen's log, want 1", len(after)-len(before))
	}
	view := after[0]
	if view.Activity.ID != portal.RequestActivity || view.Action != "view" || view.Actor.Role != portal.RoleLabel("clerk") ||
		view.AccessBasis != portal.BasisFunction || view.Actor.Organization != "Gemeente Voorbeeldstad" {
		t.Errorf("recorded view: %+v", view.Event)
	}
	_, body = e.do("GET", "/verwerkingen", ca, "", nil)
	if !strings.Contains(body, "Medewerker privacyverzoeken") {
		t.Error("the citizen's log does not show the clerk's view")
	}

	// Assign, start, decide; a rejection needs a motivation.
	for _, step := range []struct{ path string }{{"toewijzen"}, {"behandelen"}} {
		if status, loc, _ := e.post("/medewerker/verzoeken/"+id+"/"+step.path, clerk, "csrf", ccsrf); status != 303 || loc != "/medewerker/verzoeken/"+id+"?gedaan="+map[string]string{"toewijzen": "assigned", "behandelen": "started"}[step.path] {
			t.Fatalf("%s: %d %s", step.path, status, loc)
		}
	}
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/besluiten", clerk, "csrf", ccsrf, "besluit", "afgewezen"); status != 422 {
		t.Errorf("rejection without motivation: %d", status)
	}
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/besluiten", clerk, "csrf", ccsrf, "besluit", "toegewezen",
		"toelichting", "U krijgt een overzicht van al uw gegevens."); status != 303 {
		t.Fatalf("decide: %d", status)
	}
	// Opened after assignment, the view is logged as access through the assignment.
	e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
	after, _, _ = e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 100})
	if after[0].AccessBasis != portal.BasisAssigned {
		t.Errorf("view by the assignee recorded with basis %s", after[0].AccessBasis)
	}

	_, body = e.do("GET", "/verzoeken/"+id, ca, "", nil)
	for _, want := range []string{"Besluit genomen", "U krijgt een overzicht van al uw gegevens.", "besluit.pdf", "Medewerker privacyverzoeken"} {
		if !strings.Contains(body, want) {
			t.Errorf("citizen's request page lacks %q", want)
		}
	}
	if strings.Contains(body, "Mia Medewerker") {
		t.Error("the clerk's name is shown to the citizen although employees are shown by role")
	}
	resp, pdf := e.do("GET", "/verzoeken/"+id+"/besluit.pdf", ca, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("decision letter: %d", resp.StatusCode)
	}
	txt := pdfText(t, pdf)
	for _, want := range []string{"6:7", "Toegewezen", "Wmo-onderzoek"} { // the inspection overview lists the event's activity
		if !strings.Contains(txt, want) {
			t.Errorf("decision letter lacks %q", want)
		}
	}
	// Nothing more can happen to a decided request.
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/behandelen", clerk, "csrf", ccsrf); status != 422 {
		t.Errorf("start after decision: %d", status)
	}
}

func TestExtensionIsToldToTheCitizen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "rectificatie", "omvang", "alles", "toelichting", "Mijn adres klopt niet.")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	clerk, ccsrf := e.staff("team_lead")
	e.post("/medewerker/verzoeken/"+id+"/behandelen", clerk, "csrf", ccsrf)
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/verlengen", clerk, "csrf", ccsrf, "maanden", "3", "toelichting", "Te veel"); status != 422 {
		t.Errorf("three months: %d", status)
	}
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/verlengen", clerk, "csrf", ccsrf, "maanden", "2"); status != 422 {
		t.Errorf("extension without a reason: %d", status)
	}
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/verlengen", clerk, "csrf", ccsrf, "maanden", "2",
		"toelichting", "Wij moeten gegevens opvragen bij de zorgaanbieder."); status != 303 {
		t.Fatalf("extend: %d", status)
	}
	_, body := e.do("GET", "/berichten", ca, "", nil)
	if !strings.Contains(body, "Wij moeten gegevens opvragen bij de zorgaanbieder.") {
		t.Error("the citizen is not told why the deadline was extended")
	}
	// A granted correction needs what was corrected where.
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/besluiten", clerk, "csrf", ccsrf, "besluit", "toegewezen"); status != 422 {
		t.Errorf("correction granted without corrections: %d", status)
	}
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/besluiten", clerk, "csrf", ccsrf, "besluit", "toegewezen",
		"correcties", "Adres verbeterd in de BRP-kopie van het zaaksysteem."); status != 303 {
		t.Errorf("decide correction: %d", status)
	}
	_, body = e.do("GET", "/verzoeken/"+id, ca, "", nil)
	if !strings.Contains(body, "Adres verbeterd in de BRP-kopie") {
		t.Error("the citizen does not see what was corrected")
	}
}

func TestQueueFiltersAndOverdueMarks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	subject := mustSubject(t, e, bsnA)
	clock := time.Now()
	e.db.SetClock(func() time.Time { return clock })
	clock = time.Now().AddDate(0, -2, 0) // filed two months ago: overdue now
	old, err := e.db.CreateRequest(ctx, subject, portal.NewRequest{Kind: portal.KindErasure, Scope: portal.Scope{All: true}, Description: "oud"})
	if err != nil {
		t.Fatal(err)
	}
	clock = time.Now()
	fresh, err := e.db.CreateRequest(ctx, subject, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}, Description: "nieuw"})
	if err != nil {
		t.Fatal(err)
	}
	clerk, _ := e.staff("clerk")
	_, body := e.do("GET", "/medewerker/verzoeken", clerk, "", nil)
	iOld, iFresh := strings.Index(body, old.Reference), strings.Index(body, fresh.Reference)
	if iOld < 0 || iFresh < 0 || iOld > iFresh {
		t.Errorf("queue not sorted by deadline (old at %d, fresh at %d)", iOld, iFresh)
	}
	if !strings.Contains(body, "Te laat") {
		t.Error("no overdue mark")
	}
	_, body = e.do("GET", "/medewerker/verzoeken?soort=inzage", clerk, "", nil)
	if strings.Contains(body, old.Reference) || !strings.Contains(body, fresh.Reference) {
		t.Error("kind filter")
	}
	_, body = e.do("GET", "/medewerker/verzoeken?status=besloten", clerk, "", nil)
	if strings.Contains(body, old.Reference) || strings.Contains(body, fresh.Reference) {
		t.Error("status filter")
	}
	if resp, _ := e.do("GET", "/medewerker/verzoeken?status=onzin", clerk, "", nil); resp.StatusCode != 422 {
		t.Errorf("unknown status: %d", resp.StatusCode)
	}
}

// TestHeadRecordsNoView: Fiber answers HEAD with the GET handler; on pages whose views are logged in the
// citizen's log, HEAD is refused, so a link checker leaves no entry nobody made.
func TestHeadRecordsNoView(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles", "toelichting", "x")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	subject := mustSubject(t, e, bsnA)
	clerk, _ := e.staff("clerk")
	if resp, _ := e.do("HEAD", "/medewerker/verzoeken/"+id, clerk, "", nil); resp.StatusCode != 405 {
		t.Errorf("HEAD on the request page: %d", resp.StatusCode)
	}
	if evs, _, _ := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 10}); len(evs) != 0 {
		t.Errorf("HEAD recorded %d views", len(evs))
	}
}

// TestDecisionLetterIsFixedAtTheDecision: downloading the letter later lists no processing that
// happened after the decision.
func TestDecisionLetterIsFixedAtTheDecision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)))
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles", "toelichting", "x")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	clerk, ccsrf := e.staff("clerk")
	e.post("/medewerker/verzoeken/"+id+"/behandelen", clerk, "csrf", ccsrf)
	e.post("/medewerker/verzoeken/"+id+"/besluiten", clerk, "csrf", ccsrf, "besluit", "toegewezen")
	_, first := e.do("GET", "/verzoeken/"+id+"/besluit.pdf", ca, "", nil)
	later := event(bsnA, time.Now(), func(ev *portal.Event) { ev.Actor.Organization = "Organisatie Na Het Besluit" })
	e.ingest(later)
	e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil) // a view after the decision
	_, second := e.do("GET", "/verzoeken/"+id+"/besluit.pdf", ca, "", nil)
	if strings.Contains(pdfText(t, second), "Organisatie Na Het Besluit") {
		t.Error("the decision letter lists processing after the decision")
	}
	if strings.Count(pdfText(t, second), "privacyverzoek") != strings.Count(pdfText(t, first), "privacyverzoek") {
		t.Error("the decision letter changed after the decision")
	}
}
