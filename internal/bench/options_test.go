package bench

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestParseOptions(t *testing.T) {
	for _, c := range []struct {
		name       string
		args       []string
		env        map[string]string
		wantErr    string // substring; "" for none
		wantHelp   bool
		wantStdout string
		wantStderr string
		check      func(Options) string
	}{
		{name: "defaults", check: func(o Options) string {
			return cmp.Diff(Options{Events: 10_000_000, Citizens: 100_000, Ingest: 200_000, Batch: 500, OTLPBatch: 512, Clients: 4, Reads: 2000,
				Years: 5, Requests: 1_000_000, Server: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
				JSON: "bench-result.json"}, o)
		}},
		{name: "server from DATABASE_URL", env: map[string]string{"DATABASE_URL": "postgres://x@db/y"},
			check: func(o Options) string { return cmp.Diff("postgres://x@db/y", o.Server) }},
		{name: "flags", args: []string{"--events", "6000", "--ingest", "2000", "--keep", "--json", ""},
			check: func(o Options) string {
				return cmp.Diff([]any{6000, 2000, true, ""}, []any{o.Events, o.Ingest, o.Keep, o.JSON})
			}},
		{name: "-h", args: []string{"-h"}, wantHelp: true, wantStdout: "usage: inzicht bench"},
		{name: "--help after a flag", args: []string{"--events", "10", "--help"}, wantHelp: true, wantStdout: "-citizens"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined", wantStderr: "usage: inzicht bench"},
		{name: "stray argument", args: []string{"now"}, wantErr: `unexpected argument "now"`},
		{name: "more ingested than in the table", args: []string{"--events", "10", "--ingest", "20"}, wantErr: "--events ≥ --ingest"},
		{name: "no clients", args: []string{"--clients", "0"}, wantErr: "positive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			o, err := parseOptions(c.args, env(c.env), &stdout, &stderr)
			switch {
			case c.wantHelp:
				if !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("err = %v, want flag.ErrHelp", err)
				}
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one with %q", err, c.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), c.wantStdout) || (c.wantStdout == "" && stdout.Len() > 0) {
				t.Errorf("stdout = %q, want %q", stdout.String(), c.wantStdout)
			}
			if !strings.Contains(stderr.String(), c.wantStderr) || (c.wantStderr == "" && stderr.Len() > 0) {
				t.Errorf("stderr = %q, want %q", stderr.String(), c.wantStderr)
			}
			if c.check != nil {
				if diff := c.check(o); diff != "" {
					t.Error(diff)
				}
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	durs := make([]time.Duration, 100)
	for i := range durs {
		durs[i] = time.Duration(100-i) * time.Millisecond // 100 ms … 1 ms, unsorted on purpose
	}
	got := summarize("x", durs, 2*time.Second)
	want := Latency{Name: "x", Requests: 100, P50ms: 50, P95ms: 95, P99ms: 99, MaxMs: 100, PerSec: 50}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	got.judge("p99 ≤ 20 ms", 20)
	if got.Met == nil || *got.Met || got.Target != "p99 ≤ 20 ms" {
		t.Errorf("judged %+v, want not met", got)
	}
	if l := summarize("empty", nil, time.Second); l.Requests != 0 {
		t.Errorf("no requests: %+v", l)
	}
}
