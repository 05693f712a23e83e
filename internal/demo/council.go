package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

// The council's demo: two calendar years (last year and this one so far) of how the residents of a
// municipality of about 60,000 inhabitants used their rights, so that the council's page shows real
// figures well above the suppression threshold instead of "< 5" everywhere.
//
// The sizes per full year are estimates for a municipality of that size, where a few thousand people
// are in touch with the social domain (Wmo, Jeugd, Participatie):
//   - about 120 rights requests: most for inspection (≈55 %), then correction (≈15 %), objection
//     (≈13 %), erasure (≈10 %) and restriction (≈7 %); most granted, refusals with their ground, and
//     every decision against the person's will co-signed by a team lead (from this year on; last
//     year the four-eyes rule was not yet in place for the first half);
//   - about 300 signals (zorgmeldingen) over the categories, about 10 % with telling deferred
//     (approved, with a reason), most of the rest told at once;
//   - about 400 consent requests (the wijkteams ask for GP, school and UWV information);
//   - a few dozen emergency accesses (break-the-glass), about a dozen accesses against the person's
//     will and some processing citing a consent that did not cover it.
//
// Everything is generated from a seed per year, so it is the same on every start; an item is loaded
// only when it is finished before now − historyQuiet, and its id never changes, so a later start
// adds the items that have since finished and nothing twice. The residents are synthetic, with BSNs
// from historyBSNBase on, far from the BSNs of the demo persons one can log in as (999 99x xxx).

// historyQuiet keeps the last two weeks free of history, so that the demo persons' own recent
// requests, signals and consent requests stay at the top of the staff's lists.
const historyQuiet = 14 * 24 * time.Hour

// historyBSNBase is where the synthetic residents' BSNs start.
const historyBSNBase = 990_000_000

// historyResidents is how many synthetic residents the history is about.
const historyResidents = 1200

// HistoryBSNs are the synthetic residents' BSNs (valid 11-proef).
func HistoryBSNs() []string {
	out := make([]string, 0, historyResidents)
	for n := historyBSNBase; len(out) < historyResidents; n++ {
		if s := fmt.Sprintf("%09d", n); portal.ValidBSN(s) {
			out = append(out, s)
		}
	}
	return out
}

// History is the generated history of the years before now.
type History struct {
	postgres.DemoHistory
	Events []portal.Event
	// Reviewed are the emergency and not-covered accesses the privacy officer has judged (those over
	// a month old).
	Reviewed []string
}

type weighted[T any] struct {
	v T
	w int
}

func pick[T any](r *rand.Rand, ws []weighted[T]) T {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range ws {
		if n < x.w {
			return x.v
		}
		n -= x.w
	}
	return ws[len(ws)-1].v
}

type outcomeMix struct {
	granted, partly, rejected int
}

var (
	requestKinds = []weighted[portal.RequestKind]{{portal.KindInspection, 55}, {portal.KindCorrection, 15},
		{portal.KindObjection, 13}, {portal.KindErasure, 10}, {portal.KindRestriction, 7}}
	outcomeMixes = map[portal.RequestKind]outcomeMix{
		portal.KindInspection: {85, 10, 5}, portal.KindCorrection: {55, 25, 20}, portal.KindObjection: {35, 20, 45},
		portal.KindErasure: {35, 20, 45}, portal.KindRestriction: {50, 20, 30}}
	// The grounds a refusal of each kind is most often given on, in portal.GroundsFor's terms.
	groundMixes = map[portal.RequestKind][]weighted[portal.RefusalGround]{
		portal.KindInspection:  {{portal.GroundRightsOfOthers, 80}, {portal.GroundManifestlyUnfounded, 15}, {portal.GroundOther, 5}},
		portal.KindCorrection:  {{portal.GroundDataCorrect, 85}, {portal.GroundManifestlyUnfounded, 5}, {portal.GroundOther, 10}},
		portal.KindErasure:     {{portal.GroundLegalObligation, 85}, {portal.GroundManifestlyUnfounded, 5}, {portal.GroundOther, 10}},
		portal.KindRestriction: {{portal.GroundDataCorrect, 45}, {portal.GroundLegalObligation, 45}, {portal.GroundOther, 10}},
		portal.KindObjection:   {{portal.GroundCompelling, 55}, {portal.GroundLegalObligation, 35}, {portal.GroundManifestlyUnfounded, 5}, {portal.GroundOther, 5}},
	}
	signalCategories = []weighted[string]{{"wellbeing", 22}, {"care_needs", 18}, {"domestic_violence", 12}, {"child_safety", 10},
		{"neglect", 6}, {"debts", 12}, {"housing", 8}, {"nuisance", 6}, {"health", 4}, {"other", 2}}
	// Telling is deferred mostly where someone's safety is at stake.
	deferShare = map[string]int{"domestic_violence": 40, "child_safety": 35, "neglect": 25, "wellbeing": 3, "care_needs": 3}
	deferMix   = map[string][]weighted[string]{
		"domestic_violence": {{"danger", 45}, {"third_party", 30}, {"investigation", 25}},
		"child_safety":      {{"third_party", 45}, {"investigation", 35}, {"crisis_intervention", 20}},
		"neglect":           {{"investigation", 60}, {"crisis_intervention", 40}},
		"wellbeing":         {{"crisis_intervention", 100}},
		"care_needs":        {{"investigation", 100}},
	}
	signalTeams = map[string]string{"domestic_violence": "Veilig Thuis", "child_safety": "Jeugdteam Centrum", "neglect": "Wijkteam Noord",
		"debts": "Schuldhulpverlening", "nuisance": "Team Veiligheid"}
	reporterKinds = []weighted[string]{{"professional", 30}, {"neighbourhood", 15}, {"family", 12}, {"school", 12}, {"gp", 10},
		{"police", 12}, {"anonymous", 6}, {"other", 3}}
	consentAsks = []struct{ item, holder, purpose, org string }{
		{"Medische gegevens over uw beperking", "Huisarts", "Beoordelen welke ondersteuning u nodig heeft (Wmo)", municipality},
		{"Verslag van de intern begeleider", "School", "Passende jeugdhulp voor uw kind kiezen", municipality},
		{"Gegevens over uw uitkering", "UWV", "Uw recht op bijstand vaststellen", municipality},
		{"Overzicht van uw schulden", "Kredietbank Voorbeeldstad", "Een schuldhulpplan met u maken", "Kredietbank Voorbeeldstad"},
		{"Verslag van de praktijkondersteuner", "Huisarts", "Afstemmen van zorg in het wijkteam", municipality},
	}
)

