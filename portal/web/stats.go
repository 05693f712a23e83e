package web

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/pdfexport"
)

// statsCache keeps the published figures for a few minutes: the public endpoint must not run the
// aggregate queries for every visitor.
type statsCache struct {
	mu       sync.Mutex
	at       time.Time
	periods  []portal.Published // years, newest first
	quarters []portal.Published // the last four quarters, oldest first
	rawQ     []portal.PeriodCounts
}

const statsTTL = 10 * time.Minute

// statsSnapshot is one computation of the figures; it is never changed after it is made.
type statsSnapshot struct {
	at       time.Time
	quarters []portal.Published
	rawQ     []portal.PeriodCounts
}

// publishedYears returns this year and the two before it, newest first, suppressed.
func (s *server) publishedYears(c *fiber.Ctx) ([]portal.Published, error) {
	ps, _, err := s.figures(c)
	return ps, err
}

// figures returns the cached figures, computing them when they are older than statsTTL. The returned
// values are a consistent snapshot, safe to read without the lock.
func (s *server) figures(c *fiber.Ctx) ([]portal.Published, statsSnapshot, error) {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	now := s.deps.Now()
	if s.stats.periods != nil && now.Sub(s.stats.at) < statsTTL {
		return s.stats.periods, statsSnapshot{s.stats.at, s.stats.quarters, s.stats.rawQ}, nil
	}
	y := now.In(amsterdam).Year()
	var out []portal.Published
	for year := y; year > y-3; year-- {
		from := time.Date(year, 1, 1, 0, 0, 0, 0, amsterdam)
		pc, err := s.deps.Store.PeriodCounts(c.UserContext(), fmt.Sprint(year), from, from.AddDate(1, 0, 0))
		if err != nil {
			return nil, statsSnapshot{}, err
		}
		out = append(out, portal.Publish(pc, s.cfg.SuppressBelow))
	}
	// The last four quarters, the current one included, for the trend.
	local := now.In(amsterdam)
	q := time.Date(local.Year(), time.Month((int(local.Month())-1)/3*3+1), 1, 0, 0, 0, 0, amsterdam)
	var quarters []portal.Published
	var rawQ []portal.PeriodCounts
	for i := 3; i >= 0; i-- {
		from := q.AddDate(0, -3*i, 0)
		label := fmt.Sprintf("%d-K%d", from.Year(), (int(from.Month())-1)/3+1)
		pc, err := s.deps.Store.PeriodCounts(c.UserContext(), label, from, from.AddDate(0, 3, 0))
		if err != nil {
			return nil, statsSnapshot{}, err
		}
		quarters = append(quarters, portal.Publish(pc, s.cfg.SuppressBelow))
		rawQ = append(rawQ, pc)
	}
	s.stats.periods, s.stats.quarters, s.stats.rawQ, s.stats.at = out, quarters, rawQ, now
	return out, statsSnapshot{now, quarters, rawQ}, nil
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
	return c.JSON(fiber.Map{"publisher": s.cfg.Municipality, "generated_at": snap.at.UTC(), "periods": ps})
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
	return s.page(c, "raad", T(l, "council.title"), fiber.Map{"Periods": ps, "K": k, "Quarters": labels,
		"Trends": trends(snap.rawQ, k)})
}

// councilCSV writes the published figures as CSV: one row per period and figure, suppressed alike.
func (s *server) councilCSV(c *fiber.Ctx) error {
	l := lang(c)
	ps, err := s.publishedYears(c)
	if err != nil {
		return err
	}
	k := s.cfg.SuppressBelow
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="inzicht-cijfers.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	w.Comma = ';'
	_ = w.Write([]string{"\ufeff" + T(l, "council.col.period"), T(l, "council.col.group"), T(l, "council.col.what"), T(l, "council.col.count")})
	for _, p := range ps {
		for _, g := range []struct {
			key string
			b   portal.Breakdown
		}{{"council.requests.kind", p.Requests}, {"council.requests.outcome", p.Outcomes},
			{"council.signals.retention", p.Signals}, {"council.consent.state", p.Consent}} {
			for i, n := range g.b.Names {
				_ = w.Write([]string{p.Period, T(l, g.key), T(l, "stat."+n), g.b.Parts[i].Text(k)})
			}
			_ = w.Write([]string{p.Period, T(l, g.key), T(l, "council.total"), g.b.Total.Text(k)})
		}
		for _, f := range []struct {
			key string
			c   portal.Cell
		}{{"council.within", p.WithinDeadline}, {"council.extended", p.Extended}, {"council.withdrawn", p.Withdrawn},
			{"council.objections", p.ObjectionsGrant}, {"council.told", p.ToldAtOnce}, {"council.deferred", p.Deferred},
			{"council.keptnew", p.KeptThenNew}, {"council.notcovered", p.NotCovered}, {"council.againstwill", p.AgainstWill},
			{"council.breakglass", p.BreakGlass}} {
			_ = w.Write([]string{p.Period, "", T(l, f.key), f.c.Text(k)})
		}
	}
	w.Flush()
	return w.Error()
}

