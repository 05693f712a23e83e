package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// More persons for the representation tests (all pass the 11-proef).
const (
	bsnParent   = "999990020"
	bsnParent2  = "999990032"
	bsnChild    = "999990044"
	bsnAdult    = "999990056"
	bsnBewind   = "999990068"
	bsnStranger = "999990081"
)

// yearsAgo is the date (yyyy-mm-dd, Europe/Amsterdam) n years before today, plus days.
func yearsAgo(n, days int) string {
	return time.Now().In(portal.Amsterdam).AddDate(-n, 0, days).Format("2006-01-02")
}

// choose posts the /namens form and returns the response's status and Location.
func (e *env) choose(cookie, csrf, voor string) (int, string) {
	e.t.Helper()
	resp, _ := e.do("POST", "/namens", cookie, "", form("csrf", csrf, "voor", voor), "Content-Type", "application/x-www-form-urlencoded")
	return resp.StatusCode, resp.Header.Get("Location")
}

func (e *env) get(cookie, path string) (int, string) {
	e.t.Helper()
	resp, body := e.do("GET", path, cookie, "", nil)
	return resp.StatusCode, body
}

func (e *env) acts(f portal.ActFilter) []portal.RepresentativeAct {
	e.t.Helper()
	acts, err := e.db.RepresentativeActs(context.Background(), f)
	if err != nil {
		e.t.Fatal(err)
	}
	return acts
}

