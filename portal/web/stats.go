package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// statsStore keeps the published counts per period.
type statsStore interface {
	StoredPeriods(ctx context.Context, labels []string) (map[string]portal.StoredCounts, error)
	RefreshPeriod(ctx context.Context, p portal.Period) (portal.StoredCounts, error)
}

// statsSnapshot is what the council's pages show: the stored figures of the years and of the last
// four quarters (see the refresh_statistics job).
type statsSnapshot struct {
	computed time.Time // when the oldest of the figures shown was computed
	quarters []portal.Published
	rawQ     []portal.PeriodCounts
	stored   map[string]portal.StoredCounts // every period of portal.StatisticsPeriods
}

// figures reads the figures the refresh_statistics job stored, in one query, instead of counting:
// the pages stay fast on years of data. A period that has none yet (a fresh install before the job
// first ran), or only figures of an older portal.StatsVersion (which lack the reasons), is computed
// now, once, and stored.
func (s *server) figures(c *fiber.Ctx) ([]portal.Published, statsSnapshot, error) {
	ctx := c.UserContext()
	now := s.deps.Now()
	periods := portal.StatisticsPeriods(now)
	labels := make([]string, len(periods))
	for i, p := range periods {
		labels[i] = p.Label
	}
	stored, err := s.statsStore.StoredPeriods(ctx, labels)
	if err != nil {
		return nil, statsSnapshot{}, err
	}
	for _, p := range periods {
		if sc, ok := stored[p.Label]; ok && sc.Counts.Version >= portal.StatsVersion {
			continue
		}
		sc, err := s.statsStore.RefreshPeriod(ctx, p)
		if err != nil {
			return nil, statsSnapshot{}, err
		}
		stored[p.Label] = sc
	}
	snap := statsSnapshot{stored: stored}
	seen := func(sc portal.StoredCounts) {
		if snap.computed.IsZero() || sc.ComputedAt.Before(snap.computed) {
			snap.computed = sc.ComputedAt
		}
	}
	var years []portal.Published
	for _, p := range portal.CouncilYearPeriods(now) {
		sc := stored[p.Label]
		seen(sc)
		years = append(years, portal.PublishStored(sc, s.cfg.SuppressBelow))
	}
	// The last four quarters, the current one included, for the trend.
	for _, p := range portal.LastQuarters(now, 4) {
		sc := stored[p.Label]
		seen(sc)
		snap.quarters = append(snap.quarters, portal.PublishStored(sc, s.cfg.SuppressBelow))
		snap.rawQ = append(snap.rawQ, sc.Counts)
	}
	return years, snap, nil
}

// Trend is one key figure over the last four quarters, with bars for the chart.
type Trend struct {
	Key   string
	Cells []portal.Cell
	Bars  []Bar
}

// Bar is one bar of a server-rendered SVG chart (in a 0–100 box, stretched to the chart's width). The
// SVG draws the bars only: their counts and the quarters are HTML text above and below it, so they
// keep the page's font size at any width instead of being scaled with the drawing.
type Bar struct {
	X, Y, W, H float64
	Label      string
	Suppressed bool
}

// trends builds the key figures per quarter with their bars. The quarters are suppressed together,
// as parts of their sum, so that no quarter can be found from a year's total; a suppressed count is
// drawn as an outlined stub, never as a value.
func trends(qs []portal.PeriodCounts, k int) []Trend {
	sum := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	pick := []struct {
		key string
		get func(portal.PeriodCounts) int
	}{
		{"council.trend.requests", func(p portal.PeriodCounts) int { return sum(p.RequestsByKind) }},
		{"council.within", func(p portal.PeriodCounts) int { return p.WithinDeadline }},
		{"council.trend.signals", func(p portal.PeriodCounts) int { return p.Signals }},
		{"council.told", func(p portal.PeriodCounts) int { return p.ToldAtOnce }},
		{"council.trend.consent", func(p portal.PeriodCounts) int { return p.ConsentAsked }},
		{"council.notcovered", func(p portal.PeriodCounts) int { return p.NotCovered }},
		{"council.againstwill", func(p portal.PeriodCounts) int { return p.AgainstWill }},
		{"council.breakglass", func(p portal.PeriodCounts) int { return p.BreakGlass }},
	}
	var out []Trend
	for _, f := range pick {
		tr := Trend{Key: f.key}
		total, parts := 0, make([]int, len(qs))
		for i, p := range qs {
			parts[i] = f.get(p)
			total += parts[i]
		}
		b := portal.Suppress(k, total, nil, parts)
		max := k
		for _, c := range b.Parts {
			tr.Cells = append(tr.Cells, c)
			if c.Value > max {
				max = c.Value
			}
		}
		w := 100.0 / float64(len(qs))
		for i, c := range tr.Cells {
			h := float64(c.Value) / float64(max) * 94
			if c.Suppressed {
				h = 5
			}
			tr.Bars = append(tr.Bars, Bar{X: float64(i)*w + w*0.15, Y: 98 - h, W: w * 0.7, H: h, Label: c.Text(k), Suppressed: c.Suppressed})
		}
		out = append(out, tr)
	}
	return out
}

