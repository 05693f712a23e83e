package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// SignalStore is what loading the demo signals needs. The clock is set back while a signal's history
// is written, so the demo shows deferrals that lapsed and reviews that passed.
type SignalStore interface {
	RegisterSignal(ctx context.Context, ns portal.NewSignal, source string, apiKeyID int64, by *portal.Staff,
		deferral *portal.DeferralRequest, p portal.SignalPolicy) (portal.Signal, bool, error)
	DecideDeferral(ctx context.Context, id string, deferralID int64, by portal.Staff, approve bool) error
	DecideRetention(ctx context.Context, id string, by portal.Staff, c portal.RetentionChoice, p portal.SignalPolicy) error
	SetClock(now func() time.Time)
}

var (
	demoClerk = portal.Staff{Sub: "medewerker", Name: "Mia Medewerker", Roles: []string{portal.RoleClerk}}
	demoLead  = portal.Staff{Sub: "teamleider", Name: "Tom Teamleider", Roles: []string{portal.RoleTeamLead}}
)

type demoSignal struct {
	tag, bsn, reporter, category, summary, team string
	// forSubject is the text for the person (summary_for_subject); summary is the reporter's own,
	// for staff only.
	forSubject string
	ago        time.Duration // registered this long before now
	// What happened next.
	defer_, approve bool
	reviewIn        time.Duration // review date relative to registration
	destroyAfter    time.Duration // > 0: destroyed this long after registration
	hold            time.Duration // > 0: posted with a hold this long after registration
}

var demoSignals = []demoSignal{
	{tag: "told", bsn: "999993653", reporter: "neighbourhood", category: "wellbeing", ago: 3 * 24 * time.Hour,
		summary: "Buurvrouw belt: bewoner al weken niet buiten gezien, post stapelt zich op, gordijnen dicht.", forSubject: "Een buurvrouw maakt zich zorgen. Zij ziet u weinig buiten en denkt dat u misschien hulp nodig heeft in huis.",
		team: "Wijkteam Noord"},
	{tag: "review-passed", bsn: "999990019", reporter: "school", category: "child_safety", ago: 20 * 24 * time.Hour,
		summary: "Mentor meldt: kind komt vaak zonder ontbijt, vertelt over ruzie thuis, blauwe plek op arm gezien.", forSubject: "School maakte zich zorgen over hoe het thuis gaat met uw kind. Het jeugdteam heeft dit onderzocht.",
		team: "Jeugdteam Centrum", defer_: true, approve: true, reviewIn: 19 * 24 * time.Hour},
	{tag: "not-approved", bsn: "999990019", reporter: "professional", category: "care_needs", ago: 6 * 24 * time.Hour,
		summary: "Gezinscoach: moeder overbelast, opvoedondersteuning lijkt nodig, vader werkt veel en is weinig thuis.", forSubject: "Een hulpverlener denkt dat u meer ondersteuning nodig heeft bij de opvoeding.",
		team: "Jeugdteam Centrum", defer_: true, reviewIn: 60 * 24 * time.Hour},
	{tag: "destroyed", bsn: "999991772", reporter: "anonymous", category: "nuisance", ago: 40 * 24 * time.Hour,
		summary: "Anoniem: harde muziek en bezoek tot laat in de nacht, vermoedelijk vanuit nummer 12.", forSubject: "Iemand meldde overlast bij uw woning.", team: "Team Veiligheid", destroyAfter: 5 * 24 * time.Hour},
	// The family: a told signal about Daan his parents see, and one about his safety they do not
	// (child_safety is hidden from representatives unless a clerk releases it with a second person).
	{tag: "family-school", bsn: BSNChildDaan, reporter: "school", category: "wellbeing", ago: 4 * 24 * time.Hour,
		summary: "Groepsleerkracht: Daan valt in de les regelmatig in slaap, ouders reageren niet op mails.", forSubject: "De school maakt zich zorgen omdat Daan vaak moe is in de klas.", team: "Jeugdteam Centrum"},
	{tag: "family-safety", bsn: BSNChildDaan, reporter: "professional", category: "child_safety", ago: 5 * 24 * time.Hour,
		summary: "Jeugdverpleegkundige: Daan vertelde op het consult bang te zijn als vader boos wordt.", forSubject: "Een hulpverlener maakt zich zorgen over de veiligheid van Daan thuis.", team: "Jeugdteam Centrum"},
	{tag: "deferred", bsn: "999998456", reporter: "police", category: "domestic_violence", ago: 2 * 24 * time.Hour,
		summary: "Politie ging na een 112-melding van de buren ter plaatse; ruzie tussen partners, kinderen aanwezig.", forSubject: "De politie meldde zorgen over de veiligheid in uw gezin.", team: "Veilig Thuis",
		defer_: true, approve: true, reviewIn: 45 * 24 * time.Hour},
	// A crisis report from a system, held so that a clerk can decide on a deferral before the person
	// is told (no text for the person yet: a clerk writes it).
	{tag: "held", bsn: "999998456", reporter: "police", category: "domestic_violence", ago: 2 * time.Hour,
		summary: "Crisisdienst: na melding van een buurman opnieuw politie ter plaatse, partner tijdelijk uit huis geplaatst.",
		team:    "Veilig Thuis", hold: 24 * time.Hour},
}

