package journeys

// End-to-end journeys in a real browser (Debian's Chromium, driven with chromedp) through the whole demo:
// logging in through the DigiD simulator, the citizen's processing log, an objection decided by a clerk,
// consent and signals, the council's figures and the privacy officer's review. Every page a journey
// visits is checked with axe-core (WCAG 2.1 A and AA) and for horizontal scrolling at 320 px.
//
// Needs: apt-get install chromium; npm install --prefix .ci axe-core@4.10.3 (.ci/run does both).
// INZICHT_CHROMIUM and INZICHT_AXE_JS point elsewhere; INZICHT_SCREENSHOTS=1 writes screenshots
// into docs/screenshots/ (without it none are taken).

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/internal/demo"
)

// axeVersion is the pinned axe-core release; .ci/run installs exactly this one.
const axeVersion = "4.10.3"

var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

const installHint = "install them with: apt-get install -y chromium && npm install --prefix .ci axe-core@" + axeVersion +
	" (or point INZICHT_CHROMIUM and INZICHT_AXE_JS at them)"

// browserTools finds Chromium and axe-core. Under CI a missing tool fails the test; elsewhere it skips.
func browserTools(t *testing.T) (chromium, axeJS string) {
	t.Helper()
	var missing []string
	chromium = os.Getenv("INZICHT_CHROMIUM")
	if chromium == "" {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				chromium = p
				break
			}
		}
	}
	if _, err := os.Stat(chromium); chromium == "" || err != nil {
		missing = append(missing, "Chromium (/usr/bin/chromium)")
	}
	if pkg, err := os.ReadFile(filepath.Join("..", "..", ".ci", "package.json")); err != nil ||
		!bytes.Contains(pkg, []byte(`"axe-core": "`+axeVersion+`"`)) {
		t.Fatalf(".ci/package.json does not pin axe-core %s (%v)", axeVersion, err)
	}
	axePath := os.Getenv("INZICHT_AXE_JS")
	if axePath == "" {
		axePath = filepath.Join("..", "..", ".ci", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(axePath)
	if err != nil {
		missing = append(missing, "axe-core "+axeVersion+" ("+axePath+")")
	} else if !bytes.Contains(src[:min(len(src), 200)], []byte("axe v"+axeVersion)) {
		t.Fatalf("%s is not axe-core %s (the pinned version): %q", axePath, axeVersion, src[:min(len(src), 60)])
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("browser tests need %s; %s", strings.Join(missing, " and "), installHint)
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return chromium, string(src)
}

// browserSuite is one demo and one Chromium, shared by the journeys; each journey gets its own browser
// context (its own cookies), as a separate person would.
type browserSuite struct {
	base, key string
	browser   context.Context
	axe       string
	shots     string // "" = no screenshots (they are taken only with INZICHT_SCREENSHOTS=1)
	downloads string
}

func newBrowserSuite(t *testing.T) *browserSuite {
	t.Helper()
	chromium, axe := browserTools(t)
	// Screenshots are for people to look at; the test run does without them (each costs two full-page
	// captures, which the package's ten-minute limit cannot spare).
	s := &browserSuite{axe: axe, downloads: t.TempDir()}
	if os.Getenv("INZICHT_SCREENSHOTS") == "1" {
		s.shots = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(s.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.base, s.key = startDemo(t)
	if !strings.HasPrefix(s.base, "http://localhost:") {
		// Chromium keeps Secure (__Host-) cookies over plain HTTP only for localhost.
		t.Fatalf("the demo is not on localhost: %s", s.base)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	s.browser = ctx
	return s
}

// api calls the demo's API with its key.
func (s *browserSuite) api(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	return apiDo(t, s.base, s.key, method, path, body)
}

// tab is one person's browser window.
type tab struct {
	s   *browserSuite
	t   *testing.T
	ctx context.Context
}

func (s *browserSuite) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{s: s, t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	// axe-core comes with every page the tab loads (Chromium adds it outside the page's CSP).
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: s.axe}); err != nil {
		t.Fatalf("adding axe-core: %v", err)
	}
	return b
}

// do runs the actions, each batch at most 30 seconds.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser at %s: %v", b.path(), err)
	}
}

func eval[T any](b *tab, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("evaluating %.80q: %v", js, err)
	}
	return v
}

// path is the path (and query) of the page on screen.
func (b *tab) path() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.RequestURI()
}

func (b *tab) text() string { return eval[string](b, `document.body.innerText`) }

// open navigates to a path of the portal and checks the page.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.s.base + path))
	b.check()
}

// openStatus navigates and returns the HTTP status of the document.
func (b *tab) openStatus(path string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.s.base+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	return resp.Status
}

