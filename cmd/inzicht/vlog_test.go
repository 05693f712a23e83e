package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/inzicht/inzicht/portal/vlog"
)

// TestVerifiableLogEndToEnd runs the demo: a citizen downloads their proof bundle, `inzicht verify`
// checks it against the running portal, new events make the log grow and a saved checkpoint is
// still consistent with it, and `inzicht log check` passes — until an event is changed in the
// database behind the portal's back, which it then names.
//
// Not parallel, like the other demo tests: two demos loading at once share internal/demo's data.
func TestVerifiableLogEndToEnd(t *testing.T) {
	logs := &syncBuffer{}
	base, key, dbURL := startDemoWith(t, logs, map[string]string{"INZICHT_LOG_CHECK_EVERY": "1s"})
	ctx := context.Background()
	dir := t.TempDir()

	// The integrator runs every 2 s; wait (at most 30 s) until the citizen's whole log is signed.
	c := newBrowser(t)
	if resp, _ := loginCitizen(t, c, base, "999993653", "substantieel"); resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	bundle := func() (vlog.Bundle, []byte) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			resp, body := get(t, c, base+"/verwerkingen/bewijs.json")
			if resp.StatusCode != 200 {
				t.Fatalf("bewijs.json: %d", resp.StatusCode)
			}
			b, err := vlog.ParseBundle([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Pending) == 0 && len(b.Entries) > 0 {
				return b, []byte(body)
			}
			if time.Now().After(deadline) {
				t.Fatalf("still pending after 30 s: %d entries, %d pending", len(b.Entries), len(b.Pending))
			}
		}
	}
	first, raw := bundle()
	file := filepath.Join(dir, "bewijs.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	verify := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append([]string{"verify"}, args...), envOf(nil), &out, io.Discard); err != nil {
			t.Fatalf("inzicht verify %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	if out := verify("-url", base, file); !strings.Contains(out, "OK") {
		t.Fatalf("verify:\n%s", out)
	}
	// The person's whole bundle with their first numbered line taken out: a gap in their own sequence.
	if !first.Complete {
		t.Fatal("the person's bundle without a filter is not complete")
	}
	cut := first
	cut.Entries = slices.Clone(first.Entries)
	lowest, at := int64(0), -1
	for i, e := range cut.Entries {
		if l, err := vlog.ParseLeaf(e.Leaf); err == nil && l.SubjectSeq > 0 && (at < 0 || l.SubjectSeq < lowest) {
			lowest, at = l.SubjectSeq, i
		}
	}
	if at < 0 || len(cut.Entries) < 2 {
		t.Fatalf("no numbered lines in the demo citizen's bundle (%d entries)", len(cut.Entries))
	}
	cut.Entries = slices.Delete(cut.Entries, at, at+1)
	js, err := json.Marshal(cut)
	if err != nil {
		t.Fatal(err)
	}
	cutFile := filepath.Join(dir, "zonder-regel.json")
	if err := os.WriteFile(cutFile, js, 0o600); err != nil {
		t.Fatal(err)
	}
	var gapOut bytes.Buffer
	if err := run(ctx, []string{"verify", "-url", base, cutFile}, envOf(nil), &gapOut, io.Discard); err == nil ||
		!strings.Contains(gapOut.String(), fmt.Sprintf("MISSING from the person's own sequence: [%d]", lowest)) {
		t.Fatalf("inzicht verify of a bundle without line %d: %v\n%s", lowest, err, gapOut.String())
	}
	// Keep the current checkpoint, store more, wait for a bigger tree: the log only grew.
	_, cp := get(t, c, base+"/log/checkpoint")
	saved := filepath.Join(dir, "saved.txt")
	if err := os.WriteFile(saved, []byte(cp), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, body := postEvents(t, base, key, `{"events":[`+eventJSON(uuid.NewString(), "999993653", "Consulent")+`]}`); st != 200 {
		t.Fatalf("post: %d %s", st, body)
	}
	second, _ := bundle()
	for deadline := time.Now().Add(30 * time.Second); len(second.Entries) <= len(first.Entries); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the new event did not reach the log in 30 s")
		}
		second, _ = bundle()
	}
	if out := verify("-url", base, "-previous", saved, file); !strings.Contains(out, "the log only grew from the saved") {
		t.Fatalf("verify with a saved checkpoint:\n%s", out)
	}

	// The self-check agrees with the database, until an event is changed behind the portal's back.
	check := func() (string, error) {
		var out bytes.Buffer
		err := run(ctx, []string{"log", "check"}, envOf(map[string]string{"DATABASE_URL": dbURL, "INZICHT_ENV": "development"}), &out, io.Discard)
		return out.String(), err
	}
	if out, err := check(); err != nil || !strings.Contains(out, "the database matches the log") {
		t.Fatalf("log check: %v\n%s", err, out)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `UPDATE processing_events SET actor_team = 'Ander team' WHERE id = $1`, first.Entries[0].EventID); err != nil {
		t.Fatal(err)
	}
	out, err := check()
	if err == nil || !strings.Contains(out, "PROBLEM changed") || !strings.Contains(out, first.Entries[0].EventID) ||
		!strings.Contains(out, "team") {
		t.Fatalf("log check after a change: %v\n%s", err, out)
	}
	// The portal's own scheduled self-check (every second here) notices too: an error line naming the
	// event (not its content) and the metric.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, metrics := get(t, http.DefaultClient, base+"/metrics")
		if strings.Contains(metrics, "inzicht_log_problems 1") && strings.Contains(metrics, "inzicht_log_checkpoint_lag_seconds_count") &&
			strings.Contains(logs.String(), "the database no longer matches the log") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduled self-check did not report the change in 30 s; metrics:\n%s", metrics)
		}
	}
	if !strings.Contains(logs.String(), first.Entries[0].EventID) || strings.Contains(logs.String(), "Ander team") {
		t.Errorf("the alert should name the event and not its content")
	}
}
