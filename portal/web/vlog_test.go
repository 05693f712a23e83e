package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/vlog"
	"github.com/inzicht/inzicht/portal/web"
)

func testLogSigner(t *testing.T) *vlog.Signer {
	t.Helper()
	s, err := vlog.NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{19}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPublishedLog fetches what the portal publishes about its log, as an outside verifier would,
// without logging in: the key, a checkpoint that verifies with it, and tiles that give its root.
func TestPublishedLog(t *testing.T) {
	t.Parallel()
	signer := testLogSigner(t)
	e := newEnv(t, web.Config{LogVerifierKey: signer.VerifierKey()}, web.Deps{})
	get := func(path string) (int, string, []byte) {
		t.Helper()
		resp, err := e.app.Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: not readable from other origins", path)
		}
		return resp.StatusCode, resp.Header.Get("Cache-Control"), b
	}
	if st, _, _ := get("/log/checkpoint"); st != 404 {
		t.Errorf("checkpoint before any was signed: %d", st)
	}
	st, _, key := get("/log/key")
	if st != 200 || string(key) != signer.VerifierKey()+"\n" {
		t.Fatalf("/log/key: %d %q", st, key)
	}
	var evs []portal.Event
	for i := range 300 {
		evs = append(evs, event([]string{bsnA, bsnB}[i%2], time.Now().Add(-time.Duration(i+1)*time.Minute)))
	}
	e.ingest(evs...)
	if _, err := e.db.IntegrateLog(context.Background(), signer, 1000); err != nil {
		t.Fatal(err)
	}
	st, cache, note := get("/log/checkpoint")
	if st != 200 || cache != "no-cache" {
		t.Fatalf("/log/checkpoint: %d %q", st, cache)
	}
	cp, err := vlog.OpenCheckpoint(note, string(bytes.TrimSpace(key)))
	if err != nil || cp.Size != 300 {
		t.Fatalf("checkpoint %+v: %v", cp, err)
	}
	tiles := map[tlog.Tile][]byte{}
	for _, tile := range tlog.NewTiles(vlog.TileHeight, 0, cp.Size) {
		st, cache, data := get("/log/" + vlog.TilePath(tile))
		wantCache := "no-cache"
		if tile.W == 256 {
			wantCache = "public, max-age=31536000, immutable"
		}
		if st != 200 || cache != wantCache || len(data) != tile.W*tlog.HashSize {
			t.Fatalf("%s: %d %q %d bytes", vlog.TilePath(tile), st, cache, len(data))
		}
		tiles[tile] = data
	}
	r := tlog.TileHashReader(tlog.Tree{N: cp.Size, Hash: cp.Hash}, tileSet(tiles))
	if _, err := tlog.TreeHash(cp.Size, r); err != nil {
		t.Fatalf("the published tiles do not give the checkpoint's root: %v", err)
	}
	for _, path := range []string{"/log/tile/0/001.p/45", "/log/tile/0/002", "/log/tile/entries/000", "/log/tile/0/000.p/44",
		"/log/tile/8/0/000", "/log/tile/0/xyz"} {
		if st, _, _ := get(path); st != 404 {
			t.Errorf("%s: %d, want 404", path, st)
		}
	}
}

type tileSet map[tlog.Tile][]byte

func (tileSet) Height() int { return vlog.TileHeight }
func (m tileSet) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = m[t]
	}
	return out, nil
}
func (tileSet) SaveTiles([]tlog.Tile, [][]byte) {}

// TestProofBundle downloads /verwerkingen/bewijs.json as two citizens: each gets exactly their own
// visible events, each leaf proven against a checkpoint that verifies with the published key, all
// under one pseudonym that differs between them; before the first checkpoint every event is pending.
func TestProofBundle(t *testing.T) {
	t.Parallel()
	signer := testLogSigner(t)
	e := newEnv(t, web.Config{LogVerifierKey: signer.VerifierKey()}, web.Deps{})
	var mine, theirs []portal.Event
	for i := range 4 {
		mine = append(mine, event(bsnA, time.Now().Add(-time.Duration(i+1)*time.Hour)))
	}
	for i := range 3 {
		theirs = append(theirs, event(bsnB, time.Now().Add(-time.Duration(i+1)*time.Hour)))
	}
	hidden := event(bsnA, time.Now().Add(-time.Hour), func(ev *portal.Event) {
		until := time.Now().Add(24 * time.Hour)
		ev.ConfidentialUntil, ev.ConfidentialReason = &until, "lopend onderzoek"
	})
	e.ingest(append(append(slices.Clone(mine), theirs...), hidden)...)
	ca, _ := e.citizen(bsnA)
	cb, _ := e.citizen(bsnB)
	bundle := func(cookie string) vlog.Bundle {
		t.Helper()
		resp, body := e.do("GET", "/verwerkingen/bewijs.json", cookie, "", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="bewijs.json"` {
			t.Fatalf("bewijs.json: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		b, err := vlog.ParseBundle([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if b.VerifierKey != signer.VerifierKey() {
			t.Errorf("bundle key %q", b.VerifierKey)
		}
		return b
	}
	if b := bundle(ca); len(b.Entries) != 0 || len(b.Pending) != 4 {
		t.Fatalf("before any checkpoint: %d entries, pending %v", len(b.Entries), b.Pending)
	}
	if _, err := e.db.IntegrateLog(context.Background(), signer, 1000); err != nil {
		t.Fatal(err)
	}
	idsOf := func(evs []portal.Event) []string {
		var out []string
		for _, ev := range evs {
			out = append(out, ev.ID)
		}
		slices.Sort(out)
		return out
	}
	var subjects []string
	for _, tc := range []struct {
		cookie string
		want   []portal.Event
	}{{ca, mine}, {cb, theirs}} {
		b := bundle(tc.cookie)
		c, err := b.Verify(signer.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, en := range b.Entries {
			got = append(got, en.EventID)
		}
		slices.Sort(got)
		if !slices.Equal(got, idsOf(tc.want)) || len(b.Pending) != 0 {
			t.Errorf("bundle events %v pending %v, want %v", got, b.Pending, idsOf(tc.want))
		}
		subjects = append(subjects, c.Subject)
	}
	if subjects[0] == subjects[1] {
		t.Error("two people share a pseudonym")
	}
}
