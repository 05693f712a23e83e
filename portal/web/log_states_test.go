package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestProcessingLogSaysToWhomAndWhatWasHidden: a line passed on names the recipient on the list; a
// line that was confidential and is no longer says it was hidden, from when to when and why; a line
// that never was, or whose confidentiality ended before the processing, says nothing of the kind; a line
// still confidential is not shown at all. Each citizen sees only their own lines.
func TestProcessingLogSaysToWhomAndWhatWasHidden(t *testing.T) {
	t.Parallel()
	var clk atomic.Pointer[time.Time]
	setClock := func(at time.Time) { clk.Store(&at) }
	t0 := time.Now()
	setClock(t0)
	now := func() time.Time { return *clk.Load() }
	e := newEnv(t, web.Config{}, web.Deps{Now: now})
	e.db.SetClock(now)

	minutes := func(m int) *time.Time { at := t0.Add(time.Duration(m) * time.Minute); return &at }
	passed := event(bsnA, t0.Add(-96*time.Hour), func(ev *portal.Event) { ev.Action, ev.Recipient = "disclose", "Belastingdienst" })
	released := event(bsnA, t0.Add(-72*time.Hour), func(ev *portal.Event) {
		ev.ConfidentialUntil, ev.ConfidentialReason = minutes(5), "Lopend onderzoek naar uitkeringsfraude"
	})
	vng := event(bsnA, t0.Add(-71*time.Hour), func(ev *portal.Event) {
		ev.ConfidentialUntil, ev.ConfidentialReason = minutes(5), portal.VNGConfidentialReason
	})
	secret := event(bsnA, t0.Add(-70*time.Hour), func(ev *portal.Event) {
		ev.ConfidentialUntil, ev.ConfidentialReason = minutes(60*24*30), "Nog geheim onderzoek"
	})
	// Reported after its confidentiality ended: the organisation kept it from the person all the same.
	late := event(bsnA, t0.Add(-69*time.Hour), func(ev *portal.Event) {
		ev.ConfidentialUntil, ev.ConfidentialReason = minutes(-120), "Afgerond onderzoek"
	})
	// Its confidentiality ended before the processing itself: it was never hidden.
	never := event(bsnA, t0.Add(-67*time.Hour), func(ev *portal.Event) {
		ev.ConfidentialUntil, ev.ConfidentialReason = minutes(-68*60), "Vergissing"
	})
	plain := event(bsnA, t0.Add(-68*time.Hour))
	other := event(bsnB, t0.Add(-72*time.Hour), func(ev *portal.Event) { ev.ConfidentialUntil, ev.ConfidentialReason = minutes(5), "Onderzoek bij B" })
	e.ingest(passed, released, vng, secret, late, never, plain, other)
	// Ten minutes later (within a session's idle time): the confidentiality of three lines has ended.
	setClock(t0.Add(10 * time.Minute))
	ca, _ := e.citizen(bsnA)
	cb, _ := e.citizen(bsnB)

	item := func(body, id string) string {
		t.Helper()
		h, _ := doc(t, body).Find(`li.event:has(a[href="/verwerkingen/` + id + `"])`).Html()
		return h
	}
	_, list := e.get(ca, "/verwerkingen")
	if li := item(list, passed.ID); !strings.Contains(li, "Doorgegeven aan Belastingdienst") {
		t.Errorf("the passed-on line does not say to whom: %.400s", li)
	}
	from, to := web.FormatDate("nl", released.OccurredAt), web.FormatDate("nl", *released.ConfidentialUntil)
	wantIn(t, "the released line", item(list, released.ID), "Deze regel was een tijd geheim voor u: van "+from+" tot "+to+".",
		"De reden die de organisatie gaf: Lopend onderzoek naar uitkeringsfraude")
	wantIn(t, "the released VNG line", item(list, vng.ID), "De reden: de organisatie had deze verwerking vertrouwelijk gemaakt.")
	wantOut(t, "the released VNG line", item(list, vng.ID), portal.VNGConfidentialReason)
	wantIn(t, "the line reported after its confidentiality", item(list, late.ID), "Deze regel was een tijd geheim voor u: van "+
		web.FormatDate("nl", late.OccurredAt), "Afgerond onderzoek")
	for _, id := range []string{plain.ID, never.ID, passed.ID} {
		wantOut(t, "a line never hidden", item(list, id), "geheim")
	}
	wantOut(t, "A's log", list, secret.ID, "Nog geheim onderzoek", "Onderzoek bij B")

	_, body := e.get(ca, "/verwerkingen/"+released.ID)
	wantIn(t, "the released line's page", body, "Deze regel was een tijd geheim voor u: van "+from+" tot "+to+".", "Lopend onderzoek naar uitkeringsfraude")
	_, body = e.get(ca, "/verwerkingen/"+passed.ID)
	wantIn(t, "the passed-on line's page", body, "Doorgegeven aan Belastingdienst")
	wantOut(t, "the passed-on line's page", body, "geheim voor u")

	_, list = e.getEN("/verwerkingen", ca)
	wantIn(t, "the English passed-on line", item(list, passed.ID), "Passed on to Belastingdienst")
	wantIn(t, "the English released line", item(list, released.ID), "This line was kept from you for a while: from "+
		web.FormatDate("en", released.OccurredAt)+" to "+web.FormatDate("en", *released.ConfidentialUntil)+".",
		"The reason the organisation gave: Lopend onderzoek naar uitkeringsfraude")

	// The documents say the same: the CSV's "Let op" and the printable overview.
	_, csv := e.get(ca, "/verwerkingen.csv")
	wantIn(t, "A's CSV", csv, "Deze regel was een tijd geheim voor u: van "+from+" tot "+to+".", "Doorgegeven aan Belastingdienst")
	_, overview := e.get(ca, "/verwerkingen/overzicht")
	wantIn(t, "A's printable overview", overview, "Deze regel was een tijd geheim voor u: van "+from+" tot "+to+".")

	// B sees their own released line, not A's.
	_, list = e.get(cb, "/verwerkingen")
	wantIn(t, "B's released line", item(list, other.ID), "Onderzoek bij B")
	wantOut(t, "B's log", list, "uitkeringsfraude", "Belastingdienst")
}

