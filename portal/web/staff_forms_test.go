package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// staffViews counts the "viewed" lines by staff member sub in the citizen's log, of requests (activity
// RequestActivity) or of signals.
func staffViews(t *testing.T, e *env, subject int64, activity, sub string) int {
	t.Helper()
	evs, _, err := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == "view" && ev.Activity.ID == activity && ev.Actor.EmployeeID == sub {
			n++
		}
	}
	return n
}

// fileRequest files a request as the citizen and returns its id.
func fileRequest(t *testing.T, e *env, kind portal.RequestKind, text string) string {
	t.Helper()
	ca, csrf := e.citizen(bsnA)
	status, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", string(kind), "omvang", "alles", "toelichting", text)
	if status != 303 {
		t.Fatalf("file: %d", status)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
}

// TestClerkActsAndReturnsToTheCase: every clerk action on a request returns to the request's page
// with a notice; a clerk who opens the request, assigns it, starts, makes a mistake in the extension
// and decides leaves exactly one "viewed" line in the citizen's log for that visit. The page is in
// staff wording, with the staff footer.
func TestClerkActsAndReturnsToTheCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.ingest(event(bsnA, time.Now().Add(-time.Hour), func(ev *portal.Event) { ev.System = "Suite Sociaal Domein" }))
	id := fileRequest(t, e, portal.KindInspection, "Welke gegevens heeft u?")
	subject := mustSubject(t, e, bsnA)
	clerk, csrf := e.staff("clerk")

	resp, body := e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("open: %d", resp.StatusCode)
	}
	// The line in scope names the employee and the system (citizens' pages show the role only).
	for _, want := range []string{"Jan Medewerker", "Suite Sociaal Domein"} {
		if !strings.Contains(body, want) {
			t.Errorf("the line in scope lacks %q", want)
		}
	}
	if strings.Contains(body, "besluit.pdf") {
		t.Error("a decision letter link before the decision")
	}
	if n := staffViews(t, e, subject, portal.RequestActivity, "medewerker"); n != 1 {
		t.Fatalf("opening recorded %d views, want 1", n)
	}
	steps := []struct{ path, done, notice string }{
		{"toewijzen", "assigned", "aan u toegewezen"},
		{"behandelen", "started", "in behandeling"},
	}
	for _, st := range steps {
		status, loc, _ := e.post("/medewerker/verzoeken/"+id+"/"+st.path, clerk, "csrf", csrf)
		want := "/medewerker/verzoeken/" + id + "?gedaan=" + st.done
		if status != 303 || loc != want {
			t.Fatalf("%s: %d to %s, want 303 to %s", st.path, status, loc, want)
		}
		resp, body := e.do("GET", loc, clerk, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, st.notice) || !strings.Contains(body, "Welke gegevens heeft u?") {
			t.Fatalf("case page after %s: %d, notice %q shown: %v", st.path, resp.StatusCode, st.notice, strings.Contains(body, st.notice))
		}
	}
	// A mistake: 422 at the field, nothing stored, no view.
	status, _, body := e.post("/medewerker/verzoeken/"+id+"/besluiten", clerk, "csrf", csrf, "besluit", "afgewezen", "toelichting", " ")
	if status != 422 {
		t.Fatalf("rejection without motivation: %d", status)
	}
	checkFieldError(t, body, "toelichting", "de inwoner moet kunnen lezen waarom")
	if !strings.Contains(body, `value="afgewezen" checked`) {
		t.Error("the chosen outcome is lost")
	}
	status, loc, _ := e.post("/medewerker/verzoeken/"+id+"/besluiten", clerk, "csrf", csrf, "besluit", "afgewezen",
		"grond", "other", "toelichting", "Wij hebben geen gegevens van u.")
	if status != 303 || loc != "/medewerker/verzoeken/"+id+"?gedaan=decided" {
		t.Fatalf("decide: %d %s", status, loc)
	}
	_, body = e.do("GET", loc, clerk, "", nil)
	if !strings.Contains(body, "Het besluit is vastgelegd") {
		t.Error("no notice after the decision")
	}
	// The decision letter, for staff, from the same visit.
	link := "/medewerker/verzoeken/" + id + "/besluit.pdf"
	if !strings.Contains(body, `href="`+link+`"`) {
		t.Error("the decided request's page has no link to the decision letter")
	}
	resp, pdf := e.do("GET", link, clerk, "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("staff decision letter: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if txt := pdfText(t, pdf); !strings.Contains(txt, "Wij hebben geen gegevens van u.") || !strings.Contains(txt, "Wmo-onderzoek") {
		t.Error("the staff copy of the letter lacks the motivation or the overview")
	}
	if n := staffViews(t, e, subject, portal.RequestActivity, "medewerker"); n != 1 {
		t.Errorf("act and return (and the letter) left %d view lines in the citizen's log, want exactly 1", n)
	}
	r, err := e.db.RequestByID(context.Background(), id)
	if err != nil || r.Status != portal.StatusDecided || r.Motivation != "Wij hebben geen gegevens van u." {
		t.Fatalf("stored: %s %q (%v)", r.Status, r.Motivation, err)
	}
	// Staff wording and the staff footer, not the sentences and footer written to the citizen.
	for _, want := range []string{"Toegewezen aan Mia Medewerker", "In behandeling genomen", "medewerkersportaal"} {
		if !strings.Contains(body, want) {
			t.Errorf("staff page lacks %q", want)
		}
	}
	for _, not := range []string{"Een medewerker is aan uw verzoek gekoppeld", "Inzicht laat zien welke gegevens de gemeente over u verwerkt"} {
		if strings.Contains(body, not) {
			t.Errorf("staff page holds the citizen's sentence %q", not)
		}
	}
	// Opening the page again without an action of one's own is a view like any other.
	e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
	if n := staffViews(t, e, subject, portal.RequestActivity, "medewerker"); n != 2 {
		t.Errorf("opening again recorded %d views in all, want 2", n)
	}
}

