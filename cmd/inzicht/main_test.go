package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/migrations"
	"github.com/inzicht/inzicht/portal"
)

// secureJar lets Go's cookie jar keep and send Secure (__Host-) cookies over the test's plain-HTTP
// loopback connection, as browsers do for localhost.
type secureJar struct{ *cookiejar.Jar }

func https(u *url.URL) *url.URL { c := *u; c.Scheme = "https"; return &c }

func (j secureJar) SetCookies(u *url.URL, cs []*http.Cookie) { j.Jar.SetCookies(https(u), cs) }
func (j secureJar) Cookies(u *url.URL) []*http.Cookie        { return j.Jar.Cookies(https(u)) }

func newBrowser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: secureJar{jar}, Timeout: 20 * time.Second}
}

// startDemo runs `inzicht demo` on a fresh database and a random port; it returns the portal URL and
// the API key it printed.
func startDemo(t *testing.T, logs io.Writer) (base, key, dbURL string) {
	t.Helper()
	return startDemoWith(t, logs, nil)
}

// startDemoWith is startDemo with extra environment variables.
func startDemoWith(t *testing.T, logs io.Writer, extra map[string]string) (base, key, dbURL string) {
	t.Helper()
	dbURL = pgtest.NewURL(t)
	env := map[string]string{"DATABASE_URL": dbURL, "INZICHT_ADDR": "127.0.0.1:0", "INZICHT_LOG_LEVEL": "debug"}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo"}, envOf(env), pw, logs); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo ended with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("demo did not stop")
		}
	})
	sc := bufio.NewScanner(pr)
	wantKey := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "Portal:"); ok {
			base = strings.TrimSpace(v)
		}
		if wantKey && strings.HasPrefix(line, "inz_") {
			key = line
			break
		}
		wantKey = wantKey || strings.HasPrefix(line, "API key for this demo")
	}
	go io.Copy(io.Discard, pr)
	if base == "" || key == "" {
		select {
		case err := <-done:
			t.Fatalf("demo did not start: %v", err)
		default:
			t.Fatal("demo printed no URL or key")
		}
	}
	return base, key, dbURL
}

// loginCitizen goes through the DigiD simulator's form like a person would.
func loginCitizen(t *testing.T, c *http.Client, base, bsn, loa string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(base + "/inloggen")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.Path, "/dev-idp") {
		t.Fatalf("login did not reach the simulator: %d %s", resp.StatusCode, resp.Request.URL)
	}
	return submitForm(t, c, resp.Request.URL, body, map[string]string{"bsn": bsn, "loa": loa})
}

