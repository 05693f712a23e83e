package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal/postgres"
)

// TestHitRateSharedByProcesses: two storages on one database (two portal processes) count in the same
// windows, exactly also when they hit at once; a new window starts at zero; the sweep removes ended
// windows only.
func TestHitRateSharedByProcesses(t *testing.T) {
	a := newTestDB(t)
	ctx := context.Background()
	url := a.raw.Config().ConnString()
	b, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := t0.Truncate(time.Minute)
	end := start.Add(time.Minute)

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		db := a.DB
		if i%2 == 1 {
			db = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.HitRate(ctx, "login:192.0.2.1", start, end); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n, err := b.HitRate(ctx, "login:192.0.2.1", start, end)
	if err != nil {
		t.Fatal(err)
	}
	if n != 21 {
		t.Errorf("count after 20 concurrent hits from two processes and one more: %d, want 21", n)
	}
	if n, _ := a.HitRate(ctx, "login:192.0.2.2", start, end); n != 1 {
		t.Errorf("another key: %d, want 1", n)
	}
	if n, _ := a.HitRate(ctx, "login:192.0.2.1", end, end.Add(time.Minute)); n != 1 {
		t.Errorf("the next window: %d, want 1", n)
	}
	var clear int
	if err := a.raw.QueryRow(ctx, `SELECT count(*) FROM rate_limit_windows WHERE key_hash::text LIKE '%192.0.2%'`).Scan(&clear); err != nil {
		t.Fatal(err)
	}
	if clear != 0 {
		t.Errorf("the address is stored in clear in %d rows", clear)
	}

	a.clock.Set(end.Add(time.Second)) // the first window has ended, the next one not
	removed, err := a.DeleteEndedRateWindows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if removed != 2 {
		t.Errorf("removed %d windows, want the 2 ended ones", removed)
	}
	if n, _ := a.HitRate(ctx, "login:192.0.2.1", end, end.Add(time.Minute)); n != 2 {
		t.Errorf("the running window after the sweep: %d, want 2", n)
	}
}
