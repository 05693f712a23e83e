package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/portal/vlog"
)

// TestVerifySequenceGap: a person's whole bundle with lines numbered 1–5, of which line 2 was removed
// (its tombstone proven in its place), verifies; leaving the tombstone or a line out of it is reported
// as a gap in the person's own sequence and fails; a bundle for a period only notes the numbers it
// lacks.
func TestVerifySequenceGap(t *testing.T) {
	s, err := vlog.NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{19}, 32))
	if err != nil {
		t.Fatal(err)
	}
	var m vlog.MemoryHashes
	var leaves [][]byte
	subject := vlog.Pseudonym([]byte("a"))
	for i := range 7 { // leaves 0–4 are the person's lines 1–5; 5 and 6 are someone else's
		l := vlog.Leaf{Version: 2, Kind: vlog.KindEvent, ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Subject: subject, SubjectSeq: int64(i + 1), Salt: vlog.NewSalt(), Withheld: vlog.NewSalt(), Activity: "wmo"}
		if i >= 5 {
			l.Subject, l.SubjectSeq = vlog.Pseudonym([]byte("b")), int64(i-4)
		}
		leaves = append(leaves, l.Encode())
		if _, err := m.Append(int64(i), tlog.RecordHash(l.Encode())); err != nil {
			t.Fatal(err)
		}
	}
	root, err := tlog.TreeHash(7, &m)
	if err != nil {
		t.Fatal(err)
	}
	note, err := s.Sign(7, root)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(complete bool, skip func(i int, tombstone bool) bool) string {
		b := vlog.Bundle{Format: vlog.BundleFormat, Origin: s.Origin(), VerifierKey: s.VerifierKey(), Checkpoint: string(note),
			Entries: []vlog.BundleEntry{}, Pending: []string{}, Complete: complete}
		for i := range 5 {
			p, err := tlog.ProveRecord(7, int64(i), &m)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case i == 1 && !skip(i, true): // removed after the retention period: its hash only
				b.Removed = append(b.Removed, vlog.RemovedEntry{Index: 1, LeafHash: tlog.RecordHash(leaves[1]), SubjectSeq: 2,
					RemovedAt: "2026-01-01T00:00:00.000000Z", Why: "retention", Retention: "P5Y", Proof: p})
			case i != 1 && !skip(i, false):
				b.Entries = append(b.Entries, vlog.BundleEntry{EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
					Index: int64(i), Leaf: leaves[i], Proof: p})
			}
		}
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "bewijs.json")
		if err := os.WriteFile(f, js, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	verify := func(f string) (string, error) {
		var out strings.Builder
		err := run([]string{"-key", s.VerifierKey(), f}, &out, nil)
		return out.String(), err
	}
	none := func(int, bool) bool { return false }
	if out, err := verify(mk(true, none)); err != nil || !strings.Contains(out, "without a gap (5 numbers)") || !strings.Contains(out, "removed:    1") {
		t.Fatalf("whole bundle: %v\n%s", err, out)
	}
	for name, skip := range map[string]func(int, bool) bool{
		"the tombstone": func(i int, tomb bool) bool { return tomb },
		"line 3":        func(i int, tomb bool) bool { return i == 2 },
		"line 1":        func(i int, tomb bool) bool { return i == 0 },
	} {
		out, err := verify(mk(true, skip))
		if err == nil || !strings.Contains(out, "MISSING from your own sequence") {
			t.Errorf("whole bundle without %s: %v\n%s", name, err, out)
		}
	}
	// A bundle for a period: a number it lacks may lie outside the period.
	out, err := verify(mk(false, func(i int, tomb bool) bool { return i == 2 }))
	if err != nil || !strings.Contains(out, "not in this bundle: 3") {
		t.Fatalf("bundle for a period: %v\n%s", err, out)
	}
}
