package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/pdfexport"
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
// first ran) is computed now, once, and stored.
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
		if _, ok := stored[p.Label]; ok {
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

// Bar is one bar of a server-rendered SVG chart (in a 0–100 box).
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
			h := float64(c.Value) / float64(max) * 80
			if c.Suppressed {
				h = 4
			}
			tr.Bars = append(tr.Bars, Bar{X: float64(i)*w + w*0.15, Y: 85 - h, W: w * 0.7, H: h, Label: c.Text(k), Suppressed: c.Suppressed})
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
		"Trends": trends(snap.rawQ, k), "Computed": snap.computed})
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
		for _, g := range []struct {
			key string
			b   portal.Breakdown
		}{{"council.requests.kind", p.Requests}, {"council.requests.outcome", p.Outcomes},
			{"council.signals.retention", p.Signals}, {"council.consent.state", p.Consent}} {
			for i, n := range g.b.Names {
				_ = w.Write([]string{p.Period, s.t(l, g.key), s.t(l, "stat."+n), g.b.Parts[i].Text(k)})
			}
			_ = w.Write([]string{p.Period, s.t(l, g.key), s.t(l, "council.total"), g.b.Total.Text(k)})
		}
		for _, f := range []struct {
			key string
			c   portal.Cell
		}{{"council.within", p.WithinDeadline}, {"council.extended", p.Extended}, {"council.withdrawn", p.Withdrawn},
			{"council.objections", p.ObjectionsGrant}, {"council.told", p.ToldAtOnce}, {"council.deferred", p.Deferred},
			{"council.keptnew", p.KeptThenNew}, {"council.notcovered", p.NotCovered}, {"council.againstwill", p.AgainstWill},
			{"council.breakglass", p.BreakGlass}} {
			_ = w.Write([]string{p.Period, "", s.t(l, f.key), f.c.Text(k)})
		}
	}
	w.Flush()
	return w.Error()
}

// councilReport is the yearly report as PDF: the year's quarters as charts, then every figure of the
// year, suppressed like everywhere else.
func (s *server) councilReport(c *fiber.Ctx) error {
	l := lang(c)
	ps, snap, err := s.figures(c)
	if err != nil {
		return err
	}
	year := c.Query("jaar", ps[0].Period)
	var yp *portal.Published
	for i := range ps {
		if ps[i].Period == year {
			yp = &ps[i]
		}
	}
	if yp == nil {
		return portal.Errorf(portal.ENOTFOUND, "no figures for that year")
	}
	y, _ := strconv.Atoi(year)
	var quarters []portal.PeriodCounts
	for q := range 4 {
		// A quarter still to come has no figures: it counts nothing.
		pc := snap.stored[portal.Quarter(y, q+1).Label].Counts
		pc.Label = fmt.Sprintf("K%d", q+1)
		quarters = append(quarters, pc)
	}
	k := s.cfg.SuppressBelow
	doc := pdfexport.Report{Letter: pdfexport.Letter{Lang: l, Municipality: s.cfg.Municipality, IssuedAt: s.deps.Now()},
		Title: s.t(l, "council.report.title", year), Intro: s.t(l, "council.intro", k) + " " + s.t(l, "council.computed", FormatDateTime(l, snap.computed))}
	for _, tr := range trends(quarters, k) {
		ch := pdfexport.Chart{Title: s.t(l, tr.Key)}
		for i, cell := range tr.Cells {
			ch.Labels = append(ch.Labels, quarters[i].Label)
			ch.Values = append(ch.Values, cell.Value)
			ch.Suppressed = append(ch.Suppressed, cell.Suppressed)
			ch.Texts = append(ch.Texts, cell.Text(k))
		}
		doc.Charts = append(doc.Charts, ch)
	}
	breakdown := func(key string, b portal.Breakdown) pdfexport.ReportSection {
		sec := pdfexport.ReportSection{Heading: s.t(l, key)}
		for i, n := range b.Names {
			sec.Rows = append(sec.Rows, [2]string{s.t(l, "stat."+n), b.Parts[i].Text(k)})
		}
		sec.Rows = append(sec.Rows, [2]string{s.t(l, "council.total"), b.Total.Text(k)})
		return sec
	}
	doc.Sections = append(doc.Sections, breakdown("council.requests.kind", yp.Requests), breakdown("council.requests.outcome", yp.Outcomes))
	median := s.t(l, "council.toofew")
	if yp.MedianDays != nil {
		median = fmt.Sprintf("%.1f / %.1f", *yp.MedianDays, *yp.P90Days)
	}
	doc.Sections = append(doc.Sections, pdfexport.ReportSection{Heading: s.t(l, "council.requests"), Rows: [][2]string{
		{s.t(l, "council.within"), yp.WithinDeadline.Text(k)}, {s.t(l, "council.extended"), yp.Extended.Text(k)},
		{s.t(l, "council.withdrawn"), yp.Withdrawn.Text(k)}, {s.t(l, "council.median"), median},
		{s.t(l, "council.objections"), yp.ObjectionsGrant.Text(k)}}},
		breakdown("council.signals.retention", yp.Signals),
		pdfexport.ReportSection{Heading: s.t(l, "council.signals"), Rows: [][2]string{{s.t(l, "council.told"), yp.ToldAtOnce.Text(k)},
			{s.t(l, "council.deferred"), yp.Deferred.Text(k)}, {s.t(l, "council.keptnew"), yp.KeptThenNew.Text(k)}}},
		breakdown("council.consent.state", yp.Consent),
		pdfexport.ReportSection{Heading: s.t(l, "council.consent"), Rows: [][2]string{{s.t(l, "council.notcovered"), yp.NotCovered.Text(k)},
			{s.t(l, "council.againstwill"), yp.AgainstWill.Text(k)}, {s.t(l, "council.breakglass"), yp.BreakGlass.Text(k)}}})
	sendPDF(c, "inzicht-rapportage-"+year+".pdf")
	return s.pdf.RenderReport(c.Response().BodyWriter(), doc)
}
