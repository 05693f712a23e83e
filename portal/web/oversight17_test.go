package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

var pseudonymOnPage = regexp.MustCompile(`<span class="pseudonym">(P-[0-9A-F]{6})</span>`)

func glassLine(bsn string, at time.Time, reason string) portal.Event {
	return event(bsn, at, func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason = portal.BasisBreakGlass, reason
		ev.Actor.EmployeeID, ev.Actor.EmployeeName = "mw-9", "Bram Breekglas"
	})
}

// oversightFixture: citizen A has two break-the-glass lines (one recent, one 40 days old), citizen B
// one, with the same employee and reason shape, so only the person code tells them apart; and an
// employee who mostly looks without an assignment.
func oversightFixture(t *testing.T, e *env) (a1, a2, b1 portal.Event) {
	t.Helper()
	now := time.Now()
	a1 = glassLine(bsnA, now.Add(-2*time.Hour), "Crisis in het weekend")
	a2 = glassLine(bsnA, now.Add(-40*24*time.Hour), "Crisis in de nacht")
	b1 = glassLine(bsnB, now.Add(-3*time.Hour), "=HYPERLINK(\"http://x\")")
	evs := []portal.Event{a1, a2, b1}
	for i := range 25 {
		evs = append(evs, event(bsnB, now.Add(-time.Duration(i+5)*time.Hour), func(ev *portal.Event) {
			ev.AccessBasis = portal.BasisTeam
			ev.Actor.EmployeeID, ev.Actor.EmployeeName = "mw-7", "Nina Nieuwsgierig"
		}))
	}
	e.ingest(evs...)
	return a1, a2, b1
}

// codeOf returns the pseudonym shown in the page's line that mentions marker.
func codeOf(t *testing.T, page, marker string) string {
	t.Helper()
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("page lacks %q", marker)
	}
	// The line's item starts at the last <li before the marker.
	start := strings.LastIndex(page[:i], "<li")
	m := pseudonymOnPage.FindStringSubmatch(page[start:i])
	if m == nil {
		t.Fatalf("no pseudonym in the line of %q", marker)
	}
	return m[1]
}

// TestOversightPageTellsPeopleApart: each break-the-glass line names the person by a short code (the
// same for the same person, different for another, never the BSN) and the activity by its register
// name.
func TestOversightPageTellsPeopleApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	oversightFixture(t, e)
	officer, _ := e.staff("privacy_officer")
	resp, page := e.do("GET", "/toezicht", officer, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("oversight: %d", resp.StatusCode)
	}
	codeA1, codeA2 := codeOf(t, page, "Crisis in het weekend"), codeOf(t, page, "Crisis in de nacht")
	codeB := codeOf(t, page, "HYPERLINK")
	if codeA1 != codeA2 {
		t.Errorf("citizen A has two codes: %s and %s", codeA1, codeA2)
	}
	if codeA1 == codeB {
		t.Errorf("citizens A and B share code %s", codeA1)
	}
	if strings.Contains(page, bsnA) || strings.Contains(page, bsnB) {
		t.Error("the oversight page shows a BSN")
	}
	// The code is the one storage derives for the person.
	bg, _, err := e.db.Oversight(context.Background(), portal.OversightFilter{From: time.Now().AddDate(-1, 0, 0)},
		portal.Staff{Sub: "fg", Roles: []string{portal.RolePrivacyOfficer}}, "Gemeente Voorbeeldstad")
	if err != nil {
		t.Fatal(err)
	}
	subA := mustSubject(t, e, bsnA)
	for _, f := range bg {
		if (f.SubjectID == subA) != (f.Pseudonym == codeA1) {
			t.Errorf("line %s of subject %d has code %s (A's is %s)", f.EventID, f.SubjectID, f.Pseudonym, codeA1)
		}
	}
	if !strings.Contains(page, "<dd>Wmo-onderzoek</dd>") || strings.Contains(page, "<dd>wmo-onderzoek</dd>") {
		t.Error("the activity is not shown by its register name")
	}
}

