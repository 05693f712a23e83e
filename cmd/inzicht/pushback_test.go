package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLogMaxBacklogConfig: 50,000 unless set; "off" for no pushback; anything but a positive number
// is refused.
func TestLogMaxBacklogConfig(t *testing.T) {
	for v, want := range map[string]int{"": DefaultLogMaxBacklog, "off": 0, "2000": 2000} {
		c, err := loadConfig("demo", envOf(map[string]string{"INZICHT_LOG_MAX_BACKLOG": v}))
		if err != nil || c.LogMaxBacklog != want {
			t.Errorf("INZICHT_LOG_MAX_BACKLOG=%q: %v, max %d; want %d", v, err, c.LogMaxBacklog, want)
		}
	}
	for _, v := range []string{"0", "-5", "veel"} {
		if _, err := loadConfig("demo", envOf(map[string]string{"INZICHT_LOG_MAX_BACKLOG": v})); err == nil {
			t.Errorf("INZICHT_LOG_MAX_BACKLOG=%q accepted", v)
		}
	}
}

// TestBacklogGate: ingest is pushed back while more than max events wait, the count is asked at
// most once per interval (requests in between share the answer), and a failing count lets ingest
// through.
func TestBacklogGate(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var backlog int64
	var countErr error
	asked := 0
	g := newBacklogGate(func(context.Context) (int64, error) { asked++; return backlog, countErr }, 100)
	g.now = func() time.Time { return now }

	steps := []struct {
		advance time.Duration
		backlog int64
		err     error
		behind  bool
		asked   int
	}{
		{0, 100, nil, false, 1},                       // at the bound: not behind
		{100 * time.Millisecond, 5000, nil, false, 1}, // within the interval: the last answer
		{150 * time.Millisecond, 5000, nil, true, 2},  // interval over: counted again, behind
		{10 * time.Millisecond, 0, nil, true, 2},      // still the shared answer
		{250 * time.Millisecond, 0, nil, false, 3},    // caught up
		{250 * time.Millisecond, 9999, errors.New("database down"), false, 4},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		backlog, countErr = s.backlog, s.err
		if got := g.Behind(ctx); got != s.behind || asked != s.asked {
			t.Errorf("step %d: behind %v after %d counts; want %v after %d", i, got, asked, s.behind, s.asked)
		}
	}
}