// follow runs an action that leaves the page (a click, an Enter) and waits until the next page has loaded.
func (b *tab) follow(a chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	eval[bool](b, `window.__inzichtOld = true`)
	b.do(a)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__inzichtOld !== true && document.readyState === "complete"`))
		cancel()
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no new page after the action at %s (%v)", b.path(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click clicks the element and waits for the next page, then checks it.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.follow(chromedp.Click(chromedp.CSS(sel)))
	b.check()
}

// wantPath fails unless the page on screen has this path (prefix when it ends in "/").
func (b *tab) wantPath(want string) string {
	b.t.Helper()
	p := b.path()
	u, _ := url.Parse(p)
	if u.Path != want && !(strings.HasSuffix(want, "/") && strings.HasPrefix(u.Path, want)) {
		b.t.Fatalf("on %s, want %s", p, want)
	}
	return u.Path
}

func (b *tab) wantPathIs(want string) bool {
	u, _ := url.Parse(b.path())
	return u.Path == want
}

func (b *tab) wantText(parts ...string) {
	b.t.Helper()
	txt := b.text()
	for _, p := range parts {
		if !strings.Contains(txt, p) {
			b.t.Errorf("%s does not show %q", b.path(), p)
		}
	}
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target  []any
		Summary string
	}
}

// check runs axe-core on the page (WCAG 2.1 A and AA), fails on each violation, and checks that the page
// does not scroll sideways at 320 px.
func (b *tab) check() {
	b.t.Helper()
	where := b.path()
	for _, v := range b.axe() {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		b.t.Errorf("axe on %s: %s (%s): %s\n\t%s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n\t"))
	}
	if wide := b.tooWide(); len(wide) > 0 {
		b.t.Errorf("%s scrolls sideways at 320 px: %s", where, strings.Join(wide, "; "))
	}
}

// axe runs axe-core on the page with the WCAG 2.1 A and AA rules and returns the violations.
func (b *tab) axe() []axeViolation {
	b.t.Helper()
	if !eval[bool](b, `typeof window.axe === "object"`) {
		eval[chromedp.Void](b, b.s.axe)
	}
	tags, _ := json.Marshal(axeTags)
	res := eval[string](b, `axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))))`, chromedp.EvalAwaitPromise)
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		b.t.Fatalf("axe on %s: %v", b.path(), err)
	}
	return vs
}

// tooWide tells what makes the page scroll sideways at 320 px wide, if anything does.
func (b *tab) tooWide() []string {
	b.t.Helper()
	// Reflow (WCAG 1.4.10): nothing wider than a 320 px screen.
	b.do(chromedp.EmulateViewport(320, 800))
	wide := eval[[]string](b, `(() => {
		const d = document.documentElement;
		if (d.scrollWidth <= d.clientWidth) return [];
		const out = [d.scrollWidth + " > " + d.clientWidth];
		for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.right > d.clientWidth + 1 && out.length < 6) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
				(el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\s+/g, ".") : "") + " right=" + Math.round(r.right));
		}
		return out;
	})()`)
	b.do(chromedp.EmulateViewport(1280, 900))
	return wide
}

// shot saves screenshots of the page at 1280 and 360 px wide, at most 2400 px long, when asked for
// (INZICHT_SCREENSHOTS=1).
func (b *tab) shot(name string) {
	b.t.Helper()
	if b.s.shots == "" {
		return
	}
	for _, w := range []int64{1280, 360} {
		b.do(chromedp.EmulateViewport(w, 900))
		h := min(eval[float64](b, `document.documentElement.scrollHeight`), 2400)
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng,
			Clip: &page.Viewport{Width: float64(w), Height: h, Scale: 1}, CaptureBeyondViewport: ptrTo(true)})
		cancel()
		png := res.Data
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG")) {
			b.t.Fatalf("screenshot %s is not a PNG", name)
		}
		if err := os.WriteFile(filepath.Join(b.s.shots, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do(chromedp.EmulateViewport(1280, 900))
}

// download clicks a link that downloads a file and returns the file's content.
func (b *tab) download(sel string) []byte {
	b.t.Helper()
	return b.downloadBy(chromedp.Click(chromedp.CSS(sel)))
}

// cookie returns the browser's cookie with this name, or nil.
func (b *tab) cookie(name string) *network.Cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID})
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// loginCitizen logs in through the DigiD simulator's form with the mouse and the keyboard.
func (b *tab) loginCitizen(bsn string) {
	b.t.Helper()
	b.open("/")
	b.click(`main a[href="/inloggen"]`)
	b.wantPath("/dev-idp/login")
	b.do(chromedp.SendKeys(chromedp.CSS("#bsn"), bsn))
	b.click(`form button[type="submit"]`)
	b.wantPath("/overzicht")
}

// loginStaff logs in with one of the simulator's staff accounts.
func (b *tab) loginStaff(user string) {
	b.t.Helper()
	b.open("/medewerker/inloggen")
	b.wantPath("/dev-idp/login")
	b.do(chromedp.SetValue(chromedp.CSS("#username"), user))
	b.click(`form button[type="submit"]`)
	b.wantPath("/medewerker")
}

// The journeys run in two groups at once, each with its own demo process and Chromium (go test's
// ten-minute limit is per package, and all journeys one after another no longer fit in it): the
// citizen's journeys (TestBrowserJourneys) and the back office's with the printed documents
// (TestBrowserJourneysStaff), about equally long. A journey needs nothing from another one but the
// demo's data. Run one with -run 'TestBrowserJourneys.*/<name>$'.

// TestBrowserJourneys walks the citizen's journeys in Chromium.
func TestBrowserJourneys(t *testing.T) {
	t.Parallel()
	s := newBrowserSuite(t)

	t.Run("log", func(t *testing.T) {
		b := s.newTab(t)
		b.loginCitizen("999993653")
		b.wantText("*****3653")
		b.click(`nav a[href="/verwerkingen"]`)
		b.shot("journey-log")

		// Filter on the first category.
		b.do(chromedp.Click(chromedp.CSS(".filters summary")))
		cat := eval[[]string](b, `(o => [o.value, o.textContent])(document.querySelector("#categorie option:nth-child(2)"))`)
		b.do(chromedp.SetValue(chromedp.CSS("#categorie"), cat[0]))
		b.click(`.filters button[type="submit"]`)
		if p := b.path(); !strings.Contains(p, "categorie="+url.QueryEscape(cat[0])) {
			t.Fatalf("the filter did not apply: %s", p)
		}
		cats := eval[[]string](b, `[...document.querySelectorAll(".events .event-fields div:nth-child(3) dd")].map(d => d.textContent)`)
		if len(cats) == 0 {
			t.Fatalf("no events in category %q", cat[1])
		}
		for _, c := range cats {
			if !strings.Contains(c, cat[1]) {
				t.Errorf("the filter on %q shows an event with categories %q", cat[1], c)
			}
		}
		pdf := b.download(`a[href^="/verwerkingen.pdf"]`)
		if !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Errorf("the downloaded log is not a PDF: %q", pdf[:min(len(pdf), 20)])
		}
		// The CSV downloaded from the filtered page holds only that category (round one: the whole log).
		cr := csv.NewReader(bytes.NewReader(b.download(`a[href^="/verwerkingen.csv"]`)))
		cr.Comma = ';'
		rows, err := cr.ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("the filtered CSV: %d rows, %v", len(rows), err)
		}
		for _, r := range rows[1:] {
			if !strings.Contains(r[6], cat[1]) {
				t.Errorf("the CSV of the filter on %q holds an event with categories %q", cat[1], r[6])
			}
		}

		b.click(`.events a[href^="/verwerkingen/"]`)
		b.wantPath("/verwerkingen/")
		b.wantText("Wat kunt u doen?")
		b.shot("journey-log-detail")

		b.click(`nav button[type="submit"]`)
		b.wantPath("/uitgelogd")
		if st := b.openStatus("/verwerkingen"); st == 200 && b.wantPathIs("/verwerkingen") {
			t.Error("still logged in after logging out")
		}
	})

	t.Run("chain", func(t *testing.T) {
		// Two of the demo's processings came in as Logboek Dataverwerkingen spans: a check done at UWV's
		// request (a foreign operation whose entity is UWV's OIN, named in the organisations table) and
		// a look-up that failed.
		b := s.newTab(t)
		b.loginCitizen("999991772")
		b.open("/verwerkingen/" + uuid.NewSHA1(uuid.NameSpaceURL, []byte("inzicht-demo/999991772/ldv-uwv")).String())
		b.wantText("Deze verwerking hoorde bij een verzoek van UWV.")
		b.shot("journey-chain-detail")
		// A question about that line reaches a clerk, who sees where the line came from: the span's
		// name and ids and UWV's operation it was done for.
		b.click(`a[href^="/verzoeken/nieuw?verwerking="]`)
		b.do(chromedp.Click(chromedp.CSS(`input[name="soort"][value="inzage"]`)))
		b.do(chromedp.SendKeys(chromedp.CSS("#toelichting"), "Waarom vroeg UWV dit?"))
		b.click(`form.request-form button[type="submit"]`)
		id := strings.TrimPrefix(b.wantPath("/verzoeken/"), "/verzoeken/")
		clerk := s.newTab(t)
		clerk.loginStaff("medewerker")
		clerk.open("/medewerker/verzoeken/" + id)
		clerk.wantText("Waarom vroeg UWV dit?", "rechtmatigheid.controleren", "Trace-id", "Verzoek van andere organisatie")
		clerk.shot("journey-chain-clerk")
		b.open("/verwerkingen/" + uuid.NewSHA1(uuid.NameSpaceURL, []byte("inzicht-demo/999991772/ldv-failed")).String())
		b.wantText("Een mislukte poging")
		b.shot("journey-chain-failed")
	})

	t.Run("objection", func(t *testing.T) {
		citizen := s.newTab(t)
		citizen.loginCitizen("999993653")
		citizen.click(`nav a[href="/verwerkingen"]`)
		citizen.click(`.events a[href^="/verwerkingen/"]`)
		citizen.click(`a[href^="/verzoeken/nieuw?verwerking="]`)
		citizen.wantPath("/verzoeken/nieuw")

		// Sent without an explanation: the error is tied to its field.
		citizen.do(chromedp.Click(chromedp.CSS(`input[name="soort"][value="bezwaar"]`)))
		citizen.click(`form.request-form button[type="submit"]`)
		field := eval[map[string]string](citizen, `(f => ({invalid: f.getAttribute("aria-invalid") || "",
			described: (f.getAttribute("aria-describedby") || "").split(" ").map(id => (document.getElementById(id) || {}).textContent || "").join(" | ")}))(document.querySelector("#toelichting"))`)
		if field["invalid"] != "true" || !strings.Contains(field["described"], "|") {
			t.Errorf("the missing explanation is not tied to its field: %v", field)
		}
		if eval[string](citizen, `document.activeElement.className`) != "error-summary" {
			t.Errorf("focus is not on the error summary after a failed submit, but on %q",
				eval[string](citizen, `document.activeElement.outerHTML.slice(0, 80)`))
		}
		citizen.shot("journey-objection-errors")
		if !eval[bool](citizen, `document.querySelector('input[name="soort"][value="bezwaar"]').checked`) {
			t.Error("the chosen kind was lost")
		}
		motivationText := "Ik ben het niet eens met deze verwerking."
		citizen.do(chromedp.SendKeys(chromedp.CSS("#toelichting"), motivationText))
		citizen.click(`form.request-form button[type="submit"]`)
		requestPath := citizen.wantPath("/verzoeken/")
		citizen.wantText("Ontvangen", motivationText)
		id := strings.TrimPrefix(requestPath, "/verzoeken/")

		clerk := s.newTab(t)
		clerk.loginStaff("medewerker")
		clerk.click(`main a[href="/medewerker/verzoeken"]`)
		clerk.click(`a[href="/medewerker/verzoeken/` + id + `"]`)
		clerk.wantText(motivationText)
		// Each action returns to the request's page with a notice (no second view in the citizen's log).
		clerk.click(`form[action$="/toewijzen"] button`)
		clerk.wantPath("/medewerker/verzoeken/" + id)
		clerk.wantText("Het verzoek is aan u toegewezen.", "Toegewezen aan")
		clerk.click(`form[action$="/behandelen"] button`)
		clerk.wantPath("/medewerker/verzoeken/" + id)
		decision := "Uw bezwaar is terecht: de verwerking was niet nodig."
		clerk.do(chromedp.Click(chromedp.CSS(`input[name="besluit"][value="toegewezen"]`)),
			chromedp.SendKeys(chromedp.CSS(`form[action$="/besluiten"] textarea[name="toelichting"]`), decision))
		clerk.shot("journey-objection-clerk")
		clerk.click(`form[action$="/besluiten"] button[type="submit"]`)
		clerk.wantPath("/medewerker/verzoeken/" + id)
		clerk.wantText("Het besluit is vastgelegd.")

		citizen.open(requestPath)
		citizen.wantText("Besluit genomen", decision)
		citizen.shot("journey-objection-decision")
		citizen.click(`nav a[href="/berichten"]`)
		citizen.wantText("besluit")
		citizen.click(`nav a[href="/verzoeken"]`)
	})

	t.Run("consent-and-signal", func(t *testing.T) {
		consentID, signalID := uuid.NewString(), uuid.NewString()
		if status, body := s.api(t, "POST", "/consent-requests", fmt.Sprintf(`{"id":%q,"subject_bsn":"999993653","case_ref":"Z-2026-0042",`+
			`"requested_by":{"organization":"Gemeente Voorbeeldstad","team":"Wijkteam Noord","role":"Wmo-consulent"},`+
			`"data_item":"Medische informatie over wat u lichamelijk kunt","data_holder":"Uw huisarts",`+
			`"purpose":"We denken aan dagbesteding voor u.","necessity":"Om te weten welke dagbesteding bij u past.",`+
			`"legal_ground":"Uw huisarts heeft een beroepsgeheim.","if_refused":"We kiezen dan samen met u zonder deze informatie.",`+
			`"valid_until":%q}`, consentID, time.Now().AddDate(0, 3, 0).Format("2006-01-02"))); status != 201 {
			t.Fatalf("consent request: %d %s", status, body)
		}
		if status, body := s.api(t, "POST", "/signals", fmt.Sprintf(`{"id":%q,"subject_bsn":"999993653","received_at":%q,"reporter_kind":"gp",`+
			`"reporter":{"name":"Dokter Geheim","organization":"Huisartsenpraktijk Zuid"},`+
			`"nature":{"category":"health","summary":"Patiënt belt dagelijks over pijn; vermoeden van verwaarlozing door mantelzorger."},`+
			`"summary_for_subject":"Uw huisarts maakt zich zorgen over uw gezondheid thuis.",`+
			`"urgency":"normal","handling_team":"Wijkteam Zuid"}`, signalID, time.Now().Add(-time.Hour).Format(time.RFC3339))); status != 201 {
			t.Fatalf("signal: %d %s", status, body)
		}

		b := s.newTab(t)
		b.loginCitizen("999993653")
		b.click(`nav a[href="/toestemmingen"]`)
		b.click(`a[href="/toestemmingen/` + consentID + `"]`)
		b.wantText("Uw huisarts")
		b.shot("journey-consent")
		b.do(chromedp.Click(chromedp.CSS("#besluit-ja")))
		b.click(`form[action$="/besluit"] button[type="submit"]`)
		if _, body := s.api(t, "GET", "/consent-requests/"+consentID, ""); !strings.Contains(body, `"status":"granted"`) {
			t.Fatalf("after granting in the browser, the API says %s", body)
		}
		// A second citizen, after the first said yes, says no in their own browser: stored as no.
		otherID := uuid.NewString()
		if status, body := s.api(t, "POST", "/consent-requests", fmt.Sprintf(`{"id":%q,"subject_bsn":"999990019","case_ref":"Z-2026-0043",`+
			`"requested_by":{"organization":"Gemeente Voorbeeldstad","team":"Wijkteam Noord","role":"Wmo-consulent"},`+
			`"data_item":"Uw schoolrapport van dit jaar","data_holder":"Uw school",`+
			`"purpose":"We zoeken een passende opleiding.","necessity":"Om te zien welke opleiding bij u past.",`+
			`"legal_ground":"De school mag dit alleen met uw toestemming delen.","if_refused":"We kiezen samen zonder rapport.",`+
			`"valid_until":%q}`, otherID, time.Now().AddDate(0, 3, 0).Format("2006-01-02"))); status != 201 {
			t.Fatalf("second consent request: %d %s", status, body)
		}
		b2 := s.newTab(t)
		b2.loginCitizen("999990019")
		b2.open("/toestemmingen/" + otherID)
		b2.do(chromedp.Click(chromedp.CSS("#besluit-nee")))
		b2.click(`form[action$="/besluit"] button[type="submit"]`)
		b2.wantText("U gaf geen toestemming")
		if _, body := s.api(t, "GET", "/consent-requests/"+otherID, ""); !strings.Contains(body, `"status":"refused"`) {
			t.Fatalf("the second citizen refused in the browser; the API says %s", body)
		}
		if _, body := s.api(t, "GET", "/consent-requests/"+consentID, ""); !strings.Contains(body, `"status":"granted"`) {
			t.Fatalf("the first citizen's grant changed: %s", body)
		}

		b.open("/toestemmingen/" + consentID)
		b.click(`a[href$="/intrekken"]`) // asks first, says what happens
		b.wantText("Weet u zeker dat u uw toestemming wilt intrekken?")
		b.click(`form[action$="/intrekken"] button`)
		b.wantText("U heeft uw toestemming ingetrokken.")
		if _, body := s.api(t, "GET", "/consent-requests/"+consentID, ""); !strings.Contains(body, `"status":"withdrawn"`) {
			t.Fatalf("after withdrawing in the browser, the API says %s", body)
		}

		b.click(`nav a[href="/signalen"]`)
		b.click(`a[href="/signalen/` + signalID + `"]`)
		b.wantText("Uw huisarts maakt zich zorgen")
		if strings.Contains(b.text(), "Dokter Geheim") || strings.Contains(b.text(), "verwaarlozing") {
			t.Error("the signal shows its reporter or the reporter's summary")
		}
		b.shot("journey-signal")
	})

	t.Run("council-and-oversight", func(t *testing.T) {
		council := s.newTab(t)
		council.loginStaff("raad")
		council.click(`main a[href="/raad"]`)
		if n := eval[int](council, `document.querySelectorAll("main svg").length`); n == 0 {
			t.Error("the council page has no charts")
		}
		council.shot("journey-council")

		officer := s.newTab(t)
		officer.loginStaff("privacy")
		officer.click(`main a[href="/toezicht"]`)
		officer.wantText("Nog niet beoordeeld")
		note := "Crisisdienst, volgens rooster"
		officer.do(chromedp.Click(chromedp.CSS(`form[action^="/toezicht/noodtoegang/"] input[value="terecht"]`)),
			chromedp.SendKeys(chromedp.CSS(`form[action^="/toezicht/noodtoegang/"] input[name="notitie"]`), note))
		officer.click(`form[action^="/toezicht/noodtoegang/"] button[type="submit"]`)
		officer.wantPath("/toezicht")
		officer.wantText(note)
		officer.shot("journey-oversight")
	})

	t.Run("staff-pages", func(t *testing.T) {
		b := s.newTab(t)
		b.loginStaff("teamleider")
		b.click(`main a[href="/medewerker/signalen"]`)
		b.click(`main a[href^="/medewerker/signalen/"]:not([href$="/nieuw"])`)
		b.open("/medewerker/signalen/nieuw")
		b.open("/medewerker/toestemmingen/nieuw")
		b.open("/medewerker/verzoeken?status=alle")
		// Issue 17: the team lead's home (deferrals to approve, emergency access) and consent for staff.
		b.open("/medewerker")
		b.wantText("Noodtoegang in de afgelopen 30 dagen")
		b.shot("staff-teamlead-home")
		b.open("/medewerker/toestemmingen")
		b.click(`main a[href^="/medewerker/toestemmingen/"]:not([href$="/nieuw"])`)
		b.wantText("TS-")
		b.shot("staff-consent")
	})

	t.Run("error-pages", func(t *testing.T) {
		b := s.newTab(t)
		if st := b.openStatus("/bestaat-niet"); st != 404 {
			t.Errorf("unknown page: %d", st)
		}
		b.check()
		b.shot("error-404")
		// The checks can fail: axe sees an image without a text alternative, and a page too wide.
		eval[bool](b, `document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/static/app.css">') || true`)
		if vs := b.axe(); len(vs) != 1 || vs[0].ID != "image-alt" {
			t.Errorf("axe did not report exactly the image without alt: %+v", vs)
		}
		eval[bool](b, `document.querySelector("main").insertAdjacentHTML("beforeend", '<pre>`+strings.Repeat("x", 200)+`</pre>') || true`)
		if len(b.tooWide()) == 0 {
			t.Error("the reflow check did not see a page wider than 320 px")
		}
		b.loginStaff("medewerker")
		if st := b.openStatus("/verwerkingen"); st != 403 {
			t.Errorf("staff on a citizen page: %d", st)
		}
		b.check()
	})

	t.Run("english", func(t *testing.T) {
		b := s.newTab(t)
		b.loginCitizen("999990019")
		if l := eval[string](b, `document.documentElement.lang`); l != "nl" {
			t.Errorf("lang=%q, want nl", l)
		}
		b.click(`a[href^="/taal?lang=en"]`)
		b.wantPath("/overzicht")
		if l := eval[string](b, `document.documentElement.lang`); l != "en" {
			t.Errorf("after the switch lang=%q, want en", l)
		}
		// Remembered in a cookie: a page opened afresh is English too.
		if c := b.cookie("__Host-inzicht_lang"); c == nil || c.Value != "en" || !c.Secure || !c.HTTPOnly || c.Session {
			t.Errorf("the language cookie is not a lasting, secure en: %+v", c)
		}
		b.open("/verwerkingen")
		if l := eval[string](b, `document.documentElement.lang`); l != "en" {
			t.Errorf("the language was not remembered: lang=%q", l)
		}
		b.wantText("Who viewed my data")
		b.click(`.events a[href^="/verwerkingen/"]`)
		b.wantText("What can you do?")
		b.shot("journey-english")
		// The error pages speak English too, and a citizen may not enter the staff pages.
		if st := b.openStatus("/bestaat-niet"); st != 404 || eval[string](b, `document.documentElement.lang`) != "en" {
			t.Errorf("English 404: status %d, lang %q", st, eval[string](b, `document.documentElement.lang`))
		}
		b.check()
		if st := b.openStatus("/toezicht"); st != 403 {
			t.Errorf("a citizen on /toezicht: %d", st)
		}
		b.check()
		b.open("/overzicht")
		b.click(`a[href^="/taal?lang=nl"]`)
		if l := eval[string](b, `document.documentElement.lang`); l != "nl" {
			t.Errorf("after switching back lang=%q, want nl", l)
		}
	})

	t.Run("keyboard", func(t *testing.T) { keyboardJourney(t, s) })

	t.Run("acting-for-a-child", func(t *testing.T) { actingJourney(t, s) })
	t.Run("child-answers-and-administrator", func(t *testing.T) { childAndAdministratorJourney(t, s) })
	t.Run("help-and-statements", func(t *testing.T) { helpJourney(t, s) })
	t.Run("access-alert", func(t *testing.T) { accessAlertJourney(t, s) })
	t.Run("log-search", func(t *testing.T) { logSearchJourney(t, s) })
	t.Run("question-about-a-line", func(t *testing.T) { questionJourney(t, s) })
	t.Run("withdraw-request", func(t *testing.T) { withdrawJourney(t, s) })
	t.Run("english-texts", func(t *testing.T) { englishTextsJourney(t, s) })
}

