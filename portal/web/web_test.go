package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/internal/oidctest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/web"
)

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCitizenSeesOnlyOwnProcessing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	now := time.Now()
	a := event(bsnA, now.Add(-time.Hour), func(ev *portal.Event) { ev.Actor.Role = "Rol-van-A" })
	b := event(bsnB, now.Add(-time.Hour), func(ev *portal.Event) { ev.Actor.Role = "Rol-van-B" })
	e.ingest(a, b)
	ca, _ := e.citizen(bsnA)

	resp, body := e.do("GET", "/verwerkingen", ca, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(body, "Rol-van-A") || strings.Contains(body, "Rol-van-B") {
		t.Fatalf("citizen A's log must show A's event and not B's")
	}
	if n := doc(t, body).Find("ol.events > li").Length(); n != 1 {
		t.Fatalf("want 1 event row, got %d", n)
	}
	resp, _ = e.do("GET", "/verwerkingen/"+a.ID, ca, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("own detail: status %d", resp.StatusCode)
	}
	// Another citizen's id gives 404, exactly like an id that does not exist.
	resp, _ = e.do("GET", "/verwerkingen/"+b.ID, ca, "", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("other citizen's event: want 404, got %d", resp.StatusCode)
	}
	resp, _ = e.do("GET", "/verwerkingen/00000000-0000-0000-0000-000000000000", ca, "", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("unknown event: want 404, got %d", resp.StatusCode)
	}
	_, csvBody := e.do("GET", "/verwerkingen.csv", ca, "", nil)
	if !strings.Contains(csvBody, a.ID) || strings.Contains(csvBody, b.ID) {
		t.Fatalf("CSV must hold A's event only:\n%s", csvBody)
	}
}

func TestConfidentialEventsHiddenUntilTheirDate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	now := time.Now()
	future := now.Add(30 * 24 * time.Hour)
	past := now.Add(-time.Hour)
	hidden := event(bsnA, now.Add(-2*time.Hour), func(ev *portal.Event) {
		ev.ConfidentialUntil, ev.ConfidentialReason, ev.Actor.Role = &future, "lopend onderzoek", "Geheime-rol"
	})
	released := event(bsnA, now.Add(-3*time.Hour), func(ev *portal.Event) {
		ev.ConfidentialUntil, ev.ConfidentialReason, ev.Actor.Role = &past, "afgerond onderzoek", "Vrijgegeven-rol"
	})
	e.ingest(hidden, released)
	ca, _ := e.citizen(bsnA)
	for _, path := range []string{"/verwerkingen", "/overzicht", "/verwerkingen.csv"} {
		_, body := e.do("GET", path, ca, "", nil)
		if strings.Contains(body, "Geheime-rol") || strings.Contains(body, hidden.ID) {
			t.Errorf("%s shows a confidential event", path)
		}
		if path != "/overzicht" && !strings.Contains(body, "Vrijgegeven-rol") {
			t.Errorf("%s hides an event whose confidentiality ended", path)
		}
	}
	if resp, _ := e.do("GET", "/verwerkingen/"+hidden.ID, ca, "", nil); resp.StatusCode != 404 {
		t.Errorf("confidential detail: want 404, got %d", resp.StatusCode)
	}
	_, body := e.do("GET", "/overzicht", ca, "", nil)
	if got := doc(t, body).Find(".stats li").First().Find(".stat-value").Text(); got != "1" {
		t.Errorf("overview total counts a confidential event: %q", got)
	}
}

func TestProcessingLogFiltersAndKeysetPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	base := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	var evs []portal.Event
	for i := 0; i < 60; i++ {
		evs = append(evs, event(bsnA, base.Add(time.Duration(-i)*24*time.Hour), func(ev *portal.Event) {
			if i%10 == 0 {
				ev.AccessBasis, ev.BreakGlassReason = "break_glass", fmt.Sprintf("spoed %d", i)
			}
			if i%3 == 0 {
				ev.Actor.Organization = "Thuiszorg De Linde"
			}
			if i%4 == 0 {
				ev.DataCategories = []string{"health"}
			}
		}))
	}
	e.ingest(evs...)
	ca, _ := e.citizen(bsnA)

	seen := map[string]int{}
	path := "/verwerkingen"
	pages := 0
	for path != "" {
		pages++
		resp, body := e.do("GET", path, ca, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		d := doc(t, body)
		d.Find("ol.events h3 a").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			seen[strings.TrimPrefix(href, "/verwerkingen/")]++
		})
		path, _ = d.Find(`a[rel="next"]`).Attr("href")
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 60 || pages != 3 {
		t.Fatalf("want 60 distinct events over 3 pages, got %d over %d", len(seen), pages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %s shown %d times across pages", id, n)
		}
	}

	count := func(q string) int {
		_, body := e.do("GET", "/verwerkingen.csv?"+q, ca, "", nil)
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("csv %s: %v", q, err)
		}
		return len(recs) - 1
	}
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"", 60},
		{"grondslag=break_glass", 6},
		{"organisatie=Thuiszorg+De+Linde", 20},
		{"categorie=health", 15},
		{"van=2026-03-01&tot=2026-03-10", 10},
		{"van=2026-03-01&tot=2026-03-10&grondslag=break_glass", 1},
	} {
		if got := count(tc.q); got != tc.want {
			t.Errorf("filter %q: want %d rows, got %d", tc.q, tc.want, got)
		}
	}
	if resp, _ := e.do("GET", "/verwerkingen?van=gisteren", ca, "", nil); resp.StatusCode != 422 {
		t.Errorf("bad date filter: want 422, got %d", resp.StatusCode)
	}
	for _, q := range []string{"na=rommel", "organisatie=%FF", "organisatie=%00", "categorie=%FF", "categorie=A+B",
		"grondslag=alles", "tot=2026-13-45"} {
		for _, p := range []string{"/verwerkingen?", "/verwerkingen.csv?", "/verwerkingen.pdf?"} {
			if resp, _ := e.do("GET", p+q, ca, "", nil); resp.StatusCode != 422 {
				t.Errorf("%s%s: want 422, got %d", p, q, resp.StatusCode)
			}
		}
	}
}

