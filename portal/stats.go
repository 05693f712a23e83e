package portal

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Statistics for the council and the public (PIA §6.2, §8): counts of how citizens' rights are
// exercised and respected. Small numbers are suppressed so that no single case can be recognised.

// DefaultSuppressBelow is the default threshold: a count below it is not shown.
const DefaultSuppressBelow = 5

// Cell is one published count: its value, or suppressed ("< threshold").
type Cell struct {
	Value      int  `json:"value,omitempty"`
	Suppressed bool `json:"suppressed,omitempty"`
}

// Text shows the cell: the number, or "< k".
func (c Cell) Text(k int) string {
	if c.Suppressed {
		return fmt.Sprintf("< %d", k)
	}
	return fmt.Sprint(c.Value)
}

// Breakdown is a total split into parts that add up to it (for example requests by outcome).
type Breakdown struct {
	Total Cell
	Parts []Cell
	Names []string
}

// MarshalJSON writes {"total": …, "by": {name: …}}.
func (b Breakdown) MarshalJSON() ([]byte, error) {
	by := make(map[string]Cell, len(b.Names))
	for i, n := range b.Names {
		if n == "" {
			n = "undecided"
		}
		by[n] = b.Parts[i]
	}
	return json.Marshal(struct {
		Total Cell            `json:"total"`
		By    map[string]Cell `json:"by"`
	}{b.Total, by})
}

// Suppress publishes a total and its parts with threshold k. Every count below k is suppressed, and
// when exactly one part would be suppressed while the total is shown, the smallest other part is
// suppressed too, so no suppressed value can be recovered by subtracting shown values from the shown
// total. When the total itself is below k, everything is suppressed.
func Suppress(k int, total int, names []string, parts []int) Breakdown {
	b := Breakdown{Total: Cell{Value: total}, Names: names, Parts: make([]Cell, len(parts))}
	for i, v := range parts {
		b.Parts[i] = Cell{Value: v}
	}
	if total < k {
		b.Total = Cell{Suppressed: true}
		for i := range b.Parts {
			b.Parts[i] = Cell{Suppressed: true}
		}
		return b
	}
	var hidden []int
	for i, v := range parts {
		if v < k {
			hidden = append(hidden, i)
		}
	}
	if len(hidden) == 1 && len(parts) > 1 {
		// Hide the smallest shown part as well: then two unknowns share the difference.
		order := make([]int, 0, len(parts))
		for i := range parts {
			if i != hidden[0] {
				order = append(order, i)
			}
		}
		sort.SliceStable(order, func(a, b int) bool { return parts[order[a]] < parts[order[b]] })
		hidden = append(hidden, order[0])
	}
	for _, i := range hidden {
		b.Parts[i] = Cell{Suppressed: true}
	}
	return b
}

// Subset publishes v, a part of a published total: it is suppressed when it or its complement
// (total − v) is below k, so neither can be learned by subtraction.
func Subset(k, total, v int) Cell {
	return Suppress(k, total, nil, []int{v, total - v}).Parts[0]
}

// Single publishes one count on its own.
func Single(k, v int) Cell {
	if v < k {
		return Cell{Suppressed: true}
	}
	return Cell{Value: v}
}

// PeriodCounts are the raw counts of one period, before suppression. They never leave the server
// unsuppressed.
type PeriodCounts struct {
	Label string

	RequestsByKind    map[string]int // inzage, rectificatie, …
	Decided           int
	Outcomes          map[string]int // toegewezen, deels_toegewezen, afgewezen
	WithinDeadline    int
	Extended          int
	Withdrawn         int
	MedianDays        float64 // handling time of decided requests
	P90Days           float64
	ObjectionsGranted int

	Signals          int
	ToldAtOnce       int
	Deferred         int
	MedianDeferDays  float64
	SignalRetention  map[string]int // vernietigen, actie, bewaren, "" (undecided)
	KeptThenNewAgain int            // kept signals followed by a new signal about the same person in the period

	ConsentAsked    int
	ConsentOutcomes map[string]int // granted, refused, withdrawn, expired, pending
	NotCovered      int            // processing citing consent that did not cover it

	AgainstWill int
	BreakGlass  int

	// The reasons (PIA §8: "analyse van de redenen voor afwijkingen"), added in statistics version 2.
	RefusalGrounds       map[string]int // decisions not granted in full, by ground; GroundNotRecorded before grounds were kept
	AgainstWillDecisions int            // decisions against the person's will (DecisionAgainstWill)
	CoSigned             int            // of those, co-signed by a team lead
	DeferralReasons      map[string]int // deferred signals by the reason of their first approved deferral
	SignalCategories     map[string]int // signals by category

	// Version is the StatsVersion the counts were computed with; stored counts of an older version
	// lack figures and are computed again (NeedsRefresh).
	Version int `json:",omitempty"`
}

