package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

// Valid test BSNs (each passes the 11-proef).
const (
	bsnA = "999993653"
	bsnB = "999990019"
	bsnC = "999991772"
	bsnD = "111222333"
	bsnE = "123456782"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable clock for db.SetClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// testDB is a storage on a fresh migrated database (pgtest.New), a raw pool on the same database for
// inspecting tables, and a fixed clock set to t0.
type testDB struct {
	*postgres.DB
	raw   *pgxpool.Pool
	clock *clock
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	// Like pgtest.New, keeping the URL so the test can also inspect the tables directly.
	url := pgtest.NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	raw, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	c := &clock{t: t0}
	db.SetClock(c.Now)
	tdb := &testDB{DB: db, raw: raw, clock: c}
	tdb.putActivity(t, "wmo-onderzoek")
	tdb.putActivity(t, "bijstand")
	return tdb
}

func activity(id string) portal.Activity {
	return portal.Activity{
		ID:             id,
		Name:           portal.Text{NL: "Naam " + id, EN: "Name " + id},
		Purpose:        portal.Text{NL: "Doel", EN: "Purpose"},
		LegalBasis:     portal.Text{NL: "Wet", EN: "Act"},
		DataCategories: []string{"health", "income"},
		Retention:      "P5Y",
		Controller:     "Gemeente Voorbeeldstad",
	}
}

func (d *testDB) putActivity(t testing.TB, id string) {
	t.Helper()
	if _, err := d.PutActivity(context.Background(), activity(id)); err != nil {
		t.Fatal(err)
	}
}

// event returns a valid event; mods adjust it.
func event(bsn string, at time.Time, mods ...func(*portal.Event)) portal.Event {
	e := portal.Event{
		ID:             uuid.NewString(),
		OccurredAt:     at,
		SubjectBSN:     bsn,
		Activity:       "wmo-onderzoek",
		Action:         "view",
		DataCategories: []string{"health"},
		Level:          "what",
		Actor:          portal.Actor{Organization: "Gemeente Voorbeeldstad", Team: "Wmo", Role: "Consulent"},
		AccessBasis:    portal.BasisAssigned,
	}
	for _, m := range mods {
		m(&e)
	}
	return e
}

// ingest validates (and so normalizes) a batch the way the API does, then stores it.
func (d *testDB) ingest(t *testing.T, evs []portal.Event) portal.IngestResult {
	t.Helper()
	if err := portal.ValidateBatch(evs, d.clock.Now(), func(string) bool { return true }); err != nil {
		t.Fatalf("ValidateBatch: %v %v", err, portal.ErrorFields(err))
	}
	res, err := d.Ingest(context.Background(), 0, evs)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return res
}

// count returns the number of rows of a table.
func (d *testDB) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := d.raw.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// outboxed returns the number of stored events still waiting in the outbox for the integrator.
func (d *testDB) outboxed(t *testing.T) int {
	t.Helper()
	var n int
	if err := d.raw.QueryRow(context.Background(), `SELECT coalesce(sum(cardinality(event_ids)), 0) FROM event_outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (d *testDB) subject(t *testing.T, bsn string) int64 {
	t.Helper()
	id, err := d.EnsureSubject(context.Background(), bsn)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func ids(evs []portal.LoggedEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}