func TestRowShowsMarksAndHidesEmployeeName(t *testing.T) {
	t.Parallel()
	now := time.Now()
	aw := event(bsnA, now.Add(-time.Hour), func(ev *portal.Event) {
		ev.AccessBasis = "against_will"
		ev.AgainstWill = &portal.AgainstWill{DecisionRef: "BT-17", Reason: "zorgen over veiligheid", ApprovedBy: "Tineke Leider"}
	})
	bg := event(bsnA, now.Add(-2*time.Hour), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason = "break_glass", "collega ziek"
	})
	cs := event(bsnA, now.Add(-3*time.Hour), func(ev *portal.Event) { ev.AccessBasis, ev.ConsentRef = "consent", "TS-9" })
	for _, show := range []bool{false, true} {
		e := newEnv(t, web.Config{ShowEmployee: show}, web.Deps{})
		e.ingest(aw, bg, cs)
		ca, _ := e.citizen(bsnA)
		_, body := e.do("GET", "/verwerkingen", ca, "", nil)
		for _, want := range []string{"BT-17", "zorgen over veiligheid", "collega ziek", "TS-9"} {
			if !strings.Contains(body, want) {
				t.Errorf("log lacks mark text %q", want)
			}
		}
		if marks := doc(t, body).Find("p.mark").Length(); marks != 3 {
			t.Errorf("want 3 marks, got %d", marks)
		}
		if got := strings.Contains(body, "Jan Medewerker"); got != show {
			t.Errorf("ShowEmployee=%v but employee name shown=%v", show, got)
		}
		if got := strings.Contains(body, "Tineke Leider"); got != show {
			t.Errorf("ShowEmployee=%v but the approver's name shown=%v", show, got)
		}
	}
}

