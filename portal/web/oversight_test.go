package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

func TestPrivacyOfficerOversight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	now := time.Now()
	bg := event(bsnA, now.Add(-2*time.Hour), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason = portal.BasisBreakGlass, "Crisis in het weekend, dossier nodig"
		ev.Actor.EmployeeID, ev.Actor.EmployeeName = "mw-9", "Bram Breekglas"
	})
	evs := []portal.Event{bg}
	// An employee who mostly looks without an assignment.
	for i := range 25 {
		evs = append(evs, event(bsnB, now.Add(-time.Duration(i+3)*time.Hour), func(ev *portal.Event) {
			ev.AccessBasis = portal.BasisTeam
			ev.Actor.EmployeeID, ev.Actor.EmployeeName = "mw-7", "Nina Nieuwsgierig"
		}))
	}
	e.ingest(evs...)
	officer, csrf := e.staff("privacy_officer")
	resp, page := e.do("GET", "/toezicht", officer, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("oversight: %d", resp.StatusCode)
	}
	for _, want := range []string{"Crisis in het weekend", "Bram Breekglas", "Nina Nieuwsgierig", "Nog niet beoordeeld"} {
		if !strings.Contains(page, want) {
			t.Errorf("oversight lacks %q", want)
		}
	}
	if strings.Contains(page, bsnA) || strings.Contains(page, bsnB) {
		t.Error("the oversight page shows a BSN")
	}
	// The officer saw citizen A's break-the-glass access: that view is in A's log.
	evsA, _, err := e.db.Events(context.Background(), mustSubject(t, e, bsnA), portal.EventFilter{Limit: 10})
	if err != nil || len(evsA) == 0 || evsA[0].Activity.ID != portal.OversightActivity || evsA[0].Actor.Role != portal.RoleLabel(portal.RolePrivacyOfficer) {
		t.Fatalf("officer's view not recorded for citizen A: %+v %v", evsA, err)
	}
	if status, _, _ := e.post("/toezicht/noodtoegang/"+bg.ID, officer, "csrf", csrf, "oordeel", "onterecht", "notitie", "Geen crisis volgens rooster"); status != 303 {
		t.Fatalf("judge: %d", status)
	}
	_, page = e.do("GET", "/toezicht", officer, "", nil)
	if !strings.Contains(page, "Niet terecht") || !strings.Contains(page, "Geen crisis volgens rooster") {
		t.Error("the judgement is not shown")
	}
	// Only break-the-glass accesses can be judged.
	if status, _, _ := e.post("/toezicht/noodtoegang/"+evs[1].ID, officer, "csrf", csrf, "oordeel", "terecht"); status != 404 {
		t.Errorf("judging an ordinary view: %d", status)
	}
}