// GenerateHistory makes the history of last year and this year up to now − historyQuiet.
func GenerateHistory(now time.Time) History {
	var h History
	y := now.In(portal.Amsterdam).Year()
	cutoff := now.Add(-historyQuiet)
	residents := HistoryBSNs()
	for year := y - 1; year <= y; year++ {
		generateYear(&h, year, cutoff, residents)
	}
	return h
}

// at is a moment in year, in office hours.
func at(r *rand.Rand, year int) time.Time {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, portal.Amsterdam)
	day := from.AddDate(0, 0, r.IntN(365))
	return day.Add(time.Duration(8*60+r.IntN(9*60)) * time.Minute)
}

func generateYear(h *History, year int, cutoff time.Time, residents []string) {
	id := func(kind string, i int) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "inzicht-demo/history/%d/%s/%d", year, kind, i)).String()
	}
	resident := func(r *rand.Rand) string { return residents[r.IntN(len(residents))] }
	// Four eyes on decisions against the person's will since the middle of last year.
	fourEyesFrom := time.Date(year, 7, 1, 0, 0, 0, 0, portal.Amsterdam)
	if year == cutoff.In(portal.Amsterdam).Year() {
		fourEyesFrom = time.Date(year, 1, 1, 0, 0, 0, 0, portal.Amsterdam)
	}

	r := rand.New(rand.NewPCG(uint64(year), 1))
	for i := range 118 + r.IntN(16) {
		rq := postgres.DemoRequest{ID: id("request", i), BSN: resident(r), Kind: pick(r, requestKinds), ReceivedAt: at(r, year)}
		days := 5 + r.IntN(22) // most within the month
		switch n := r.IntN(100); {
		case n < 8: // extended by two months
			rq.Extended, days = true, 35+r.IntN(40)
		case n < 12: // late
			days = 32 + r.IntN(10)
		}
		rq.ClosedAt = rq.ReceivedAt.Add(time.Duration(days)*24*time.Hour + time.Duration(r.IntN(300))*time.Minute)
		if r.IntN(100) < 5 {
			rq.ClosedAt = rq.ReceivedAt.Add(time.Duration(2+r.IntN(8)) * 24 * time.Hour) // withdrawn
		} else {
			m := outcomeMixes[rq.Kind]
			rq.Outcome = pick(r, []weighted[portal.Outcome]{{portal.OutcomeGranted, m.granted}, {portal.OutcomePartly, m.partly}, {portal.OutcomeRejected, m.rejected}})
			if rq.Outcome != portal.OutcomeGranted {
				rq.Ground = pick(r, groundMixes[rq.Kind])
			}
			if portal.DecisionAgainstWill(rq.Kind, rq.Outcome) && !rq.ClosedAt.Before(fourEyesFrom) {
				rq.CoSignedBy, rq.CoSigner = "teamleider", "Tom Teamleider"
			}
		}
		if rq.ClosedAt.Before(cutoff) {
			h.Requests = append(h.Requests, rq)
		}
	}

	r = rand.New(rand.NewPCG(uint64(year), 2))
	for i := range 285 + r.IntN(40) {
		s := postgres.DemoSignal{ID: id("signal", i), BSN: resident(r), Category: pick(r, signalCategories), Reporter: pick(r, reporterKinds),
			RegisteredAt: at(r, year)}
		s.Team = signalTeams[s.Category]
		if s.Team == "" {
			s.Team = "Wijkteam Zuid"
		}
		s.ToldAt = s.RegisteredAt.Add(time.Duration(10+r.IntN(50)) * time.Second)
		if r.IntN(100) < 10 {
			s.ToldAt = s.RegisteredAt.Add(time.Duration(1+r.IntN(3)) * 24 * time.Hour) // held by the sender, then told
		}
		if r.IntN(100) < deferShare[s.Category] {
			s.DeferralReason = pick(r, deferMix[s.Category])
			s.ToldAt = s.RegisteredAt.Add(time.Duration(14+r.IntN(46)) * 24 * time.Hour)
		}
		s.RetentionAt = s.RegisteredAt.Add(time.Duration(3+r.IntN(22)) * 24 * time.Hour)
		if s.RetentionAt.Before(s.ToldAt) {
			s.RetentionAt = s.ToldAt.Add(time.Hour)
		}
		s.Retention = pick(r, []weighted[string]{{portal.RetainDestroy, 55}, {portal.RetainAction, 35}, {portal.RetainKeep, 10}})
		// A kept signal is looked at again after a year, and not before the demo's next quarter: no
		// review falls due in the demo.
		s.ReviewAt = s.RetentionAt.AddDate(1, 0, 0)
		if min := cutoff.Add(120 * 24 * time.Hour); s.ReviewAt.Before(min) {
			s.ReviewAt = min
		}
		if s.RetentionAt.Before(cutoff) {
			h.Signals = append(h.Signals, s)
		}
	}

	r = rand.New(rand.NewPCG(uint64(year), 3))
	var uncovered []postgres.DemoConsent // refused or withdrawn: processing that cites them is not covered
	for i := range 385 + r.IntN(40) {
		ask := consentAsks[r.IntN(len(consentAsks))]
		c := postgres.DemoConsent{ID: id("consent", i), BSN: resident(r), DataItem: ask.item, DataHolder: ask.holder, Purpose: ask.purpose,
			Org: ask.org, CreatedAt: at(r, year)}
		c.DecidedAt = c.CreatedAt.Add(time.Duration(1+r.IntN(10))*24*time.Hour + time.Duration(r.IntN(600))*time.Minute)
		months := 6
		if r.IntN(2) == 0 {
			months = 12
		}
		c.ValidUntil = portal.AddMonths(c.CreatedAt, months)
		c.Status = pick(r, []weighted[string]{{portal.ConsentGranted, 78}, {portal.ConsentRefused, 14}, {portal.ConsentWithdrawn, 8}})
		if c.Status == portal.ConsentWithdrawn {
			w := c.DecidedAt.Add(time.Duration(5+r.IntN(60)) * 24 * time.Hour)
			c.WithdrawnAt = &w
			if !w.Before(c.ValidUntil) {
				c.Status, c.WithdrawnAt = portal.ConsentGranted, nil
			}
		}
		// What follows depends on now only in what is loaded, never in what an item is: an id always
		// stands for the same content.
		if c.Status == portal.ConsentRefused || c.Status == portal.ConsentWithdrawn {
			uncovered = append(uncovered, c)
		}
		last := c.DecidedAt
		if c.WithdrawnAt != nil {
			last = *c.WithdrawnAt
		}
		if c.Status == portal.ConsentGranted && c.ValidUntil.Before(cutoff) {
			c.Status = portal.ConsentExpired // as the sweep would have recorded it
		}
		if last.Before(cutoff) {
			h.Consents = append(h.Consents, c)
		}
	}

	// Processing events: emergency accesses, accesses against the person's will, and processing that
	// cites a consent that was refused or withdrawn.
	r = rand.New(rand.NewPCG(uint64(year), 4))
	event := func(tag string, i int, bsn string, occurred time.Time, s step) portal.Event {
		return portal.Event{ID: id(tag, i), OccurredAt: occurred.UTC().Truncate(time.Minute), SubjectBSN: bsn, Activity: s.activity,
			Action: s.action, DataCategories: s.cats, Level: s.level, AccessBasis: s.basis, CaseRef: fmt.Sprintf("Z-%d-%05d", year, 20000+i),
			Actor: portal.Actor{Organization: s.org, Team: s.team, Role: s.role, EmployeeID: fmt.Sprintf("mw-%04d", 100+r.IntN(900)),
				EmployeeName: employees[r.IntN(len(employees))]},
			System: "Suite Sociaal Domein"}
	}
	monthAgo := cutoff.Add(historyQuiet - 30*24*time.Hour)
	add := func(e portal.Event, review bool) {
		if !e.OccurredAt.Before(cutoff) {
			return
		}
		h.Events = append(h.Events, e)
		if review && e.OccurredAt.Before(monthAgo) {
			h.Reviewed = append(h.Reviewed, e.ID)
		}
	}
	breakGlass := []step{
		{"wmo-onderzoek", municipality, "Wijkteam West", "Wmo-consulent", "view", "what", "break_glass", []string{"care_needs", "health"}},
		{"pw-bijstand", municipality, "Team Werk en Inkomen", "Klantmanager inkomen", "view", "what", "break_glass", []string{"income", "household"}},
		{"jeugd-toegang", municipality, "Jeugdteam Centrum", "Jeugdconsulent", "view", "what", "break_glass", []string{"youth_care", "household"}},
	}
	for i := range 28 + r.IntN(10) {
		e := event("break-glass", i, resident(r), at(r, year), breakGlass[r.IntN(len(breakGlass))])
		e.BreakGlassReason = "De vaste consulent was niet bereikbaar en er was een dringende vraag."
		add(e, true)
	}
	againstWill := step{"jeugd-veiligheid", municipality, "Team Veiligheid", "Jeugdbeschermer", "view", "what", "against_will", []string{"safety", "household", "youth_care"}}
	for i := range 11 + r.IntN(6) {
		e := event("against-will", i, resident(r), at(r, year), againstWill)
		e.AgainstWill = &portal.AgainstWill{DecisionRef: fmt.Sprintf("BT-%d-%03d", year, 100+i),
			Reason: "Er waren ernstige zorgen over de veiligheid van een kind.", ApprovedBy: "Teamleider Veiligheid"}
		add(e, false)
	}
	consentStep := step{"wijkteam-overleg", municipality, "Wijkteam Zuid", "Wijkverpleegkundige", "view", "what", "consent", []string{"health", "care_needs"}}
	for i := range min(len(uncovered), 8+r.IntN(5)) {
		c := uncovered[r.IntN(len(uncovered))]
		from := c.DecidedAt
		if c.WithdrawnAt != nil {
			from = *c.WithdrawnAt
		}
		e := event("not-covered", i, c.BSN, from.Add(time.Duration(1+r.IntN(20))*24*time.Hour), consentStep)
		e.ConsentRef = c.ID
		add(e, true)
	}
}