// TestBrowserJourneysStaff walks the back office's journeys (issue 17) and the printed documents
// (citizen, clerk and council) in Chromium.
func TestBrowserJourneysStaff(t *testing.T) {
	t.Parallel()
	s := newBrowserSuite(t)
	t.Run("team-lead-cosigns", func(t *testing.T) { cosignJourney(t, s) })
	t.Run("clerk-decides", func(t *testing.T) { clerkDecidesJourney(t, s) })
	t.Run("officer-exports", func(t *testing.T) { officerExportsJourney(t, s) })
	t.Run("council-readable", func(t *testing.T) { councilReadableJourney(t, s) })
	t.Run("print-documents", func(t *testing.T) { printDocumentsJourney(t, s) })
}

// childAndAdministratorJourney: Noor (14) answers a consent request herself and is told her parents
// decide; her mother then sees Noor's answer and decides. An administrator sees only Henk's financial
// processing and no consent or signals.
func childAndAdministratorJourney(t *testing.T, s *browserSuite) {
	noor := s.newTab(t)
	noor.loginCitizen(demo.BSNChildNoor)
	noor.click(`nav a[href="/toestemmingen"]`)
	noor.click(`.events a[href^="/toestemmingen/"]`)
	noor.do(chromedp.Click(chromedp.CSS(`#besluit-nee`)))
	noor.do(chromedp.SendKeys(chromedp.CSS("#opmerking"), "Ik wil eerst zelf met mijn mentor praten."))
	noor.click(`form.request-form button[type="submit"]`)
	noor.wantText("Je antwoord is opgeslagen", "beslist je ouder of voogd")
	noor.check()
	noor.shot("journey-child-own-answer")

	eva := s.newTab(t)
	eva.open("/")
	eva.click(`main a[href="/inloggen"]`)
	eva.do(chromedp.SendKeys(chromedp.CSS("#bsn"), demo.BSNParentEva))
	eva.click(`form button[type="submit"]`)
	eva.wantPath("/namens")
	noorRep := demo.FamilyRepresentations(time.Now())[2]
	eva.click(`form:has(input[name="voor"][value="` + noorRep.ID + `"]) button`)
	eva.click(`nav a[href="/toestemmingen"]`)
	eva.click(`.events a[href^="/toestemmingen/"]`)
	eva.wantText("Ik wil eerst zelf met mijn mentor praten.")
	eva.check()
	eva.shot("journey-parent-sees-child-answer")
	eva.do(chromedp.Click(chromedp.CSS(`#besluit-nee`)))
	eva.click(`form.request-form button[type="submit"]`)
	eva.wantText("Eva de Vries (ouder met gezag)")

	sanne := s.newTab(t)
	sanne.open("/")
	sanne.click(`main a[href="/inloggen"]`)
	sanne.do(chromedp.SendKeys(chromedp.CSS("#bsn"), demo.BSNBewindSanne))
	sanne.click(`form button[type="submit"]`)
	sanne.wantPath("/namens")
	sanne.click(`form:has(input[name="voor"][value="` + demo.FamilyRepresentations(time.Now())[4].ID + `"]) button`)
	sanne.wantPath("/overzicht")
	sanne.wantText("als bewindvoerder", "alleen wat er met gegevens over geld")
	sanne.click(`nav a[href="/verwerkingen"]`)
	if n := eval[int](sanne, `document.querySelectorAll(".events .event").length`); n == 0 {
		t.Error("the administrator sees no processing at all")
	}
	if txt := sanne.text(); strings.Contains(txt, "Wijkteam Noord") || strings.Contains(txt, "Wmo") {
		t.Error("the administrator sees Wmo processing")
	}
	if eval[bool](sanne, `document.querySelector('nav a[href="/toestemmingen"]') !== null`) {
		t.Error("the administrator's menu offers consent")
	}
	sanne.check()
	sanne.shot("journey-administrator")
	if st := sanne.openStatus("/signalen"); st != 403 {
		t.Errorf("the administrator on /signalen: %d, want 403", st)
	}
	sanne.check()
}

