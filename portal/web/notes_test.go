package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// noteToken is the idempotency token of the note form on a case page.
func noteToken(t *testing.T, body string) string {
	t.Helper()
	tok := valueOf(t, body, `input[name="sleutel"]`)
	if tok == "" {
		t.Fatal("the case page has no note form with a token")
	}
	return tok
}

// postNote sends the note form without testing.T (for goroutines): the status and the Location.
func (e *env) postNote(cookie, csrf, id, token, text string) (int, string, error) {
	v := url.Values{"csrf": {csrf}, "sleutel": {token}, "notitie": {text}}
	req := httptest.NewRequest("POST", "/medewerker/verzoeken/"+id+"/notities", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "__Host-inzicht_session", Value: cookie})
	resp, err := e.app.Test(req, -1)
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

// fileAs files a request as the citizen with bsn and returns its id.
func fileAs(t *testing.T, e *env, bsn string, kind portal.RequestKind, text string) string {
	t.Helper()
	c, csrf := e.citizen(bsn)
	status, loc, _ := e.post("/verzoeken", c, "csrf", csrf, "soort", string(kind), "omvang", "alles", "toelichting", text)
	if status != 303 {
		t.Fatalf("file: %d", status)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
}

// TestInternalNotes: two clerks write notes at the same time on two people's requests, each form sent
// twice; every note is stored once, on its own request and person, by its own author, and shown
// newest first on the case page with author and time. Mistakes (empty, a BSN, too long) come back as
// typed with the rule, storing nothing and recording no second view. The person never sees a note:
// not on their pages, in their inbox or the API. The answer to their inspection request, granted,
// lists the notes about them that existed at the decision (on all their requests; never another
// person's), and the letter downloaded later still lists the same notes.
func TestInternalNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)), event(bsnB, time.Now().Add(-time.Hour)))
	objA := fileAs(t, e, bsnA, portal.KindObjection, "Ik maak bezwaar.")
	inspA := fileAs(t, e, bsnA, portal.KindInspection, "Welke gegevens heeft u van mij?")
	reqB := fileAs(t, e, bsnB, portal.KindInspection, "Wat weet u over mij?")
	subA, subB := mustSubject(t, e, bsnA), mustSubject(t, e, bsnB)
	carla, csrfC := e.staffAs("sub-carla", "Carla Klerk", portal.RoleClerk)
	kees, csrfK := e.staffAs("sub-kees", "Kees Leider", portal.RoleTeamLead)

	// Both open their case; each page has its own form token.
	open := func(cookie, id string) string {
		t.Helper()
		resp, body := e.do("GET", "/medewerker/verzoeken/"+id, cookie, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("case %s: %d", id, resp.StatusCode)
		}
		if !strings.Contains(body, "Er zijn nog geen notities bij dit verzoek.") {
			t.Errorf("case %s: no 'no notes yet' line", id)
		}
		return body
	}
	tokA, tokB := noteToken(t, open(carla, inspA)), noteToken(t, open(kees, reqB))
	if tokA == tokB {
		t.Fatal("two forms share a token")
	}
	textA := "Inwoner belde op 3 juni; wil de stukken per post. Ëën keer terugbellen."
	textB := "Gesprek met inwoner B gehad.\nWacht op gegevens van het wijkteam."

	// At once, each form twice (a double click).
	type send struct{ cookie, csrf, id, tok, text string }
	sends := []send{{carla, csrfC, inspA, tokA, textA}, {carla, csrfC, inspA, tokA, textA},
		{kees, csrfK, reqB, tokB, textB}, {kees, csrfK, reqB, tokB, strings.ReplaceAll(textB, "\n", "\r\n")}}
	var wg sync.WaitGroup
	results := make([]string, len(sends))
	for i, s := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, loc, err := e.postNote(s.cookie, s.csrf, s.id, s.tok, s.text)
			results[i] = fmt.Sprintf("%d %s %v", status, loc, err)
		}()
	}
	wg.Wait()
	for i, s := range sends {
		if want := "303 /medewerker/verzoeken/" + s.id + "?gedaan=noted <nil>"; results[i] != want {
			t.Errorf("send %d: %s, want %s", i, results[i], want)
		}
	}
	for _, c := range []struct {
		id, text, sub, name, role string
		subject                   int64
	}{{inspA, textA, "sub-carla", "Carla Klerk", portal.RoleClerk, subA}, {reqB, textB, "sub-kees", "Kees Leider", portal.RoleTeamLead, subB}} {
		ns, err := e.db.RequestNotes(ctx, c.id)
		if err != nil || len(ns) != 1 {
			t.Fatalf("notes on %s: %d, %v; want exactly 1", c.id, len(ns), err)
		}
		if n := ns[0]; n.Text != c.text || n.AuthorSub != c.sub || n.AuthorName != c.name || n.AuthorRole != c.role || n.SubjectID != c.subject {
			t.Errorf("stored note on %s: %+v", c.id, n)
		}
	}

	// Back on the case: the notice, the note with its author; one "viewed" line for the whole visit.
	_, body := e.do("GET", "/medewerker/verzoeken/"+inspA+"?gedaan=noted", carla, "", nil)
	for _, want := range []string{"De notitie is bewaard.", "Inwoner belde op 3 juni", "Carla Klerk", "Interne notities"} {
		if !strings.Contains(body, want) {
			t.Errorf("case page after the note lacks %q", want)
		}
	}
	if strings.Contains(body, "Gesprek met inwoner B") {
		t.Error("B's note shows on A's case")
	}
	tok := noteToken(t, body)
	if tok == tokA {
		t.Error("the page after a note offers the used token again")
	}

	// The mistakes: shown again as typed, with the rule; nothing stored, no second view.
	for _, m := range []struct{ name, text, rule string }{
		{"empty", "   ", "Schrijf een notitie"},
		{"a BSN", "Zoon met BSN " + bsnB + " belde ook.", "Er staat een BSN in de notitie"},
		{"too long", strings.Repeat("a", portal.MaxInternalNote+1), "hoogstens 4000 tekens"},
	} {
		status, _, body := e.post("/medewerker/verzoeken/"+inspA+"/notities", carla, "csrf", csrfC, "sleutel", tok, "notitie", m.text)
		if status != 422 {
			t.Errorf("%s: %d, want 422", m.name, status)
			continue
		}
		checkFieldError(t, body, "notitie", m.rule)
		if got := valueOf(t, body, "#notitie"); strings.TrimSpace(got) != strings.TrimSpace(m.text) {
			t.Errorf("%s: the form lost what was typed (%.40q)", m.name, got)
		}
		if got := noteToken(t, body); got != tok {
			t.Errorf("%s: the form came back with another token", m.name)
		}
		if !strings.Contains(body, "Inwoner belde op 3 juni") {
			t.Errorf("%s: the case page shown again lacks the notes", m.name)
		}
	}
	if ns, _ := e.db.RequestNotes(ctx, inspA); len(ns) != 1 {
		t.Errorf("after the mistakes %d notes, want 1", len(ns))
	}
	if n := staffViews(t, e, subA, portal.RequestActivity, "sub-carla"); n != 1 {
		t.Errorf("Carla's visit with a note and three mistakes left %d view lines, want 1", n)
	}
	// A second note with the new token, and a note on A's other request (by Kees).
	if status, _, _ := e.post("/medewerker/verzoeken/"+inspA+"/notities", carla, "csrf", csrfC, "sleutel", tok, "notitie", "Tweede notitie."); status != 303 {
		t.Fatalf("second note: %d", status)
	}
	_, body = e.do("GET", "/medewerker/verzoeken/"+objA, kees, "", nil)
	if status, _, _ := e.post("/medewerker/verzoeken/"+objA+"/notities", kees, "csrf", csrfK, "sleutel", noteToken(t, body), "notitie", "Bezwaar lijkt gegrond."); status != 303 {
		t.Fatalf("note on the objection: %d", status)
	}
	_, body = e.do("GET", "/medewerker/verzoeken/"+inspA+"?gedaan=noted", carla, "", nil)
	if i, j := strings.Index(body, "Tweede notitie."), strings.Index(body, "Inwoner belde op 3 juni"); i < 0 || j < 0 || i > j {
		t.Error("the case page does not show the notes newest first")
	}
	if strings.Contains(body, "Bezwaar lijkt gegrond.") {
		t.Error("a note on another request shows on this case")
	}

	// Nothing of it reaches person A: pages, inbox, PDFs, API.
	secrets := []string{"Inwoner belde", "Tweede notitie", "Bezwaar lijkt gegrond", "Gesprek met inwoner B", "notitie"}
	ca, _ := e.citizen(bsnA)
	_, keyRequests, err := e.db.CreateAPIKey(ctx, "requests", []string{"requests:read"})
	if err != nil {
		t.Fatal(err)
	}
	citizenSees := func(when string) {
		t.Helper()
		for _, p := range []string{"/overzicht", "/verwerkingen", "/verzoeken", "/verzoeken/" + inspA, "/verzoeken/" + objA,
			"/berichten", "/verzoeken/" + inspA + "/ontvangstbevestiging.pdf", "/verzoeken/" + objA + "/ontvangstbevestiging.pdf"} {
			resp, body := e.do("GET", p, ca, "", nil)
			if resp.StatusCode != 200 {
				t.Errorf("%s: citizen's %s: %d", when, p, resp.StatusCode)
				continue
			}
			if strings.HasSuffix(p, ".pdf") {
				body = pdfText(t, body)
			}
			for _, s := range secrets {
				if strings.Contains(strings.ToLower(body), strings.ToLower(s)) {
					t.Errorf("%s: the citizen's %s shows %q", when, p, s)
				}
			}
		}
		for _, p := range []string{"/api/v1/rights-requests/" + inspA, "/api/v1/rights-requests/" + objA, "/api/v1/rights-requests"} {
			resp, body := e.do("GET", p, "", keyRequests, nil)
			if resp.StatusCode != 200 {
				t.Errorf("%s: API %s: %d", when, p, resp.StatusCode)
			}
			for _, s := range secrets {
				if strings.Contains(strings.ToLower(body), strings.ToLower(s)) {
					t.Errorf("%s: API %s shows %q", when, p, s)
				}
			}
		}
	}
	citizenSees("before the decision")
	ms, err := e.db.Messages(ctx, subA, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 { // the two filings; a note tells nobody
		t.Errorf("person A has %d inbox messages, want 2 (one per filing)", len(ms))
	}

	// The inspection request is granted: its letter lists the notes about A, on both requests.
	for _, step := range []string{"behandelen", "besluiten"} {
		status, loc, _ := e.post("/medewerker/verzoeken/"+inspA+"/"+step, carla, "csrf", csrfC, "besluit", "deels_toegewezen", "grond", "rights_of_others",
			"toelichting", "U krijgt uw gegevens, behalve wat over anderen gaat.")
		if status != 303 {
			t.Fatalf("%s: %d %s", step, status, loc)
		}
	}
	// A note written after the decision is not in the letter.
	_, body = e.do("GET", "/medewerker/verzoeken/"+inspA+"?gedaan=decided", carla, "", nil)
	if status, _, _ := e.post("/medewerker/verzoeken/"+inspA+"/notities", carla, "csrf", csrfC, "sleutel", noteToken(t, body), "notitie", "Na het besluit: brief verstuurd."); status != 303 {
		t.Fatalf("note after the decision: %d", status)
	}
	letter := func(cookie, path string) string {
		t.Helper()
		resp, pdf := e.do("GET", path, cookie, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return strings.Join(strings.Fields(pdfText(t, pdf)), " ")
	}
	rA, err := e.db.RequestByID(ctx, inspA)
	if err != nil {
		t.Fatal(err)
	}
	rObj, err := e.db.RequestByID(ctx, objA)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct{ who, txt string }{
		{"citizen", letter(ca, "/verzoeken/"+inspA+"/besluit.pdf")},
		{"staff", letter(carla, "/medewerker/verzoeken/"+inspA+"/besluit.pdf")},
	} {
		for _, want := range []string{"Interne notities over u", "U ziet die notities niet in Inzicht.",
			"Inwoner belde op 3 juni; wil de stukken per post.", "Tweede notitie.", "Bezwaar lijkt gegrond.", "verzoek " + rA.Reference, "verzoek " + rObj.Reference,
			"Medewerker privacyverzoeken", "Teamleider"} {
			if !strings.Contains(l.txt, want) {
				t.Errorf("%s's letter lacks %q", l.who, want)
			}
		}
		for _, not := range []string{"Gesprek met inwoner B", "Na het besluit", "Carla Klerk", "Kees Leider"} {
			if strings.Contains(l.txt, not) {
				t.Errorf("%s's letter shows %q", l.who, not)
			}
		}
	}
	citizenSees("after the decision") // the letter is the only place; the pages still show nothing

	// B's request rejected: no notes in that letter.
	for _, step := range []string{"behandelen", "besluiten"} {
		if status, _, _ := e.post("/medewerker/verzoeken/"+reqB+"/"+step, kees, "csrf", csrfK, "besluit", "afgewezen", "grond", "other",
			"toelichting", "Wij hebben geen gegevens van u."); status != 303 {
			t.Fatalf("B %s: %d", step, status)
		}
	}
	cb, _ := e.citizen(bsnB)
	if txt := letter(cb, "/verzoeken/"+reqB+"/besluit.pdf"); strings.Contains(txt, "Interne notities") || strings.Contains(txt, "Gesprek met inwoner B") {
		t.Error("a rejected inspection request's letter lists notes")
	}
}

// TestNotesInTheInspectionPreview: the clerk's preview of a granted inspection decision lists the notes
// about the person as they are now; a preview of a rejection lists none.
func TestNotesInTheInspectionPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)))
	id := fileAs(t, e, bsnA, portal.KindInspection, "Alles graag.")
	clerk, csrf := e.staff("clerk")
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/behandelen", clerk, "csrf", csrf); status != 303 {
		t.Fatalf("start: %d", status)
	}
	_, body := e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
	if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/notities", clerk, "csrf", csrf, "sleutel", noteToken(t, body), "notitie", "Legitimatie gecontroleerd."); status != 303 {
		t.Fatalf("note: %d", status)
	}
	for _, c := range []struct {
		outcome string
		want    bool
	}{{"toegewezen", true}, {"afgewezen", false}} {
		resp, pdf := e.do("POST", "/medewerker/verzoeken/"+id+"/besluiten", clerk, "",
			form("csrf", csrf, "besluit", c.outcome, "grond", "other", "toelichting", "Zie+de+brief.", "voorbeeld", "1"), formCT...)
		if resp.StatusCode != 200 {
			t.Fatalf("preview %s: %d", c.outcome, resp.StatusCode)
		}
		if got := strings.Contains(pdfText(t, pdf), "Legitimatie gecontroleerd."); got != c.want {
			t.Errorf("preview %s lists the note: %v, want %v", c.outcome, got, c.want)
		}
	}
}

