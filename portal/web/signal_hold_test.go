package web_test

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// Signals from systems (issue 17), through the whole program: a crisis report posted with a hold is
// not shown to the person while held; after the hold the sweep tells them and they read the category
// and the text written for them, never the reporter's summary; a clerk writes that text, with field
// errors when it is wrong.
func TestSignalHoldAndTextForThePerson(t *testing.T) {
	t.Parallel()
	// One clock for the portal and its storage. The signal is registered in the past, so that the
	// sessions made now stay fresh when the clock returns to now, after the hold.
	var clk atomic.Pointer[time.Time]
	setClock := func(at time.Time) { clk.Store(&at) }
	start := time.Now().Add(-40 * time.Minute)
	setClock(start)
	now := func() time.Time { return *clk.Load() }
	e := newEnv(t, web.Config{}, web.Deps{Now: now})
	e.db.SetClock(now)
	ctx := context.Background()
	_, key, err := e.db.CreateAPIKey(ctx, "veilig-thuis", []string{"signals:write"})
	if err != nil {
		t.Fatal(err)
	}
	const reporterSummary = "De politie kwam na een melding van de buurvrouw bij u thuis"
	hold := start.Add(30 * time.Minute).UTC().Truncate(time.Second)
	post := func(mod func(map[string]any)) (int, map[string]any) {
		t.Helper()
		body := map[string]any{"id": uuid.NewString(), "subject_bsn": bsnA, "received_at": start.Add(-time.Hour).UTC().Format(time.RFC3339),
			"reporter_kind": "police", "reporter": map[string]any{"organization": "Politie Midden"},
			"nature": map[string]any{"category": "domestic_violence", "summary": reporterSummary}, "urgency": "crisis",
			"handling_team": "Veilig Thuis"}
		mod(body)
		b, _ := json.Marshal(body)
		resp, out := e.do("POST", "/api/v1/signals", "", key, strings.NewReader(string(b)), "Content-Type", "application/json")
		var m map[string]any
		_ = json.Unmarshal([]byte(out), &m)
		m["id"] = body["id"]
		return resp.StatusCode, m
	}
	storedSignals := func() int {
		ss, err := e.db.StaffSignals(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(ss)
	}

	// A hold beyond the approval window is refused and stores nothing.
	if st, m := post(func(b map[string]any) { b["hold_until"] = start.Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339) }); st != 422 ||
		!strings.Contains(mustJSONText(t, m), `"hold_until"`) {
		t.Fatalf("a hold of ten days: %d %v", st, m)
	}
	if n := storedSignals(); n != 0 {
		t.Fatalf("%d signals stored after a refused hold", n)
	}

	st, m := post(func(b map[string]any) { b["hold_until"] = hold.Format(time.RFC3339) })
	if st != 201 || m["told"] != false || m["hold_until"] != hold.Format(time.RFC3339) {
		t.Fatalf("held signal: %d %v", st, m)
	}
	id := m["id"].(string)
	subject, err := e.db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	cit, _ := e.citizen(bsnA)
	citizenSees := func() (bool, string) {
		t.Helper()
		resp, body := e.do("GET", "/signalen/"+id, cit, "", nil)
		_, list := e.do("GET", "/signalen", cit, "", nil)
		if (resp.StatusCode == 200) != strings.Contains(list, id) {
			t.Fatalf("the page (%d) and the list disagree", resp.StatusCode)
		}
		return resp.StatusCode == 200, html.UnescapeString(body)
	}
	if seen, _ := citizenSees(); seen {
		t.Fatal("the person sees a held signal")
	}
	if ms, _ := e.db.Messages(ctx, subject, 10); len(ms) != 0 {
		t.Fatalf("the person has messages during the hold: %+v", ms)
	}

	// The clerk sees the hold and its end.
	clerk, clerkCSRF := e.staff(portal.RoleClerk)
	_, list := e.do("GET", "/medewerker/signalen", clerk, "", nil)
	if !strings.Contains(list, "vastgehouden tot") {
		t.Error("the staff list does not show the hold")
	}
	_, page := e.do("GET", "/medewerker/signalen/"+id, clerk, "", nil)
	page = html.UnescapeString(page)
	for _, want := range []string{"Vastgehouden", "de inwoner hoort het dan", reporterSummary, "Nog geen tekst"} {
		if !strings.Contains(page, want) {
			t.Errorf("the staff page lacks %q", want)
		}
	}

	// Not before the hold ends; when it ends, the sweep tells.
	setClock(hold.Add(-time.Minute))
	if res, err := e.db.SweepSignals(ctx); err != nil || res.Told != 0 {
		t.Fatalf("sweep before the end of the hold: %+v %v", res, err)
	}
	if seen, _ := citizenSees(); seen {
		t.Fatal("told before the hold ended")
	}
	setClock(time.Now()) // ten minutes after the end of the hold
	if res, err := e.db.SweepSignals(ctx); err != nil || res.Told != 1 {
		t.Fatalf("sweep after the hold: %+v %v", res, err)
	}
	seen, body := citizenSees()
	if !seen || !strings.Contains(body, "Zorgen over geweld in huis") ||
		!strings.Contains(body, "Een medewerker legt u uit waar deze melding over gaat.") || strings.Contains(body, reporterSummary) {
		t.Fatalf("the person's page after the hold (seen %v): %s", seen, body)
	}

	// The clerk's text: an empty or too long one is refused at the field, keeping what was typed.
	long := strings.Repeat("lang ", 801)
	for _, typed := range []string{"   ", long} {
		code, _, b := e.post("/medewerker/signalen/"+id+"/tekst", clerk, "csrf", clerkCSRF, "tekst_inwoner", typed)
		b = html.UnescapeString(b)
		if code != 422 || !strings.Contains(b, `href="#tekst_inwoner"`) || !strings.Contains(b, `aria-invalid="true"`) ||
			!strings.Contains(b, "Schrijf voor de inwoner waar de melding over gaat") || !strings.Contains(b, typed) {
			t.Errorf("text %.20q: %d %s", typed, code, b)
		}
	}
	if got, err := e.db.CitizenSignal(ctx, subject, "", id); err != nil || got.SummaryForSubject != "" {
		t.Fatalf("stored after refusals: %q %v", got.SummaryForSubject, err)
	}
	const text = "Er is een melding over zorgen bij u thuis. Een medewerker van Veilig Thuis belt u deze week."
	if code, loc, b := e.post("/medewerker/signalen/"+id+"/tekst", clerk, "csrf", clerkCSRF, "tekst_inwoner", text); code != 303 ||
		!strings.HasPrefix(loc, "/medewerker/signalen") {
		t.Fatalf("valid text: %d %s %s", code, loc, b)
	}
	if got, err := e.db.CitizenSignal(ctx, subject, "", id); err != nil || got.SummaryForSubject != text {
		t.Fatalf("stored text: %q %v", got.SummaryForSubject, err)
	}
	if _, body = citizenSees(); !strings.Contains(body, text) || strings.Contains(body, reporterSummary) ||
		strings.Contains(body, "Een medewerker legt u uit") {
		t.Errorf("the person's page with the clerk's text: %s", body)
	}
	// Without CSRF nothing changes.
	if code, _, _ := e.post("/medewerker/signalen/"+id+"/tekst", clerk, "tekst_inwoner", "anders"); code != 403 {
		t.Errorf("without CSRF: %d", code)
	}

	// summary_for_subject from the system reaches the person at once, without a hold.
	const forSubject = "Iemand maakt zich zorgen over u en heeft dat aan de gemeente laten weten."
	st, m = post(func(b map[string]any) { b["summary_for_subject"] = forSubject })
	if st != 201 || m["told"] != true {
		t.Fatalf("signal with a text for the person: %d %v", st, m)
	}
	id = m["id"].(string)
	if seen, body := citizenSees(); !seen || !strings.Contains(body, forSubject) || strings.Contains(body, reporterSummary) {
		t.Errorf("the person's page with summary_for_subject: %v %s", seen, body)
	}
}

func mustJSONText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