// TestReturnNeverLosesTheFirstView: the return address cannot hide a view. A clerk who acts from the
// queue without having opened the request, or another clerk following the same address, or the same
// clerk after the visit ended (portal.CaseVisit) is recorded.
func TestReturnNeverLosesTheFirstView(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	id := fileRequest(t, e, portal.KindInspection, "Wat weet u van mij?")
	subject := mustSubject(t, e, bsnA)
	clerk, csrf := e.staff("clerk")
	// The first part of the visit happens longer than portal.CaseVisit ago (storage's clock).
	e.db.SetClock(func() time.Time { return time.Now().Add(-portal.CaseVisit - time.Minute) })
	status, loc, _ := e.post("/medewerker/verzoeken/"+id+"/toewijzen", clerk, "csrf", csrf) // from the queue
	if status != 303 {
		t.Fatalf("assign: %d", status)
	}
	if n := staffViews(t, e, subject, portal.RequestActivity, "medewerker"); n != 0 {
		t.Fatalf("assigning recorded %d views", n)
	}
	e.do("GET", loc, clerk, "", nil)
	if n := staffViews(t, e, subject, portal.RequestActivity, "medewerker"); n != 1 {
		t.Errorf("the first view after acting from the queue: %d lines, want 1", n)
	}
	other, _ := e.staffAs("collega", "Cas Collega", "clerk")
	e.do("GET", loc, other, "", nil)
	if n := staffViews(t, e, subject, portal.RequestActivity, "collega"); n != 1 {
		t.Errorf("another clerk following the return address: %d lines, want 1", n)
	}
	e.db.SetClock(time.Now)
	e.do("GET", loc, clerk, "", nil)
	if n := staffViews(t, e, subject, portal.RequestActivity, "medewerker"); n != 2 {
		t.Errorf("after the visit ended: %d lines, want 2", n)
	}
	// An unknown step in the address is ignored: a plain view, no notice.
	_, body := e.do("GET", "/medewerker/verzoeken/"+id+"?gedaan=onzin", clerk, "", nil)
	if n := staffViews(t, e, subject, portal.RequestActivity, "medewerker"); n != 3 || strings.Contains(body, `class="notice"`) {
		t.Errorf("unknown step: %d lines, notice shown %v", n, strings.Contains(body, `class="notice"`))
	}
}

// TestSignalActionsReturnToTheSignal: registering a signal and deciding on its retention return to the
// signal's page with a notice; the visit (with a mistake in between) leaves one view line of the signal.
func TestSignalActionsReturnToTheSignal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, csrf := e.staff("clerk")
	status, loc, _ := e.post("/medewerker/signalen", clerk, "csrf", csrf, "bsn", bsnA, "ontvangen", time.Now().Format("2006-01-02"),
		"melder", "school", "categorie", "neglect", "samenvatting", "Zorgen over de verzorging", "urgentie", "normal",
		"team", "Veilig Thuis Noord")
	ss, err := e.db.StaffSignals(context.Background(), 10)
	if err != nil || len(ss) != 1 {
		t.Fatalf("%d signals (%v)", len(ss), err)
	}
	id := ss[0].ID
	if status != 303 || loc != "/medewerker/signalen/"+id+"?gedaan=nieuw" {
		t.Fatalf("register: %d %s", status, loc)
	}
	subject := mustSubject(t, e, bsnA)
	_, body := e.do("GET", loc, clerk, "", nil)
	if !strings.Contains(body, "De melding is geregistreerd.") {
		t.Error("no notice after registering")
	}
	if n := staffViews(t, e, subject, portal.SignalActivity, "medewerker"); n != 1 {
		t.Fatalf("the page after registering: %d view lines, want 1 (the first view is recorded)", n)
	}
	status, loc, _ = e.post("/medewerker/signalen/"+id+"/bewaarbesluit", clerk, "csrf", csrf, "besluit", "actie", "zaak", " ")
	if status != 422 {
		t.Fatalf("follow-up without case number: %d", status)
	}
	status, loc, _ = e.post("/medewerker/signalen/"+id+"/bewaarbesluit", clerk, "csrf", csrf, "besluit", "actie", "zaak", "Z-2026-77")
	if status != 303 || loc != "/medewerker/signalen/"+id+"?gedaan=bewaarbesluit" {
		t.Fatalf("retention decision: %d %s", status, loc)
	}
	_, body = e.do("GET", loc, clerk, "", nil)
	if !strings.Contains(body, "Het bewaarbesluit is vastgelegd.") {
		t.Error("no notice after the retention decision")
	}
	if n := staffViews(t, e, subject, portal.SignalActivity, "medewerker"); n != 1 {
		t.Errorf("act and return left %d view lines of the signal, want 1", n)
	}
}