// TestReleasedSignalViewSaysWhy: a clerk reads a held signal about A before A is told of it; the view
// stays out of A's log until the hold ends and A is told. Then the line says it was hidden, until when,
// and that it was part of a report about A.
func TestReleasedSignalViewSaysWhy(t *testing.T) {
	t.Parallel()
	var clk atomic.Pointer[time.Time]
	setClock := func(at time.Time) { clk.Store(&at) }
	start := time.Now().Add(-40 * time.Minute)
	setClock(start)
	now := func() time.Time { return *clk.Load() }
	e := newEnv(t, web.Config{}, web.Deps{Now: now})
	e.db.SetClock(now)
	ctx := context.Background()
	if err := e.db.EnsureInternalActivities(ctx, "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	_, key, err := e.db.CreateAPIKey(ctx, "veilig-thuis", []string{"signals:write"})
	if err != nil {
		t.Fatal(err)
	}
	hold := start.Add(20 * time.Minute).UTC().Truncate(time.Second)
	b, _ := json.Marshal(map[string]any{"id": uuid.NewString(), "subject_bsn": bsnA, "received_at": start.Add(-time.Hour).UTC().Format(time.RFC3339),
		"reporter_kind": "police", "reporter": map[string]any{"organization": "Politie Midden"},
		"nature": map[string]any{"category": "domestic_violence", "summary": "Melding van de buren"}, "urgency": "crisis",
		"handling_team": "Veilig Thuis", "hold_until": hold.Format(time.RFC3339)})
	resp, out := e.do("POST", "/api/v1/signals", "", key, strings.NewReader(string(b)), "Content-Type", "application/json")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil || resp.StatusCode != 201 {
		t.Fatalf("signal: %d %s", resp.StatusCode, out)
	}
	clerk, _ := e.staff(portal.RoleClerk)
	setClock(start.Add(5 * time.Minute))
	if resp, _ := e.do("GET", "/medewerker/signalen/"+m["id"].(string), clerk, "", nil); resp.StatusCode != 200 {
		t.Fatalf("the clerk's signal page: %d", resp.StatusCode)
	}
	ca, _ := e.citizen(bsnA)
	if _, list := e.get(ca, "/verwerkingen"); strings.Contains(list, "Veilig Thuis") || strings.Contains(list, "melding over u") {
		t.Fatal("the view of a held signal is in the log before the person is told")
	}
	setClock(time.Now())
	if res, err := e.db.SweepSignals(ctx); err != nil || res.Told != 1 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	subject := mustSubject(t, e, bsnA)
	evs, _, err := e.db.Events(ctx, subject, portal.EventFilter{Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].ConfidentialUntil == nil {
		t.Fatalf("A's log after being told: %d events, %v", len(evs), err)
	}
	_, list := e.get(ca, "/verwerkingen")
	wantIn(t, "the released view of the signal", list, "Deze regel was een tijd geheim voor u: van "+web.FormatDate("nl", evs[0].OccurredAt),
		"De reden: het hoorde bij een melding over u. U kreeg pas later bericht over die melding.")
	wantOut(t, "the released view of the signal", list, "De organisatie gaf geen reden")
}