// actingJourney: a parent with authority logs in, chooses her child with the keyboard, sees the
// banner and only what a parent may see, files an inspection request for the child, switches back,
// finds it in "what I did for others", and does the same in English for her other child.
func actingJourney(t *testing.T, s *browserSuite) {
	b := s.newTab(t)
	reps := demo.FamilyRepresentations(time.Now())
	daan, noor := reps[0], reps[2]
	b.open("/")
	b.click(`main a[href="/inloggen"]`)
	b.wantPath("/dev-idp/login")
	b.do(chromedp.SendKeys(chromedp.CSS("#bsn"), demo.BSNParentEva))
	b.click(`form button[type="submit"]`)
	b.wantPath("/namens")
	b.wantText("Daan de Vries (10)", "Noor de Vries (14)", "ouder met gezag")
	b.check()
	b.shot("journey-acting-choose")

	// Keyboard only: Tab to Daan's button and press Enter.
	b.tabTo(`form:has(input[name="voor"][value="` + daan.ID + `"]) button`)
	b.enter()
	b.wantPath("/overzicht")
	b.wantText("U bekijkt de gegevens van Daan de Vries (10) als ouder met gezag")
	b.shot("journey-acting-banner")

	// The told signal from school is there; the one about his safety is not.
	b.click(`nav a[href="/signalen"]`)
	b.wantPath("/signalen")
	if n := eval[int](b, `document.querySelectorAll(".events .event").length`); n != 1 {
		t.Errorf("the parent sees %d signals about Daan, want 1 (the child_safety one is hidden)", n)
	}
	b.check()

	// An inspection request for the child.
	b.open("/verzoeken/nieuw")
	b.do(chromedp.Click(chromedp.CSS(`input[name="soort"][value="inzage"]`)))
	b.do(chromedp.Click(chromedp.CSS(`#omvang-alles`)))
	b.do(chromedp.SendKeys(chromedp.CSS("#toelichting"), "Ik wil zien welke gegevens de gemeente over Daan heeft."))
	b.click(`form.request-form button[type="submit"]`)
	b.wantPath("/verzoeken/")
	b.wantText("Ontvangen", "U bekijkt de gegevens van Daan de Vries (10)")
	b.check()

	// Back to herself with the banner's button: no banner, her own overview.
	b.tabTo(`.acting-banner button[type="submit"]`)
	b.enter()
	b.wantPath("/overzicht")
	if eval[bool](b, `document.querySelector(".acting-banner") !== null`) {
		t.Error("the banner stays after switching back")
	}
	b.open("/namens/gedaan")
	b.wantText("Diende een verzoek in", "Daan de Vries")
	b.check()

	// In English, for Noor (14).
	b.open("/namens")
	b.click(`a[href^="/taal?lang=en"]`)
	b.wantPath("/namens")
	b.click(`form:has(input[name="voor"][value="` + noor.ID + `"]) button`)
	b.wantPath("/overzicht")
	b.wantText("You are viewing the data of Noor de Vries (14) as parent with authority")
	b.check()
	b.shot("journey-acting-english")
	b.click(`.acting-banner button[type="submit"]`)
	b.open("/overzicht")
	b.click(`a[href^="/taal?lang=nl"]`)
}

