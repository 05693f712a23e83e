package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/internal/bench"
	"github.com/inzicht/inzicht/internal/pgcluster"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/bsnvault"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/postgres"
)

// TestSeveralMachines runs Inzicht as a large municipality would (issue 20, security.md property 33):
// a primary and a streaming hot standby made with initdb and pg_basebackup, PgBouncer in transaction
// mode in front of the primary (when installed; CI installs it and fails without it), and two
// `inzicht serve` processes reading the standby. One citizen session is used on both processes, and
// login attempts on both count against one limit; the standby is stopped while citizens read and no
// request fails; a process is killed while back-office clients post batches, and their retries (on the
// other process) store every event exactly once.
func TestSeveralMachines(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir() // as root PostgreSQL runs as the postgres user, which must traverse it
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	primaryURL, stopPrimary, err := pgcluster.Start(ctx, filepath.Join(base, "primary", "pgdata"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stopPrimary() })
	// Migrations take session-level advisory locks: they run on a direct connection, never through
	// PgBouncer in transaction mode (docs/operations.md).
	if err := run(ctx, []string{"migrate", "up"}, envOf(map[string]string{"DATABASE_URL": primaryURL, "INZICHT_ENV": "development"}),
		io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	standbyURL, stopStandby, err := pgcluster.StartStandby(ctx, primaryURL, filepath.Join(base, "standby", "pgdata"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stopStandby() })

	appURL := primaryURL
	if _, ok := pgcluster.PgBouncerBinary(); ok {
		bouncerURL, stopBouncer, err := pgcluster.StartPgBouncer(ctx, primaryURL, filepath.Join(base, "pgbouncer"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = stopBouncer() })
		// PgBouncer before 1.21 keeps no prepared statements across transactions: pgx must not cache them.
		appURL = bouncerURL + "&default_query_exec_mode=exec"
	} else if os.Getenv("CI") == "true" {
		t.Fatal("pgbouncer is not installed (Debian: apt-get install pgbouncer); .ci/run installs it")
	} else {
		t.Log("pgbouncer is not installed: the portal processes connect to the primary directly")
	}

	hmacKey, encKey := randomKey(), randomKey()
	v, err := bsnvault.New(hmacKey, "multi", map[string][]byte{"multi": encKey})
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, primaryURL, v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	_, apiKey, err := db.CreateAPIKey(ctx, "multi", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutActivity(ctx, portal.Activity{ID: "wmo-onderzoek", Name: portal.Text{NL: "Wmo-onderzoek", EN: "Wmo assessment"},
		Purpose:        portal.Text{NL: "We bekijken welke hulp u nodig heeft.", EN: "We look at what support you need."},
		LegalBasis:     portal.Text{NL: "Wmo 2015, artikel 2.3.2", EN: "Social Support Act 2015, article 2.3.2"},
		DataCategories: []string{"care_needs"}, Retention: "P5Y", Controller: "Gemeente Voorbeeldstad"}); err != nil {
		t.Fatal(err)
	}
	subject, err := db.EnsureSubject(ctx, "999993653")
	if err != nil {
		t.Fatal(err)
	}
	session := oidcrp.Random()
	now := time.Now()
	if err := db.CreateSession(ctx, session, portal.Session{Kind: portal.SessionCitizen, SubjectID: subject, LoA: "substantieel",
		CSRFToken: oidcrp.Random(), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	env := []string{"DATABASE_URL=" + appURL, "INZICHT_DATABASE_REPLICA_URL=" + standbyURL, "INZICHT_REPLICA_MAX_LAG=2s",
		"INZICHT_JOBS_POLL_ONLY=true", "INZICHT_API_RATE=100000000", "INZICHT_LOGIN_RATE=4",
		"INZICHT_BSN_HMAC_KEY=" + base64.StdEncoding.EncodeToString(hmacKey),
		"INZICHT_BSN_ENC_KEYS=multi:" + base64.StdEncoding.EncodeToString(encKey)}
	p1, p2 := startPortal(t, env), startPortal(t, env)
	client := &http.Client{Timeout: 20 * time.Second}
	get := func(p *portalProcess, path string) (int, string, error) {
		req, _ := http.NewRequest("GET", p.url+path, nil)
		req.Header.Set("Cookie", "__Host-inzicht_session="+session)
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	post := func(p *portalProcess, body []byte) (int, error) {
		req, _ := http.NewRequest("POST", p.url+"/api/v1/processing-events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	batch := func(n int, role string) ([]byte, []string) {
		var evs, ids []string
		for range n {
			id := uuid.NewString()
			ids = append(ids, id)
			evs = append(evs, eventJSON(id, "999993653", role))
		}
		return []byte(`{"events":[` + strings.Join(evs, ",") + `]}`), ids
	}

	// Events arrive through one process; once the standby has replayed them, both processes read it.
	body, _ := batch(10, "Wijkconsulent")
	if st, err := post(p1, body); err != nil || st != 200 {
		t.Fatalf("first batch: %d %v", st, err)
	}
	waitReplayed(t, primaryURL, standbyURL)
	for _, p := range []*portalProcess{p1, p2} {
		waitMetric(t, p, "inzicht_replica_in_use", "1")
	}

	// One session on both processes (sessions live in PostgreSQL), each showing the ten events.
	for i, p := range []*portalProcess{p1, p2, p1} {
		st, page, err := get(p, "/verwerkingen")
		if err != nil || st != 200 || !strings.Contains(page, "Verwerking 1–10 van 10") {
			t.Fatalf("request %d of the session on process %d: %d %v, want the page of the ten events", i, i%2+1, st, err)
		}
	}

	// The login limit (4 a minute per address) is one limit for both processes: the fifth attempt, on
	// either process, is refused. (The attempts themselves fail: this test's provider does not exist.)
	var statuses []int
	for i := range 6 {
		st, _, err := get([]*portalProcess{p1, p2}[i%2], "/inloggen")
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, st)
	}
	for i, st := range statuses {
		if (st == http.StatusTooManyRequests) != (i >= 4) {
			t.Fatalf("login attempts alternating between the processes: %v, want the fifth and sixth refused with 429", statuses)
		}
	}

	// The standby is stopped while citizens read: every page is still answered.
	var pages, failed, afterStop atomic.Int64
	var stopped atomic.Bool
	var firstErr atomic.Value
	done := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				p := []*portalProcess{p1, p2}[(c+i)%2]
				path := []string{"/verwerkingen", "/overzicht"}[i%2]
				st, _, err := get(p, path)
				pages.Add(1)
				if stopped.Load() {
					afterStop.Add(1)
				}
				if err != nil || st != 200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s on %s: %d %v", path, p.url, st, err))
				}
			}
		})
	}
	for pages.Load() < 30 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := stopStandby(); err != nil {
		t.Fatal(err)
	}
	stopped.Store(true)
	for afterStop.Load() < 60 {
		time.Sleep(10 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	if failed.Load() > 0 {
		t.Errorf("%d of %d citizen pages failed while the standby stopped; first: %v", failed.Load(), pages.Load(), firstErr.Load())
	}
	for _, p := range []*portalProcess{p1, p2} {
		waitMetric(t, p, "inzicht_replica_in_use", "0")
	}
	t.Logf("standby stopped under load: %d pages, %d after the stop, none failed", pages.Load(), afterStop.Load())

	// A process is killed while clients post batches; a client whose request fails sends the same
	// batch again to the other process, as behind a load balancer.
	const clients, batches, perBatch = 3, 12, 50
	var acked, retried atomic.Int64
	var sent sync.Map
	errs := make(chan error, clients)
	for c := range clients {
		wg.Go(func() {
			target := []*portalProcess{p1, p2}[c%2]
			for b := range batches {
				body, ids := batch(perBatch, "Multi")
				for _, id := range ids {
					sent.Store(id, true)
				}
				deadline := time.Now().Add(30 * time.Second)
				for {
					st, err := post(target, body)
					if err == nil && st == 200 {
						break
					}
					if time.Now().After(deadline) {
						errs <- fmt.Errorf("client %d batch %d never acknowledged (last %d %v)", c, b, st, err)
						return
					}
					retried.Add(1)
					if target == p1 {
						target = p2
					}
					time.Sleep(50 * time.Millisecond)
				}
				acked.Add(perBatch)
			}
		})
	}
	for acked.Load() < 2*perBatch {
		time.Sleep(5 * time.Millisecond)
	}
	p1.kill()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var want []string
	sent.Range(func(k, _ any) bool { want = append(want, k.(string)); return true })
	conn, err := pgx.Connect(ctx, primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var stored, distinct int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT id) FROM processing_events WHERE id = ANY($1::uuid[])`, want).
		Scan(&stored, &distinct); err != nil {
		t.Fatal(err)
	}
	if total := clients * batches * perBatch; len(want) != total || stored != total || distinct != total {
		t.Errorf("%d events sent, %d acknowledged; stored %d rows with %d distinct ids, want %d once each", len(want),
			acked.Load(), stored, distinct, total)
	}
	if retried.Load() == 0 {
		t.Error("no request failed when the process was killed: the clients never used the other one")
	}
	t.Logf("process killed under ingest: %d requests retried, %d events stored once each", retried.Load(), stored)
	// The killed process may have died between storing a batch (its outbox row) and integrating it:
	// the survivor's integrator takes it over. Then every stored event has exactly one leaf, the
	// indexes run 0…n-1 without a gap or a double, and the signed checkpoint covers them all.
	for deadline := time.Now().Add(time.Minute); ; {
		var waiting int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM event_outbox`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox rows still waiting a minute after the kill", waiting)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var unlogged, doubled, leaves, maxIndex, size int64
	if err := conn.QueryRow(ctx, `SELECT
  (SELECT count(*) FROM processing_events e WHERE NOT EXISTS
     (SELECT 1 FROM log_leaves l WHERE l.event_id = e.id AND l.kind = 'event' AND l.removed_at IS NULL)),
  (SELECT count(*) - count(DISTINCT event_id) FROM log_leaves WHERE kind = 'event' AND removed_at IS NULL),
  (SELECT count(*) FROM log_leaves), (SELECT coalesce(max(tree_index), -1) FROM log_leaves),
  (SELECT coalesce(max(size), 0) FROM log_checkpoints)`).Scan(&unlogged, &doubled, &leaves, &maxIndex, &size); err != nil {
		t.Fatal(err)
	}
	if unlogged != 0 || doubled != 0 || maxIndex != leaves-1 || size != leaves {
		t.Errorf("after the kill: %d events without a leaf, %d doubled leaves, %d leaves with highest index %d, checkpoint size %d",
			unlogged, doubled, leaves, maxIndex, size)
	}
	if st, _, err := get(p2, "/overzicht"); err != nil || st != 200 {
		t.Errorf("the session on the surviving process: %d %v", st, err)
	}
}

// portalProcess is `inzicht serve` run as a child process (the test binary standing in for it).
type portalProcess struct {
	url    string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
}

func (p *portalProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// startPortal starts `inzicht serve` on a free port with env added to a development configuration
// whose OpenID Connect issuer is never contacted (sessions are made in the database).
func startPortal(t *testing.T, env []string) *portalProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &portalProcess{url: "http://" + addr, logs: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(exe, "serve")
	p.cmd.Env = append(append(os.Environ(), bench.RunAsMainEnv+"=1",
		"INZICHT_ADDR="+addr, "INZICHT_BASE_URL="+p.url, "INZICHT_ENV=development", "INZICHT_LOG_LEVEL=warn",
		"INZICHT_OIDC_ISSUER=http://127.0.0.1:9/no-login", "INZICHT_OIDC_CLIENT_ID=multi",
		"INZICHT_OIDC_CLIENT_SECRET="+oidcrp.Random(), "INZICHT_OIDC_REDIRECT_URL="+p.url+"/inloggen/callback",
		"INZICHT_SMTP_URL=", "INZICHT_CLERK_EMAIL="), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			p.kill()
		}
		if t.Failed() {
			t.Logf("logs of %s:\n%s", p.url, p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("inzicht serve exited: %s", p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("inzicht serve not ready: %v\n%s", err, p.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitMetric waits until p's /metrics shows name with value (up to 15 s).
func waitMetric(t *testing.T, p *portalProcess, name, value string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`)
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := re.FindStringSubmatch(string(b)); m != nil {
			if got = m[1]; got == value {
				return
			}
		}
	}
	t.Fatalf("%s on %s: %q, want %s", name, p.url, got, value)
}

// waitReplayed waits until the standby has replayed everything the primary had written when called.
func waitReplayed(t *testing.T, primaryURL, standbyURL string) {
	t.Helper()
	ctx := context.Background()
	pc, err := pgx.Connect(ctx, primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(ctx)
	var lsn string
	if err := pc.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	sc, err := pgx.Connect(ctx, standbyURL)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close(ctx)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var done bool
		if err := sc.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby did not replay up to %s", lsn)
		}
	}
}
