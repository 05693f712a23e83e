package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/internal/pgcluster"
	"github.com/inzicht/inzicht/portal"
)

// TestDatabaseRestartDuringIngest (security.md property 21): three back-office clients post batches to
// the real server (a child process) while its PostgreSQL restarts underneath (pg_ctl restart -m fast,
// open connections cut). Each client does what an OTLP or VNG client does: it resends a batch until it
// is acknowledged. Afterwards every acknowledged event is stored exactly once, none is missing, and the
// server went on by itself after the restart.
func TestDatabaseRestartDuringIngest(t *testing.T) {
	ctx := context.Background()
	// As root, PostgreSQL runs as the postgres user, which must be able to traverse the temp dirs.
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(base, ".inzicht", "pgdata")
	dbURL, stop, err := pgcluster.Start(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop() })
	// Migrated as an operator would.
	if err := run(ctx, []string{"migrate", "up"}, envOf(map[string]string{"DATABASE_URL": dbURL, "INZICHT_ENV": "development"}),
		io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	srv, db, key := childServer(t, dbURL, 3, "events:write")
	if _, err := db.PutActivity(ctx, portal.Activity{ID: "wmo-onderzoek", Name: portal.Text{NL: "Wmo-onderzoek", EN: "Wmo assessment"},
		Purpose:        portal.Text{NL: "We bekijken welke hulp u nodig heeft.", EN: "We look at what support you need."},
		LegalBasis:     portal.Text{NL: "Wmo 2015, artikel 2.3.2", EN: "Social Support Act 2015, article 2.3.2"},
		DataCategories: []string{"care_needs"}, Retention: "P5Y", Controller: "Gemeente Voorbeeldstad"}); err != nil {
		t.Fatal(err)
	}

	const clients, batches, perBatch = 3, 16, 25
	var acked, failures, ackedAfter atomic.Int64
	var restarted atomic.Bool
	post := func(body []byte) (int, error) {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/processing-events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for b := range batches {
				var evs []string
				for range perBatch {
					evs = append(evs, eventJSON(uuid.NewString(), "999993653", fmt.Sprintf("Client-%d", c)))
				}
				body := []byte(`{"events":[` + strings.Join(evs, ",") + `]}`)
				deadline := time.Now().Add(60 * time.Second)
				for {
					status, err := post(body)
					if err == nil && status == 200 {
						break
					}
					failures.Add(1)
					if time.Now().After(deadline) {
						errs <- fmt.Errorf("client %d batch %d never acknowledged (last %d %v)", c, b, status, err)
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
				acked.Add(perBatch)
				if restarted.Load() {
					ackedAfter.Add(perBatch)
				}
			}
		})
	}
	var before time.Time
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT pg_postmaster_start_time()`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	for acked.Load() < clients*perBatch*2 { // a few batches in, then restart under the running clients
		time.Sleep(20 * time.Millisecond)
	}
	if err := pgcluster.Restart(ctx, dir); err != nil {
		t.Fatal(err)
	}
	restarted.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	conn, err = pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var after time.Time
	var stored, distinct int64
	if err := conn.QueryRow(ctx, `SELECT pg_postmaster_start_time(), count(*), count(DISTINCT id) FROM processing_events`).
		Scan(&after, &stored, &distinct); err != nil {
		t.Fatal(err)
	}
	if !after.After(before) {
		t.Fatalf("PostgreSQL did not restart (started %v, then %v)", before, after)
	}
	if want := int64(clients * batches * perBatch); stored != want || distinct != want || acked.Load() != want {
		t.Errorf("acknowledged %d of %d events; stored %d rows with %d distinct ids", acked.Load(), want, stored, distinct)
	}
	if ackedAfter.Load() == 0 {
		t.Error("no batch was acknowledged after the restart: the server did not recover by itself")
	}
	t.Logf("restart under load: %d failed attempts retried, %d events acknowledged after the restart", failures.Load(), ackedAfter.Load())
}