// keyboardJourney logs in, opens a processing detail and files a request with the keyboard alone.
func keyboardJourney(t *testing.T, s *browserSuite) {
	b := s.newTab(t)
	b.open("/")
	// The first Tab reaches the skip link, visible, and Enter moves the focus to the content.
	b.do(chromedp.KeyEvent(kb.Tab))
	if cls := eval[string](b, `document.activeElement.className`); cls != "skip-link" {
		t.Fatalf("the first Tab lands on %q, not the skip link", cls)
	}
	b.wantFocusVisible()
	if !eval[bool](b, `(r => r.left >= 0 && r.top >= 0 && r.width > 0)(document.activeElement.getBoundingClientRect())`) {
		t.Error("the focused skip link is not on screen")
	}
	b.do(chromedp.KeyEvent(kb.Enter))
	if id := eval[string](b, `document.activeElement.id`); id != "inhoud" {
		t.Errorf("the skip link moved the focus to %q, not the main content", id)
	}

	b.tabTo(`main a[href="/inloggen"]`)
	b.enter()
	b.wantPath("/dev-idp/login")
	b.tabTo("#bsn")
	b.do(chromedp.KeyEvent("999993653"))
	b.tabTo(`form button[type="submit"]`)
	b.enter()
	b.wantPath("/overzicht")
	b.tabTo(`nav a[href="/verwerkingen"]`)
	b.enter()
	b.tabTo(`.events a[href^="/verwerkingen/"]`)
	b.enter()
	b.wantPath("/verwerkingen/")
	b.tabTo(`a[href^="/verzoeken/nieuw?verwerking="]`)
	b.enter()
	b.wantPath("/verzoeken/nieuw")
	// Sent empty: the focus goes to the list of errors, whose links lead to the fields.
	b.tabTo(`form.request-form button[type="submit"]`)
	b.enter()
	if cls := eval[string](b, `document.activeElement.className`); cls != "error-summary" {
		t.Fatalf("after sending an empty form the focus is on %q, not the error summary", cls)
	}
	b.tabTo(`.error-summary a[href="#toelichting"]`)
	b.do(chromedp.KeyEvent(kb.Enter))
	if id := eval[string](b, `document.activeElement.id`); id != "toelichting" {
		t.Fatalf("the error link moved the focus to %q, not the field", id)
	}
	text := "Ik wil weten waarom u dit heeft gedaan."
	b.do(chromedp.KeyEvent(text))
	b.tabTo(`input[name="soort"]`, kb.ModifierShift)
	b.do(chromedp.KeyEvent(" "))
	kind := eval[string](b, `(document.querySelector('input[name="soort"]:checked') || {value: ""}).value`)
	b.tabTo(`form.request-form button[type="submit"]`)
	b.enter()
	b.wantPath("/verzoeken/")
	b.wantText("Ontvangen", text)
	if kind == "" {
		t.Error("no kind was chosen with the keyboard")
	}
}

