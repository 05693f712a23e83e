package journeys

// Staff journeys of issue 17 in Chromium: the clerk deciding a request (a field error, a preview of the
// letter, the decision itself, a stale second tab) and the privacy officer filtering, judging and
// exporting the oversight page. Each page is checked with axe-core and at 320 px (tab.check); what the
// pages claim is checked against the demo's database.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/internal/pdftext"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
)

// demoDB connects to the demo's database: the test database in which exists (a query returning one
// boolean) is true for args, e.g. the row of a request only this journey made. The suite does not keep
// the demo's database URL, so the databases of tests are searched for that row (its id is random).
func demoDB(t *testing.T, exists string, args ...any) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'inzicht\_test\_%' ORDER BY oid DESC`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	admin.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		c := cfg.Copy()
		c.Database = name
		conn, err := pgx.ConnectConfig(ctx, c)
		if err != nil {
			continue // dropped meanwhile by its own test
		}
		var found bool
		if err := conn.QueryRow(ctx, exists, args...).Scan(&found); err == nil && found {
			t.Cleanup(func() { conn.Close(context.Background()) })
			return conn
		}
		conn.Close(ctx)
	}
	t.Fatalf("no test database has %q for %v", exists, args)
	return nil
}

func queryRow(t *testing.T, db *pgx.Conn, sql string, args []any, dest ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// sameSession opens a second tab in the same browser context: the same person, logged in, in another tab.
func (b *tab) sameSession(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	b2 := &tab{s: b.s, t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("opening a second tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: b.s.axe}); err != nil {
		t.Fatalf("adding axe-core: %v", err)
	}
	return b2
}

// downloadBy runs an action that downloads a file (a click, an Enter on a focused button) and returns
// the file's content.
func (b *tab) downloadBy(a chromedp.Action[chromedp.Void]) []byte {
	b.t.Helper()
	dir := filepath.Join(b.s.downloads, uuid.NewString())
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptrTo(true),
		BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID,
	}); err != nil {
		b.t.Fatal(err)
	}
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	b.do(a)
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("waiting for a download at %s: %v", b.path(), err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return readFile(b.t, filepath.Join(dir, ev.GUID))
		case browser.DownloadProgressStateCanceled:
			b.t.Fatalf("the download at %s was canceled", b.path())
		}
	}
	b.t.Fatalf("no download at %s", b.path())
	return nil
}

// fieldState tells of a form field: whether it is marked invalid and the texts it is described by.
func fieldState(b *tab, sel string) map[string]string {
	return eval[map[string]string](b, `(f => ({invalid: f.getAttribute("aria-invalid") || "",
		described: (f.getAttribute("aria-describedby") || "").split(" ").map(id => (document.getElementById(id) || {}).textContent || "").join(" | ")}))(document.querySelector(`+jsString(sel)+`))`)
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

func checkedOutcome(b *tab) string {
	return eval[string](b, `(document.querySelector('input[name="besluit"]:checked') || {value: ""}).value`)
}

// clerkDecidesJourney: a citizen asks to see her data; a clerk finds the request by its reference,
// opens it, starts it, makes two mistakes in the decision form (no outcome; a rejection without a
// motivation, the second by keyboard alone), previews the letter (a CONCEPT PDF, nothing stored),
// decides, and a stale second tab cannot decide again. The database holds the decision chosen; the
// citizen's log shows the clerk's views of the case as few lines, repeated views grouped.
func clerkDecidesJourney(t *testing.T, s *browserSuite) {
	const bsn = "999998456"
	citizen := s.newTab(t)
	citizen.loginCitizen(bsn)
	citizen.open("/verzoeken/nieuw")
	citizen.do(chromedp.Click(chromedp.CSS(`input[name="soort"][value="inzage"]`)),
		chromedp.Click(chromedp.CSS(`#omvang-alles`)),
		chromedp.SendKeys(chromedp.CSS("#toelichting"), "Ik wil alles zien wat de gemeente over mij bewaart."))
	citizen.click(`form.request-form button[type="submit"]`)
	id := strings.TrimPrefix(citizen.wantPath("/verzoeken/"), "/verzoeken/")
	requestPath := "/verzoeken/" + id
	db := demoDB(t, `SELECT EXISTS (SELECT 1 FROM rights_requests WHERE id = $1)`, id)
	var ref string
	queryRow(t, db, `SELECT reference FROM rights_requests WHERE id = $1`, []any{id}, &ref)
	stored := func() (status, outcome, motivation string, decided bool) {
		t.Helper()
		queryRow(t, db, `SELECT status, outcome, motivation, decided_at IS NOT NULL FROM rights_requests WHERE id = $1`, []any{id},
			&status, &outcome, &motivation, &decided)
		return
	}

	clerk := s.newTab(t)
	clerk.loginStaff("medewerker")
	clerk.click(`main a[href="/medewerker/verzoeken"]`)
	// Searching with nothing typed: the message is at the field.
	clerk.click(`form[action="/medewerker/verzoeken/zoeken"] button[type="submit"]`)
	clerk.wantText("Vul een kenmerk of een BSN in om te zoeken.")
	if f := fieldState(clerk, "#zoek"); f["invalid"] != "true" || !strings.Contains(f["described"], "Vul een kenmerk") {
		t.Errorf("the empty search is not tied to its field: %v", f)
	}
	if !eval[bool](clerk, `document.querySelector('.error-summary a[href="#zoek"]') !== null`) {
		t.Error("the error summary of the search does not link to the field")
	}
	clerk.do(chromedp.SendKeys(chromedp.CSS("#zoek"), ref))
	clerk.click(`form[action="/medewerker/verzoeken/zoeken"] button[type="submit"]`)
	clerk.wantText("Zoekresultaten voor " + ref)
	clerk.click(`table.queue a[href="/medewerker/verzoeken/` + id + `"]`) // the first view of the case
	casePath := "/medewerker/verzoeken/" + id
	clerk.wantPath(casePath)
	clerk.wantText(ref, "Ik wil alles zien wat de gemeente over mij bewaart.")
	clerk.click(`form[action$="/behandelen"] button`)
	clerk.wantText("Het verzoek staat nu op 'in behandeling'.")

	// Mistake one: a motivation typed, no outcome chosen.
	draft := "Wij hebben uw gegevens nagekeken."
	clerk.do(chromedp.SendKeys(chromedp.CSS(`form[action$="/besluiten"] textarea[name="toelichting"]`), draft))
	clerk.click(`form[action$="/besluiten"] button:not([name])`)
	clerk.wantPath(casePath + "/besluiten")
	clerk.wantText("Kies een besluit")
	if !eval[bool](clerk, `document.querySelector('.error-summary a[href="#besluit"]') !== null`) {
		t.Error("the error summary does not link to the outcome")
	}
	if v := eval[string](clerk, `document.querySelector("#toelichting").value`); v != draft {
		t.Errorf("the typed motivation was lost: %q", v)
	}
	// Back to the case (a view of its own), and the same case in a second tab (another).
	clerk.click(`main a[href="` + casePath + `"]`)
	clerk.wantPath(casePath)
	second := clerk.sameSession(t)
	second.open(casePath)

	// Mistake two, by keyboard alone: a rejection without a motivation.
	clerk.tabTo(`input[name="besluit"]`)
	for range 5 {
		if checkedOutcome(clerk) == string(portal.OutcomeRejected) {
			break
		}
		clerk.do(chromedp.KeyEvent(kb.ArrowDown))
	}
	if o := checkedOutcome(clerk); o != string(portal.OutcomeRejected) {
		t.Fatalf("the arrow keys chose %q, not a rejection", o)
	}
	clerk.tabTo(`form[action$="/besluiten"] button:not([name])`)
	clerk.enter()
	clerk.wantPath(casePath + "/besluiten")
	if cls := eval[string](clerk, `document.activeElement.className`); cls != "error-summary" {
		t.Errorf("after the rejection without motivation the focus is on %q, not the error summary", cls)
	}
	clerk.wantText("Schrijf een motivering.", "Kies de grond")
	if f := fieldState(clerk, "#toelichting"); f["invalid"] != "true" || !strings.Contains(f["described"], "Schrijf een motivering") {
		t.Errorf("the missing motivation is not tied to its field: %v", f)
	}
	if o := checkedOutcome(clerk); o != string(portal.OutcomeRejected) {
		t.Errorf("the chosen outcome was lost: %q", o)
	}
	clerk.shot("journey-clerk-decide-errors")
	if st, _, _, _ := stored(); st != string(portal.StatusHandling) {
		t.Fatalf("after two refused decisions the request is %s", st)
	}
	clerk.tabTo(`.error-summary a[href="#toelichting"]`)
	clerk.do(enterWithoutChar())
	if id := eval[string](clerk, `document.activeElement.id`); id != "toelichting" {
		t.Fatalf("the error link moved the focus to %q, not the motivation", id)
	}
	motivation := "U vroeg om inzage. Wij hebben na zoeken geen andere gegevens gevonden dan die u al ziet."
	clerk.do(chromedp.KeyEvent(motivation))
	// The ground of the refusal, which the form also said was missing.
	clerk.do(chromedp.Click(chromedp.CSS(`input[name="grond"][value="other"]`)))

	// The preview, by keyboard: a PDF marked CONCEPT with what was typed; nothing stored.
	clerk.tabTo(`button[name="voorbeeld"]`)
	pdf := clerk.downloadBy(chromedp.KeyEvent(kb.Enter))
	txt, err := pdftext.Text(pdf)
	if err != nil {
		t.Fatalf("the preview is not a PDF: %v (%q)", err, pdf[:min(len(pdf), 20)])
	}
	for _, want := range []string{"CONCEPT", "Afgewezen", "geen andere gegevens gevonden", ref} {
		if !strings.Contains(txt, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if st, outcome, mot, decided := stored(); st != string(portal.StatusHandling) || outcome != "" || mot != "" || decided {
		t.Fatalf("after the preview the request is stored as %s/%q/%q decided=%v: nothing should be", st, outcome, mot, decided)
	}
	citizen.open(requestPath)
	if strings.Contains(citizen.text(), "Besluit genomen") {
		t.Error("after the preview the citizen reads a decision")
	}
	clerk.wantPath(casePath + "/besluiten") // the form stays as typed
	if v := eval[string](clerk, `document.querySelector("#toelichting").value`); v != motivation || checkedOutcome(clerk) != string(portal.OutcomeRejected) {
		t.Errorf("after the preview the form holds %q / %q", checkedOutcome(clerk), v)
	}

	// Deciding for real.
	clerk.click(`form[action$="/besluiten"] button:not([name])`)
	clerk.wantPath(casePath)
	clerk.wantText("Het besluit is vastgelegd.", "Afgewezen", motivation)
	letterSel := `a[href="` + casePath + `/besluit.pdf"]`
	if !eval[bool](clerk, `document.querySelector(`+jsString(letterSel)+`) !== null`) {
		t.Fatal("the case page after the decision has no link to the decision letter")
	}
	clerk.shot("journey-clerk-decided")
	letter, err := pdftext.Text(clerk.download(letterSel))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(letter, "CONCEPT") || !strings.Contains(letter, "geen andere gegevens gevonden") {
		t.Errorf("the decision letter is a draft or lacks the motivation:\n%s", letter)
	}
	st, outcome, mot, decided := stored()
	if st != string(portal.StatusDecided) || outcome != string(portal.OutcomeRejected) || mot != motivation || !decided {
		t.Fatalf("stored: %s/%q/%q decided=%v; want the rejection with its motivation", st, outcome, mot, decided)
	}

	// The stale second tab still shows the form: deciding again there changes nothing.
	second.do(chromedp.Click(chromedp.CSS(`input[name="besluit"][value="toegewezen"]`)))
	second.click(`form[action$="/besluiten"] button:not([name])`)
	if strings.Contains(second.text(), "Het besluit is vastgelegd") {
		t.Error("the second tab decided the request again")
	}
	second.wantText("kan niet meer besloten worden")
	if st2, outcome2, mot2, _ := stored(); st2 != st || outcome2 != outcome || mot2 != mot {
		t.Errorf("a second decision changed the stored one: %s/%q/%q", st2, outcome2, mot2)
	}

	// The citizen: the decision, the message, and the clerk's views of the case in the log.
	citizen.open(requestPath)
	citizen.wantText("Besluit genomen", motivation)
	citizen.open("/berichten")
	citizen.wantText(ref)
	var views []string
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, _ := db.Query(ctx, `SELECT e.id::text FROM processing_events e JOIN rights_requests r ON r.subject_id = e.subject_id
WHERE r.id = $1 AND e.activity_id = $2 AND e.case_ref = r.reference AND e.action = 'view' ORDER BY e.occurred_at`, id, portal.RequestActivity)
	views, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// Opened from the search, back from the form, in the second tab; starting, the refused forms, the
	// preview, the decision and the letter record no further view.
	if len(views) != 3 {
		t.Fatalf("%d views of the case recorded, want 3", len(views))
	}
	citizen.open("/verwerkingen")
	lines := eval[[]string](citizen, `[...document.querySelectorAll(".events li.event")].filter(li => `+
		`[...li.querySelectorAll("a[href^='/verwerkingen/']")].some(a => `+jsArray(views)+`.includes(a.getAttribute("href").slice(14))))`+
		`.map(li => li.innerText)`)
	if len(lines) != 2 {
		t.Fatalf("the citizen's log shows the clerk's 3 views as %d lines, want 2 (the later two grouped):\n%s", len(lines), strings.Join(lines, "\n---\n"))
	}
	if grouped := regexp.MustCompile(`Bekeken, 2 keer (om|tussen) `); !grouped.MatchString(lines[0]) || strings.Contains(lines[1], " keer ") {
		t.Errorf("the newest line does not group the two views by the assigned clerk:\n%s", strings.Join(lines, "\n---\n"))
	}
	citizen.shot("journey-clerk-views-in-log")
}

// enterWithoutChar presses Enter as a key down and up only. chromedp.KeyEvent also sends the key's
// character as an event of its own, which the field the link just focused would take as a new line (a
// physical key press does not: the browser drops the character of a key down it acted on).
func enterWithoutChar() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, k := range kb.Encode('\r') {
			if k.Type == kb.KeyChar {
				continue
			}
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
				return err
			}
		}
		return nil
	})
}

func jsArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// officerExportsJourney: two emergency accesses to one person, one recent and one older; the privacy
// officer makes a mistake in the period filter, then filters on the last week and on "not judged",
// judges the recent one "not justified" with a reason, and exports the period as CSV. The CSV holds the
// judgement under the person's pseudonym and no BSN; the person finds the message in their inbox.
func officerExportsJourney(t *testing.T, s *browserSuite) {
	const bsn = "999991772"
	now := time.Now()
	recentID, olderID := uuid.NewString(), uuid.NewString()
	event := func(id string, at time.Time, reason string) string {
		return fmt.Sprintf(`{"id":%q,"occurred_at":%q,"subject_bsn":%q,"activity":"pw-bijstand","action":"view",`+
			`"data_categories":["income","household"],"level":"what","actor":{"organization":"Gemeente Voorbeeldstad",`+
			`"team":"Team Werk en Inkomen","role":"Klantmanager inkomen","employee_id":"kl-4711","employee_name":"K. Lantman"},`+
			`"access_basis":"break_glass","break_glass_reason":%q}`, id, at.UTC().Format(time.RFC3339), bsn, reason)
	}
	if st, body := s.api(t, "POST", "/processing-events", `{"events":[`+
		event(recentID, now.AddDate(0, 0, -2), "Spoed: inwoner belde over een dreigende uitzetting")+`,`+
		event(olderID, now.AddDate(0, 0, -40), "Spoed: huisbezoek")+`]}`); st != 200 {
		t.Fatalf("posting the emergency accesses: %d %s", st, body)
	}
	db := demoDB(t, `SELECT EXISTS (SELECT 1 FROM processing_events WHERE id = $1)`, recentID)
	bgForm := func(id string) string { return `form[action="/toezicht/noodtoegang/` + id + `"]` }

	officer := s.newTab(t)
	officer.loginStaff("privacy")
	officer.click(`main a[href="/toezicht"]`)
	for _, id := range []string{recentID, olderID} {
		if !eval[bool](officer, `document.querySelector(`+jsString(bgForm(id))+`) !== null`) {
			t.Fatalf("the emergency access %s is not on the oversight page", id)
		}
	}
	// A wrong date in the period: the message at its field, no list, no export.
	officer.do(chromedp.SendKeys(chromedp.CSS("#van"), "31-02-2026"))
	officer.click(`form.filters button[type="submit"]`)
	if f := fieldState(officer, "#van"); f["invalid"] != "true" || len(strings.Split(f["described"], "|")) < 2 {
		t.Errorf("the wrong date is not tied to its field: %v", f)
	}
	if !eval[bool](officer, `document.querySelector('.error-summary a[href="#van"]') !== null`) {
		t.Error("the error summary does not link to the date")
	}
	if eval[bool](officer, `document.querySelector('a[href^="/toezicht/export.csv"]') !== null`) {
		t.Error("an export is offered for a filter that is wrong")
	}
	from, to := now.AddDate(0, 0, -7).Format("2006-01-02"), now.Format("2006-01-02")
	officer.do(chromedp.SetValue(chromedp.CSS("#van"), from), chromedp.SetValue(chromedp.CSS("#tot"), to))
	// "Only not judged", by keyboard: Tab to the box and Space.
	officer.tabTo("#open")
	officer.do(chromedp.KeyEvent(" "))
	officer.click(`form.filters button[type="submit"]`)
	for _, want := range []string{"van=" + from, "tot=" + to, "open=1"} {
		if p := officer.path(); !strings.Contains(p, want) {
			t.Fatalf("the filter did not apply %s: %s", want, p)
		}
	}
	officer.wantText("Alleen wat nog niet is beoordeeld.")
	if eval[bool](officer, `document.querySelector(`+jsString(bgForm(olderID))+`) !== null`) {
		t.Error("the access of 40 days ago is shown in a period of the last week")
	}
	if !eval[bool](officer, `document.querySelector(`+jsString(bgForm(recentID))+`) !== null`) {
		t.Fatal("the recent access is not shown in the last week")
	}
	if n := eval[int](officer, `[...document.querySelectorAll("ul.events li.event")].filter(li => !li.innerText.includes("Nog niet beoordeeld")).length`); n != 0 {
		t.Errorf("%d judged accesses shown under 'only not judged'", n)
	}
	pseudonym := eval[string](officer, `document.querySelector(`+jsString(bgForm(recentID))+`).closest("li").querySelector(".pseudonym").textContent.trim()`)
	if pseudonym == "" {
		t.Fatal("the access names no pseudonym")
	}
	// The judgement needs a choice: the browser keeps the form until one is made.
	if eval[bool](officer, `document.querySelector(`+jsString(bgForm(recentID))+`).checkValidity()`) {
		t.Error("the judgement form is valid without a choice")
	}
	note := "Geen spoed: de uitzetting was pas over drie weken."
	officer.do(chromedp.Click(chromedp.CSS(`#nok-`+recentID)),
		chromedp.SendKeys(chromedp.CSS(`#note-`+recentID), note))
	officer.shot("journey-officer-filtered")
	officer.click(bgForm(recentID) + ` button[type="submit"]`)
	officer.wantPath("/toezicht")
	if p := officer.path(); !strings.Contains(p, "open=1") || !strings.Contains(p, "van="+from) {
		t.Errorf("after judging, the filter is gone: %s", p)
	}
	if eval[bool](officer, `document.querySelector(`+jsString(bgForm(recentID))+`) !== null`) {
		t.Error("the judged access is still listed under 'only not judged'")
	}
	var justified bool
	var storedNote, reviewer string
	queryRow(t, db, `SELECT justified, note, reviewer_name FROM break_glass_reviews WHERE event_id = $1`, []any{recentID},
		&justified, &storedNote, &reviewer)
	if justified || storedNote != note || reviewer != "Priya Privacy" {
		t.Errorf("stored judgement: justified=%v note=%q by %q", justified, storedNote, reviewer)
	}

	// The whole last week (judged too), and its export.
	officer.do(chromedp.Click(chromedp.CSS("#open")))
	officer.click(`form.filters button[type="submit"]`)
	if p := officer.path(); strings.Contains(p, "open=1") {
		t.Fatalf("'only not judged' is still on: %s", p)
	}
	officer.wantText(note)
	officer.shot("journey-officer-judged")
	raw := officer.download(`a[href^="/toezicht/export.csv"]`)
	if !bytes.HasPrefix(raw, []byte("\ufeffSoort;")) {
		t.Errorf("the CSV does not start with its marked header: %q", raw[:min(len(raw), 40)])
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("the CSV: %d records, %v", len(recs), err)
	}
	head := recs[0]
	col := func(name string) int {
		for i, h := range head {
			if strings.TrimPrefix(h, "\ufeff") == name {
				return i
			}
		}
		t.Fatalf("the CSV has no column %q: %v", name, head)
		return -1
	}
	cID, cPerson, cJudgement, cBy, cNote := col("id"), col("Inwoner (pseudoniem)"), col("Oordeel"), col("Beoordeeld door"), col("Notitie")
	var mine []string
	for _, r := range recs[1:] {
		if len(r) != len(head) {
			t.Fatalf("a CSV line has %d cells, the header %d", len(r), len(head))
		}
		if r[cID] == olderID {
			t.Error("the export holds the access of 40 days ago, outside the period")
		}
		if r[cID] == recentID {
			mine = r
		}
	}
	if mine == nil {
		t.Fatal("the export lacks the judged access")
	}
	if mine[0] != "noodtoegang" || mine[cPerson] != pseudonym || mine[cJudgement] != "Niet terecht" || mine[cBy] != "Priya Privacy" || mine[cNote] != note {
		t.Errorf("the export's line for the access: %q", mine)
	}
	bsns := []string{bsn, demo.BSNParentEva, demo.BSNParentMark, demo.BSNChildDaan, demo.BSNChildNoor, demo.BSNAdultHenk, demo.BSNBewindSanne}
	for _, c := range demo.Citizens {
		bsns = append(bsns, c.BSN)
	}
	for _, b := range bsns {
		if bytes.Contains(raw, []byte(b)) {
			t.Errorf("the export holds a BSN in clear (%s)", portal.MaskBSN(b))
		}
	}
	for _, n := range regexp.MustCompile(`\d{9}`).FindAll(raw, -1) {
		if portal.ValidBSN(string(n)) {
			t.Errorf("the export holds a number that is a valid BSN (%s)", portal.MaskBSN(string(n)))
		}
	}

	// The person concerned: one message, about this access, in their own inbox.
	var msgs int
	queryRow(t, db, `SELECT count(*) FROM messages m JOIN processing_events e ON e.id = m.review_event_id
WHERE m.review_event_id = $1 AND m.subject_id = e.subject_id AND m.kind = $2`, []any{recentID, string(portal.MessageUnjustifiedAccess)}, &msgs)
	if msgs != 1 {
		t.Errorf("%d messages to the person about the access, want 1", msgs)
	}
	citizen := s.newTab(t)
	citizen.loginCitizen(bsn)
	citizen.click(`nav a[href="/berichten"]`)
	citizen.wantText("niet had mogen bekijken")
	if !eval[bool](citizen, `document.querySelector('main a[href="/verwerkingen/`+recentID+`"]') !== null`) {
		t.Error("the message does not link to the access it is about")
	}
	citizen.shot("journey-officer-message")
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