func submitForm(t *testing.T, c *http.Client, page *url.URL, body []byte, fields map[string]string) (*http.Response, string) {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// The pseudo-field "_action" picks the form by (the end of) its action.
	wantAction := fields["_action"]
	delete(fields, "_action")
	f := d.Find("form").FilterFunction(func(_ int, s *goquery.Selection) bool {
		if a, _ := s.Attr("action"); wantAction != "" && !strings.HasSuffix(a, wantAction) {
			return false
		}
		for name := range fields {
			if s.Find(fmt.Sprintf(`[name=%q]`, name)).Length() == 0 {
				return false
			}
		}
		return true
	}).First()
	if f.Length() == 0 {
		t.Fatalf("no form with fields %v on %s", fields, page)
	}
	vals := url.Values{}
	f.Find("input, select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		if name == "" {
			return
		}
		v, _ := s.Attr("value")
		if goquery.NodeName(s) == "select" {
			v, _ = s.Find("option[selected]").Attr("value")
		}
		vals.Set(name, v)
	})
	for k, v := range fields {
		vals.Set(k, v)
	}
	action, _ := f.Attr("action")
	target, err := page.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.PostForm(target.String(), vals)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func postEvents(t *testing.T, base, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/processing-events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

// apiDo calls the demo's API with its key and returns the status and body.
func apiDo(t *testing.T, base, key, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, base+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func eventJSON(id, bsn, role string) string {
	return fmt.Sprintf(`{"id":%q,"occurred_at":%q,"subject_bsn":%q,"activity":"wmo-onderzoek","action":"view",`+
		`"data_categories":["care_needs"],"level":"what","actor":{"organization":"Gemeente Voorbeeldstad",`+
		`"team":"Wijkteam Noord","role":%q},"access_basis":"assigned"}`, id, time.Now().Add(-time.Minute).Format(time.RFC3339), bsn, role)
}

// TestDemoEndToEnd is the acceptance, run through the real wiring: log in through the
// simulator, see only one's own processing, and see events posted with a new key appear.
func TestDemoEndToEnd(t *testing.T) {
	logs := &syncBuffer{}
	base, demoKey, dbURL := startDemo(t, logs)
	t.Cleanup(func() { checkLogsHoldNoBSN(t, logs.String()) })

	// A new key made with the apikey command, as an operator would.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"apikey", "create", "--system", "suite", "--scopes", "events:write"},
		envOf(map[string]string{"DATABASE_URL": dbURL, "INZICHT_ENV": "demo"}), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var newKey string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "inz_") {
			newKey = l
		}
	}
	if newKey == "" || newKey == demoKey {
		t.Fatalf("apikey create printed no new key: %q", out.String())
	}

	mine, other := "Rol-"+uuid.NewString()[:8], "Rol-"+uuid.NewString()[:8]
	mineID := uuid.NewString()
	status, body := postEvents(t, base, newKey, `{"events":[`+eventJSON(mineID, "999993653", mine)+`,`+
		eventJSON(uuid.NewString(), "999990019", other)+`]}`)
	if status != 200 || !strings.Contains(body, `"accepted":2`) {
		t.Fatalf("post: %d %s", status, body)
	}
	invalidRole := "Rol-" + uuid.NewString()[:8]
	status, body = postEvents(t, base, newKey, `{"events":[`+eventJSON(uuid.NewString(), "999993653", invalidRole)+`,`+
		eventJSON("not-a-uuid", "999993653", invalidRole)+`]}`)
	if status != 422 || !strings.Contains(body, `"index":1`) {
		t.Fatalf("invalid batch: %d %s", status, body)
	}

	c := newBrowser(t)
	resp, page := loginCitizen(t, c, base, "999993653", "substantieel")
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/overzicht" {
		t.Fatalf("after login: %d %s", resp.StatusCode, resp.Request.URL)
	}
	if !strings.Contains(page, "*****3653") {
		t.Error("overview does not show the masked BSN")
	}
	_, page = get(t, c, base+"/verwerkingen")
	if !strings.Contains(page, mine) {
		t.Error("the event posted with the new key is not in /verwerkingen")
	}
	if strings.Contains(page, other) || strings.Contains(page, invalidRole) {
		t.Error("/verwerkingen shows another citizen's event or one from an invalid batch")
	}
	_, csvBody := get(t, c, base+"/verwerkingen.csv")
	if !strings.Contains(csvBody, mineID) || strings.Contains(csvBody, other) || strings.Contains(csvBody, invalidRole) {
		t.Error("CSV: wrong events")
	}
	if !strings.Contains(csvBody, "Gemeente Voorbeeldstad") || strings.Count(csvBody, "\n") < 50 {
		t.Error("CSV lacks the demo year of events")
	}
	resp, pdf := get(t, c, base+"/verwerkingen.pdf")
	if resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Errorf("PDF: %d", resp.StatusCode)
	}
	resp, _ = get(t, c, base+"/readyz")
	if resp.StatusCode != 200 {
		t.Errorf("readyz: %d", resp.StatusCode)
	}
	resp, metrics := get(t, c, base+"/metrics")
	if resp.StatusCode != 200 || !strings.Contains(metrics, `inzicht_ingest_events_total{result="accepted"} 2`) {
		t.Errorf("metrics: %d", resp.StatusCode)
	}

	// Logout ends the session here and at the provider, and lands on /uitgelogd.
	_, page = get(t, c, base+"/uitloggen")
	resp, _ = submitForm(t, c, mustURL(base+"/uitloggen"), []byte(page), map[string]string{"csrf": extractCSRF(t, page)})
	if resp.Request.URL.Path != "/uitgelogd" {
		t.Errorf("logout ended at %s", resp.Request.URL)
	}
	resp, _ = get(t, c, base+"/overzicht")
	if strings.HasPrefix(resp.Request.URL.Path, "/overzicht") {
		t.Error("still logged in after logout")
	}

	// Below the minimum assurance level no session is made, and the page says why.
	c2 := newBrowser(t)
	resp, page = loginCitizen(t, c2, base, "999990019", "midden")
	if resp.StatusCode != 403 || !strings.Contains(page, "midden") || !strings.Contains(page, "substantieel") {
		t.Fatalf("low assurance: %d", resp.StatusCode)
	}
	resp, _ = get(t, c2, base+"/overzicht")
	if resp.Request.URL.Path == "/overzicht" {
		t.Error("a session was made at a too low assurance level")
	}
	// A BSN failing the 11-proef is refused too.
	c3 := newBrowser(t)
	resp, _ = loginCitizen(t, c3, base, "999993654", "hoog")
	if resp.StatusCode != 403 {
		t.Errorf("bad BSN: want 403, got %d", resp.StatusCode)
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

func extractCSRF(t *testing.T, page string) string {
	d, _ := goquery.NewDocumentFromReader(strings.NewReader(page))
	v, ok := d.Find(`input[name="csrf"]`).First().Attr("value")
	if !ok || v == "" {
		t.Fatal("no CSRF token on the page")
	}
	return v
}

func TestServeRefusesASchemaThatIsBehind(t *testing.T) {
	env := prodEnv()
	env["DATABASE_URL"] = pgtest.NewEmptyURL(t) // no migrations applied
	env["INZICHT_ADDR"] = "127.0.0.1:0"
	err := run(context.Background(), []string{"serve"}, envOf(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "migrate up") {
		t.Fatalf("serve on an empty schema: %v", err)
	}
}

func TestMigrateAndAPIKeyCommands(t *testing.T) {
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewEmptyURL(t), "INZICHT_ENV": "development"})
	var out bytes.Buffer
	cmd := func(args ...string) string {
		out.Reset()
		if err := run(context.Background(), args, env, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	if s := cmd("migrate", "status"); !strings.Contains(s, "pending") {
		t.Errorf("status on an empty database: %q", s)
	}
	if s := cmd("migrate", "up"); !strings.Contains(s, "up to date") {
		t.Errorf("up: %q", s)
	}
	ups, _ := fs.Glob(migrations.FS, "*.up.sql")
	if n := len(ups); !strings.Contains(cmd("migrate", "down"), fmt.Sprintf("version %d of %d, pending: [%d]", n-1, n, n)) {
		t.Errorf("down did not revert exactly the newest of %d migrations", n)
	}
	cmd("migrate", "up")
	s := cmd("apikey", "create", "--system", "suite", "--scopes", "events:write,register:write")
	var prefix string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "inz_") {
			prefix = strings.Split(l, "_")[1]
		}
	}
	if prefix == "" {
		t.Fatalf("no key printed: %q", s)
	}
	if s := cmd("apikey", "list"); !strings.Contains(s, prefix) || !strings.Contains(s, "active") || strings.Contains(s, "inz_") {
		t.Errorf("list: %q", s)
	}
	cmd("apikey", "revoke", prefix)
	if s := cmd("apikey", "list"); !strings.Contains(s, "revoked") {
		t.Errorf("list after revoke: %q", s)
	}
	if err := run(context.Background(), []string{"apikey", "create", "--system", "x", "--scopes", "root"}, env, &out, io.Discard); err == nil {
		t.Error("an unknown scope was accepted")
	}
	// The register is loaded from a file; loading it again updates and adds nothing.
	if s := cmd("register", "load", "../../internal/demo/register.json"); !strings.Contains(s, "11 activities loaded (11 new, 0 updated)") {
		t.Errorf("register load: %q", s)
	}
	if s := cmd("register", "load", "../../internal/demo/register.json"); !strings.Contains(s, "(0 new, 11 updated)") {
		t.Errorf("register load again: %q", s)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`[{"id":"x","name":{"nl":"n"}}]`), 0o600)
	if err := run(context.Background(), []string{"register", "load", bad}, env, &out, io.Discard); err == nil {
		t.Error("an invalid register file was loaded")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	nineDigits = regexp.MustCompile(`\d{9}`)
	timeField  = regexp.MustCompile(`"time":"[^"]*"`)
	uuidText   = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
)