func TestTemplatesEscapeReportedText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ev := event(bsnA, time.Now().Add(-time.Hour), func(ev *portal.Event) { ev.Actor.Role = `<script>alert(1)</script>` })
	e.ingest(ev)
	ca, _ := e.citizen(bsnA)
	for _, p := range []string{"/verwerkingen", "/verwerkingen/" + ev.ID, "/overzicht"} {
		_, body := e.do("GET", p, ca, "", nil)
		if strings.Contains(body, "<script>") {
			t.Errorf("%s renders reported text as HTML", p)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s does not show the escaped text", p)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	for _, prod := range []bool{false, true} {
		e := newEnv(t, web.Config{Production: prod}, web.Deps{})
		ca, _ := e.citizen(bsnA)
		resp, _ := e.do("GET", "/verwerkingen", ca, "", nil)
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("CSP allows inline script: %q", csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
			"Cache-Control": "no-store"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: want %q, got %q", h, want, got)
			}
		}
		if hsts := resp.Header.Get("Strict-Transport-Security"); (hsts != "") != prod {
			t.Errorf("production=%v but HSTS=%q", prod, hsts)
		}
		resp, _ = e.do("GET", "/static/app.css", "", "", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") == "no-store" {
			t.Errorf("static files: status %d cache %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}

func TestLogoutNeedsCSRFAndKillsTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ca, csrf := e.citizen(bsnA)
	ct := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if resp, _ := e.do("POST", "/uitloggen", ca, "", form("csrf", "wrong"), ct...); resp.StatusCode != 403 {
		t.Fatalf("logout with a wrong token: want 403, got %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/uitloggen", ca, "", form(), ct...); resp.StatusCode != 403 {
		t.Fatalf("logout without a token: want 403, got %d", resp.StatusCode)
	}
	// The right token in the query string does not count: only the body or the header carries it.
	if resp, _ := e.do("POST", "/uitloggen?csrf="+csrf, ca, "", form(), ct...); resp.StatusCode != 403 {
		t.Fatalf("logout with the token in the query string: want 403, got %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/uitloggen?csrf="+csrf, ca, "", form("csrf", "wrong"), ct...); resp.StatusCode != 403 {
		t.Fatalf("logout with a good query token and a wrong body token: want 403, got %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/overzicht", ca, "", nil); resp.StatusCode != 200 {
		t.Fatalf("session must survive a refused logout, got %d", resp.StatusCode)
	}
	// The header, as a script would send it, is accepted; so is the form body below.
	cb, csrfB := e.citizen(bsnB)
	if resp, _ := e.do("POST", "/uitloggen", cb, "", form(), "X-CSRF-Token", csrfB); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout with the token in the header: want 303, got %d", resp.StatusCode)
	}
	resp, _ := e.do("POST", "/uitloggen", ca, "", form("csrf", csrf), ct...)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: want 303, got %d", resp.StatusCode)
	}
	cleared := false
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-inzicht_session" && c.Value == "" && c.Expires.Before(time.Now()) && c.Secure {
			cleared = true
		}
	}
	if !cleared {
		t.Error("logout does not clear the session cookie")
	}
	// The old cookie is worthless afterwards.
	resp, _ = e.do("GET", "/overzicht", ca, "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/inloggen" {
		t.Fatalf("old cookie after logout: want redirect to /inloggen, got %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestEveryFormCarriesACSRFToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)))
	ca, csrf := e.citizen(bsnA)
	for _, p := range []string{"/overzicht", "/verwerkingen", "/uitloggen"} {
		_, body := e.do("GET", p, ca, "", nil)
		doc(t, body).Find("form").Each(func(_ int, f *goquery.Selection) {
			if m, _ := f.Attr("method"); strings.ToLower(m) != "post" {
				return
			}
			if v, _ := f.Find(`input[name="csrf"]`).Attr("value"); v != csrf {
				t.Errorf("%s: POST form without the session's CSRF token", p)
			}
		})
	}
}

func TestLanguageSwitchAndOpenRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	resp, _ := e.do("GET", "/taal?lang=en&terug=/verwerkingen", "", "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/verwerkingen" {
		t.Fatalf("switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var lang *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-inzicht_lang" {
			lang = c
		}
	}
	if lang == nil || lang.Value != "en" || !lang.Secure || !lang.HttpOnly {
		t.Fatalf("language cookie: %+v", lang)
	}
	for _, evil := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		resp, _ := e.do("GET", "/taal?lang=en&terug="+evil, "", "", nil)
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("terug=%q redirects to %q", evil, loc)
		}
	}
	_, body := e.do("GET", "/", "", "", nil, "Cookie", "__Host-inzicht_lang=en")
	d := doc(t, body)
	if l, _ := d.Find("html").Attr("lang"); l != "en" {
		t.Errorf("html lang = %q, want en", l)
	}
	if !strings.Contains(d.Find("h1").Text(), "municipality") {
		t.Errorf("English home page heading: %q", d.Find("h1").Text())
	}
}

func TestErrorPagesShowNoInternals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ca, _ := e.citizen(bsnA)
	resp, body := e.do("GET", "/bestaat-niet", ca, "", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "Deze pagina bestaat niet") {
		t.Fatalf("404 page: %d", resp.StatusCode)
	}
	e.db.Close() // every query now fails
	resp, body = e.do("GET", "/verwerkingen", ca, "", nil)
	if resp.StatusCode != 500 {
		t.Fatalf("want 500 with the database gone, got %d", resp.StatusCode)
	}
	for _, leak := range []string{"postgres", "pool", "closed", "SELECT", "sql"} {
		if strings.Contains(strings.ToLower(body), strings.ToLower(leak)) {
			t.Errorf("error page leaks %q", leak)
		}
	}
}

// TestAuthorizationMatrix checks every route for every kind of caller, and fails when a route is
// registered without a row here. Later work adds its routes and roles.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	p := oidctest.New(t)
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: "http://localhost/inloggen/callback"})
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("up 1\n")) })
	logSigner := testLogSigner(t)
	e := newEnv(t, web.Config{MetricsToken: "metrics-secret", LoginRate: 1000, LogVerifierKey: logSigner.VerifierKey()},
		web.Deps{CitizenRP: rp, Metrics: metrics})
	evA := event(bsnA, time.Now().Add(-time.Hour))
	evB := event(bsnB, time.Now().Add(-time.Hour))
	e.ingest(evA, evB)
	if _, err := e.db.IntegrateLog(context.Background(), logSigner, 100); err != nil { // a tree of 2 for /log/…
		t.Fatal(err)
	}
	ca, _ := e.citizen(bsnA)
	cb, _ := e.citizen(bsnB)
	clerk, _ := e.staff("clerk")
	lead, _ := e.staff("team_lead")
	council, _ := e.staff("council")
	privacy, _ := e.staff("privacy_officer")
	ctx := context.Background()
	// A is a child of 13 for the representations: a parent, an administrator, and B as former guardian.
	birthA := time.Now().In(portal.Amsterdam).AddDate(-13, 0, -20).Format("2006-01-02")
	parentA, _ := e.citizen("999990172")
	e.actFor(parentA, e.represent("999990172", bsnA, portal.RepParentalAuthority, birthA).ID)
	adminA, _ := e.citizen("999990184")
	e.actFor(adminA, e.represent("999990184", bsnA, portal.RepAdministration, birthA, portal.PartLog, portal.PartRequests).ID)
	former := e.represent(bsnB, bsnA, portal.RepGuardianship, birthA)
	formerA, _ := e.citizen(bsnB)
	e.actFor(formerA, former.ID)
	if err := e.db.EndRepresentation(ctx, former.ID, 0); err != nil {
		t.Fatal(err)
	}
	childA, _ := e.citizen(bsnA)
	_, keyRequests, err := e.db.CreateAPIKey(ctx, "requests-only", []string{"requests:read"})
	if err != nil {
		t.Fatal(err)
	}
	subA, err := e.db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	newReq := func(kind portal.RequestKind) portal.RightsRequest {
		r, err := e.db.CreateRequest(ctx, subA, portal.NewRequest{Kind: kind, Scope: portal.Scope{All: true}, Description: "matrix"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	reqA, decidedA := newReq(portal.KindObjection), newReq(portal.KindInspection)
	_, keySignals, err := e.db.CreateAPIKey(ctx, "signals-only", []string{"signals:write"})
	if err != nil {
		t.Fatal(err)
	}
	sigA, _, err := e.db.RegisterSignal(ctx, portal.NewSignal{ID: uuid.NewString(), SubjectBSN: bsnA, ReceivedAt: time.Now(),
		ReporterKind: "school", Nature: portal.Nature{Category: "wellbeing", Summary: "Zorgen"}, Urgency: "normal",
		HandlingTeam: "Wijkteam"}, "api", 0, nil, nil, portal.SignalPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	_, keyConsent, err := e.db.CreateAPIKey(ctx, "consent-only", []string{"consent:write", "consent:read"})
	if err != nil {
		t.Fatal(err)
	}
	consentA, _, err := e.db.CreateConsent(ctx, portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsnA, CaseRef: "Z-1",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente", Role: "Consulent"}, DataItem: "Medische informatie",
		DataHolder: "Uw huisarts", Purpose: "Dagbesteding", Necessity: "Om te weten wat past", LegalGround: "Beroepsgeheim",
		IfRefused: "We besluiten zonder", ValidUntil: time.Now().AddDate(0, 6, 0).Format("2006-01-02")}, "staff", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.DecideConsent(ctx, subA, consentA.ID, portal.ConsentGranted, ""); err != nil {
		t.Fatal(err)
	}
	consent := func() string {
		return `{"id":"` + uuid.NewString() + `","subject_bsn":"999993653","case_ref":"Z-2","requested_by":{"organization":"Gemeente","role":"Consulent"},` +
			`"data_item":"Medische informatie","data_holder":"Uw huisarts","purpose":"Dagbesteding","necessity":"Om te weten wat past",` +
			`"legal_ground":"Beroepsgeheim","if_refused":"We besluiten zonder","valid_until":"` + time.Now().AddDate(0, 6, 0).Format("2006-01-02") + `"}`
	}
	signal := func() string {
		return `{"id":"` + uuid.NewString() + `","subject_bsn":"999993653","received_at":"2026-01-02T10:00:00Z",` +
			`"reporter_kind":"neighbourhood","nature":{"category":"nuisance","summary":"Geluidsoverlast"},` +
			`"urgency":"normal","handling_team":"Wijkteam Noord"}`
	}
	boss := portal.Staff{Sub: "lead", Name: "Lea Leider", Roles: []string{"team_lead"}}
	for _, a := range []portal.Action{{Kind: portal.StepStarted}, {Kind: portal.StepDecided, Outcome: portal.OutcomeGranted}} {
		if _, err := e.db.ActOnRequest(ctx, decidedA.ID, boss, a); err != nil {
			t.Fatal(err)
		}
	}
	_, keyEvents, err := e.db.CreateAPIKey(ctx, "events-only", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	_, keyRegister, err := e.db.CreateAPIKey(ctx, "register-only", []string{"register:write"})
	if err != nil {
		t.Fatal(err)
	}
	batch := func() string {
		return `{"events":[{"id":"` + uuid.NewString() + `","occurred_at":"2026-01-02T10:00:00Z","subject_bsn":"999993653",` +
			`"activity":"wmo-onderzoek","action":"view","data_categories":["health"],"level":"that",` +
			`"actor":{"organization":"Gemeente","role":"Consulent"},"access_basis":"assigned"}]}`
	}
	activity := func() string {
		return `{"name":{"nl":"n","en":"n"},"purpose":{"nl":"p","en":"p"},"legal_basis":{"nl":"l","en":"l"},` +
			`"data_categories":["health"],"retention":"P1Y","controller":"Gemeente"}`
	}

	// statuses is the status each kind of caller gets. 303 = sent to a login (or onwards).
	type statuses struct {
		Anon                                         int // no session, no key
		CitizenA, CitizenB                           int // citizens with a DigiD session (A owns the fixtures)
		Clerk, Lead, Officer, Council                int // staff sessions: clerk, team lead, privacy officer, council
		KeyNone, KeyEvents, KeyRegister              int // API keys: no scope, events:write, register:write
		KeyRequests, KeySignals, KeyConsent, Metrics int // requests:read, signals:write, consent:write+read; the metrics token
		// Acting for A, here a child of 13 (issue 16): a parent with authority (every part), an
		// administrator (log and requests, financial processing only), a former guardian whose
		// guardianship ended (that session is citizen B's), and the child A herself. When a row leaves
		// them 0 they are derived (repDefaults): the parent and the child answer as citizen A, the
		// administrator as citizen A except 403 outside its parts, the former guardian as citizen B.
		ParentA, AdminA, FormerGuardianA, ChildA13 int
	}
	type caller struct {
		name, cookie, key string
		want              func(statuses) int
	}
	callers := []caller{
		{"anonymous", "", "", func(s statuses) int { return s.Anon }},
		{"citizenA", ca, "", func(s statuses) int { return s.CitizenA }},
		{"citizenB", cb, "", func(s statuses) int { return s.CitizenB }},
		{"clerk", clerk, "", func(s statuses) int { return s.Clerk }},
		{"team-lead", lead, "", func(s statuses) int { return s.Lead }},
		{"privacy-officer", privacy, "", func(s statuses) int { return s.Officer }},
		{"council", council, "", func(s statuses) int { return s.Council }},
		{"key-noscope", "", e.keyNone, func(s statuses) int { return s.KeyNone }},
		{"key-events", "", keyEvents, func(s statuses) int { return s.KeyEvents }},
		{"key-register", "", keyRegister, func(s statuses) int { return s.KeyRegister }},
		{"key-requests", "", keyRequests, func(s statuses) int { return s.KeyRequests }},
		{"key-signals", "", keySignals, func(s statuses) int { return s.KeySignals }},
		{"key-consent", "", keyConsent, func(s statuses) int { return s.KeyConsent }},
		{"metrics-token", "", "metrics-secret", func(s statuses) int { return s.Metrics }},
		{"parent-of-A", parentA, "", func(s statuses) int { return s.ParentA }},
		{"administrator-of-A", adminA, "", func(s statuses) int { return s.AdminA }},
		{"former-guardian-of-A", formerA, "", func(s statuses) int { return s.FormerGuardianA }},
		{"child-A-aged-13", childA, "", func(s statuses) int { return s.ChildA13 }},
	}
	// repDefaults fills the acting callers' statuses a row leaves 0 (see statuses).
	repDefaults := func(route string, s statuses) statuses {
		outside := strings.HasPrefix(route, "/toestemmingen") || strings.HasPrefix(route, "/signalen")
		for _, f := range []struct {
			v *int
			d int
		}{{&s.ParentA, s.CitizenA}, {&s.ChildA13, s.CitizenA}, {&s.FormerGuardianA, s.CitizenB}, {&s.AdminA, s.CitizenA}} {
			if *f.v == 0 {
				*f.v = f.d
				if f.v == &s.AdminA && outside && s.CitizenA != 303 && s.CitizenA != 401 {
					*f.v = 403
				}
			}
		}
		return s
	}
	// A row names only the callers that differ from its route's usual answer:
	// page: a portal page, which sends callers without a session to a login (303) and refuses a signed-in
	// caller without the role (403); api: an API route, which refuses callers without a key (401) and keys
	// without the scope (403); everyone: one status for all.
	fill := func(s, d statuses) statuses {
		for _, f := range []struct{ v, d *int }{{&s.Anon, &d.Anon}, {&s.CitizenA, &d.CitizenA}, {&s.CitizenB, &d.CitizenB},
			{&s.Clerk, &d.Clerk}, {&s.Lead, &d.Lead}, {&s.Officer, &d.Officer}, {&s.Council, &d.Council},
			{&s.KeyNone, &d.KeyNone}, {&s.KeyEvents, &d.KeyEvents}, {&s.KeyRegister, &d.KeyRegister},
			{&s.KeyRequests, &d.KeyRequests}, {&s.KeySignals, &d.KeySignals}, {&s.KeyConsent, &d.KeyConsent}, {&s.Metrics, &d.Metrics}} {
			if *f.v == 0 {
				*f.v = *f.d
			}
		}
		return s
	}
	everyone := func(st int) statuses {
		return statuses{st, st, st, st, st, st, st, st, st, st, st, st, st, st, st, st, st, st}
	}
	page := func(s statuses) statuses {
		return fill(s, statuses{Anon: 303, CitizenA: 403, CitizenB: 403, Clerk: 403, Lead: 403, Officer: 403, Council: 403,
			KeyNone: 303, KeyEvents: 303, KeyRegister: 303, KeyRequests: 303, KeySignals: 303, KeyConsent: 303, Metrics: 303})
	}
	api := func(s statuses) statuses {
		return fill(s, statuses{Anon: 401, CitizenA: 401, CitizenB: 401, Clerk: 401, Lead: 401, Officer: 401, Council: 401,
			KeyNone: 403, KeyEvents: 403, KeyRegister: 403, KeyRequests: 403, KeySignals: 403, KeyConsent: 403, Metrics: 401})
	}
	type row struct {
		route, method, path string
		body                func() string
		want                statuses
	}
	rows := []row{
		{"/", "GET", "/", nil, statuses{Anon: 200, CitizenA: 303, CitizenB: 303, Clerk: 303, Lead: 303, Officer: 303, Council: 303, KeyNone: 200, KeyEvents: 200, KeyRegister: 200, KeyRequests: 200, KeySignals: 200, KeyConsent: 200, Metrics: 200}},
		{"/healthz", "GET", "/healthz", nil, everyone(200)},
		{"/readyz", "GET", "/readyz", nil, everyone(200)},
		{"/metrics", "GET", "/metrics", nil, statuses{Anon: 401, CitizenA: 401, CitizenB: 401, Clerk: 401, Lead: 401, Officer: 401, Council: 401, KeyNone: 401, KeyEvents: 401, KeyRegister: 401, KeyRequests: 401, KeySignals: 401, KeyConsent: 401, Metrics: 200}},
		{"/taal", "GET", "/taal?lang=en", nil, everyone(303)},
		{"/inloggen", "GET", "/inloggen", nil, everyone(303)},
		{"/inloggen/callback", "GET", "/inloggen/callback?code=x&state=y", nil, everyone(400)},
		{"/medewerker/inloggen", "GET", "/medewerker/inloggen", nil, everyone(404)}, // no staff client configured here
		{"/medewerker/inloggen/callback", "GET", "/medewerker/inloggen/callback?code=x&state=y", nil, everyone(400)},
		{"/uitgelogd", "GET", "/uitgelogd", nil, everyone(200)},
		// Help, the statements and the contact page are public (issue 18).
		{"/help", "GET", "/help", nil, everyone(200)},
		{"/privacy", "GET", "/privacy", nil, everyone(200)},
		{"/toegankelijkheid", "GET", "/toegankelijkheid", nil, everyone(200)},
		{"/contact", "GET", "/contact", nil, everyone(200)},
		{"/overzicht", "GET", "/overzicht", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/verwerkingen", "GET", "/verwerkingen", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		// evA is not financial processing: the administrator does not see it.
		{"/verwerkingen/:id", "GET", "/verwerkingen/" + evA.ID, nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verwerkingen/:id", "GET", "/verwerkingen/" + evB.ID, nil, page(statuses{CitizenA: 404, CitizenB: 200})},
		{"/verwerkingen.csv", "GET", "/verwerkingen.csv", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/verwerkingen.pdf", "GET", "/verwerkingen.pdf", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/verwerkingen/overzicht", "GET", "/verwerkingen/overzicht", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/verwerkingen/bewijs.json", "GET", "/verwerkingen/bewijs.json", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/uitloggen", "GET", "/uitloggen", nil, statuses{Anon: 303, CitizenA: 200, CitizenB: 200, Clerk: 200, Lead: 200, Officer: 200, Council: 200, KeyNone: 303, KeyEvents: 303, KeyRegister: 303, KeyRequests: 303, KeySignals: 303, KeyConsent: 303, Metrics: 303}},
		{"/uitloggen", "POST", "/uitloggen", nil, page(statuses{})}, // no CSRF token: refused
		{"/medewerker", "GET", "/medewerker", nil, page(statuses{Clerk: 200, Lead: 200, Officer: 200, Council: 200})},
		{"/api/v1/openapi.json", "GET", "/api/v1/openapi.json", nil, everyone(200)},
		{"/api/v1/processing-activities", "GET", "/api/v1/processing-activities", nil, statuses{Anon: 401, CitizenA: 401, CitizenB: 401, Clerk: 401, Lead: 401, Officer: 401, Council: 401, KeyNone: 200, KeyEvents: 200, KeyRegister: 200, KeyRequests: 200, KeySignals: 200, KeyConsent: 200, Metrics: 401}},
		{"/api/v1/processing-activities/:id", "PUT", "/api/v1/processing-activities/matrix-test", activity, api(statuses{KeyRegister: 200})},
		// Rights requests: a citizen reaches only their own (an administrator only those filed under
		// their own representation: A's own requests are 404 for them); request handlers are clerks and team leads;
		// a POST without the CSRF token is refused before anything happens.
		{"/verzoeken", "GET", "/verzoeken", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/verzoeken/nieuw", "GET", "/verzoeken/nieuw", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/verzoeken", "POST", "/verzoeken", nil, page(statuses{})},
		{"/verzoeken/:id", "GET", "/verzoeken/" + reqA.ID, nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verzoeken/:id/intrekken", "GET", "/verzoeken/" + reqA.ID + "/intrekken", nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verzoeken/:id/intrekken", "POST", "/verzoeken/" + reqA.ID + "/intrekken", nil, page(statuses{})},
		{"/verzoeken/:id/ontvangstbevestiging.pdf", "GET", "/verzoeken/" + reqA.ID + "/ontvangstbevestiging.pdf", nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verzoeken/:id/besluit.pdf", "GET", "/verzoeken/" + decidedA.ID + "/besluit.pdf", nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verzoeken/:id/besluit.pdf", "GET", "/verzoeken/" + reqA.ID + "/besluit.pdf", nil, page(statuses{CitizenA: 404, CitizenB: 404})}, // no decision yet
		{"/verzoeken/:id/ontvangstbevestiging", "GET", "/verzoeken/" + reqA.ID + "/ontvangstbevestiging", nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verzoeken/:id/besluit", "GET", "/verzoeken/" + decidedA.ID + "/besluit", nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verzoeken/:id/besluit", "GET", "/verzoeken/" + reqA.ID + "/besluit", nil, page(statuses{CitizenA: 404, CitizenB: 404})}, // no decision yet
		// Issue 18: the Awb objection form exists for a decided request only, within six weeks.
		{"/verzoeken/:id/bezwaarschrift", "GET", "/verzoeken/" + decidedA.ID + "/bezwaarschrift", nil, page(statuses{CitizenA: 200, CitizenB: 404, AdminA: 404})},
		{"/verzoeken/:id/bezwaarschrift", "GET", "/verzoeken/" + reqA.ID + "/bezwaarschrift", nil, page(statuses{CitizenA: 404, CitizenB: 404, AdminA: 404})}, // no decision yet
		{"/verzoeken/:id/bezwaarschrift", "POST", "/verzoeken/" + decidedA.ID + "/bezwaarschrift", nil, page(statuses{})},
		{"/berichten", "GET", "/berichten", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/berichten/gelezen", "POST", "/berichten/gelezen", nil, page(statuses{})},
		// The confirmation link's page changes nothing and shows everyone a page (a login prompt, or the
		// button); confirming is a citizen's POST with the CSRF token.
		{"/email/bevestigen", "GET", "/email/bevestigen?token=x", nil, everyone(200)},
		{"/email/bevestigen", "POST", "/email/bevestigen", nil, page(statuses{})},
		// Issue 18: every citizen sees their settings page (someone acting for another sees why the
		// settings are not theirs to change); the changes are citizens' POSTs with the CSRF token.
		{"/instellingen", "GET", "/instellingen", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/instellingen/email", "POST", "/instellingen/email", nil, page(statuses{})},
		{"/instellingen/email/verwijderen", "POST", "/instellingen/email/verwijderen", nil, page(statuses{})},
		{"/instellingen/keuzes", "POST", "/instellingen/keuzes", nil, page(statuses{})},
		{"/medewerker/verzoeken", "GET", "/medewerker/verzoeken", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/verzoeken/zoeken", "POST", "/medewerker/verzoeken/zoeken", nil, page(statuses{})},
		{"/medewerker/verzoeken/:id", "GET", "/medewerker/verzoeken/" + reqA.ID, nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/verzoeken/:id/besluit.pdf", "GET", "/medewerker/verzoeken/" + decidedA.ID + "/besluit.pdf", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/verzoeken/:id/besluit", "GET", "/medewerker/verzoeken/" + decidedA.ID + "/besluit", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/verzoeken/:id/toewijzen", "POST", "/medewerker/verzoeken/" + reqA.ID + "/toewijzen", nil, page(statuses{})},
		{"/medewerker/verzoeken/:id/behandelen", "POST", "/medewerker/verzoeken/" + reqA.ID + "/behandelen", nil, page(statuses{})},
		{"/medewerker/verzoeken/:id/verlengen", "POST", "/medewerker/verzoeken/" + reqA.ID + "/verlengen", nil, page(statuses{})},
		{"/medewerker/verzoeken/:id/besluiten", "POST", "/medewerker/verzoeken/" + reqA.ID + "/besluiten", nil, page(statuses{})},
		{"/medewerker/verzoeken/:id/medeondertekenen", "POST", "/medewerker/verzoeken/" + reqA.ID + "/medeondertekenen", nil, page(statuses{})},
		{"/medewerker/verzoeken/:id/terugsturen", "POST", "/medewerker/verzoeken/" + reqA.ID + "/terugsturen", nil, page(statuses{})},
		{"/medewerker/noodtoegang/gezien", "POST", "/medewerker/noodtoegang/gezien", nil, page(statuses{})},
		// Internal notes (issue 17): clerks and team leads only; without the CSRF token refused too.
		{"/medewerker/verzoeken/:id/notities", "POST", "/medewerker/verzoeken/" + reqA.ID + "/notities", nil, page(statuses{})},
		// Signals: citizens see only their own told signals; clerks and team leads handle them; only team
		// leads decide on deferrals (all POSTs here lack the CSRF token, so they are refused).
		{"/signalen", "GET", "/signalen", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/signalen/:id", "GET", "/signalen/" + sigA.ID + "", nil, page(statuses{CitizenA: 200, CitizenB: 404})},
		{"/medewerker/signalen", "GET", "/medewerker/signalen", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/signalen/nieuw", "GET", "/medewerker/signalen/nieuw", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/signalen/:id", "GET", "/medewerker/signalen/" + sigA.ID + "", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/signalen", "POST", "/medewerker/signalen", nil, page(statuses{})},
		{"/medewerker/signalen/:id/uitstel", "POST", "/medewerker/signalen/" + sigA.ID + "/uitstel", nil, page(statuses{})},
		{"/medewerker/signalen/:id/uitstel/:did/goedkeuren", "POST", "/medewerker/signalen/" + sigA.ID + "/uitstel/1/goedkeuren", nil, page(statuses{})},
		{"/medewerker/signalen/:id/uitstel/:did/afwijzen", "POST", "/medewerker/signalen/" + sigA.ID + "/uitstel/1/afwijzen", nil, page(statuses{})},
		{"/medewerker/signalen/:id/vrijgeven", "POST", "/medewerker/signalen/" + sigA.ID + "/vrijgeven", nil, page(statuses{})},
		{"/medewerker/signalen/:id/vrijgeven/:rid/goedkeuren", "POST", "/medewerker/signalen/" + sigA.ID + "/vrijgeven/1/goedkeuren", nil, page(statuses{})},
		{"/medewerker/signalen/:id/vrijgeven/:rid/afwijzen", "POST", "/medewerker/signalen/" + sigA.ID + "/vrijgeven/1/afwijzen", nil, page(statuses{})},
		{"/medewerker/signalen/:id/melden", "POST", "/medewerker/signalen/" + sigA.ID + "/melden", nil, page(statuses{})},
		{"/medewerker/signalen/:id/tekst", "POST", "/medewerker/signalen/" + sigA.ID + "/tekst", nil, page(statuses{})},
		{"/medewerker/signalen/:id/bewaarbesluit", "POST", "/medewerker/signalen/" + sigA.ID + "/bewaarbesluit", nil, page(statuses{})},
		{"/api/v1/signals", "POST", "/api/v1/signals", signal, api(statuses{KeySignals: 201})},
		// Consent: a citizen reaches only their own requests; systems ask with consent:write and check with consent:read.
		{"/toestemmingen", "GET", "/toestemmingen", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/toestemmingen/:id", "GET", "/toestemmingen/" + consentA.ID + "", nil, page(statuses{CitizenA: 200, CitizenB: 404})},
		{"/toestemmingen/:id/besluit", "POST", "/toestemmingen/" + consentA.ID + "/besluit", nil, page(statuses{})},
		// The confirmation page: A, a child under parental authority, cannot withdraw (back to the
		// request, 303); the parent can (200); the administrator's representation has no consent part.
		{"/toestemmingen/:id/intrekken", "GET", "/toestemmingen/" + consentA.ID + "/intrekken", nil, page(statuses{CitizenA: 303, CitizenB: 404, ParentA: 200, AdminA: 403})},
		{"/toestemmingen/:id/intrekken", "POST", "/toestemmingen/" + consentA.ID + "/intrekken", nil, page(statuses{})},
		{"/toestemmingen/:id/bewijs.pdf", "GET", "/toestemmingen/" + consentA.ID + "/bewijs.pdf", nil, page(statuses{CitizenA: 200, CitizenB: 404})},
		{"/toestemmingen/:id/bewijs", "GET", "/toestemmingen/" + consentA.ID + "/bewijs", nil, page(statuses{CitizenA: 200, CitizenB: 404})},
		{"/toestemmingen/:id/bewijs.json", "GET", "/toestemmingen/" + consentA.ID + "/bewijs.json", nil, page(statuses{CitizenA: 200, CitizenB: 404})},
		{"/medewerker/toestemmingen/nieuw", "GET", "/medewerker/toestemmingen/nieuw", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/toestemmingen", "POST", "/medewerker/toestemmingen", nil, page(statuses{})},
		// Staff see every consent request (clerks and team leads); opening one is a recorded view.
		{"/medewerker/toestemmingen", "GET", "/medewerker/toestemmingen", nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/toestemmingen/:id", "GET", "/medewerker/toestemmingen/" + consentA.ID, nil, page(statuses{Clerk: 200, Lead: 200})},
		{"/medewerker/toestemmingen/:id", "GET", "/medewerker/toestemmingen/" + uuid.NewString(), nil, page(statuses{Clerk: 404, Lead: 404})},
		// Acting on behalf of someone else: every citizen chooses for themselves and sees their own lists.
		{"/namens", "GET", "/namens", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/namens", "POST", "/namens", nil, page(statuses{})},
		{"/namens/gedaan", "GET", "/namens/gedaan", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/vertegenwoordigers", "GET", "/vertegenwoordigers", nil, page(statuses{CitizenA: 200, CitizenB: 200})},
		{"/vertegenwoordigers/:id/bezwaar", "POST", "/vertegenwoordigers/" + uuid.NewString() + "/bezwaar", nil, page(statuses{})},
		// Aggregates: the council's page for the council role only; the same suppressed figures as public open data.
		{"/raad", "GET", "/raad", nil, page(statuses{Council: 200})},
		{"/toezicht", "GET", "/toezicht", nil, page(statuses{Officer: 200})},
		{"/toezicht/noodtoegang/:id", "POST", "/toezicht/noodtoegang/" + evA.ID, nil, page(statuses{})},
		{"/toezicht/export.csv", "GET", "/toezicht/export.csv", nil, page(statuses{Officer: 200})},
		{"/raad/rapportage.pdf", "GET", "/raad/rapportage.pdf", nil, page(statuses{Council: 200})},
		{"/raad/rapportage", "GET", "/raad/rapportage", nil, page(statuses{Council: 200})},
		{"/raad/cijfers.csv", "GET", "/raad/cijfers.csv", nil, page(statuses{Council: 200})},
		{"/open-data/statistieken.json", "GET", "/open-data/statistieken.json", nil, everyone(200)},
		// The verifiable log is public: hashes and a signature only (issue 19).
		{"/log/checkpoint", "GET", "/log/checkpoint", nil, everyone(200)},
		{"/log/key", "GET", "/log/key", nil, everyone(200)},
		{"/log/tile/*", "GET", "/log/tile/0/000.p/2", nil, everyone(200)},
		{"/log/tile/*", "GET", "/log/tile/0/000.p/3", nil, everyone(404)},       // beyond the signed tree
		{"/log/tile/*", "GET", "/log/tile/entries/000.p/2", nil, everyone(404)}, // leaves are not published
		{"/api/v1/consent-requests", "POST", "/api/v1/consent-requests", consent, api(statuses{KeyConsent: 201})},
		{"/api/v1/consent-requests/:id", "GET", "/api/v1/consent-requests/" + consentA.ID + "", nil, api(statuses{KeyConsent: 200})},
		{"/api/v1/rights-requests", "GET", "/api/v1/rights-requests", nil, api(statuses{KeyRequests: 200})},
		{"/api/v1/rights-requests/:id", "GET", "/api/v1/rights-requests/" + reqA.ID, nil, api(statuses{KeyRequests: 200})},
		{"/api/v1/processing-events", "POST", "/api/v1/processing-events", batch, api(statuses{KeyEvents: 200})},
		// Reads for other systems need events:read, which none of these keys carries (api tests cover the key that does).
		{"/api/v1/ldv/data-processing-operations", "POST", "/api/v1/ldv/data-processing-operations",
			func() string { return `{"dpl.core.data_subject_id":"999993653"}` }, api(statuses{})},
		{"/api/v1/verwerkte-objecten", "GET", "/api/v1/verwerkte-objecten?objecttype=persoon&soortObjectId=BSN&objectId=999993653&beginDatum=2026-01-01&eindDatum=2027-01-01", nil, api(statuses{})},
		{"/api/v1/processing-events/:id/confidentiality-extensions", "POST", "/api/v1/processing-events/0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10/confidentiality-extensions",
			func() string {
				return `{"until":"` + time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339) + `","reason":"Onderzoek loopt nog"}`
			}, api(statuses{KeyEvents: 404})},
		// VNG Verwerkingenlogging: writes with events:write (an unknown actie or verwerking is 404),
		// reads with events:read, which no caller here carries; organisations with register:write.
		{"/api/v1/verwerkingsacties", "POST", "/api/v1/verwerkingsacties", func() string {
			return `{"actieId":"` + uuid.NewString() + `","verwerkingsactiviteitUrl":"https://var.example/verwerkingsactiviteiten/wmo-onderzoek",` +
				`"vertrouwelijkheid":"normaal","tijdstip":"2026-01-02T10:00:00Z",` +
				`"verwerkteObjecten":[{"objecttype":"persoon","soortObjectId":"BSN","objectId":"999993653"}]}`
		}, api(statuses{KeyEvents: 201})},
		{"/api/v1/verwerkingsacties", "PATCH", "/api/v1/verwerkingsacties?verwerkingId=" + uuid.NewString(),
			func() string { return `{"vertrouwelijkheid":"opgeheven"}` }, api(statuses{KeyEvents: 404})},
		{"/api/v1/verwerkingsacties", "GET", "/api/v1/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId=999993653", nil, api(statuses{})},
		{"/api/v1/verwerkingsacties/:actieId", "GET", "/api/v1/verwerkingsacties/" + uuid.NewString(), nil, api(statuses{})},
		{"/api/v1/verwerkingsacties/:actieId", "PUT", "/api/v1/verwerkingsacties/" + uuid.NewString(), func() string {
			return `{"vertrouwelijkheid":"normaal","tijdstip":"2026-01-02T10:00:00Z","verwerkteObjecten":[]}`
		}, api(statuses{KeyEvents: 404})},
		{"/api/v1/verwerkingsacties/:actieId", "DELETE", "/api/v1/verwerkingsacties/" + uuid.NewString(), nil, api(statuses{KeyEvents: 404})},
		{"/api/v1/organisations/:oin", "PUT", "/api/v1/organisations/00000001821002193000",
			func() string { return `{"name":"Gemeente Voorbeeldstad"}` }, api(statuses{KeyRegister: 201})},
		// No key in the matrix carries representations:write or :read: every key is refused (403),
		// every other caller 401 (the api package tests the scoped calls).
		{"/api/v1/representations/:id", "PUT", "/api/v1/representations/" + uuid.NewString(), func() string {
			return `{"representative_bsn":"999993653","subject_bsn":"999990019","subject_name":"Daan de Vries",` +
				`"subject_birth_date":"2014-01-15","kind":"parental_authority","parts":["log"],` +
				`"legal_basis":{"kind":"brp_authority","reference":"gezag 1D"},"valid_from":"2014-01-15"}`
		}, api(statuses{})},
		{"/api/v1/representations/:id", "DELETE", "/api/v1/representations/" + uuid.NewString(), nil, api(statuses{})},
		{"/api/v1/representations", "GET", "/api/v1/representations?subject_bsn=999990019", nil, api(statuses{})},
	}
	// The matrix-test activity exists beforehand, so the scoped PUT answers 200 (updated).
	if _, err := e.db.PutActivity(ctx, portal.Activity{ID: "matrix-test", Name: portal.Text{NL: "n", EN: "n"},
		Purpose: portal.Text{NL: "p", EN: "p"}, LegalBasis: portal.Text{NL: "l", EN: "l"},
		DataCategories: []string{"health"}, Retention: "P1Y", Controller: "Gemeente"}); err != nil {
		t.Fatal(err)
	}

	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.method+" "+r.route] = true
	}
	registered := 0
	routes := e.app.GetRoutes(true)
	for _, r := range e.api.GetRoutes(true) { // a mounted app's routes are listed by that app
		r.Path = "/api/v1" + r.Path
		routes = append(routes, r)
	}
	for _, r := range routes {
		if r.Method == "HEAD" || r.Path == "/static" {
			continue
		}
		registered++
		if !listed[r.Method+" "+r.Path] {
			t.Errorf("route %s %s has no row in the authorization matrix", r.Method, r.Path)
		}
	}
	if registered < len(listed) {
		t.Fatalf("only %d routes registered for %d rows: the route listing is broken", registered, len(listed))
	}
	for _, r := range rows {
		r.want = repDefaults(r.route, r.want)
		for _, c := range callers {
			if c.want(r.want) == 0 {
				t.Fatalf("row %s %s has no status for %s", r.method, r.path, c.name)
			}
		}
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s %s as %s", r.method, r.path, c.name), func(t *testing.T) {
				var resp *http.Response
				if r.body != nil {
					resp, _ = e.do(r.method, r.path, c.cookie, c.key, strings.NewReader(r.body()), "Content-Type", "application/json")
				} else {
					resp, _ = e.do(r.method, r.path, c.cookie, c.key, nil)
				}
				if want := c.want(r.want); resp.StatusCode != want {
					t.Errorf("want %d, got %d", want, resp.StatusCode)
				}
			})
		}
	}
}

func TestRateLimitsCountCitizensBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	p := oidctest.New(t)
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: "http://localhost/inloggen/callback"})
	// app.Test's peer address is 0.0.0.0: as the proxy, it is trusted in one portal and not in the other.
	for _, trusted := range []bool{true, false} {
		cfg := web.Config{LoginRate: 1, TrustedProxies: []string{"10.9.9.9"}}
		if trusted {
			cfg.TrustedProxies = []string{"0.0.0.0"}
		}
		e := newEnv(t, cfg, web.Deps{CitizenRP: rp})
		first, _ := e.do("GET", "/inloggen", "", "", nil, "X-Forwarded-For", "192.0.2.1")
		second, _ := e.do("GET", "/inloggen", "", "", nil, "X-Forwarded-For", "192.0.2.2")
		if first.StatusCode != http.StatusSeeOther {
			t.Fatalf("trusted=%v: first citizen: %d", trusted, first.StatusCode)
		}
		want := http.StatusTooManyRequests // an untrusted peer's header is ignored: both count as the peer
		if trusted {
			want = http.StatusSeeOther // two citizens behind the proxy, each within the limit
		}
		if second.StatusCode != want {
			t.Errorf("trusted=%v: second citizen: %d, want %d", trusted, second.StatusCode, want)
		}
	}
}

func TestMetricsAreNotPublicInProduction(t *testing.T) {
	t.Parallel()
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("up 1\n")) })
	e := newEnv(t, web.Config{Production: true}, web.Deps{Metrics: metrics})
	if r, _ := e.do("GET", "/metrics", "", "", nil); r.StatusCode != 404 {
		t.Errorf("production without a metrics token: /metrics answers %d, want 404", r.StatusCode)
	}
	e = newEnv(t, web.Config{Production: true, MetricsToken: "s3cret-token"}, web.Deps{Metrics: metrics})
	if r, _ := e.do("GET", "/metrics", "", "wrong", nil); r.StatusCode != 401 {
		t.Errorf("wrong token: %d", r.StatusCode)
	}
	if r, body := e.do("GET", "/metrics", "", "s3cret-token", nil); r.StatusCode != 200 || body != "up 1\n" {
		t.Errorf("right token: %d %q", r.StatusCode, body)
	}
}
