package ratelimit_test

import (
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal/ratelimit"
)

// newApp is one portal process: a route behind the limit; /fail answers 401.
func newApp(cfg ratelimit.Config) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(ratelimit.New(cfg))
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/fail", func(c *fiber.Ctx) error { return fiber.NewError(fiber.StatusUnauthorized) })
	return app
}

func status(t *testing.T, app *fiber.App, path string) (int, string) {
	t.Helper()
	res, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Retry-After")
}

// TestLimitSharedByTwoProcesses: two processes with the PostgreSQL counter give one client its limit
// once, not once each; with the in-memory counter each process would count alone.
func TestLimitSharedByTwoProcesses(t *testing.T) {
	db := pgtest.New(t)
	cfg := ratelimit.Config{Name: "login", Max: 3, Counter: db}
	a, b := newApp(cfg), newApp(cfg)
	var got []int
	for _, app := range []*fiber.App{a, b, a, b, a} {
		s, _ := status(t, app, "/ok")
		got = append(got, s)
	}
	want := []int{200, 200, 200, 429, 429}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	if _, ra := status(t, b, "/ok"); ra == "" {
		t.Error("429 without Retry-After")
	}

	// The same with a counter per process: each lets three through.
	m1, m2 := newApp(ratelimit.Config{Name: "login", Max: 3}), newApp(ratelimit.Config{Name: "login", Max: 3})
	ok := 0
	for i := 0; i < 4; i++ {
		for _, app := range []*fiber.App{m1, m2} {
			if s, _ := status(t, app, "/ok"); s == 200 {
				ok++
			}
		}
	}
	if ok != 6 {
		t.Errorf("per-process counters let %d through, want 3 each", ok)
	}
}

// TestOnlyFailuresShared: failures counted on either process make the key refused on both: on the
// process that saw the last failure at once, on the other at its next failure; successes are not
// counted.
func TestOnlyFailuresShared(t *testing.T) {
	db := pgtest.New(t)
	cfg := ratelimit.Config{Name: "api-address", Max: 3, Counter: db, OnlyFailures: true}
	a, b := newApp(cfg), newApp(cfg)
	for i := 0; i < 5; i++ {
		if s, _ := status(t, a, "/ok"); s != 200 {
			t.Fatalf("success %d: %d, want 200 (successes are not counted)", i, s)
		}
	}
	for i, app := range []*fiber.App{a, b, a} {
		if s, _ := status(t, app, "/fail"); s != 401 {
			t.Fatalf("failure %d: %d, want 401", i, s)
		}
	}
	if s, ra := status(t, a, "/ok"); s != 429 || ra == "" {
		t.Errorf("after three failures, on the process that saw the third: %d (Retry-After %q), want 429", s, ra)
	}
	if s, _ := status(t, b, "/fail"); s != 401 {
		t.Errorf("the other process's first look: %d, want the 401 that tells it the key is over", s)
	}
	if s, _ := status(t, b, "/ok"); s != 429 {
		t.Errorf("the other process after it: %d, want 429", s)
	}
}
