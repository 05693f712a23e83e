package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestTeamLeadHome: a team lead's home lists the deferrals waiting for them (not the ones they asked
// themselves) and every emergency access of the last 30 days with employee and reason, without naming
// any citizen; a clerk's home shows neither.
func TestTeamLeadHome(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	clerk := portal.Staff{Sub: "mw-clerk", Name: "Cor Clerk", Roles: []string{portal.RoleClerk}}
	now := time.Now()
	ns := portal.NewSignal{ID: uuid.NewString(), SubjectBSN: bsnA, ReceivedAt: now.Add(-time.Hour), ReporterKind: "school",
		Nature: portal.Nature{Category: "wellbeing", Summary: "Zorgen op school"}, Urgency: "normal", HandlingTeam: "Jeugdteam"}
	if _, _, err := e.db.RegisterSignal(ctx, ns, "staff", 0, &clerk, &portal.DeferralRequest{Reason: "investigation",
		ReviewAt: now.AddDate(0, 1, 0), Motivation: "Onderzoek loopt nog"}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	glass := event(bsnA, now.Add(-2*24*time.Hour), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason, ev.Actor.EmployeeName = portal.BasisBreakGlass, "Crisis in het gezin, geen tijd", "Nora Nood"
	})
	old := event(bsnA, now.Add(-40*24*time.Hour), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason, ev.Actor.EmployeeName = portal.BasisBreakGlass, "Te oud om te tonen", "Otto Oud"
	})
	other := event(bsnB, now.Add(-2*24*time.Hour), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason, ev.Actor.EmployeeName = portal.BasisBreakGlass, "Crisis in het gezin, geen tijd", "Nora Nood"
	})
	e.ingest(glass, old, other)

	lead, _ := e.staff("team_lead")
	st, body := e.get(lead, "/medewerker")
	if st != 200 {
		t.Fatalf("/medewerker: %d", st)
	}
	for _, want := range []string{"Uitstel dat op uw goedkeuring wacht", "gevraagd door Cor Clerk", "/medewerker/signalen/" + ns.ID,
		"Noodtoegang in de afgelopen 30 dagen", "Nora Nood", "Crisis in het gezin, geen tijd", "nog niet beoordeeld"} {
		if !strings.Contains(body, want) {
			t.Errorf("the team lead's home lacks %q", want)
		}
	}
	// Two people's accesses are told apart by the pseudonymous code, never by a BSN.
	if n := len(regexp.MustCompile(`P-[0-9A-F]{6}`).FindAllString(body, -1)); n != 2 {
		t.Errorf("%d person codes on the page, want 2", n)
	}
	codes := regexp.MustCompile(`P-[0-9A-F]{6}`).FindAllString(body, -1)
	if len(codes) == 2 && codes[0] == codes[1] {
		t.Errorf("two people's accesses carry the same code %s", codes[0])
	}
	for _, not := range []string{"Otto Oud", bsnA, portal.MaskBSN(bsnA), bsnB} {
		if strings.Contains(body, not) {
			t.Errorf("the team lead's home shows %q", not)
		}
	}
	clerkCookie, _ := e.staff("clerk")
	if _, body := e.get(clerkCookie, "/medewerker"); strings.Contains(body, "Noodtoegang in de afgelopen") {
		t.Error("a clerk's home shows the team lead's sections")
	}
}