// TestOversightFilters: the period and "not yet judged" filters narrow the lines and stay in the URL
// (the export link and the judgement's return keep them); an invalid date shows the form again (422)
// with the message at the field and what was typed.
func TestOversightFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	a1, _, b1 := oversightFixture(t, e)
	officer, csrf := e.staff("privacy_officer")
	from := time.Now().In(portal.Amsterdam).AddDate(0, 0, -10).Format("2006-01-02")
	to := time.Now().In(portal.Amsterdam).Format("2006-01-02")

	_, page := e.do("GET", "/toezicht?van="+from+"&tot="+to, officer, "", nil)
	if !strings.Contains(page, "Crisis in het weekend") || strings.Contains(page, "Crisis in de nacht") {
		t.Error("the period does not narrow the lines")
	}
	if !strings.Contains(page, `href="/toezicht/export.csv?tot=`+to+`&amp;van=`+from+`"`) {
		t.Error("the export link does not keep the filter")
	}
	// A line before the period: only without it.
	_, page = e.do("GET", "/toezicht", officer, "", nil)
	if !strings.Contains(page, "Crisis in de nacht") {
		t.Error("the default period misses a line of 40 days ago")
	}

	// Judged lines leave the "not yet judged" list; the judgement returns to the filtered list.
	status, loc, _ := e.post("/toezicht/noodtoegang/"+a1.ID, officer, "csrf", csrf, "oordeel", "terecht", "open", "1", "van", from)
	if status != http.StatusSeeOther || loc != "/toezicht?open=1&van="+from {
		t.Errorf("judge: %d to %q", status, loc)
	}
	_, page = e.do("GET", "/toezicht?open=1", officer, "", nil)
	if strings.Contains(page, "Crisis in het weekend") || !strings.Contains(page, "HYPERLINK") || !strings.Contains(page, "Crisis in de nacht") {
		t.Error("'not yet judged' shows a judged line or hides an open one")
	}
	if !strings.Contains(page, `id="open" name="open" value="1" checked`) {
		t.Error("the filter is not kept in the form")
	}
	_ = b1

	// Invalid dates.
	for _, tc := range []struct{ query, field, msg string }{
		{"van=2026-13-01", "van", "Vul de begindatum in als jjjj-mm-dd"},
		{"tot=gisteren", "tot", "Vul de einddatum in als jjjj-mm-dd"},
		{"van=2026-03-10&tot=2026-03-01", "tot", "De einddatum moet op of na de begindatum liggen"},
	} {
		resp, page := e.do("GET", "/toezicht?"+tc.query, officer, "", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tc.query, resp.StatusCode)
		}
		for _, want := range []string{`class="error-summary"`, `<a href="#` + tc.field + `">` + tc.msg, `id="` + tc.field + `-fout">` + tc.msg,
			`aria-invalid="true"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", tc.query, want)
			}
		}
		if strings.Contains(page, "Crisis in het weekend") {
			t.Errorf("%s: lines shown under an invalid filter", tc.query)
		}
	}
	_, page = e.do("GET", "/toezicht?tot=gisteren", officer, "", nil)
	if !strings.Contains(page, `value="gisteren"`) {
		t.Error("what was typed is lost")
	}
	if resp, _ := e.do("GET", "/toezicht/export.csv?van=morgen", officer, "", nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("export with an invalid date: %d", resp.StatusCode)
	}
}

// TestOversightExport: the CSV for the Autoriteit Persoonsgegevens has the judgements, the staff
// patterns and pseudonyms, no BSN, and cells a spreadsheet does not run.
func TestOversightExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	a1, a2, b1 := oversightFixture(t, e)
	officer, csrf := e.staff("privacy_officer")
	if status, _, _ := e.post("/toezicht/noodtoegang/"+a1.ID, officer, "csrf", csrf, "oordeel", "onterecht", "notitie", "Geen crisis"); status != 303 {
		t.Fatalf("judge: %d", status)
	}
	resp, body := e.do("GET", "/toezicht/export.csv", officer, "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "toezicht.csv") {
		t.Fatalf("export: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if strings.Contains(body, bsnA) || strings.Contains(body, bsnB) {
		t.Fatal("the export contains a BSN")
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			t.Fatalf("no column %q in %v", name, head)
		}
		return i
	}
	byID := map[string][]string{}
	var patterns [][]string
	for _, rec := range recs[1:] {
		switch rec[col("Soort")] {
		case "noodtoegang":
			byID[rec[col("id")]] = rec
		case "patroon medewerker":
			patterns = append(patterns, rec)
		}
	}
	if len(byID) != 3 {
		t.Fatalf("%d break-the-glass rows, want 3", len(byID))
	}
	person := col("Inwoner (pseudoniem)")
	if byID[a1.ID][person] != byID[a2.ID][person] || byID[a1.ID][person] == byID[b1.ID][person] ||
		!regexp.MustCompile(`^P-[0-9A-F]{6}$`).MatchString(byID[a1.ID][person]) {
		t.Errorf("pseudonyms: %q %q %q", byID[a1.ID][person], byID[a2.ID][person], byID[b1.ID][person])
	}
	if got := byID[a1.ID]; got[col("Oordeel")] != "Niet terecht" || got[col("Notitie")] != "Geen crisis" ||
		got[col("Beoordeeld door")] != "Mia Medewerker" || got[col("Inwoner geïnformeerd")] != "ja" || got[col("Taak")] != "Wmo-onderzoek" {
		t.Errorf("judged row: %q", got)
	}
	if got := byID[b1.ID]; got[col("Oordeel")] != "Nog niet beoordeeld" || !strings.HasPrefix(got[col("Reden of genoemde toestemming")], "'=") {
		t.Errorf("open row (formula kept unsafe?): %q", got)
	}
	if len(patterns) != 1 || !strings.Contains(patterns[0][col("Medewerker")], "Nina Nieuwsgierig") || patterns[0][col("Inzages")] != "25" {
		t.Errorf("patterns: %q", patterns)
	}
	// Exporting is recorded in the log of the people listed, as opening the page is.
	evs, _, err := e.db.Events(context.Background(), mustSubject(t, e, bsnB), portal.EventFilter{Limit: 5})
	if err != nil || len(evs) == 0 || evs[0].Activity.ID != portal.OversightActivity {
		t.Errorf("the export is not in B's log: %v", err)
	}
}

// TestUnjustifiedJudgementTellsTheCitizen: judging a break-the-glass access "not justified" puts one
// message in that citizen's inbox, linked to their objection about the line, shown on /toezicht; the
// other citizen gets nothing.
func TestUnjustifiedJudgementTellsTheCitizen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	a1, _, b1 := oversightFixture(t, e)
	citizenA, csrfA := e.citizen(bsnA)
	status, loc, _ := e.post("/verzoeken", citizenA, "csrf", csrfA, "soort", "bezwaar", "verwerking", a1.ID,
		"toelichting", "Waarom keek deze medewerker in mijn dossier?")
	if status != http.StatusSeeOther {
		t.Fatalf("objection: %d", status)
	}
	reqID, _, _ := strings.Cut(strings.TrimPrefix(loc, "/verzoeken/"), "?")
	subA, subB := mustSubject(t, e, bsnA), mustSubject(t, e, bsnB)
	ctx := context.Background()
	beforeA, _ := e.db.Messages(ctx, subA, 100)
	beforeB, _ := e.db.Messages(ctx, subB, 100)

	officer, csrf := e.staff("privacy_officer")
	// "Niet terecht" without saying why is refused: nothing stored, nobody told.
	if status, _, _ := e.post("/toezicht/noodtoegang/"+a1.ID, officer, "csrf", csrf, "oordeel", "onterecht", "notitie", "  "); status != 400 && status != 422 {
		t.Errorf("'niet terecht' without a note: %d", status)
	}
	if ms, _ := e.db.Messages(ctx, subA, 100); len(ms) != len(beforeA) {
		t.Fatalf("a refused judgement told the person")
	}
	for range 2 {
		if status, _, _ := e.post("/toezicht/noodtoegang/"+a1.ID, officer, "csrf", csrf, "oordeel", "onterecht", "notitie", "Geen spoed"); status != 303 {
			t.Fatalf("judge: %d", status)
		}
	}
	if status, _, _ := e.post("/toezicht/noodtoegang/"+b1.ID, officer, "csrf", csrf, "oordeel", "terecht"); status != 303 {
		t.Fatalf("judge B: %d", status)
	}
	msA, err := e.db.Messages(ctx, subA, 100)
	if err != nil || len(msA) != len(beforeA)+1 {
		t.Fatalf("A has %d messages (%v), want %d", len(msA), err, len(beforeA)+1)
	}
	m := msA[0]
	if m.Kind != portal.MessageUnjustifiedAccess || m.EventID != a1.ID || m.RequestID != reqID || m.Reference == "" {
		t.Errorf("message %+v", m)
	}
	if msB, _ := e.db.Messages(ctx, subB, 100); len(msB) != len(beforeB) {
		t.Errorf("B got %d new messages", len(msB)-len(beforeB))
	}

	_, page := e.do("GET", "/berichten", citizenA, "", nil)
	for _, want := range []string{"De functionaris gegevensbescherming vindt dat een medewerker uw gegevens niet had mogen bekijken.",
		"Dit oordeel hoort bij uw bezwaar " + m.Reference, `href="/verzoeken/` + reqID + `"`, `href="/verwerkingen/` + a1.ID + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	// The clerk handling the objection sees the judgement with it.
	clerk, _ := e.staff("clerk")
	resp, page := e.do("GET", "/medewerker/verzoeken/"+reqID, clerk, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Oordeel van de functionaris gegevensbescherming over noodtoegang") ||
		!strings.Contains(page, "<strong>Niet terecht</strong>") {
		t.Errorf("the clerk's page (%d) does not show the judgement", resp.StatusCode)
	}
	_, page = e.do("GET", "/toezicht", officer, "", nil)
	i := strings.Index(page, "Crisis in het weekend")
	line := page[i:]
	line = line[:strings.Index(line, "</dl>")]
	if !strings.Contains(line, m.Reference) || !strings.Contains(line, "Ja, bericht in de berichtenbox") {
		t.Errorf("the oversight line does not show the objection and that A was told: %s", line)
	}
}
