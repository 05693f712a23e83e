package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestTeamLeadsSeeNewEmergencyAccesses: an emergency access is new for each team lead until that lead
// marks it seen; one lead's marking leaves the other's notification standing.
func TestTeamLeadsSeeNewEmergencyAccesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	glass := event(bsnA, time.Now().Add(-time.Hour), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason, ev.Actor.EmployeeName = portal.BasisBreakGlass, "Crisis, geen tijd", "Nora Nood"
	})
	e.ingest(glass)
	theo, tcsrf := e.staffAs("theo", "Theo Teamleider", portal.RoleTeamLead)
	tina, _ := e.staffAs("tina", "Tina Teamleider", portal.RoleTeamLead)
	for _, who := range []string{theo, tina} {
		_, body := e.get(who, "/medewerker")
		if !strings.Contains(body, "Nieuwe noodtoegangen sinds u hier keek: 1") || !strings.Contains(body, "<strong>Nieuw</strong>") {
			t.Fatalf("a team lead is not told of the new emergency access")
		}
	}
	// A forged or empty list changes nothing.
	if status, _, _ := e.post("/medewerker/noodtoegang/gezien", theo, "csrf", tcsrf, "toegang", "niet-een-id"); status != 400 && status != 422 {
		t.Errorf("marking nothing valid: %d", status)
	}
	status, loc, _ := e.post("/medewerker/noodtoegang/gezien", theo, "csrf", tcsrf, "toegang", glass.ID)
	if status != 303 || loc != "/medewerker?gezien=1" {
		t.Fatalf("mark seen: %d %s", status, loc)
	}
	_, body := e.get(theo, loc)
	if strings.Contains(body, "<strong>Nieuw</strong>") || !strings.Contains(body, "gemarkeerd als gezien") {
		t.Error("Theo's home still marks the access new")
	}
	if !strings.Contains(body, "Nora Nood") {
		t.Error("the access left the list once seen")
	}
	if _, body := e.get(tina, "/medewerker"); !strings.Contains(body, "<strong>Nieuw</strong>") {
		t.Error("Theo's marking hid the access from Tina")
	}
	clerk, ccsrf := e.staffAs("carla", "Carla Klerk", portal.RoleClerk)
	if status, _, _ := e.post("/medewerker/noodtoegang/gezien", clerk, "csrf", ccsrf, "toegang", glass.ID); status != 403 {
		t.Errorf("a clerk marks team leads' notifications: %d", status)
	}
}