// checkLogsHoldNoBSN fails when a log line holds a BSN: any nine digits passing the 11-proef, or the
// refused test BSN.
func checkLogsHoldNoBSN(t *testing.T, logs string) { checkLogsHoldNoBSNAfter(t, logs, "login refused") }

// checkLogsHoldNoBSNAfter scans the logs for BSNs; marker must be in them, proof they were captured.
func checkLogsHoldNoBSNAfter(t *testing.T, logs, marker string) {
	t.Helper()
	if !strings.Contains(logs, marker) {
		t.Errorf("the log scan saw no %q: the logs were not captured", marker)
	}
	// The logger's own timestamps carry nanoseconds, and UUIDs are random hex: leave both out of the
	// scan, so that it fails only on real nine-digit numbers.
	logs = timeField.ReplaceAllString(logs, "")
	logs = uuidText.ReplaceAllString(logs, "")
	for _, m := range nineDigits.FindAllString(logs, -1) {
		if portal.ValidBSN(m) || m == "999993654" {
			t.Errorf("a BSN appears in the logs: %s…", m[:3])
		}
	}
}

func TestStaffLoginThroughTheSimulator(t *testing.T) {
	base, _, _ := startDemo(t, io.Discard)
	c := newBrowser(t)
	resp, body := get(t, c, base+"/medewerker/inloggen")
	if resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.Path, "/dev-idp") {
		t.Fatalf("staff login did not reach the simulator: %d %s", resp.StatusCode, resp.Request.URL)
	}
	resp, page := submitForm(t, c, resp.Request.URL, []byte(body), map[string]string{"username": "teamleider"})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/medewerker" || !strings.Contains(page, "team_lead") {
		t.Fatalf("after staff login: %d %s", resp.StatusCode, resp.Request.URL)
	}
	// A staff session is not a citizen session.
	if resp, _ := get(t, c, base+"/verwerkingen"); resp.StatusCode != 403 {
		t.Errorf("staff on a citizen page: %d", resp.StatusCode)
	}
}