// StatsVersion is the version of PeriodCounts: 2 added the reasons (refusal grounds, deferral
// reasons, signal categories) and the co-signed decisions against the person's will.
const StatsVersion = 2

// GroundNotRecorded names the refusals decided before a ground was recorded with each one
// (migration 22).
const GroundNotRecorded = "not_recorded"

// Published is a period's figures as anyone may see them: every count suppressed below the threshold.
type Published struct {
	Period          string    `json:"period"`
	SuppressBelow   int       `json:"suppress_below"`
	Requests        Breakdown `json:"requests_by_kind"`
	Outcomes        Breakdown `json:"request_outcomes"`
	WithinDeadline  Cell      `json:"decided_within_deadline"`
	Extended        Cell      `json:"extended"`
	Withdrawn       Cell      `json:"withdrawn"`
	MedianDays      *float64  `json:"median_handling_days,omitempty"` // only when at least k decisions
	P90Days         *float64  `json:"p90_handling_days,omitempty"`
	ObjectionsGrant Cell      `json:"objections_granted"`
	Signals         Breakdown `json:"signals_by_retention"`
	ToldAtOnce      Cell      `json:"signals_told_at_once"`
	Deferred        Cell      `json:"signals_deferred"`
	MedianDeferDays *float64  `json:"median_deferral_days,omitempty"`
	KeptThenNew     Cell      `json:"kept_signals_followed_by_new"`
	Consent         Breakdown `json:"consent_by_state"`
	NotCovered      Cell      `json:"processing_not_covered_by_consent"`
	AgainstWill     Cell      `json:"processing_against_will"`
	BreakGlass      Cell      `json:"break_glass_accesses"`
	// Why rights were not granted in full, why telling was deferred, and what signals were about.
	RefusalGrounds   Breakdown `json:"refusal_grounds"`
	AgainstWillDecs  Cell      `json:"decisions_against_will"`
	CoSigned         Cell      `json:"decisions_against_will_cosigned"`
	DeferralReasons  Breakdown `json:"deferral_reasons"`
	SignalCategories Breakdown `json:"signals_by_category"`
	// ComputedAt is when the counts were computed (the refresh_statistics job stores them).
	ComputedAt *time.Time `json:"computed_at,omitempty"`
	Names      Names      `json:"-"`
}

// Names are the keys of the breakdowns, in display order.
type Names struct{ Kinds, Outcomes, Retention, Consent, Grounds, Deferrals, Categories []string }