// TestNoteRefusedWithoutTheRole: with a valid form (CSRF token and all), only a clerk or a team lead
// adds a note; the council, the privacy officer, a citizen (also the person the request is about) and
// someone without a session are refused, and nothing is stored.
func TestNoteRefusedWithoutTheRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	id := fileAs(t, e, bsnA, portal.KindInspection, "Alles graag.")
	council, csrfCouncil := e.staffAs("sub-raad", "Rita Raad", portal.RoleCouncil)
	officer, csrfOfficer := e.staffAs("sub-fg", "Frits FG", portal.RolePrivacyOfficer)
	citizen, csrfCitizen := e.citizen(bsnA)
	for _, c := range []struct{ who, cookie, csrf string }{
		{"council", council, csrfCouncil}, {"privacy officer", officer, csrfOfficer}, {"citizen", citizen, csrfCitizen}, {"anonymous", "", ""},
	} {
		status, loc, err := e.postNote(c.cookie, c.csrf, id, "0b7c3a52-1f0e-4e5b-9d8a-3c2b1a0f9e8d", "Mag ik dit?")
		if err != nil {
			t.Fatal(err)
		}
		if status != 403 && !(status == 303 && strings.Contains(loc, "inloggen")) {
			t.Errorf("%s: %d %s, want refused", c.who, status, loc)
		}
	}
	if ns, err := e.db.RequestNotes(context.Background(), id); err != nil || len(ns) != 0 {
		t.Errorf("refused callers stored %d notes (%v)", len(ns), err)
	}
	clerk, csrf := e.staff("clerk")
	if status, _, _ := e.postNote(clerk, csrf, id, "0b7c3a52-1f0e-4e5b-9d8a-3c2b1a0f9e8d", "Ik mag dit."); status != 303 {
		t.Errorf("clerk: %d, want 303", status)
	}
	// An unknown request: not found, nothing stored.
	if status, _, _ := e.postNote(clerk, csrf, "0b7c3a52-0000-4e5b-9d8a-3c2b1a0f9e8d", "3f0e9c1a-1f0e-4e5b-9d8a-3c2b1a0f9e8d", "Waar?"); status != 404 {
		t.Errorf("a note on an unknown request: %d, want 404", status)
	}
}