// TestDemoRightsRequestAcceptance is issue #3's acceptance through the real wiring: a citizen files an
// objection from a processing detail page and gets the receipt; a clerk logged in through the simulator
// finds it in the queue, opens it and decides; the citizen sees the decision, the letter, and the
// clerk's view of their data in their processing log.
func TestDemoRightsRequestAcceptance(t *testing.T) {
	logs := &syncBuffer{}
	base, _, _ := startDemo(t, logs)
	t.Cleanup(func() { checkLogsHoldNoBSNAfter(t, logs.String(), "rights request opened") })

	citizen := newBrowser(t)
	if resp, _ := loginCitizen(t, citizen, base, "999993653", "substantieel"); resp.Request.URL.Path != "/overzicht" {
		t.Fatalf("citizen login ended at %s", resp.Request.URL)
	}
	_, page := get(t, citizen, base+"/verwerkingen")
	d, _ := goquery.NewDocumentFromReader(strings.NewReader(page))
	detail, ok := d.Find(`.events a[href^="/verwerkingen/"]`).First().Attr("href")
	if !ok {
		t.Fatal("no processing event to open")
	}
	_, page = get(t, citizen, base+detail)
	d, _ = goquery.NewDocumentFromReader(strings.NewReader(page))
	formLink, ok := d.Find(`a[href^="/verzoeken/nieuw?verwerking="]`).Attr("href")
	if !ok {
		t.Fatal(`the detail page has no "Ik heb hier een vraag of bezwaar over"`)
	}
	resp, page := get(t, citizen, base+formLink)
	if resp.StatusCode != 200 {
		t.Fatalf("request form: %d", resp.StatusCode)
	}
	eventID := strings.TrimPrefix(detail, "/verwerkingen/")
	resp, page = submitForm(t, citizen, resp.Request.URL, []byte(page), map[string]string{"_action": "/verzoeken", "soort": "bezwaar",
		"omvang": "keuze", "verwerking": eventID, "toelichting": "Ik ben het niet eens met deze verwerking."})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/verzoeken/") || !strings.Contains(page, "Ontvangen") {
		t.Fatalf("filing: %d %s", resp.StatusCode, resp.Request.URL)
	}
	requestPath := resp.Request.URL.Path
	resp, pdf := get(t, citizen, base+requestPath+"/ontvangstbevestiging.pdf")
	if resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Fatalf("receipt: %d", resp.StatusCode)
	}

	clerk := newBrowser(t)
	resp, body := get(t, clerk, base+"/medewerker/inloggen")
	resp, _ = submitForm(t, clerk, resp.Request.URL, []byte(body), map[string]string{"username": "medewerker"})
	if resp.Request.URL.Path != "/medewerker" {
		t.Fatalf("clerk login ended at %s", resp.Request.URL)
	}
	id := strings.TrimPrefix(requestPath, "/verzoeken/")
	_, queue := get(t, clerk, base+"/medewerker/verzoeken")
	if !strings.Contains(queue, "/medewerker/verzoeken/"+id) {
		t.Fatal("the request is not in the clerk's queue")
	}
	resp, page = get(t, clerk, base+"/medewerker/verzoeken/"+id)
	if resp.StatusCode != 200 || !strings.Contains(page, "Ik ben het niet eens met deze verwerking.") {
		t.Fatalf("clerk's request page: %d", resp.StatusCode)
	}
	// Every action returns to the request's own page (issue 17), not to the queue.
	resp, _ = submitForm(t, clerk, resp.Request.URL, []byte(page), map[string]string{"_action": "/toewijzen"})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/medewerker/verzoeken/"+id {
		t.Fatalf("assign: %d %s", resp.StatusCode, resp.Request.URL)
	}
	_, page = get(t, clerk, base+"/medewerker/verzoeken/"+id)
	resp, _ = submitForm(t, clerk, mustURL(base+"/medewerker/verzoeken/"+id), []byte(page), map[string]string{"_action": "/behandelen"})
	if resp.StatusCode != 200 {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	_, page = get(t, clerk, base+"/medewerker/verzoeken/"+id)
	motivation := "Uw bezwaar is terecht: de verwerking was niet nodig. Wij hebben haar beëindigd."
	resp, _ = submitForm(t, clerk, mustURL(base+"/medewerker/verzoeken/"+id), []byte(page),
		map[string]string{"_action": "/besluiten", "besluit": "toegewezen", "toelichting": motivation})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/medewerker/verzoeken/"+id {
		t.Fatalf("decide: %d %s", resp.StatusCode, resp.Request.URL)
	}

	_, page = get(t, citizen, base+requestPath)
	if !strings.Contains(page, "Besluit genomen") || !strings.Contains(page, "Uw bezwaar is terecht") {
		t.Error("the citizen does not see the decision")
	}
	resp, pdf = get(t, citizen, base+requestPath+"/besluit.pdf")
	if resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Errorf("decision letter: %d", resp.StatusCode)
	}
	_, page = get(t, citizen, base+"/verwerkingen")
	if !strings.Contains(page, "Medewerker privacyverzoeken") {
		t.Error("the citizen's processing log does not show the clerk's view")
	}
	_, page = get(t, citizen, base+"/berichten")
	if !strings.Contains(page, "besluit") {
		t.Error("the inbox lacks the decision message")
	}
}

