package web

import (
	"encoding/csv"
	"fmt"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
)

// statsCache keeps the published figures for a few minutes: the public endpoint must not run the
// aggregate queries for every visitor.
type statsCache struct {
	mu      sync.Mutex
	at      time.Time
	periods []portal.Published
}

const statsTTL = 10 * time.Minute

// publishedYears returns this year and the two before it, newest first, suppressed.
func (s *server) publishedYears(c *fiber.Ctx) ([]portal.Published, error) {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	now := s.deps.Now()
	if s.stats.periods != nil && now.Sub(s.stats.at) < statsTTL {
		return s.stats.periods, nil
	}
	y := now.In(amsterdam).Year()
	var out []portal.Published
	for year := y; year > y-3; year-- {
		from := time.Date(year, 1, 1, 0, 0, 0, 0, amsterdam)
		pc, err := s.deps.Store.PeriodCounts(c.UserContext(), fmt.Sprint(year), from, from.AddDate(1, 0, 0))
		if err != nil {
			return nil, err
		}
		out = append(out, portal.Publish(pc, s.cfg.SuppressBelow))
	}
	s.stats.periods, s.stats.at = out, now
	return out, nil
}

// openData serves the figures as public open data: no login, suppressed like every other output.
func (s *server) openData(c *fiber.Ctx) error {
	ps, err := s.publishedYears(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=600")
	return c.JSON(fiber.Map{"publisher": s.cfg.Municipality, "generated_at": s.stats.at.UTC(), "periods": ps})
}

// council shows the figures per year to the council: aggregates only.
func (s *server) council(c *fiber.Ctx) error {
	l := lang(c)
	ps, err := s.publishedYears(c)
	if err != nil {
		return err
	}
	k := s.cfg.SuppressBelow
	if k <= 0 {
		k = portal.DefaultSuppressBelow
	}
	return s.page(c, "raad", T(l, "council.title"), fiber.Map{"Periods": ps, "K": k})
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