// tabTo presses Tab until the element matching sel has the focus; every element on the way must show
// a visible focus indicator.
// With kb.ModifierShift it goes backwards.
func (b *tab) tabTo(sel string, modifiers ...kb.Modifier) {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	for range 120 {
		b.do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(modifiers...)))
		if eval[bool](b, `document.activeElement !== document.body`) {
			b.wantFocusVisible()
		}
		if eval[bool](b, `document.activeElement.matches(`+string(q)+`)`) {
			return
		}
	}
	b.t.Fatalf("Tab never reaches %s on %s", sel, b.path())
}

// enter presses Enter on the focused element and waits for the next page.
func (b *tab) enter() {
	b.t.Helper()
	b.follow(chromedp.KeyEvent(kb.Enter))
	b.check()
}

// wantFocusVisible fails unless the focused element has a visible outline.
func (b *tab) wantFocusVisible() {
	b.t.Helper()
	st := eval[map[string]string](b, `(e => { const s = getComputedStyle(e); return {el: e.outerHTML.slice(0, 80),
		style: s.outlineStyle, width: s.outlineWidth, fv: String(e.matches(":focus-visible"))}; })(document.activeElement)`)
	if st["fv"] != "true" || st["style"] == "none" || st["width"] == "0px" {
		b.t.Errorf("no visible focus on %s at %s: %v", st["el"], b.path(), st)
	}
}
