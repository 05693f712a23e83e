package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// Issue 18, rights without thresholds, through the whole portal: two citizens at once make different
// choices — A asks a question about a line of her log, B asks for inspection without a word of
// explanation and later objects (Awb) to the decision — with the mistakes people make. What was
// stored is checked in the database and through the API, and what each one sees on their pages.
func TestQuestionsInspectionWithoutTextAndAwbObjections(t *testing.T) {
	t.Parallel()
	// One clock for the portal and its storage. Sessions are made on the real clock; the portal's
	// clock goes back in time for decisions "weeks ago" and returns to now.
	var clk atomic.Pointer[time.Time]
	setClock := func(at time.Time) { clk.Store(&at) }
	realNow := time.Now()
	setClock(realNow)
	now := func() time.Time { return *clk.Load() }
	e := newEnv(t, web.Config{}, web.Deps{Now: now})
	e.db.SetClock(now)
	ctx := context.Background()
	evA, evB := event(bsnA, realNow.Add(-72*time.Hour)), event(bsnB, realNow.Add(-48*time.Hour))
	e.ingest(evA, evB)
	ca, csrfA := e.citizen(bsnA)
	cb, csrfB := e.citizen(bsnB)
	subjA, subjB := mustSubject(t, e, bsnA), mustSubject(t, e, bsnB)
	idOf := func(loc string) string { return strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1") }
	stored := func(subject int64, id string) portal.RightsRequest {
		t.Helper()
		r, err := e.db.Request(ctx, subject, id)
		if err != nil {
			t.Fatalf("request %s: %v", id, err)
		}
		return r
	}
	count := func(subject int64) int {
		t.Helper()
		rs, err := e.db.Requests(ctx, subject)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}

	// A: the line's page offers a question as its first, simplest button.
	_, body := e.do("GET", "/verwerkingen/"+evA.ID, ca, "", nil)
	ask := "/verzoeken/nieuw?soort=vraag&verwerking=" + evA.ID
	d := doc(t, body)
	if href, _ := d.Find(`p.actions a.button`).First().Attr("href"); href != ask || !strings.Contains(body, "Een vraag over deze regel") {
		t.Fatalf("the line's page does not offer the question first: %q", href)
	}
	resp, body := e.do("GET", ask, ca, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("question form: %d", resp.StatusCode)
	}
	d = doc(t, body)
	if v, _ := d.Find(`input[name="soort"]`).First().Attr("value"); v != "vraag" {
		t.Errorf("the first choice is %q, want the question", v)
	}
	if _, ok := d.Find(`input[name="soort"][value="vraag"]`).Attr("checked"); !ok {
		t.Error("the question is not preselected")
	}
	if d.Find(`input[name="soort"][value="awb_bezwaar"]`).Length() != 0 {
		t.Error("the request form offers an Awb objection; that is filed from a decision")
	}
	if got := strings.TrimSpace(d.Find(`label[for="toelichting"]`).Text()); got != "Uw vraag" {
		t.Errorf("text label %q", got)
	}
	// A question about someone else's line: 404 for the form, 422 for the post; nothing stored.
	if resp, _ := e.do("GET", "/verzoeken/nieuw?verwerking="+evB.ID+"&soort=vraag", ca, "", nil); resp.StatusCode != 404 {
		t.Errorf("form about B's line as A: %d", resp.StatusCode)
	}
	if st, _, _ := e.post("/verzoeken", ca, "csrf", csrfA, "soort", "vraag", "omvang", "keuze", "verwerking", evB.ID, "toelichting", "Wat is dit?"); st != 422 {
		t.Errorf("question about B's line as A: %d", st)
	}
	// A question without text.
	st, _, body := e.post("/verzoeken", ca, "csrf", csrfA, "soort", "vraag", "omvang", "keuze", "verwerking", evA.ID, "toelichting", "  ")
	if st != 422 || !strings.Contains(body, "Schrijf uw vraag") {
		t.Errorf("question without text: %d", st)
	}
	// Someone crafting an Awb objection through the general form gets the kind refused.
	if st, _, _ := e.post("/verzoeken", ca, "csrf", csrfA, "soort", "awb_bezwaar", "omvang", "alles", "toelichting", "x"); st != 422 {
		t.Errorf("awb objection through the request form: %d", st)
	}
	if n := count(subjA); n != 0 {
		t.Fatalf("refused forms stored %d requests", n)
	}

	// B, meanwhile: inspection, the explanation marked as not required, sent empty.
	_, body = e.do("GET", "/verzoeken/nieuw?soort=inzage", cb, "", nil)
	if got := strings.TrimSpace(doc(t, body).Find(`label[for="toelichting"]`).Text()); got != "Uw uitleg (niet verplicht)" {
		t.Errorf("inspection text label %q", got)
	}
	// An objection (AVG art. 21) still needs its explanation.
	if st, _, _ := e.post("/verzoeken", cb, "csrf", csrfB, "soort", "bezwaar", "omvang", "alles", "toelichting", ""); st != 422 {
		t.Errorf("objection without explanation: %d", st)
	}
	st, locB, _ := e.post("/verzoeken", cb, "csrf", csrfB, "soort", "inzage", "omvang", "alles", "toelichting", "")
	if st != 303 {
		t.Fatalf("inspection without explanation: %d", st)
	}
	inspB := stored(subjB, idOf(locB))
	if inspB.Kind != portal.KindInspection || inspB.Description != "" || !sameMoment(inspB.Deadline, portal.Deadline(inspB.ReceivedAt)) {
		t.Errorf("stored inspection: %s %q %v", inspB.Kind, inspB.Description, inspB.Deadline)
	}
	_, body = e.do("GET", locB, cb, "", nil)
	if !strings.Contains(body, "U heeft geen uitleg gegeven. Dat hoeft ook niet.") {
		t.Error("B's page does not say that no explanation was needed")
	}

	// A sends her question.
	const question = "Waarom heeft het wijkteam mijn gezondheid bekeken?"
	st, locA, _ := e.post("/verzoeken", ca, "csrf", csrfA, "soort", "vraag", "omvang", "keuze", "verwerking", evA.ID, "toelichting", question)
	if st != 303 {
		t.Fatalf("question: %d", st)
	}
	qA := stored(subjA, idOf(locA))
	if qA.Kind != portal.KindQuestion || qA.Description != question || len(qA.Scope.EventIDs) != 1 || qA.Scope.EventIDs[0] != evA.ID ||
		!sameMoment(qA.Deadline, portal.DeadlineFor(portal.KindQuestion, qA.ReceivedAt, time.Time{})) {
		t.Errorf("stored question: %s %q %v %v", qA.Kind, qA.Description, qA.Scope, qA.Deadline)
	}
	if days := qA.DaysLeft(realNow); days != portal.QuestionServiceDays {
		t.Errorf("question due in %d days, want %d", days, portal.QuestionServiceDays)
	}
	_, body = e.do("GET", locA, ca, "", nil)
	for _, want := range []string{"Antwoord uiterlijk op", web.FormatDate("nl", qA.Deadline), question, "Er is nog geen antwoord"} {
		if !strings.Contains(body, want) {
			t.Errorf("A's question page lacks %q", want)
		}
	}
	// Each sees only their own.
	for _, c := range []struct{ cookie, id string }{{ca, inspB.ID}, {cb, qA.ID}} {
		if resp, _ := e.do("GET", "/verzoeken/"+c.id, c.cookie, "", nil); resp.StatusCode != 404 {
			t.Errorf("another citizen's request %s: %d", c.id, resp.StatusCode)
		}
	}
	_, body = e.do("GET", "/verzoeken", cb, "", nil)
	if strings.Contains(body, qA.Reference) || !strings.Contains(body, inspB.Reference) {
		t.Error("B's list shows A's question or lacks B's own request")
	}

	// The API shows the kind to the back office.
	_, key, err := e.db.CreateAPIKey(ctx, "backoffice", []string{"requests:read"})
	if err != nil {
		t.Fatal(err)
	}
	resp, out := e.do("GET", "/api/v1/rights-requests/"+qA.ID, "", key, nil)
	var dto map[string]any
	if err := json.Unmarshal([]byte(out), &dto); err != nil || resp.StatusCode != 200 || dto["kind"] != "vraag" {
		t.Errorf("API: %d %v %.200s", resp.StatusCode, err, out)
	}
	if resp, _ := e.do("GET", "/api/v1/rights-requests?kind=vraag", "", key, nil); resp.StatusCode != 200 {
		t.Errorf("API filter by kind vraag: %d", resp.StatusCode)
	}

	// The clerk answers the question: no outcome, no ground, no extension; an empty answer is refused.
	clerk, ccsrf := e.staff("clerk")
	_, body = e.do("GET", "/medewerker/verzoeken?soort=vraag", clerk, "", nil)
	if !strings.Contains(body, "/medewerker/verzoeken/"+qA.ID) || strings.Contains(body, "/medewerker/verzoeken/"+inspB.ID) {
		t.Error("the queue filtered on questions does not list exactly A's question")
	}
	if st, _, _ := e.post("/medewerker/verzoeken/"+qA.ID+"/behandelen", clerk, "csrf", ccsrf); st != 303 {
		t.Fatalf("start: %d", st)
	}
	_, body = e.do("GET", "/medewerker/verzoeken/"+qA.ID, clerk, "", nil)
	d = doc(t, body)
	if d.Find(`form[action$="/besluiten"] input[name="besluit"]`).Length() != 0 || d.Find(`form[action$="/verlengen"]`).Length() != 0 ||
		!strings.Contains(body, "Antwoord aan de inwoner") {
		t.Error("the clerk's page offers outcomes or an extension for a question, or no answer field")
	}
	if st, _, _ := e.post("/medewerker/verzoeken/"+qA.ID+"/verlengen", clerk, "csrf", ccsrf, "maanden", "1", "reden", "Druk"); st != 422 {
		t.Errorf("extending a question: %d", st)
	}
	st, _, body = e.post("/medewerker/verzoeken/"+qA.ID+"/besluiten", clerk, "csrf", ccsrf, "toelichting", " ")
	if st != 422 || !strings.Contains(body, "Schrijf het antwoord") {
		t.Errorf("empty answer: %d", st)
	}
	const answer = "Het wijkteam bekeek uw gegevens omdat u hulp bij het huishouden aanvroeg."
	if st, _, _ := e.post("/medewerker/verzoeken/"+qA.ID+"/besluiten", clerk, "csrf", ccsrf, "besluit", "afgewezen", "grond", "other",
		"toelichting", answer); st != 303 {
		t.Fatalf("answer: %d", st)
	}
	qA = stored(subjA, qA.ID)
	if qA.Status != portal.StatusDecided || qA.Outcome != portal.OutcomeGranted || qA.Motivation != answer || qA.Ground != "" || qA.CoSigned {
		t.Errorf("stored answer: %s %s %q %q %v", qA.Status, qA.Outcome, qA.Motivation, qA.Ground, qA.CoSigned)
	}
	if ps, err := e.db.Proposals(ctx, qA.ID); err != nil || len(ps) != 0 {
		t.Errorf("an answer went to a team lead: %v %v", ps, err)
	}
	_, body = e.do("GET", "/verzoeken/"+qA.ID, ca, "", nil)
	if strings.Contains(body, "Besluit genomen") || !strings.Contains(body, "Beantwoord") {
		t.Error("A's answered question shows as decided, not answered")
	}
	for _, want := range []string{"Ons antwoord", answer, "Uw vraag is beantwoord"} {
		if !strings.Contains(body, want) {
			t.Errorf("A's answered question lacks %q", want)
		}
	}
	if strings.Contains(body, "besluit.pdf") || strings.Contains(body, "bezwaarschrift") {
		t.Error("an answer offers a decision letter or an Awb objection")
	}
	// Nor is a decision letter made for it when asked by address (page, PDF, staff copy).
	for _, p := range []string{"/verzoeken/" + qA.ID + "/besluit", "/verzoeken/" + qA.ID + "/besluit.pdf"} {
		if resp, _ := e.do("GET", p, ca, "", nil); resp.StatusCode != 404 {
			t.Errorf("%s for a question: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := e.do("GET", "/medewerker/verzoeken/"+qA.ID+"/besluit", clerk, "", nil); resp.StatusCode != 404 {
		t.Errorf("the staff letter of a question: %d", resp.StatusCode)
	}
	ms, err := e.db.Messages(ctx, subjA, 100)
	if err != nil {
		t.Fatal(err)
	}
	answered := 0
	for _, m := range ms {
		if m.RequestID == qA.ID && m.Kind == portal.StepDecided {
			answered++
		}
	}
	if answered != 1 {
		t.Errorf("%d answer messages, want 1", answered)
	}
	_, body = e.do("GET", "/berichten", ca, "", nil)
	if !strings.Contains(body, "Uw vraag "+qA.Reference+" is beantwoord") {
		t.Error("A's inbox does not say the question was answered")
	}

	// B's inspection is decided ten days ago: B may object (Awb) until six weeks after it.
	setClock(realNow.Add(-10 * 24 * time.Hour))
	for _, step := range []string{"behandelen", "besluiten"} {
		if st, _, _ := e.post("/medewerker/verzoeken/"+inspB.ID+"/"+step, clerk, "csrf", ccsrf, "besluit", "deels_toegewezen",
			"grond", "rights_of_others", "toelichting", "Gegevens over uw buurman laten we weg."); st != 303 {
			t.Fatalf("%s B's inspection: %d", step, st)
		}
	}
	setClock(realNow)
	inspB = stored(subjB, inspB.ID)
	_, body = e.do("GET", "/verzoeken/"+inspB.ID, cb, "", nil)
	end := portal.ObjectionPeriodEnd(*inspB.DecidedAt)
	if !strings.Contains(body, `href="/verzoeken/`+inspB.ID+`/bezwaarschrift"`) || !strings.Contains(body, web.FormatDate("nl", end)) {
		t.Error("B's decision does not offer the Awb objection with its last day")
	}
	// A cannot reach B's objection form.
	if resp, _ := e.do("GET", "/verzoeken/"+inspB.ID+"/bezwaarschrift", ca, "", nil); resp.StatusCode != 404 {
		t.Errorf("B's objection form as A: %d", resp.StatusCode)
	}
	if st, _, _ := e.post("/verzoeken/"+inspB.ID+"/bezwaarschrift", ca, "csrf", csrfA, "wat", "x", "waarom", "y"); st != 404 {
		t.Errorf("objecting to B's decision as A: %d", st)
	}
	// A question's answer is no decision to object to.
	if resp, _ := e.do("GET", "/verzoeken/"+qA.ID+"/bezwaarschrift", ca, "", nil); resp.StatusCode != 404 {
		t.Errorf("objection form for an answered question: %d", resp.StatusCode)
	}
	st, _, body = e.post("/verzoeken/"+inspB.ID+"/bezwaarschrift", cb, "csrf", csrfB, "wat", "Het deel over mijn buurman", "waarom", "")
	if st != 422 || !strings.Contains(body, "Schrijf waarom u het niet eens bent.") || !strings.Contains(body, "Het deel over mijn buurman") {
		t.Errorf("objection without a reason: %d", st)
	}
	st, locO, _ := e.post("/verzoeken/"+inspB.ID+"/bezwaarschrift", cb, "csrf", csrfB, "wat", "Het deel over mijn buurman",
		"waarom", "Het gaat over mijn eigen huis.")
	if st != 303 {
		t.Fatalf("objection: %d", st)
	}
	objB := stored(subjB, idOf(locO))
	if objB.Kind != portal.KindAwbObjection || objB.ObjectsTo != inspB.ID || !strings.Contains(objB.Description, "Het gaat over mijn eigen huis.") ||
		!sameMoment(objB.Deadline, portal.AwbObjectionDeadline(*inspB.DecidedAt)) || !objB.Scope.All {
		t.Errorf("stored objection: %s %s %q %v %+v", objB.Kind, objB.ObjectsTo, objB.Description, objB.Deadline, objB.Scope)
	}
	resp, out = e.do("GET", "/api/v1/rights-requests/"+objB.ID, "", key, nil)
	dto = nil
	if err := json.Unmarshal([]byte(out), &dto); err != nil || resp.StatusCode != 200 || dto["kind"] != "awb_bezwaar" || dto["objects_to"] != inspB.ID {
		t.Errorf("API objection: %d %v %.300s", resp.StatusCode, err, out)
	}
	// Sent twice (the back button, a double click): one objection.
	before := count(subjB)
	st, _, body = e.post("/verzoeken/"+inspB.ID+"/bezwaarschrift", cb, "csrf", csrfB, "wat", "Het deel over mijn buurman",
		"waarom", "Het gaat over mijn eigen huis.")
	if st != 409 || !strings.Contains(body, "U heeft al een bezwaarschrift") || count(subjB) != before {
		t.Errorf("double objection: %d, %d requests (was %d)", st, count(subjB), before)
	}
	_, body = e.do("GET", "/verzoeken/"+objB.ID, cb, "", nil)
	if !strings.Contains(body, `href="/verzoeken/`+inspB.ID+`"`) || !strings.Contains(body, "Bezwaarschrift") {
		t.Error("the objection's page does not link the decision")
	}
	_, body = e.do("GET", "/medewerker/verzoeken/"+objB.ID, clerk, "", nil)
	if !strings.Contains(body, `href="/medewerker/verzoeken/`+inspB.ID+`"`) {
		t.Error("the clerk's page of the objection does not link the decision objected to")
	}
	// Once started, the clerk decides it in the Awb's words.
	if st, _, _ := e.post("/medewerker/verzoeken/"+objB.ID+"/behandelen", clerk, "csrf", ccsrf); st != 303 {
		t.Fatalf("start the objection: %d", st)
	}
	_, body = e.do("GET", "/medewerker/verzoeken/"+objB.ID, clerk, "", nil)
	if d := doc(t, body); d.Find(`label[for^="besluit-"]`).Text() != "GegrondGedeeltelijk gegrondOngegrond" {
		t.Errorf("the clerk decides an objection in AVG words: %q", d.Find(`label[for^="besluit-"]`).Text())
	}
	_, body = e.do("GET", "/medewerker/verzoeken?soort=awb_bezwaar", clerk, "", nil)
	if !strings.Contains(body, "/medewerker/verzoeken/"+objB.ID) {
		t.Error("the objection is not in the clerks' queue")
	}

	// A's inspection decided fifty days ago: the six weeks have passed.
	setClock(realNow.Add(-50 * 24 * time.Hour))
	_, locOld, _ := e.post("/verzoeken", ca, "csrf", csrfA, "soort", "inzage", "omvang", "alles")
	old := idOf(locOld)
	for _, step := range []string{"behandelen", "besluiten"} {
		if st, _, _ := e.post("/medewerker/verzoeken/"+old+"/"+step, clerk, "csrf", ccsrf, "besluit", "toegewezen"); st != 303 {
			t.Fatalf("%s A's old inspection: %d", step, st)
		}
	}
	setClock(realNow)
	_, body = e.do("GET", "/verzoeken/"+old, ca, "", nil)
	if strings.Contains(body, "/bezwaarschrift") || !strings.Contains(body, "Die tijd is voorbij") || !strings.Contains(body, "Autoriteit Persoonsgegevens") {
		t.Error("A's old decision does not explain that the objection period has passed")
	}
	before = count(subjA)
	st, _, body = e.post("/verzoeken/"+old+"/bezwaarschrift", ca, "csrf", csrfA, "wat", "Alles", "waarom", "Ik ben het niet eens.")
	if st != 422 || !strings.Contains(body, "Die tijd is voorbij") || count(subjA) != before {
		t.Errorf("late objection: %d, %d requests (was %d)", st, count(subjA), before)
	}
}

// sameMoment compares deadlines as stored (PostgreSQL keeps microseconds).
func sameMoment(a, b time.Time) bool { return a.Sub(b).Abs() < time.Millisecond }