// TestActingForAChild: two parents and the child on one server, one after another and at once. Each
// sees whose data they should, every view of a parent lands in the child's log and in the parent's
// "what I did for others", switching back works, and nobody reaches a person they may not act for.
func TestActingForAChild(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	childEv := event(bsnChild, time.Now().Add(-2*time.Hour), func(ev *portal.Event) { ev.Actor.Team = "Team Jeugd Kind" })
	parentEv := event(bsnParent, time.Now().Add(-3*time.Hour), func(ev *portal.Event) { ev.Actor.Team = "Team Ouder Eigen" })
	e.ingest(childEv, parentEv)
	rep := e.represent(bsnParent, bsnChild, portal.RepParentalAuthority, yearsAgo(10, 0))
	rep2 := e.represent(bsnParent2, bsnChild, portal.RepParentalAuthority, yearsAgo(10, 0))
	pc, pcsrf := e.citizen(bsnParent)
	p2c, p2csrf := e.citizen(bsnParent2)
	cc, _ := e.citizen(bsnChild)
	sc, scsrf := e.citizen(bsnStranger)

	// The choice page lists the child with name, age and capacity.
	st, body := e.get(pc, "/namens")
	if st != 200 || !strings.Contains(body, "Daan de Vries (10)") || !strings.Contains(body, "ouder met gezag") {
		t.Fatalf("/namens: %d, want the child listed with age and capacity:\n%s", st, body)
	}
	// Choosing nothing, or a representation of someone else, changes nothing.
	if st, loc := e.choose(pc, pcsrf, ""); st != 303 || loc != "/namens?fout=1" {
		t.Errorf("empty choice: %d %s", st, loc)
	}
	if st, _ := e.choose(sc, scsrf, rep.ID); st != http.StatusForbidden {
		t.Errorf("a stranger choosing another's representation: %d, want 403", st)
	}
	if st, body := e.get(sc, "/verwerkingen"); st != 200 || strings.Contains(body, "Team Jeugd Kind") {
		t.Errorf("the stranger sees the child's data after a refused choice (%d)", st)
	}
	if st, _ := e.choose(pc, pcsrf, "not-a-uuid"); st != http.StatusForbidden {
		t.Errorf("a malformed choice: %d, want 403", st)
	}

	// The parent chooses the child: lands on the overview with the banner and the child's data.
	if st, loc := e.choose(pc, pcsrf, rep.ID); st != 303 || loc != "/overzicht" {
		t.Fatalf("choosing the child: %d %s", st, loc)
	}
	st, body = e.get(pc, "/verwerkingen")
	if st != 200 || !strings.Contains(body, "U bekijkt de gegevens van Daan de Vries (10) als ouder met gezag") ||
		!strings.Contains(body, "Team Jeugd Kind") || strings.Contains(body, "Team Ouder Eigen") {
		t.Fatalf("the parent acting for the child should see the banner and only the child's log (%d):\n%s", st, body)
	}
	if st, _ := e.get(pc, "/verwerkingen/"+childEv.ID); st != 200 {
		t.Errorf("the child's event for the parent: %d", st)
	}
	if st, _ := e.get(pc, "/verwerkingen/"+parentEv.ID); st != 404 {
		t.Errorf("the parent's own event while acting for the child: %d, want 404", st)
	}

	// Meanwhile the second parent and the child use the portal at the same time.
	if st, _ := e.choose(p2c, p2csrf, rep2.ID); st != 303 {
		t.Fatalf("second parent choosing: %d", st)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 8 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			if st, body := e.get(pc, "/verwerkingen"); st != 200 || !strings.Contains(body, "Team Jeugd Kind") {
				errs <- fmt.Sprintf("parent %d: %d", i, st)
			}
		}()
		go func() {
			defer wg.Done()
			if st, body := e.get(p2c, "/overzicht"); st != 200 || !strings.Contains(body, "Daan de Vries (10)") {
				errs <- fmt.Sprintf("second parent %d: %d", i, st)
			}
		}()
		go func() {
			defer wg.Done()
			if st, body := e.get(cc, "/verwerkingen"); st != 200 || strings.Contains(body, "U bekijkt de gegevens van") {
				errs <- fmt.Sprintf("child %d: %d (a banner on the child's own pages?)", i, st)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for m := range errs {
		t.Error(m)
	}

	// Every view of a parent is in the child's log, named by the parent and capacity, and in the
	// parent's own list; the child's own views are not recorded as acts.
	childID, err := e.db.EnsureSubject(ctx, bsnChild)
	if err != nil {
		t.Fatal(err)
	}
	byP := e.acts(portal.ActFilter{RepresentationID: rep.ID, Limit: 1000})
	byP2 := e.acts(portal.ActFilter{RepresentationID: rep2.ID, Limit: 1000})
	// parent: start + /verwerkingen + event + 8 concurrent logs; second: start + 8 overviews.
	if len(byP) != 11 || len(byP2) != 9 {
		t.Errorf("recorded acts: parent %d (want 11), second parent %d (want 9)", len(byP), len(byP2))
	}
	for _, a := range append(byP, byP2...) {
		if a.SubjectID != childID {
			t.Errorf("act %s recorded for subject %d, want the child %d", a.What, a.SubjectID, childID)
		}
	}
	evs, _, err := e.db.Events(ctx, childID, portal.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	logged := 0
	for _, ev := range evs {
		if ev.Activity.ID == portal.RepresentativeActivity {
			logged++
			if ev.Recipient != "Eva de Vries (ouder met gezag)" || ev.Actor.Role != "ouder met gezag" {
				t.Errorf("act event names %q / %q, want the parent and capacity", ev.Recipient, ev.Actor.Role)
			}
		}
	}
	if logged != 20 {
		t.Errorf("%d act events in the child's log, want 20", logged)
	}
	st, body = e.get(cc, "/verwerkingen/"+byP[0].EventID)
	if st != 200 || !strings.Contains(body, "Eva de Vries handelde namens u als ouder met gezag") {
		t.Errorf("the child's detail page of an act (%d) should say who acted in which capacity:\n%s", st, body)
	}
	st, body = e.get(pc, "/namens/gedaan")
	if st != 200 || !strings.Contains(body, "Bekeek één verwerking") || !strings.Contains(body, "Daan de Vries") {
		t.Errorf("'what I did for others' (%d) should list the parent's acts", st)
	}
	if st, body := e.get(cc, "/vertegenwoordigers"); st != 200 || !strings.Contains(body, "Koos om namens u te kijken") {
		t.Errorf("the child's 'who may act for me' (%d) should list what the parents did", st)
	}

	// Back to themselves: own data, no banner, nothing more recorded for the child.
	if st, loc := e.choose(pc, pcsrf, "uzelf"); st != 303 || loc != "/overzicht" {
		t.Fatalf("back to self: %d %s", st, loc)
	}
	st, body = e.get(pc, "/verwerkingen")
	if st != 200 || strings.Contains(body, "Team Jeugd Kind") || !strings.Contains(body, "Team Ouder Eigen") ||
		strings.Contains(body, "U bekijkt de gegevens van") {
		t.Errorf("after switching back the parent should see only their own log without banner (%d)", st)
	}
	if n := len(e.acts(portal.ActFilter{RepresentationID: rep.ID, Limit: 1000})); n != 11 {
		t.Errorf("after switching back, %d acts (want still 11)", n)
	}

	// A representation ended by the municipality while the second parent acts: the next page shows
	// their own data with a notice, and nothing of the child.
	if err := e.db.EndRepresentation(ctx, rep2.ID, 0); err != nil {
		t.Fatal(err)
	}
	st, body = e.get(p2c, "/verwerkingen")
	if st != 200 || strings.Contains(body, "Team Jeugd Kind") || !strings.Contains(body, "De vertegenwoordiging is afgelopen") {
		t.Errorf("after the end the second parent should see own data and a notice (%d):\n%s", st, body)
	}
	if st, _ := e.get(p2c, "/verwerkingen/"+childEv.ID); st != 404 {
		t.Errorf("the child's event after the end: %d, want 404", st)
	}
	if st, _ := e.choose(p2c, p2csrf, rep2.ID); st != http.StatusForbidden {
		t.Errorf("choosing an ended representation: %d, want 403", st)
	}
	// The privacy officer's list holds the ended representation's acts.
	if n := len(e.acts(portal.ActFilter{EndedOrDisputed: true, Limit: 1000})); n != 9 {
		t.Errorf("%d acts under ended or disputed representations, want 9", n)
	}

	// The child disputes the first parent's representation: a reason is required, the text is kept.
	resp, body := e.do("POST", "/vertegenwoordigers/"+rep.ID+"/bezwaar", cc, "", form("csrf", csrfOf(t, e, cc), "reden", "  "),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Schrijf op waarom") {
		t.Errorf("a dispute without reason: %d", resp.StatusCode)
	}
	resp, _ = e.do("POST", "/vertegenwoordigers/"+rep.ID+"/bezwaar", cc, "", form("csrf", csrfOf(t, e, cc), "reden", "Mijn vader mag dit niet meer"),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 303 {
		t.Fatalf("a dispute: %d", resp.StatusCode)
	}
	if n := len(e.acts(portal.ActFilter{EndedOrDisputed: true, Limit: 1000})); n != 20 {
		t.Errorf("%d acts under ended or disputed representations after the dispute, want 20", n)
	}
	// The privacy officer sees the dispute with its reason and the acts under it.
	officer, _ := e.staff("privacy_officer")
	if st, body := e.get(officer, "/toezicht"); st != 200 || !strings.Contains(body, "Mijn vader mag dit niet meer") ||
		!strings.Contains(body, "Eva de Vries, ouder met gezag") {
		t.Errorf("/toezicht (%d) should list the dispute and the acts under ended or disputed representations", st)
	}
	// A parent cannot dispute in the child's name.
	if _, err := e.db.RepresentationsFor(ctx, childID); err != nil {
		t.Fatal(err)
	}
	resp, _ = e.do("POST", "/vertegenwoordigers/"+rep.ID+"/bezwaar", sc, "", form("csrf", scsrf, "reden", "x"),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 404 {
		t.Errorf("a stranger disputing someone else's representation: %d, want 404", resp.StatusCode)
	}
}

// csrfOf reads the session's CSRF token from a page's logout form.
func csrfOf(t *testing.T, e *env, cookie string) string {
	t.Helper()
	_, body := e.get(cookie, "/vertegenwoordigers")
	i := strings.Index(body, `name="csrf" value="`)
	if i < 0 {
		t.Fatal("no csrf field")
	}
	rest := body[i+len(`name="csrf" value="`):]
	return rest[:strings.Index(rest, `"`)]
}

// TestActingAgeAndParts: parental authority ends on the 16th birthday at 00:00; a representation
// covers only its parts; an administrator sees financial processing only.
func TestActingAgeAndParts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.putFinancialActivity()
	care := event(bsnAdult, time.Now().Add(-2*time.Hour), func(ev *portal.Event) { ev.Actor.Team = "Team Zorg Geheim" })
	money := event(bsnAdult, time.Now().Add(-time.Hour), func(ev *portal.Event) {
		ev.Activity, ev.DataCategories, ev.Actor.Team = "pw-bijstand", []string{"income"}, "Team Inkomen"
	})
	e.ingest(care, money)

	// 16 today: parental authority ended at 00:00; one day younger: still in force.
	turned16 := e.represent(bsnParent, bsnChild, portal.RepParentalAuthority, yearsAgo(16, 0))
	almost16 := e.represent(bsnParent2, bsnChild, portal.RepParentalAuthority, yearsAgo(16, 1))
	pc, pcsrf := e.citizen(bsnParent)
	p2c, p2csrf := e.citizen(bsnParent2)
	if st, body := e.get(pc, "/namens"); st != 200 || strings.Contains(body, `value="`+turned16.ID+`"`) {
		t.Errorf("a child who turned 16 today must not be offered (%d)", st)
	}
	if st, _ := e.choose(pc, pcsrf, turned16.ID); st != http.StatusForbidden {
		t.Errorf("choosing a child of 16: %d, want 403", st)
	}
	if st, _ := e.choose(p2c, p2csrf, almost16.ID); st != 303 {
		t.Errorf("choosing a child of 15: %d, want 303", st)
	}

	// An administrator (bewind) with log and requests only.
	adm := e.represent(bsnBewind, bsnAdult, portal.RepAdministration, yearsAgo(40, 0), portal.PartLog, portal.PartRequests)
	ac, acsrf := e.citizen(bsnBewind)
	if st, loc := e.choose(ac, acsrf, adm.ID); st != 303 || loc != "/overzicht" {
		t.Fatalf("administrator choosing: %d %s", st, loc)
	}
	st, body := e.get(ac, "/verwerkingen")
	if st != 200 || !strings.Contains(body, "Team Inkomen") || strings.Contains(body, "Team Zorg Geheim") {
		t.Errorf("the administrator should see the financial processing only (%d):\n%s", st, body)
	}
	if st, body := e.get(ac, "/verwerkingen/"+care.ID); st != 404 || strings.Contains(body, "Team Zorg Geheim") {
		t.Errorf("a care event for the administrator: %d, want 404 without trace", st)
	}
	if st, _ := e.get(ac, "/verwerkingen/"+money.ID); st != 200 {
		t.Errorf("a financial event for the administrator: %d", st)
	}
	if st, body := e.get(ac, "/overzicht"); st != 200 || strings.Contains(body, "Team Zorg Geheim") || !strings.Contains(body, "bewindvoerder") {
		t.Errorf("the administrator's overview (%d)", st)
	}
	for _, p := range []string{"/verwerkingen.csv", "/verwerkingen.pdf"} {
		if st, body := e.get(ac, p); st != 200 || strings.Contains(body, "Team Zorg Geheim") {
			t.Errorf("%s for the administrator: %d or holds a care event", p, st)
		}
	}
	for _, p := range []string{"/toestemmingen", "/signalen"} {
		if st, body := e.get(ac, p); st != http.StatusForbidden || strings.Contains(body, "Team Zorg Geheim") {
			t.Errorf("%s outside the administrator's parts: %d, want 403", p, st)
		}
	}
	if st, body := e.get(ac, "/verzoeken"); st != 200 || strings.Contains(body, `href="/toestemmingen"`) {
		t.Errorf("the menu should not offer parts the representation does not cover (%d)", st)
	}
	// Nothing outside the parts was recorded as seen.
	for _, a := range e.acts(portal.ActFilter{RepresentationID: adm.ID, Limit: 100}) {
		if p := portal.ActPart(a.What); p != "" && !adm.Covers(p) {
			t.Errorf("act %s recorded outside the parts", a.What)
		}
	}
}

// TestFirstRendersAtOnce: the first renders of pages on a fresh server, many at once, all answered.
// The template engine raced there (html/template's escaping on first execution, seen once by -race in
// TestActingForAChild under CI load; web.New now escapes every template at start). The race window is
// narrow, so this test catches it only sometimes; it always checks that every first render succeeds.
func TestFirstRendersAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	cookies := make([]string, 6)
	for i := range cookies {
		cookies[i], _ = e.citizen(bsnA)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	// Anonymous pages touch no database, whose pool would order the goroutines for the detector.
	for range 12 {
		for _, p := range []string{"/", "/uitgelogd"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := e.app.Test(httptestRequest(p, ""), -1)
				if err != nil || resp.StatusCode != 200 {
					t.Errorf("%s: %v %v", p, err, resp)
				}
			}()
		}
	}
	for _, ck := range cookies {
		for _, p := range []string{"/overzicht", "/verwerkingen", "/namens", "/signalen"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req := httptestRequest(p, ck)
				resp, err := e.app.Test(req, -1)
				if err != nil || resp.StatusCode != 200 {
					t.Errorf("%s: %v %v", p, err, resp)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
}

func httptestRequest(path, cookie string) *http.Request {
	req, _ := http.NewRequest("GET", "http://localhost"+path, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "__Host-inzicht_session", Value: cookie})
	}
	return req
}

// TestActingLeavesMessagesNew: a representative reads the person's messages but cannot mark them as
// read: they stay new for the person.
func TestActingLeavesMessagesNew(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	childID, err := e.db.EnsureSubject(ctx, bsnChild)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.CreateRequest(ctx, childID, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true},
		Description: "Zelf"}); err != nil {
		t.Fatal(err)
	}
	f := portal.InboxFilter(childID, nil)
	before, err := e.db.InboxUnreadCount(ctx, f)
	if err != nil || before == 0 {
		t.Fatalf("the child's unread messages: %d, %v (want some)", before, err)
	}
	rep := e.represent(bsnParent, bsnChild, portal.RepParentalAuthority, yearsAgo(13, 0))
	pc, pcsrf := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	st, body := e.get(pc, "/berichten")
	if st != 200 || !strings.Contains(body, "blijven nieuw") || strings.Contains(body, `action="/berichten/gelezen"`) {
		t.Errorf("the parent's view of the messages (%d) should say they stay new and offer no 'mark as read'", st)
	}
	msgs, err := e.db.InboxMessages(ctx, f, 10)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := e.do("POST", "/berichten/gelezen", pc, "", form("csrf", pcsrf, "ids", fmt.Sprint(msgs[0].ID)),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a representative marking messages read: %d, want 403", resp.StatusCode)
	}
	if after, _ := e.db.InboxUnreadCount(ctx, f); after != before {
		t.Errorf("the child's unread messages went from %d to %d", before, after)
	}
}

// TestActingFormAgainThenFiled: a request form sent back with a message is recorded as seen again;
// the next, valid, sending of the same form is recorded as filing a request (the route's own act is
// not changed by the earlier 422).
func TestActingFormAgainThenFiled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	rep := e.represent(bsnParent, bsnChild, portal.RepParentalAuthority, yearsAgo(9, 0))
	pc, pcsrf := e.citizen(bsnParent)
	e.actFor(pc, rep.ID)
	post := func(kv ...string) int {
		resp, _ := e.do("POST", "/verzoeken", pc, "", form(append([]string{"csrf", pcsrf}, kv...)...),
			"Content-Type", "application/x-www-form-urlencoded")
		return resp.StatusCode
	}
	if st := post("soort", "", "omvang", "alles", "toelichting", ""); st != http.StatusUnprocessableEntity {
		t.Fatalf("an empty request: %d, want 422", st)
	}
	if st := post("soort", "inzage", "omvang", "alles", "toelichting", "Inzage voor Daan"); st != http.StatusSeeOther {
		t.Fatalf("a valid request: %d, want 303", st)
	}
	acts := e.acts(portal.ActFilter{RepresentationID: rep.ID})
	if len(acts) != 2 || acts[0].What != portal.ActFileRequest || acts[1].What != portal.ActFormAgain {
		var got []string
		for _, a := range acts {
			got = append(got, a.What)
		}
		t.Errorf("acts, newest first: %v, want [%s %s]", got, portal.ActFileRequest, portal.ActFormAgain)
	}
}
