package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/internal/bench"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal/bsnvault"
	"github.com/inzicht/inzicht/portal/postgres"
)

// TestMain lets the test binary stand in for the inzicht binary when the benchmark starts its server
// as a child process (it runs itself with `serve`).
func TestMain(m *testing.M) {
	if os.Getenv(bench.RunAsMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// randomKey is a fresh 32-byte key (the servers these tests start get their own BSN keys).
func randomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never returns an error
	return k
}

// TestBenchTiny runs `inzicht bench` at a tiny size, so the command keeps working; it checks that
// every part was measured, not the figures themselves.
func TestBenchTiny(t *testing.T) {
	server := pgtest.ServerURL()
	out := filepath.Join(t.TempDir(), "bench.json")
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"bench", "--events", "6000", "--citizens", "300", "--ingest", "2000",
		"--batch", "500", "--otlp-batch", "250", "--clients", "2", "--reads", "40", "--requests", "2000", "--postgres", server, "--json", out},
		envOf(map[string]string{}), &stdout, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INGEST", "VERIFIABLE LOG", "checkpoint lag", "TWO PROCESSES", "OTLP INGEST", "/verwerkingen first page", "/verwerkingen deep page", "/overzicht",
		"/verwerkingen search + filter", "/verwerkingen search, no match, heaviest 1 %", "/raad",
		"/open-data/statistieken.json", "MEMORY"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, stdout.String())
		}
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if res.Ingest.Events != 2000 || res.Ingest.APIPerSec <= 0 || res.Ingest.CopyPerSec <= 0 {
		t.Errorf("ingest not measured: %+v", res.Ingest)
	}
	if in := res.Ingest; in.APIOffPerSec <= 0 || in.DrainedPerSec <= 0 || in.DrainedPerSec > in.APIPerSec ||
		in.DrainedOffPerSec <= 0 || in.RatioLogOnToOff <= 0 || in.Lag.Samples == 0 || in.Lag.Max < in.Lag.P99 {
		t.Errorf("the log's cost not measured: %+v", in)
	}
	if in := res.Ingest; in.TwoPerSec <= 0 || in.TwoDrainedPerSec <= 0 || in.TwoDrainedPerSec > in.TwoPerSec || in.RatioTwoToOne <= 0 {
		t.Errorf("two processes not measured: %+v", in)
	}
	if res.Ingest.OTLPEvents != 2000 || res.Ingest.OTLPPerSec <= 0 || res.Ingest.OTLPFailed != 0 {
		t.Errorf("OTLP ingest not measured, or spans failed: %+v", res.Ingest)
	}
	if res.EventsInTable < 8000 {
		t.Errorf("events in table: %d, want at least 8000 (6000 and 2000 spans)", res.EventsInTable)
	}
	if len(res.Reading) != 5 || len(res.Statistics) != 4 {
		t.Fatalf("scenarios: %d reading, %d statistics", len(res.Reading), len(res.Statistics))
	}
	for _, l := range append(res.Reading, res.Statistics...) {
		if l.Requests == 0 || l.P50ms <= 0 || l.P99ms < l.P50ms {
			t.Errorf("%s not measured: %+v", l.Name, l)
		}
	}
	if res.PeakRSSMB <= 0 {
		t.Errorf("server memory not sampled: %v", res.PeakRSSMB)
	}
}

// TestCommandHelp asks every command for its help: it prints the usage on stdout and succeeds,
// without touching a database (there is none in this environment).
func TestCommandHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "-h"}, "usage: inzicht demo"},
		{[]string{"serve", "--help"}, "usage: inzicht serve"},
		{[]string{"serve", "-help"}, "usage: inzicht serve"},
		{[]string{"migrate", "-h"}, "usage: inzicht migrate up|down|status"},
		{[]string{"migrate", "up", "--help"}, "usage: inzicht migrate"},
		{[]string{"apikey", "-h"}, "usage: inzicht apikey create"},
		{[]string{"apikey", "create", "-h"}, "--scopes"},
		{[]string{"register", "--help"}, "usage: inzicht register load FILE"},
		{[]string{"register", "load", "-h"}, "VNG register (VAR API"},
		{[]string{"bench", "-h"}, "usage: inzicht bench"},
		{[]string{"bench", "--help"}, "-events"},
		{[]string{"-h"}, "Usage:"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), c.args, envOf(map[string]string{}), &stdout, &stderr); err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if !strings.Contains(stdout.String(), c.want) {
				t.Errorf("stdout lacks %q:\n%s", c.want, stdout.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr: %q", stderr.String())
			}
		})
	}
	// Past "--" a -h is an argument, not a request for help.
	if err := run(context.Background(), []string{"register", "--", "-h"}, envOf(map[string]string{}), io.Discard, io.Discard); err == nil {
		t.Error(`register -- -h: nil error, want the usage error`)
	}
}

// childServer starts `inzicht serve` as a child process on the migrated database at dbURL, with fresh
// BSN keys, and returns it, the storage on the same keys (closed when the test ends) and an API key
// with scopes.
func childServer(t *testing.T, dbURL string, clients int, scopes ...string) (*bench.Server, *postgres.DB, string) {
	t.Helper()
	ctx := context.Background()
	hmacKey, encKey := randomKey(), randomKey()
	v, err := bsnvault.New(hmacKey, "bench", map[string][]byte{"bench": encKey})
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, dbURL, v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	_, key, err := db.CreateAPIKey(ctx, "child-server", scopes)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := bench.StartServer(ctx, dbURL, hmacKey, encKey, clients)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv, db, key
}