// TestNotesInARepresentativesCopy: an administrator (bewind) sees only the requests filed under their
// own representation, so their copy of the inspection answer lists only the notes on those; the
// person's own copy lists every note about them.
func TestNotesInARepresentativesCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	const adultBSN, adminBSN = "999990172", "999990184"
	e.ingest(event(adultBSN, time.Now().Add(-time.Hour)))
	own := fileAs(t, e, adultBSN, portal.KindObjection, "Mijn eigen bezwaar.")
	adm := e.represent(adminBSN, adultBSN, portal.RepAdministration, obBirth(40), portal.PartLog, portal.PartRequests)
	ac, acsrf := e.citizen(adminBSN)
	e.actFor(ac, adm.ID)
	status, loc, _ := e.post("/verzoeken", ac, "csrf", acsrf, "soort", "inzage", "omvang", "alles", "toelichting", "Inzage namens de inwoner.")
	if status != 303 {
		t.Fatalf("the administrator files: %d", status)
	}
	insp := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	clerk, csrf := e.staff("clerk")
	for id, text := range map[string]string{own: "Notitie bij het eigen bezwaar.", insp: "Notitie bij de inzage van de bewindvoerder."} {
		_, body := e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
		if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/notities", clerk, "csrf", csrf, "sleutel", noteToken(t, body), "notitie", text); status != 303 {
			t.Fatalf("note: %d", status)
		}
	}
	for _, step := range []string{"behandelen", "besluiten"} {
		if status, _, _ := e.post("/medewerker/verzoeken/"+insp+"/"+step, clerk, "csrf", csrf, "besluit", "toegewezen"); status != 303 {
			t.Fatalf("%s: %d", step, status)
		}
	}
	pc, _ := e.citizen(adultBSN)
	for _, c := range []struct {
		who, cookie string
		ownNote     bool
	}{{"administrator", ac, false}, {"person", pc, true}} {
		resp, pdf := e.do("GET", "/verzoeken/"+insp+"/besluit.pdf", c.cookie, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s's letter: %d", c.who, resp.StatusCode)
		}
		txt := strings.Join(strings.Fields(pdfText(t, pdf)), " ")
		if !strings.Contains(txt, "Notitie bij de inzage van de bewindvoerder.") {
			t.Errorf("%s's letter lacks the note on the inspection request", c.who)
		}
		if got := strings.Contains(txt, "Notitie bij het eigen bezwaar."); got != c.ownNote {
			t.Errorf("%s's letter lists the note on the person's own objection: %v, want %v", c.who, got, c.ownNote)
		}
	}
}
