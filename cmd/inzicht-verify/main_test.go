package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/portal/vlog"
)

// fakeLog is a log as a portal publishes it: leaves, stored hashes, a signer. The tests build it with
// portal/vlog (the portal's own code) and check it with this command, which shares none of it.
type fakeLog struct {
	s      *vlog.Signer
	leaves [][]byte
	m      vlog.MemoryHashes
}

func newFakeLog(t *testing.T, s *vlog.Signer, n int, change int) *fakeLog {
	t.Helper()
	l := &fakeLog{s: s}
	for i := range n {
		leaf := vlog.Leaf{Kind: vlog.KindEvent, ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Subject: vlog.Pseudonym([]byte{byte(i % 2)}), Salt: vlog.NewSalt(), Organization: "Gemeente Voorbeeldstad",
			Activity: "wmo-onderzoek", Withheld: vlog.Pseudonym(nil)}
		if i == change {
			leaf.Organization = "Herschreven"
		}
		b := leaf.Encode()
		if i == 8 { // a later change of an event's confidentiality, in the person's bundle too
			a := vlog.Amendment{Kind: vlog.KindConfidentiality, ID: leaf.ID, Subject: leaf.Subject, Salt: vlog.NewSalt()}
			b = a.Encode()
		}
		l.leaves = append(l.leaves, b)
		if _, err := l.m.Append(int64(i), tlog.RecordHash(b)); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func (l *fakeLog) checkpoint(t *testing.T, n int) []byte {
	t.Helper()
	var root tlog.Hash
	if n > 0 {
		var err error
		if root, err = tlog.TreeHash(int64(n), &l.m); err != nil {
			t.Fatal(err)
		}
	}
	note, err := l.s.Sign(int64(n), root)
	if err != nil {
		t.Fatal(err)
	}
	return note
}

// bundle is person 0's proof bundle against the tree of size n.
func (l *fakeLog) bundle(t *testing.T, n int) []byte {
	t.Helper()
	b := vlog.Bundle{Format: vlog.BundleFormat, Origin: l.s.Origin(), VerifierKey: l.s.VerifierKey(),
		Checkpoint: string(l.checkpoint(t, n)), Entries: []vlog.BundleEntry{}, Pending: []string{}}
	for i := 0; i < n; i += 2 {
		p, err := tlog.ProveRecord(int64(n), int64(i), &l.m)
		if err != nil {
			t.Fatal(err)
		}
		b.Entries = append(b.Entries, vlog.BundleEntry{EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Index: int64(i), Leaf: l.leaves[i], Proof: p})
	}
	js, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// serve publishes the log at size n as the portal does: /log/key, /log/checkpoint, /log/tile/….
func (l *fakeLog) serve(t *testing.T, n int) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch p := r.URL.Path; {
		case p == "/log/key":
			fmt.Fprintln(w, l.s.VerifierKey())
		case p == "/log/checkpoint":
			w.Write(l.checkpoint(t, n))
		case strings.HasPrefix(p, "/log/tile/"):
			tile, err := vlog.ParseTilePath(strings.TrimPrefix(p, "/log/"))
			if err != nil || !vlog.TileWithin(tile, int64(n)) {
				http.NotFound(w, r)
				return
			}
			data, err := tlog.ReadTileData(tile, &l.m)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Write(data)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerify(t *testing.T) {
	s, err := vlog.NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other, err := vlog.NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{4}, 32))
	if err != nil {
		t.Fatal(err)
	}
	honest := newFakeLog(t, s, 700, -1)
	rewritten := newFakeLog(t, s, 700, 5) // the same size, leaf 5 rewritten, signed with the same key
	bundle := write(t, "bewijs.json", honest.bundle(t, 300))
	saved := write(t, "saved.txt", honest.checkpoint(t, 120))
	rewrittenSaved := write(t, "rewritten.txt", rewritten.checkpoint(t, 120))
	honestSrv, rewrittenSrv := honest.serve(t, 700), rewritten.serve(t, 700)
	shrunkSrv := honest.serve(t, 200)

	for _, tc := range []struct {
		name string
		args []string
		want string // in the output (ok) or the error
		ok   bool
	}{
		{"bundle alone", []string{bundle}, "150, each proven to be in the signed log, all of one person (1 later changes", true},
		{"against the portal", []string{"-url", honestSrv.URL, bundle}, "only grew from the bundle's checkpoint (300 leaves) to the current one (700)", true},
		{"with a saved checkpoint", []string{"-url", honestSrv.URL, "-previous", saved, bundle}, "only grew from the saved checkpoint (120 leaves)", true},
		{"a trusted key", []string{"-key", s.VerifierKey(), bundle}, "result:     OK", true},
		{"another key", []string{"-key", other.VerifierKey(), bundle}, "not the trusted", false},
		{"a rewritten log", []string{"-url", rewrittenSrv.URL, bundle}, "NOT a beginning", false},
		{"a saved checkpoint of a rewritten log", []string{"-url", honestSrv.URL, "-previous", rewrittenSaved, bundle}, "NOT a beginning", false},
		{"a shrunk log", []string{"-url", shrunkSrv.URL, bundle}, "SHRANK", false},
		{"previous without current", []string{"-previous", saved, bundle}, "needs the current checkpoint", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tc.args, &out, http.DefaultClient)
			got := out.String()
			if err != nil {
				got += err.Error()
			}
			if (err == nil) != tc.ok || !strings.Contains(got, tc.want) {
				t.Fatalf("err %v, want ok=%v and %q in:\n%s", err, tc.ok, tc.want, got)
			}
		})
	}

	// A bundle whose leaf or proof was changed, or that mixes people, is refused.
	for name, change := range map[string]func(b *vlog.Bundle){
		"changed leaf": func(b *vlog.Bundle) {
			b.Entries[3].Leaf = bytes.Replace(b.Entries[3].Leaf, []byte("Voorbeeldstad"), []byte("Elders"), 1)
		},
		"changed proof":           func(b *vlog.Bundle) { b.Entries[3].Proof[0][0] ^= 1 },
		"moved index":             func(b *vlog.Bundle) { b.Entries[3].Index += 2 },
		"a leaf of another event": func(b *vlog.Bundle) { b.Entries[3].Leaf = honest.leaves[7] },
	} {
		t.Run(name, func(t *testing.T) {
			b, err := vlog.ParseBundle(honest.bundle(t, 300))
			if err != nil {
				t.Fatal(err)
			}
			change(&b)
			js, _ := json.Marshal(b)
			var out bytes.Buffer
			if err := run([]string{write(t, "b.json", js)}, &out, http.DefaultClient); err == nil {
				t.Fatalf("accepted:\n%s", out.String())
			}
		})
	}

	// -save keeps the current checkpoint, which a later run accepts as -previous.
	keep := filepath.Join(t.TempDir(), "keep.txt")
	var out bytes.Buffer
	if err := run([]string{"-url", honestSrv.URL, "-save", keep, bundle}, &out, http.DefaultClient); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-url", honestSrv.URL, "-previous", keep, bundle}, &out, http.DefaultClient); err != nil {
		t.Fatal(err)
	}
}
