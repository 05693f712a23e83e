// Package ratelimit is the portal's and the API's rate limiting: fixed windows counted by a Counter.
// With the PostgreSQL counter (portal/postgres) every process behind a load balancer adds to the
// same counts, so a limit holds for the whole service, not per process; the in-memory counter
// (Memory) is for tests and a single process.
package ratelimit

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Counter counts hits per key in fixed windows.
type Counter interface {
	// HitRate adds one hit to key in the window [start, end) and returns the window's count after it.
	// It returns an error only when the count could not be made.
	HitRate(ctx context.Context, key string, start, end time.Time) (int, error)
}

// Config is one limit.
type Config struct {
	// Name keeps the keys of different limits apart ("login", "api-key", …).
	Name string
	// Max hits per window; over it the request ends in LimitReached.
	Max int
	// Window is the length of a window (default one minute).
	Window time.Duration
	// Key says what is counted (default the client's address, c.IP()).
	Key func(*fiber.Ctx) string
	// OnlyFailures counts only requests answered with a status of 400 or more (an error returned by
	// the next handler counts too), like Fiber's SkipSuccessfulRequests: once the failures of a key
	// reach Max, every request of that key is refused until the window ends. Successful requests
	// cost no database work: a process remembers a refused key until its window ends, and learns
	// about a key made over its limit by another process at that key's next failure on it.
	OnlyFailures bool
	// LimitReached answers a request over the limit (default a plain 429). Retry-After is set first.
	LimitReached fiber.Handler
	// Counter keeps the counts (default Memory(), per process).
	Counter Counter
	Now     func() time.Time
	// Log receives counting errors; a request whose count fails is let through (the database it
	// would need is then failing the request anyway, and a limit must not be a second outage).
	Log *slog.Logger
}

// New returns the middleware of one limit.
func New(cfg Config) fiber.Handler {
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.Key == nil {
		cfg.Key = func(c *fiber.Ctx) string { return c.IP() }
	}
	if cfg.LimitReached == nil {
		cfg.LimitReached = func(c *fiber.Ctx) error { return fiber.NewError(fiber.StatusTooManyRequests) }
	}
	if cfg.Counter == nil {
		cfg.Counter = Memory()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	l := &limit{cfg: cfg, refused: map[string]time.Time{}}
	if cfg.OnlyFailures {
		return l.failures
	}
	return l.all
}

type limit struct {
	cfg Config
	mu  sync.Mutex
	// refused holds, for OnlyFailures, the keys over the limit and the end of their window.
	refused map[string]time.Time
}

// window returns the fixed window that now falls in.
func (l *limit) window(now time.Time) (start, end time.Time) {
	start = now.Truncate(l.cfg.Window)
	return start, start.Add(l.cfg.Window)
}

func (l *limit) reached(c *fiber.Ctx, now, end time.Time) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(end.Sub(now).Round(time.Second)/time.Second))))
	return l.cfg.LimitReached(c)
}

func (l *limit) hit(c *fiber.Ctx, key string, start, end time.Time) (int, bool) {
	n, err := l.cfg.Counter.HitRate(c.UserContext(), l.cfg.Name+":"+key, start, end)
	if err != nil {
		l.cfg.Log.Warn("rate limit: count failed; request let through", "limit", l.cfg.Name, "err", err)
		return 0, false
	}
	return n, true
}

func (l *limit) all(c *fiber.Ctx) error {
	now := l.cfg.Now()
	start, end := l.window(now)
	if n, ok := l.hit(c, l.cfg.Key(c), start, end); ok && n > l.cfg.Max {
		return l.reached(c, now, end)
	}
	return c.Next()
}

func (l *limit) failures(c *fiber.Ctx) error {
	key := l.cfg.Key(c)
	now := l.cfg.Now()
	l.mu.Lock()
	until, refused := l.refused[key]
	if refused && !now.Before(until) {
		delete(l.refused, key)
		refused = false
	}
	l.mu.Unlock()
	if refused {
		return l.reached(c, now, until)
	}
	err := c.Next()
	// An error is answered later by the app's error handler, always with a status of 400 or more.
	failed := err != nil || c.Response().StatusCode() >= fiber.StatusBadRequest
	if !failed {
		return err
	}
	now = l.cfg.Now()
	start, end := l.window(now)
	if n, ok := l.hit(c, key, start, end); ok && n >= l.cfg.Max {
		l.mu.Lock()
		for k, u := range l.refused { // keep the map to the keys refused now
			if !now.Before(u) {
				delete(l.refused, k)
			}
		}
		// The process's memory of refused keys (a key and when its window ends, nothing else of the
		// request), under l.mu; every process learns the same from the shared counts. handlercheck:shared
		l.refused[key] = end
		l.mu.Unlock()
	}
	return err
}

// Memory returns a Counter that keeps the counts in this process.
func Memory() Counter { return &memory{counts: map[string]memCount{}} }

type memCount struct {
	start, end time.Time
	n          int
}

type memory struct {
	mu     sync.Mutex
	counts map[string]memCount
}

func (m *memory) HitRate(_ context.Context, key string, start, end time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.counts[key]
	if !c.start.Equal(start) {
		if len(m.counts) > 10000 {
			for k, v := range m.counts {
				if !v.end.After(start) {
					delete(m.counts, k)
				}
			}
		}
		c = memCount{start: start, end: end}
	}
	c.n++
	m.counts[key] = c
	return c.n, nil
}