// openData serves the figures as public open data: no login, suppressed like every other output.
func (s *server) openData(c *fiber.Ctx) error {
	ps, snap, err := s.figures(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=600")
	return c.JSON(fiber.Map{"publisher": s.cfg.Municipality, "generated_at": s.deps.Now().UTC(),
		"computed_at": snap.computed.UTC(), "periods": ps})
}

// council shows the figures per year to the council: aggregates only.
func (s *server) council(c *fiber.Ctx) error {
	l := lang(c)
	ps, snap, err := s.figures(c)
	if err != nil {
		return err
	}
	k := s.cfg.SuppressBelow
	if k <= 0 {
		k = portal.DefaultSuppressBelow
	}
	var labels []string
	for _, q := range snap.quarters {
		labels = append(labels, q.Period)
	}
	return s.page(c, "raad", s.t(l, "council.title"), fiber.Map{"Periods": ps, "K": k, "Quarters": labels,
		"Trends": trends(snap.rawQ, k), "Computed": snap.computed, "This": ps[0].Period, "Last": ps[1].Period,
		"Compare": s.comparison(l, ps[0], ps[1], k)})
}

// compareGroup is one table of the year-on-year comparison: a figure per row, this year next to last
// year, and the change.
type compareGroup struct {
	Heading string
	Rows    []compareRow
}

type compareRow struct {
	Label, This, Last, Change string
	Total                     bool
}

// statGroup is a breakdown with the prefix of its names' translation keys.
type statGroup struct {
	key, prefix string
	b           portal.Breakdown
}

func breakdowns(p portal.Published) []statGroup {
	return []statGroup{{"council.requests.kind", "stat.", p.Requests}, {"council.requests.outcome", "stat.", p.Outcomes},
		{"council.grounds", "stat.", p.RefusalGrounds}, {"council.signals.category", "stat.cat.", p.SignalCategories},
		{"council.signals.retention", "stat.", p.Signals}, {"council.deferral.reasons", "reason.", p.DeferralReasons},
		{"council.consent.state", "stat.", p.Consent}}
}

type statFigure struct {
	key string
	c   portal.Cell
}

// figureGroups are the single figures, under the heading of their subject.
func figureGroups(p portal.Published) []struct {
	key  string
	figs []statFigure
} {
	return []struct {
		key  string
		figs []statFigure
	}{
		{"council.requests", []statFigure{{"council.within", p.WithinDeadline}, {"council.extended", p.Extended},
			{"council.withdrawn", p.Withdrawn}, {"council.objections", p.ObjectionsGrant},
			{"council.againstwill.decisions", p.AgainstWillDecs}, {"council.cosigned", p.CoSigned}}},
		{"council.signals", []statFigure{{"council.told", p.ToldAtOnce}, {"council.deferred", p.Deferred}, {"council.keptnew", p.KeptThenNew}}},
		{"council.consent", []statFigure{{"council.notcovered", p.NotCovered}, {"council.againstwill", p.AgainstWill},
			{"council.breakglass", p.BreakGlass}}},
	}
}

// comparison puts this year's figures next to last year's, with the change. A change is shown only
// when both counts are (portal.Change): a suppressed count is never used in a shown difference.
func (s *server) comparison(l string, this, last portal.Published, k int) []compareGroup {
	row := func(label string, a, b portal.Cell, total bool) compareRow {
		r := compareRow{Label: label, This: a.Text(k), Last: b.Text(k), Change: "–", Total: total}
		if d, ok := portal.Change(a, b); ok {
			r.Change = signed(d)
		}
		return r
	}
	var out []compareGroup
	lastB := breakdowns(last)
	figs, lastFigs := figureGroups(this), figureGroups(last)
	for gi, g := range breakdowns(this) {
		cg := compareGroup{Heading: s.t(l, g.key)}
		// By name: a row may be left out in one year (portal.GroundNotRecorded); there it counts 0.
		lb := lastB[gi].b
		part := func(b portal.Breakdown, n string) portal.Cell {
			if i := slices.Index(b.Names, n); i >= 0 {
				return b.Parts[i]
			}
			return portal.Cell{}
		}
		names := slices.Clone(g.b.Names)
		for _, n := range lb.Names {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		for _, n := range names {
			cg.Rows = append(cg.Rows, row(s.t(l, g.prefix+n), part(g.b, n), part(lb, n), false))
		}
		cg.Rows = append(cg.Rows, row(s.t(l, "council.total"), g.b.Total, lb.Total, true))
		out = append(out, cg)
		// The single figures follow the breakdowns of their subject.
		var fg int
		switch g.key {
		case "council.grounds":
			fg = 0
		case "council.deferral.reasons":
			fg = 1
		case "council.consent.state":
			fg = 2
		default:
			continue
		}
		cg = compareGroup{Heading: s.t(l, figs[fg].key)}
		for i, f := range figs[fg].figs {
			cg.Rows = append(cg.Rows, row(s.t(l, f.key), f.c, lastFigs[fg].figs[i].c, false))
		}
		if fg == 0 {
			// Handling times, each shown only with at least k decisions; a change only when both are.
			for _, m := range []struct {
				key        string
				this, last *float64
			}{{"council.median.p50", this.MedianDays, last.MedianDays}, {"council.median.p90", this.P90Days, last.P90Days}} {
				r := compareRow{Label: s.t(l, m.key), This: "–", Last: "–", Change: "–"}
				if m.this != nil {
					r.This = fmt.Sprintf("%.1f", *m.this)
				}
				if m.last != nil {
					r.Last = fmt.Sprintf("%.1f", *m.last)
				}
				if m.this != nil && m.last != nil {
					r.Change = strings.Replace(fmt.Sprintf("%+.1f", *m.this-*m.last), "-", "\u2212", 1)
				}
				cg.Rows = append(cg.Rows, r)
			}
		}
		out = append(out, cg)
	}
	return out
}

func medianText(s *server, l string, p portal.Published) string {
	if p.MedianDays == nil {
		return s.t(l, "council.toofew")
	}
	return fmt.Sprintf("%.1f / %.1f", *p.MedianDays, *p.P90Days)
}

// signed writes a change with its sign: "+3", "−2" (a real minus sign), "0".
func signed(d int) string {
	switch {
	case d > 0:
		return "+" + strconv.Itoa(d)
	case d < 0:
		return "\u2212" + strconv.Itoa(-d)
	}
	return "0"
}

// councilCSV writes the published figures as CSV: one row per period and figure, suppressed alike.
func (s *server) councilCSV(c *fiber.Ctx) error {
	l := lang(c)
	ps, _, err := s.figures(c)
	if err != nil {
		return err
	}
	k := s.cfg.SuppressBelow
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="inzicht-cijfers.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	w.Comma = ';'
	_ = w.Write([]string{"\ufeff" + s.t(l, "council.col.period"), s.t(l, "council.col.group"), s.t(l, "council.col.what"), s.t(l, "council.col.count")})
	for _, p := range ps {
		for _, g := range breakdowns(p) {
			for i, n := range g.b.Names {
				_ = w.Write([]string{p.Period, s.t(l, g.key), s.t(l, g.prefix+n), g.b.Parts[i].Text(k)})
			}
			_ = w.Write([]string{p.Period, s.t(l, g.key), s.t(l, "council.total"), g.b.Total.Text(k)})
		}
		for _, g := range figureGroups(p) {
			for _, f := range g.figs {
				_ = w.Write([]string{p.Period, "", s.t(l, f.key), f.c.Text(k)})
			}
		}
	}
	w.Flush()
	return w.Error()
}