// HistoryStore is what loading the history needs.
type HistoryStore interface {
	LoadDemoHistory(ctx context.Context, h postgres.DemoHistory) (postgres.DemoHistoryResult, error)
	Ingest(ctx context.Context, apiKeyID int64, events []portal.Event) (portal.IngestResult, error)
	ReviewDemoAccesses(ctx context.Context, eventIDs []string) error
	RefreshPeriod(ctx context.Context, p portal.Period) (portal.StoredCounts, error)
}

// HistoryResult counts what LoadHistory stored.
type HistoryResult struct {
	postgres.DemoHistoryResult
	Events  int
	Periods int // statistics periods computed
}

// LoadHistory stores the history (after Load: the events need the register) and, when it added
// anything, computes the council's figures of every period shown, so the council's page opens on
// both years at once. Running it again adds nothing.
func LoadHistory(ctx context.Context, st HistoryStore, now time.Time) (HistoryResult, error) {
	h := GenerateHistory(now)
	var res HistoryResult
	var err error
	if res.DemoHistoryResult, err = st.LoadDemoHistory(ctx, h.DemoHistory); err != nil {
		return res, err
	}
	reg, err := Register()
	if err != nil {
		return res, err
	}
	known := func(id string) bool {
		return slices.ContainsFunc(reg, func(a portal.Activity) bool { return a.ID == id })
	}
	for batch := range slices.Chunk(h.Events, portal.MaxBatch) {
		if err := portal.ValidateBatch(batch, now, known); err != nil {
			return res, fmt.Errorf("demo history: generated events are invalid: %w", err)
		}
		ir, err := st.Ingest(ctx, 0, batch)
		if err != nil {
			return res, fmt.Errorf("demo history events: %w", err)
		}
		res.Events += ir.Accepted
	}
	if err := st.ReviewDemoAccesses(ctx, h.Reviewed); err != nil {
		return res, err
	}
	if res.Requests+res.Signals+res.Consents+res.Events == 0 {
		return res, nil
	}
	for _, p := range portal.StatisticsPeriods(now) {
		if _, err := st.RefreshPeriod(ctx, p); err != nil {
			return res, err
		}
		res.Periods++
	}
	return res, nil
}