// TestDemoSignalsAcceptance is issue #4's acceptance in the demo: a signal posted through the API shows
// up for the citizen at once; deferred ones show up only after their review date passed or when
// approval was missing (the sweep at start tells them); one still deferred stays hidden; a destroyed one
// shows only that it existed and was destroyed.
func TestDemoSignalsAcceptance(t *testing.T) {
	logs := &syncBuffer{}
	base, key, _ := startDemo(t, logs)
	t.Cleanup(func() { checkLogsHoldNoBSNAfter(t, logs.String(), "signal sweep") })

	id := uuid.NewString()
	body := fmt.Sprintf(`{"id":%q,"subject_bsn":"999993653","received_at":%q,"reporter_kind":"gp",`+
		`"reporter":{"name":"Dokter Geheim","organization":"Huisartsenpraktijk Zuid"},`+
		`"nature":{"category":"health","summary":"Patiënt belt dagelijks over pijn; vermoeden van verwaarlozing door mantelzorger."},`+
		`"summary_for_subject":"Uw huisarts maakt zich zorgen over uw gezondheid thuis.",`+
		`"urgency":"normal","handling_team":"Wijkteam Zuid"}`, id, time.Now().Add(-time.Hour).Format(time.RFC3339))
	req, _ := http.NewRequest("POST", base+"/api/v1/signals", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST /signals: %d", resp.StatusCode)
	}

	c := newBrowser(t)
	loginCitizen(t, c, base, "999993653", "substantieel")
	_, page := get(t, c, base+"/signalen/"+id)
	if !strings.Contains(page, "Uw huisarts maakt zich zorgen") || strings.Contains(page, "Dokter Geheim") ||
		strings.Contains(page, "Huisartsenpraktijk") || strings.Contains(page, "verwaarlozing") {
		t.Error("the signal posted through the API is not shown at once, or shows its reporter or the reporter's summary")
	}
	_, page = get(t, c, base+"/berichten")
	if !strings.Contains(page, "/signalen/"+id) {
		t.Error("no inbox message for the signal")
	}

	// A crisis report held by its system for a clerk's decision is not shown while held (issue 17).
	held := uuid.NewString()
	body = fmt.Sprintf(`{"id":%q,"subject_bsn":"999993653","received_at":%q,"reporter_kind":"police",`+
		`"nature":{"category":"debts","summary":"Deurwaarder meldt beslag"},"urgency":"crisis","handling_team":"Schuldhulp",`+
		`"hold_until":%q}`, held, time.Now().Add(-time.Hour).Format(time.RFC3339), time.Now().Add(time.Hour).Format(time.RFC3339))
	req, _ = http.NewRequest("POST", base+"/api/v1/signals", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST /signals with a hold: %d", resp.StatusCode)
	}
	if _, page = get(t, c, base+"/signalen"); strings.Contains(page, "/signalen/"+held) || strings.Contains(page, "Deurwaarder") {
		t.Error("a held signal is shown to the person")
	}

	// The demo's deferred signals: the sweep at start tells the one whose review date passed and the
	// one never approved.
	c2 := newBrowser(t)
	loginCitizen(t, c2, base, "999990019", "substantieel")
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, page = get(t, c2, base+"/signalen")
		if strings.Contains(page, "veiligheid van een kind") && strings.Contains(page, "hulp of zorg nodig") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lapsed deferrals were not told")
		}
		time.Sleep(200 * time.Millisecond)
	}
	c3 := newBrowser(t)
	loginCitizen(t, c3, base, "999998456", "substantieel")
	if _, page = get(t, c3, base+"/signalen"); strings.Contains(page, "geweld") {
		t.Error("a signal under an approved deferral is shown")
	}
	c4 := newBrowser(t)
	loginCitizen(t, c4, base, "999991772", "substantieel")
	if _, page = get(t, c4, base+"/signalen"); !strings.Contains(page, "ernietigd op") || strings.Contains(page, "overlast bij uw woning") {
		t.Error("the destroyed signal does not show only that it existed and was destroyed")
	}
}