// LoadSignals stores the demo signals with their history: one told at once, one whose deferral
// review date passed, one whose deferral was never approved, one destroyed, one still deferred and
// one held by the system that sent it (both visible to staff only). Each has a text for the person
// apart from the reporter's summary, except the held one, for which a clerk writes it. The sweep at start tells the two that may no longer be hidden. Running it
// again adds nothing.
func LoadSignals(ctx context.Context, st SignalStore, now time.Time) (int, error) {
	defer st.SetClock(time.Now)
	created := 0
	for _, d := range demoSignals {
		at := now.Add(-d.ago).Truncate(time.Minute)
		st.SetClock(func() time.Time { return at })
		ns := portal.NewSignal{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("inzicht-demo/signal/"+d.tag)).String(),
			SubjectBSN: d.bsn, ReceivedAt: at.Add(-2 * time.Hour), ReporterKind: d.reporter,
			Nature: portal.Nature{Category: d.category, Summary: d.summary}, Urgency: "normal", HandlingTeam: d.team,
			SummaryForSubject: d.forSubject}
		if d.hold > 0 {
			until := at.Add(d.hold)
			ns.HoldUntil = &until
		}
		if d.reporter != "anonymous" {
			ns.Reporter = &portal.Reporter{Name: "Demo-melder", Organization: d.team, Contact: "via het wijkteam"}
		}
		if err := ns.Validate(at); err != nil {
			return created, fmt.Errorf("demo signal %s: %w", d.tag, err)
		}
		var dr *portal.DeferralRequest
		source, by := "api", (*portal.Staff)(nil)
		if d.defer_ {
			source, by = "staff", &demoClerk
			dr = &portal.DeferralRequest{Reason: "investigation", ReviewAt: at.Add(d.reviewIn),
				Motivation: "Het onderzoek van het team loopt nog; melden nu kan het onderzoek schaden."}
		}
		s, isNew, err := st.RegisterSignal(ctx, ns, source, 0, by, dr, portal.SignalPolicy{})
		if portal.ErrorCode(err) == portal.ECONFLICT {
			continue // loaded on an earlier day
		}
		if err != nil {
			return created, fmt.Errorf("demo signal %s: %w", d.tag, err)
		}
		if !isNew {
			continue
		}
		created++
		if d.approve && len(s.Deferrals) > 0 {
			if err := st.DecideDeferral(ctx, s.ID, s.Deferrals[0].ID, demoLead, true); err != nil {
				return created, err
			}
		}
		if d.destroyAfter > 0 {
			later := at.Add(d.destroyAfter)
			st.SetClock(func() time.Time { return later })
			if err := st.DecideRetention(ctx, s.ID, demoClerk, portal.RetentionChoice{Decision: portal.RetainDestroy},
				portal.SignalPolicy{}); err != nil {
				return created, err
			}
		}
	}
	return created, nil
}
