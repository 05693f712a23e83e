package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
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

// TestDetailLogPosition: a detail page says the line is not in the log yet until the integrator has
// placed it, then its number in the log and in the person's own sequence, with the explanation of how
// to check it. After the retention period the line's page says when it was removed and after which
// period — to the person only — and the person's whole bundle carries the tombstone, so that it has
// no gap; a bundle for a period is not complete.
func TestDetailLogPosition(t *testing.T) {
	t.Parallel()
	signer := testLogSigner(t)
	e := newEnv(t, web.Config{LogVerifierKey: signer.VerifierKey()}, web.Deps{})
	recent := event(bsnA, time.Now().Add(-time.Hour))
	old := event(bsnA, time.Now().AddDate(-5, -1, 0)) // past the register's P5Y
	e.ingest(recent, old)
	ca, _ := e.citizen(bsnA)
	cb, _ := e.citizen(bsnB)
	page := func(cookie, id string, status int) string {
		t.Helper()
		resp, body := e.do("GET", "/verwerkingen/"+id, cookie, "", nil)
		if resp.StatusCode != status {
			t.Fatalf("detail %s: %d, want %d", id, resp.StatusCode, status)
		}
		return body
	}
	if body := page(ca, recent.ID, 200); !strings.Contains(body, "Deze regel staat nog niet in het logboek") ||
		!strings.Contains(body, "Deze regel controleren") || strings.Contains(body, "Plaatsnummer in het logboek") {
		t.Fatalf("before integration the page does not say the line is pending:\n%s", body)
	}
	if _, err := e.db.IntegrateLog(context.Background(), signer, 1000); err != nil {
		t.Fatal(err)
	}
	pos, err := e.db.LogPosition(context.Background(), recent.ID)
	if err != nil || !pos.InTree || pos.SubjectSeq == 0 {
		t.Fatalf("position: %+v %v", pos, err)
	}
	body := page(ca, recent.ID, 200)
	for _, want := range []string{fmt.Sprintf("Plaatsnummer in het logboek: %d.", pos.Index), fmt.Sprintf("Het is regel %d van alle regels over u.", pos.SubjectSeq),
		`href="/verwerkingen/bewijs.json"`, `href="/log/checkpoint"`, "inzicht-verify -url "} {
		if !strings.Contains(body, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	if strings.Contains(body, "nog niet in het logboek") {
		t.Error("the page still says pending")
	}

	runs, err := e.db.RemoveExpiredEvents(context.Background(), 100)
	if err != nil || len(runs) != 1 || runs[0].Removed != 1 {
		t.Fatalf("retention: %+v %v", runs, err)
	}
	body = page(ca, old.ID, 200)
	if !strings.Contains(body, "na de bewaartermijn van 5 jaar.") || !strings.Contains(body, "Verwijderde regel") ||
		!strings.Contains(body, "Plaatsnummer in het logboek") || strings.Contains(body, "Jan Medewerker") || strings.Contains(body, "Wijkteam Noord") {
		t.Fatalf("removed line's page:\n%s", body)
	}
	page(cb, old.ID, 404) // not the other person's
	page(ca, uuid.NewString(), 404)

	if _, err := e.db.IntegrateLog(context.Background(), signer, 1000); err != nil {
		t.Fatal(err)
	}
	get := func(path string) vlog.Bundle {
		t.Helper()
		_, body := e.do("GET", path, ca, "", nil)
		b, err := vlog.ParseBundle([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := get("/verwerkingen/bewijs.json")
	c, err := b.Verify(signer.VerifierKey())
	if err != nil || !b.Complete || len(b.Removed) != 1 || b.Removed[0].Retention != "P5Y" || len(c.Gaps) != 0 || len(b.Entries) != 1 {
		t.Fatalf("whole bundle: complete %v removed %+v gaps %v entries %d: %v", b.Complete, b.Removed, c.Gaps, len(b.Entries), err)
	}
	if b := get("/verwerkingen/bewijs.json?van=" + time.Now().AddDate(0, 0, -2).Format("2006-01-02")); b.Complete {
		t.Error("a bundle for a period says it is complete")
	}
}