// councilReport is the yearly report as PDF: the year's quarters as charts, then every figure of the
// year, suppressed like everywhere else.
func (s *server) councilReport(c *fiber.Ctx) error {
	l := lang(c)
	ps, err := s.publishedYears(c)
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
		from := time.Date(y, time.Month(3*q+1), 1, 0, 0, 0, 0, amsterdam)
		pc, err := s.deps.Store.PeriodCounts(c.UserContext(), fmt.Sprintf("K%d", q+1), from, from.AddDate(0, 3, 0))
		if err != nil {
			return err
		}
		quarters = append(quarters, pc)
	}
	k := s.cfg.SuppressBelow
	doc := pdfexport.Report{Letter: pdfexport.Letter{Lang: l, Municipality: s.cfg.Municipality, IssuedAt: s.deps.Now()},
		Title: T(l, "council.report.title", year), Intro: T(l, "council.intro", k)}
	for _, tr := range trends(quarters, k) {
		ch := pdfexport.Chart{Title: T(l, tr.Key)}
		for i, cell := range tr.Cells {
			ch.Labels = append(ch.Labels, quarters[i].Label)
			ch.Values = append(ch.Values, cell.Value)
			ch.Suppressed = append(ch.Suppressed, cell.Suppressed)
			ch.Texts = append(ch.Texts, cell.Text(k))
		}
		doc.Charts = append(doc.Charts, ch)
	}
	breakdown := func(key string, b portal.Breakdown) pdfexport.ReportSection {
		sec := pdfexport.ReportSection{Heading: T(l, key)}
		for i, n := range b.Names {
			sec.Rows = append(sec.Rows, [2]string{T(l, "stat."+n), b.Parts[i].Text(k)})
		}
		sec.Rows = append(sec.Rows, [2]string{T(l, "council.total"), b.Total.Text(k)})
		return sec
	}
	doc.Sections = append(doc.Sections, breakdown("council.requests.kind", yp.Requests), breakdown("council.requests.outcome", yp.Outcomes))
	median := T(l, "council.toofew")
	if yp.MedianDays != nil {
		median = fmt.Sprintf("%.1f / %.1f", *yp.MedianDays, *yp.P90Days)
	}
	doc.Sections = append(doc.Sections, pdfexport.ReportSection{Heading: T(l, "council.requests"), Rows: [][2]string{
		{T(l, "council.within"), yp.WithinDeadline.Text(k)}, {T(l, "council.extended"), yp.Extended.Text(k)},
		{T(l, "council.withdrawn"), yp.Withdrawn.Text(k)}, {T(l, "council.median"), median},
		{T(l, "council.objections"), yp.ObjectionsGrant.Text(k)}}},
		breakdown("council.signals.retention", yp.Signals),
		pdfexport.ReportSection{Heading: T(l, "council.signals"), Rows: [][2]string{{T(l, "council.told"), yp.ToldAtOnce.Text(k)},
			{T(l, "council.deferred"), yp.Deferred.Text(k)}, {T(l, "council.keptnew"), yp.KeptThenNew.Text(k)}}},
		breakdown("council.consent.state", yp.Consent),
		pdfexport.ReportSection{Heading: T(l, "council.consent"), Rows: [][2]string{{T(l, "council.notcovered"), yp.NotCovered.Text(k)},
			{T(l, "council.againstwill"), yp.AgainstWill.Text(k)}, {T(l, "council.breakglass"), yp.BreakGlass.Text(k)}}})
	sendPDF(c, "inzicht-rapportage-"+year+".pdf")
	return pdfexport.RenderReport(c.Response().BodyWriter(), doc)
}
