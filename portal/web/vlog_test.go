package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
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
