package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestLogGroupsRepeatedViews: sixteen views of one case by one person within minutes read as one line
// in the citizen's log ("16 keer tussen … en …"); a view by someone else, a later view after a pause,
// an emergency access and a change stay lines of their own; the CSV keeps every view.
func TestLogGroupsRepeatedViews(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	base := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	var evs []portal.Event
	for i := range 16 {
		evs = append(evs, event(bsnA, base.Add(time.Duration(i)*12*time.Second)))
	}
	other := event(bsnA, base.Add(5*time.Minute), func(ev *portal.Event) { ev.Actor.EmployeeName = "Piet Ander"; ev.Actor.EmployeeID = "mw-2" })
	later := event(bsnA, base.Add(2*time.Hour))
	glass := event(bsnA, base.Add(6*time.Minute), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason = portal.BasisBreakGlass, "Crisis"
	})
	change := event(bsnA, base.Add(7*time.Minute), func(ev *portal.Event) { ev.Action = "update" })
	e.ingest(append(evs, other, later, glass, change)...)
	ca, _ := e.citizen(bsnA)
	st, body := e.get(ca, "/verwerkingen")
	if st != 200 {
		t.Fatalf("/verwerkingen: %d", st)
	}
	if n := strings.Count(body, `<li class="event`); n != 5 {
		t.Errorf("%d lines on the page, want 5 (16 views as one, another employee, a later view, emergency access, a change)", n)
	}
	if !strings.Contains(body, "Bekeken, 16 keer tussen") {
		t.Errorf("the grouped line does not say how often:\n%s", body)
	}
	st, csv := e.get(ca, "/verwerkingen.csv")
	if st != 200 || strings.Count(csv, "\n") != 1+20 {
		t.Errorf("the CSV has %d lines, want a header and 20 events", strings.Count(csv, "\n"))
	}
}

// TestLogGroupsViewsWithinOneMinute: views of one case by one person within the same minute read
// "2 keer om 10:04", not "tussen 10:04 en 10:04".
func TestLogGroupsViewsWithinOneMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	base := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	e.ingest(event(bsnA, base.Add(10*time.Second)), event(bsnA, base.Add(40*time.Second)))
	ca, _ := e.citizen(bsnA)
	st, body := e.get(ca, "/verwerkingen")
	if st != 200 {
		t.Fatalf("/verwerkingen: %d", st)
	}
	at := base.In(portal.Amsterdam).Format("15:04")
	if n := strings.Count(body, `<li class="event`); n != 1 || !strings.Contains(body, "Bekeken, 2 keer om "+at) || strings.Contains(body, "keer tussen") {
		t.Errorf("%d lines; the grouped line does not say 'Bekeken, 2 keer om %s':\n%s", n, at, body)
	}
}