// TestQueueSearchAndCitizenColumn: the queue is searched by part of a reference and by BSN (a POST: the
// BSN is in no address; it is not shown back in clear); each line names the citizen by a masked BSN.
func TestQueueSearchAndCitizenColumn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	a := mustSubject(t, e, bsnA)
	b := mustSubject(t, e, bsnB)
	ra, err := e.db.CreateRequest(ctx, a, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}, Description: "a"})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := e.db.CreateRequest(ctx, b, portal.NewRequest{Kind: portal.KindErasure, Scope: portal.Scope{All: true}, Description: "b"})
	if err != nil {
		t.Fatal(err)
	}
	clerk, csrf := e.staff("clerk")
	_, body := e.do("GET", "/medewerker/verzoeken", clerk, "", nil)
	for _, want := range []string{portal.MaskBSN(bsnA), portal.MaskBSN(bsnB), "Inwoner"} {
		if !strings.Contains(body, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	if strings.Contains(body, bsnA) || strings.Contains(body, bsnB) {
		t.Error("the queue shows a BSN in clear")
	}
	status, _, body := e.post("/medewerker/verzoeken/zoeken", clerk, "csrf", csrf, "zoek", rb.Reference[len(rb.Reference)-6:])
	if status != 200 || !strings.Contains(body, rb.Reference) || strings.Contains(body, ra.Reference) {
		t.Errorf("search by reference: %d, finds b %v, finds a %v", status, strings.Contains(body, rb.Reference), strings.Contains(body, ra.Reference))
	}
	status, _, body = e.post("/medewerker/verzoeken/zoeken", clerk, "csrf", csrf, "zoek", bsnA)
	if status != 200 || !strings.Contains(body, ra.Reference) || strings.Contains(body, rb.Reference) {
		t.Errorf("search by BSN: %d, finds a %v, finds b %v", status, strings.Contains(body, ra.Reference), strings.Contains(body, rb.Reference))
	}
	if strings.Contains(body, bsnA) {
		t.Error("the BSN searched for is shown back in clear")
	}
	status, _, body = e.post("/medewerker/verzoeken/zoeken", clerk, "csrf", csrf, "zoek", "123456789")
	if status != 422 {
		t.Errorf("invalid BSN: %d", status)
	}
	d := doc(t, body)
	if d.Find(`.error-summary a[href="#zoek"]`).Length() != 1 || !strings.Contains(d.Find("#zoek-fout.field-error").Text(), "elfproef") {
		t.Error("no error summary linking to the search field, or no rule at the field")
	}
	if got, _ := d.Find("#zoek").Attr("aria-describedby"); !strings.Contains(got, "zoek-fout") {
		t.Errorf("#zoek aria-describedby=%q", got)
	}
	if got := valueOf(t, body, "#zoek"); got != "" {
		t.Errorf("a wrong BSN is shown back: %q", got)
	}
	// Searching is listing: no view in anybody's log.
	if n := staffViews(t, e, a, portal.RequestActivity, "medewerker"); n != 0 {
		t.Errorf("searching recorded %d views", n)
	}
}

// TestQueuePagesPastTheFirstHundred: the queue pages; the request past the first page is reachable.
func TestQueuePagesPastTheFirstHundred(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	a := mustSubject(t, e, bsnA)
	var last portal.RightsRequest
	for i := 0; i < 101; i++ {
		day := time.Now().AddDate(0, 0, i/20-6) // at most 20 filings a day
		e.db.SetClock(func() time.Time { return day })
		r, err := e.db.CreateRequest(ctx, a, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}, Description: "x"})
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
	clerk, _ := e.staff("clerk")
	_, body := e.do("GET", "/medewerker/verzoeken", clerk, "", nil)
	if strings.Contains(body, last.Reference) || !strings.Contains(body, "pagina=2") {
		t.Fatalf("first page: holds the 101st %v, links page 2 %v", strings.Contains(body, last.Reference), strings.Contains(body, "pagina=2"))
	}
	_, body = e.do("GET", "/medewerker/verzoeken?status=open&pagina=2", clerk, "", nil)
	if !strings.Contains(body, last.Reference) {
		t.Error("page 2 lacks the 101st request")
	}
	if resp, _ := e.do("GET", "/medewerker/verzoeken?pagina=0", clerk, "", nil); resp.StatusCode != 422 {
		t.Errorf("page 0: %d", resp.StatusCode)
	}
}