// Publish suppresses a period's counts with threshold k.
func Publish(pc PeriodCounts, k int) Published {
	if k <= 0 {
		k = DefaultSuppressBelow
	}
	kinds := make([]string, len(RequestKinds))
	for i, x := range RequestKinds {
		kinds[i] = string(x)
	}
	outcomes := make([]string, len(Outcomes))
	for i, x := range Outcomes {
		outcomes[i] = string(x)
	}
	retention := []string{RetainDestroy, RetainAction, RetainKeep, ""}
	consent := []string{ConsentGranted, ConsentRefused, ConsentWithdrawn, ConsentExpired, ConsentPending}
	split := func(names []string, m map[string]int) (int, []int) {
		total, parts := 0, make([]int, len(names))
		for i, n := range names {
			parts[i] = m[n]
			total += m[n]
		}
		return total, parts
	}
	grounds := make([]string, 0, len(RefusalGrounds)+1)
	for _, g := range RefusalGrounds {
		grounds = append(grounds, string(g))
	}
	// Refusals without a recorded ground exist only among decisions made before grounds were kept: a
	// period without any leaves the row out instead of showing a zero as "< k" (which would also hide
	// a second ground to protect it).
	if pc.RefusalGrounds[GroundNotRecorded] > 0 {
		grounds = append(grounds, GroundNotRecorded)
	}
	deferrals, categories := DeferralReasons, SignalCategories
	p := Published{Period: pc.Label, SuppressBelow: k, Names: Names{kinds, outcomes, retention, consent, grounds, deferrals, categories}}
	t, parts := split(kinds, pc.RequestsByKind)
	p.Requests = Suppress(k, t, kinds, parts)
	t, parts = split(outcomes, pc.Outcomes)
	p.Outcomes = Suppress(k, t, outcomes, parts)
	t, parts = split(retention, pc.SignalRetention)
	p.Signals = Suppress(k, t, retention, parts)
	t, parts = split(consent, pc.ConsentOutcomes)
	p.Consent = Suppress(k, t, consent, parts)
	t, parts = split(grounds, pc.RefusalGrounds)
	p.RefusalGrounds = Suppress(k, t, grounds, parts)
	t, parts = split(deferrals, pc.DeferralReasons)
	p.DeferralReasons = Suppress(k, t, deferrals, parts)
	t, parts = split(categories, pc.SignalCategories)
	p.SignalCategories = Suppress(k, t, categories, parts)
	p.AgainstWillDecs = Single(k, pc.AgainstWillDecisions)
	p.CoSigned = Subset(k, pc.AgainstWillDecisions, pc.CoSigned)
	if pc.CoSigned == pc.AgainstWillDecisions {
		// Every such decision was co-signed (the rule since the four-eyes co-signature): the complement
		// is zero, which tells that no decision skipped the second pair of eyes and nothing about any
		// person, so the count is published on its own rather than hidden as "< k" beside a total that
		// shows it (which would read as if almost none were co-signed).
		p.CoSigned = Single(k, pc.CoSigned)
	}
	// A part of a published total is published with its complement in mind: 6 of 7 decisions within
	// the deadline would tell that 1 was late.
	requests := 0
	for _, n := range pc.RequestsByKind {
		requests += n
	}
	p.WithinDeadline = Subset(k, pc.Decided, pc.WithinDeadline)
	p.Extended, p.Withdrawn = Subset(k, requests, pc.Extended), Subset(k, requests, pc.Withdrawn)
	p.ObjectionsGrant = Subset(k, pc.Decided, pc.ObjectionsGranted)
	p.ToldAtOnce, p.Deferred = Subset(k, pc.Signals, pc.ToldAtOnce), Subset(k, pc.Signals, pc.Deferred)
	p.KeptThenNew = Subset(k, pc.SignalRetention[RetainKeep], pc.KeptThenNewAgain)
	p.NotCovered, p.AgainstWill, p.BreakGlass = Single(k, pc.NotCovered), Single(k, pc.AgainstWill), Single(k, pc.BreakGlass)
	if pc.Decided >= k {
		m, q := round1(pc.MedianDays), round1(pc.P90Days)
		p.MedianDays, p.P90Days = &m, &q
	}
	if pc.Deferred >= k {
		m := round1(pc.MedianDeferDays)
		p.MedianDeferDays = &m
	}
	return p
}

// Period is a span of time the figures are counted over: a calendar year or quarter in
// Europe/Amsterdam, [From, To).
type Period struct {
	Label    string // "2025", "2025-K3"
	From, To time.Time
}

// Year is the calendar year y.
func Year(y int) Period {
	from := time.Date(y, 1, 1, 0, 0, 0, 0, Amsterdam)
	return Period{Label: fmt.Sprint(y), From: from, To: from.AddDate(1, 0, 0)}
}

// Quarter is quarter q (1–4) of year y.
func Quarter(y, q int) Period {
	from := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, Amsterdam)
	return Period{Label: fmt.Sprintf("%d-K%d", y, q), From: from, To: from.AddDate(0, 3, 0)}
}

// QuarterOf is the quarter that holds t.
func QuarterOf(t time.Time) Period {
	t = t.In(Amsterdam)
	return Quarter(t.Year(), (int(t.Month())-1)/3+1)
}

// Current reports whether now falls in the period.
func (p Period) Current(now time.Time) bool { return !now.Before(p.From) && now.Before(p.To) }

