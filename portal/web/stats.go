package web

import (
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