// TestDemoConsentAcceptance is issue #5's acceptance in the demo: a consent request posted through the
// API appears for the citizen, who grants and later withdraws it; the API reports each state; a
// processing event citing it after the withdrawal is marked as not covered.
func TestDemoConsentAcceptance(t *testing.T) {
	base, key, _ := startDemo(t, io.Discard)
	api := func(method, path, body string) (int, string) { return apiDo(t, base, key, method, path, body) }
	id := uuid.NewString()
	status, body := api("POST", "/consent-requests", fmt.Sprintf(`{"id":%q,"subject_bsn":"999993653","case_ref":"Z-2026-0042",`+
		`"requested_by":{"organization":"Gemeente Voorbeeldstad","team":"Wijkteam Noord","role":"Wmo-consulent"},`+
		`"data_item":"Medische informatie over wat u lichamelijk kunt","data_holder":"Uw huisarts",`+
		`"purpose":"We denken aan dagbesteding voor u.","necessity":"Om te weten welke dagbesteding bij u past.",`+
		`"legal_ground":"Uw huisarts heeft een beroepsgeheim.","if_refused":"We kiezen dan samen met u zonder deze informatie.",`+
		`"valid_until":%q}`, id, time.Now().AddDate(0, 3, 0).Format("2006-01-02")))
	if status != 201 || !strings.Contains(body, `"status":"pending"`) {
		t.Fatalf("create: %d %s", status, body)
	}
	// Blanket consent cannot be expressed.
	blanket := fmt.Sprintf(`{"id":%q,"subject_bsn":"999993653","case_ref":"Z-1","requested_by":{"organization":"G","role":"R"},`+
		`"data_item":"alle medische gegevens","data_holder":"huisarts en ziekenhuis","purpose":"p","necessity":"n",`+
		`"legal_ground":"l","if_refused":"r","valid_until":%q}`, uuid.NewString(), time.Now().AddDate(0, 3, 0).Format("2006-01-02"))
	if status, body := api("POST", "/consent-requests", blanket); status != 422 || !strings.Contains(body, "data_item") ||
		!strings.Contains(body, "data_holder") {
		t.Errorf("blanket consent: %d %s", status, body)
	}

	c := newBrowser(t)
	loginCitizen(t, c, base, "999993653", "substantieel")
	resp, page := get(t, c, base+"/toestemmingen/"+id)
	if resp.StatusCode != 200 || !strings.Contains(page, "Uw huisarts") {
		t.Fatalf("the citizen does not see the request: %d", resp.StatusCode)
	}
	resp, _ = submitForm(t, c, resp.Request.URL, []byte(page), map[string]string{"_action": "/besluit", "besluit": "granted"})
	if resp.StatusCode != 200 {
		t.Fatalf("grant: %d", resp.StatusCode)
	}
	if _, body := api("GET", "/consent-requests/"+id, ""); !strings.Contains(body, `"status":"granted"`) || !strings.Contains(body, `"valid":true`) {
		t.Errorf("after granting, the API says %s", body)
	}
	resp, receipt := get(t, c, base+"/toestemmingen/"+id+"/bewijs.json")
	if resp.StatusCode != 200 || !strings.Contains(receipt, `"decision": "granted"`) || strings.Contains(receipt, "999993653") {
		t.Errorf("receipt: %d %s", resp.StatusCode, receipt)
	}
	_, page = get(t, c, base+"/toestemmingen/"+id+"/intrekken") // the confirmation page holds the form
	resp, _ = submitForm(t, c, mustURL(base+"/toestemmingen/"+id+"/intrekken"), []byte(page), map[string]string{"_action": "/intrekken"})
	if resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if _, body := api("GET", "/consent-requests/"+id, ""); !strings.Contains(body, `"status":"withdrawn"`) || !strings.Contains(body, `"valid":false`) {
		t.Errorf("after withdrawing, the API says %s", body)
	}

	eventID := uuid.NewString()
	status, body = postEvents(t, base, key, fmt.Sprintf(`{"events":[{"id":%q,"occurred_at":%q,"subject_bsn":"999993653",`+
		`"activity":"wmo-onderzoek","action":"disclose","recipient":"Huisartsenpraktijk","data_categories":["health"],"level":"what",`+
		`"actor":{"organization":"Gemeente Voorbeeldstad","role":"Wmo-consulent"},"access_basis":"consent","consent_ref":%q}]}`,
		// Full precision: an event time cut to the second could lie before the withdrawal.
		eventID, time.Now().UTC().Format(time.RFC3339Nano), id))
	if status != 200 {
		t.Fatalf("event citing the withdrawn consent: %d %s", status, body)
	}
	_, page = get(t, c, base+"/verwerkingen/"+eventID)
	if !strings.Contains(page, "gold op dat moment niet") {
		t.Error("the event after the withdrawal is not marked as not covered")
	}
}