// CouncilYears is how many calendar years the council's figures show: this one and the two before.
const CouncilYears = 3

// CouncilYearPeriods are the years the council's figures show, newest first.
func CouncilYearPeriods(now time.Time) []Period {
	y := now.In(Amsterdam).Year()
	var out []Period
	for year := y; year > y-CouncilYears; year-- {
		out = append(out, Year(year))
	}
	return out
}

// LastQuarters are the last n quarters, the current one included, oldest first.
func LastQuarters(now time.Time, n int) []Period {
	q := QuarterOf(now)
	out := make([]Period, n)
	for i := range n {
		from := q.From.AddDate(0, -3*(n-1-i), 0)
		out[i] = QuarterOf(from)
	}
	return out
}

// StatisticsPeriods are every period the council's figures and the open data show: the years of
// CouncilYearPeriods and all their quarters (the yearly report charts them; the last four quarters
// are among them).
func StatisticsPeriods(now time.Time) []Period {
	var out []Period
	for _, y := range CouncilYearPeriods(now) {
		out = append(out, y)
		year := y.From.Year()
		for q := 1; q <= 4; q++ {
			if p := Quarter(year, q); !p.From.After(now) {
				out = append(out, p)
			}
		}
	}
	return out
}

// StoredCounts are a period's counts as the refresh_statistics job stored them.
type StoredCounts struct {
	Period
	Counts     PeriodCounts
	ComputedAt time.Time
}

// ClosedStatsMaxAge is how old the stored figures of a closed period may grow before they are
// computed again: they still change a little, as they count the current state of requests, signals
// and consents that began in the period.
const ClosedStatsMaxAge = 24 * time.Hour

// NeedsRefresh reports whether a period's figures must be computed (again) at now: a current period
// always; a closed one when it has none, when they were computed before it closed or by an older
// StatsVersion (they lack figures), or when they are older than ClosedStatsMaxAge.
func NeedsRefresh(p Period, stored *StoredCounts, now time.Time) bool {
	switch {
	case p.Current(now), stored == nil:
		return true
	case stored.ComputedAt.Before(p.To), stored.Counts.Version < StatsVersion:
		return true
	}
	return now.Sub(stored.ComputedAt) >= ClosedStatsMaxAge
}

// PublishStored suppresses stored counts with threshold k and says when they were computed.
func PublishStored(s StoredCounts, k int) Published {
	s.Counts.Label = s.Label
	p := Publish(s.Counts, k)
	at := s.ComputedAt
	p.ComputedAt = &at
	return p
}

// Change is the difference cur − prev of two published cells, for a year-on-year comparison. It is
// shown only when both cells are: a suppressed cell is never used to compute a shown difference (it
// would reveal the hidden count).
func Change(cur, prev Cell) (int, bool) {
	if cur.Suppressed || prev.Suppressed {
		return 0, false
	}
	return cur.Value - prev.Value, true
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// Flagged is a processing event that needs the privacy officer's attention, without the citizen's
// identity.
type Flagged struct {
	EventID      string
	SubjectID    int64
	Pseudonym    string // the person's short code on the oversight page (OversightFilter), never the BSN
	OccurredAt   time.Time
	Organization string
	Team         string
	Role         string
	EmployeeID   string
	EmployeeName string
	Activity     string
	ActivityName Text   // the register's name of Activity (empty when the entry is gone)
	Reason       string // break-the-glass reason, or the consent cited
	Reviewed     bool
	Justified    bool
	Note         string
	ReviewerName string
	ReviewedAt   *time.Time
	Objections   []string // references of the person's objections about this access, linked when judged
	Told         bool     // the person was told of a "not justified" judgement in their inbox
	Span         *Span    // for an event received over OTLP: its trace and span, for staff
}

// StaffPattern is how one employee used access over a period.
type StaffPattern struct {
	EmployeeID   string
	EmployeeName string
	Organization string
	Views        int
	Unassigned   int // views not through an assignment to the case
	Categories   int // distinct data categories viewed
}

// UnassignedShare is the share of views not through an assignment.
func (p StaffPattern) UnassignedShare() float64 {
	if p.Views == 0 {
		return 0
	}
	return float64(p.Unassigned) / float64(p.Views)
}
