package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/internal/testwitness"
	"github.com/inzicht/inzicht/portal/vlog"
)

// TestVerifyWitness: a bundle whose checkpoint a test witness cosigned verifies with -witness and that
// witness's key; with the key of a witness that did not cosign it, it fails.
func TestVerifyWitness(t *testing.T) {
	s, err := vlog.NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{19}, 32))
	if err != nil {
		t.Fatal(err)
	}
	l := newFakeLog(t, s, 6, -1)
	w, err := testwitness.New("witness.example", bytes.Repeat([]byte{7}, 32), s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	other, err := testwitness.New("other.example", bytes.Repeat([]byte{8}, 32), s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	defer srv.Close()
	ws, err := vlog.ParseWitnesses(w.VerifierKey() + " " + srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cp := l.checkpoint(t, 6)
	lines, err := ws[0].AddCheckpoint(context.Background(), srv.Client(), 0, nil, cp)
	if err != nil {
		t.Fatal(err)
	}
	var b vlog.Bundle
	if err := json.Unmarshal(l.bundle(t, 6), &b); err != nil {
		t.Fatal(err)
	}
	b.Checkpoint = string(vlog.Cosigned(cp, lines))
	b.Entries = b.Entries[:0] // the checkpoint is what is checked here
	js, _ := json.Marshal(b)
	f := filepath.Join(t.TempDir(), "bewijs.json")
	if err := os.WriteFile(f, js, 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run([]string{"-key", s.VerifierKey(), "-witness", w.VerifierKey(), f}, &out, nil); err != nil ||
		!strings.Contains(out.String(), "witness:    witness.example cosigned the checkpoint of 6 leaves") {
		t.Fatalf("with the cosigning witness: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run([]string{"-key", s.VerifierKey(), "-witness", other.VerifierKey(), f}, &out, nil); err == nil ||
		!strings.Contains(err.Error(), "no valid cosignature of witness other.example") {
		t.Fatalf("with a witness that did not cosign: %v\n%s", err, out.String())
	}
}