// TestDemoAccountability walks issue #6's acceptance through the demo: the council sees the figures with
// charts and downloads the PDF report; the public JSON shows the same figures; the privacy officer
// judges a break-the-glass access.
func TestDemoAccountability(t *testing.T) {
	base, _, _ := startDemo(t, io.Discard)
	staff := func(user string) *http.Client {
		c := newBrowser(t)
		resp, body := get(t, c, base+"/medewerker/inloggen")
		if resp, _ = submitForm(t, c, resp.Request.URL, []byte(body), map[string]string{"username": user}); resp.Request.URL.Path != "/medewerker" {
			t.Fatalf("%s login ended at %s", user, resp.Request.URL)
		}
		return c
	}
	council := staff("raad")
	resp, page := get(t, council, base+"/raad")
	if resp.StatusCode != 200 || !strings.Contains(page, "<svg") || !strings.Contains(page, "&lt; 5") {
		t.Fatalf("council page: %d", resp.StatusCode)
	}
	if resp, pdf := get(t, council, base+"/raad/rapportage.pdf"); resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Errorf("report: %d", resp.StatusCode)
	}
	resp, open := get(t, newBrowser(t), base+"/open-data/statistieken.json")
	if resp.StatusCode != 200 || !strings.Contains(open, `"suppressed":true`) || strings.Contains(open, "999993653") {
		t.Errorf("open data: %d %s", resp.StatusCode, open)
	}

	officer := staff("privacy")
	resp, page = get(t, officer, base+"/toezicht")
	if resp.StatusCode != 200 || !strings.Contains(page, "Nog niet beoordeeld") {
		t.Fatalf("oversight: %d (the demo has break-the-glass accesses)", resp.StatusCode)
	}
	resp, page = submitForm(t, officer, resp.Request.URL, []byte(page), map[string]string{"_action": "", "oordeel": "terecht",
		"notitie": "Crisisdienst, volgens rooster"})
	if resp.StatusCode != 200 || !strings.Contains(page, "Crisisdienst, volgens rooster") {
		t.Errorf("judging: %d", resp.StatusCode)
	}
}
