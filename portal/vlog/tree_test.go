package vlog

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

// TestTreeAgainstSecondImplementation appends random leaves in random steps and, after each step,
// checks what tlog computes — the root, inclusion proofs of random leaves against random earlier
// sizes, consistency proofs between random sizes, and the same from tiles only — with
// transparency-dev/merkle, an independent RFC 6962 implementation, and against a tampered input.
func TestTreeAgainstSecondImplementation(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 19))
			h := rfc6962.DefaultHasher
			var m MemoryHashes
			var leaves [][]byte
			roots := []tlog.Hash{} // roots[n] is the root of size n
			cr := (&compact.RangeFactory{Hash: h.HashChildren}).NewEmptyRange(0)
			empty := sha256.Sum256(nil)
			roots = append(roots, empty)
			for step := 0; step < 40; step++ {
				for k := rnd.IntN(70); k >= 0; k-- {
					leaf := fmt.Appendf(nil, "leaf %d %d", len(leaves), rnd.Uint64())
					n := int64(len(leaves))
					if _, err := m.Append(n, tlog.RecordHash(leaf)); err != nil {
						t.Fatal(err)
					}
					leaves = append(leaves, leaf)
					if err := cr.Append(h.HashLeaf(leaf), nil); err != nil {
						t.Fatal(err)
					}
					root, err := tlog.TreeHash(n+1, &m)
					if err != nil {
						t.Fatal(err)
					}
					other, err := cr.GetRootHash(nil)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(root[:], other) {
						t.Fatalf("size %d: tlog root %x, merkle root %x", n+1, root, other)
					}
					roots = append(roots, root)
				}
				n := int64(len(leaves))
				checkProofs(t, rnd, &m, leaves, roots, n)
			}
		})
	}
}

func checkProofs(t *testing.T, rnd *rand.Rand, m *MemoryHashes, leaves [][]byte, roots []tlog.Hash, n int64) {
	t.Helper()
	h := rfc6962.DefaultHasher
	// tiles as a remote verifier would read them, made from the stored hashes
	tiles := map[tlog.Tile][]byte{}
	for _, tile := range tlog.NewTiles(TileHeight, 0, n) {
		data, err := tlog.ReadTileData(tile, m)
		if err != nil {
			t.Fatal(err)
		}
		if !TileWithin(tile, n) {
			t.Fatalf("tile %s of size %d is not within it", TilePath(tile), n)
		}
		tiles[tile] = data
	}
	fromTiles := tlog.TileHashReader(tlog.Tree{N: n, Hash: roots[n]}, tileReader(tiles))
	for range 8 {
		size := 1 + rnd.Int64N(n)
		i := rnd.Int64N(size)
		for _, r := range []tlog.HashReader{m, fromTiles} {
			if r == fromTiles && size != n {
				continue // a tile reader proves against its own tree only
			}
			p, err := tlog.ProveRecord(size, i, r)
			if err != nil {
				t.Fatalf("prove %d in %d: %v", i, size, err)
			}
			lh := tlog.RecordHash(leaves[i])
			if err := tlog.CheckRecord(p, size, roots[size], i, lh); err != nil {
				t.Fatalf("tlog rejects its own proof of %d in %d: %v", i, size, err)
			}
			if err := proof.VerifyInclusion(h, uint64(i), uint64(size), lh[:], hashes(p), roots[size][:]); err != nil {
				t.Fatalf("merkle rejects tlog's proof of %d in %d: %v", i, size, err)
			}
			bad := tlog.RecordHash(append(bytes.Clone(leaves[i]), '!'))
			if proof.VerifyInclusion(h, uint64(i), uint64(size), bad[:], hashes(p), roots[size][:]) == nil {
				t.Fatalf("merkle accepts a changed leaf %d in %d", i, size)
			}
		}
		old := 1 + rnd.Int64N(size) // tlog proves from a non-empty tree
		p, err := tlog.ProveTree(size, old, m)
		if err != nil {
			t.Fatalf("prove %d -> %d: %v", old, size, err)
		}
		if err := proof.VerifyConsistency(h, uint64(old), uint64(size), hashes(p), roots[old][:], roots[size][:]); err != nil {
			t.Fatalf("merkle rejects tlog's consistency proof %d -> %d: %v", old, size, err)
		}
		if old > 0 && old < size {
			forged := roots[old]
			forged[0] ^= 1
			if proof.VerifyConsistency(h, uint64(old), uint64(size), hashes(p), forged[:], roots[size][:]) == nil {
				t.Fatalf("merkle accepts a consistency proof from a forged root %d -> %d", old, size)
			}
		}
	}
}

func hashes[T ~[]tlog.Hash](p T) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

type tileReader map[tlog.Tile][]byte

func (tileReader) Height() int { return TileHeight }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		d, ok := r[t]
		if !ok {
			return nil, fmt.Errorf("no tile %s", TilePath(t))
		}
		out[i] = d
	}
	return out, nil
}

func (tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func TestTilePaths(t *testing.T) {
	for _, tc := range []struct {
		tile tlog.Tile
		path string
	}{
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 0, N: 1234067, W: 256}, "tile/0/x001/x234/067"},
		{tlog.Tile{H: 8, L: 2, N: 5, W: 7}, "tile/2/005.p/7"},
	} {
		if got := TilePath(tc.tile); got != tc.path {
			t.Errorf("TilePath(%+v) = %q, want %q", tc.tile, got, tc.path)
		}
		got, err := ParseTilePath(tc.path)
		if err != nil || got != tc.tile {
			t.Errorf("ParseTilePath(%q) = %+v, %v", tc.path, got, err)
		}
	}
	for _, bad := range []string{"tile/8/0/000", "tile/entries/000", "tile/data/000", "tile/0/1", "tile/0/000.p/0",
		"tile/0/000.p/256", "tile/-1/000", "tile/0/x000/001", "tiles/0/000", "tile/0/000/", "tile/64/000"} {
		if _, err := ParseTilePath(bad); err == nil {
			t.Errorf("ParseTilePath(%q) accepted", bad)
		}
	}
}

func TestTileWithin(t *testing.T) {
	for _, tc := range []struct {
		path string
		n    int64
		want bool
	}{
		{"tile/0/000", 256, true},
		{"tile/0/000", 255, false},
		{"tile/0/000.p/255", 255, true},
		{"tile/0/000.p/254", 255, false},
		{"tile/0/000.p/5", 300, false}, // the full tile exists; a partial one is not served
		{"tile/0/001.p/44", 300, true},
		{"tile/1/000.p/1", 300, true},
		{"tile/1/000.p/1", 511, true},
		{"tile/1/000.p/2", 512, true},
		{"tile/0/001", 300, false},
	} {
		tile, err := ParseTilePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := TileWithin(tile, tc.n); got != tc.want {
			t.Errorf("TileWithin(%s, %d) = %v, want %v", tc.path, tc.n, got, tc.want)
		}
	}
}

func TestCheckpointSignOpen(t *testing.T) {
	s, err := NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	root := tlog.RecordHash([]byte("x"))
	msg, err := s.Sign(42, root)
	if err != nil {
		t.Fatal(err)
	}
	body := string(Checkpoint{Origin: "inzicht.test/log", Size: 42, Hash: root}.Body())
	if !strings.HasPrefix(string(msg), body+"\n— inzicht.test/log ") || body != "inzicht.test/log\n42\n"+root.String()+"\n" {
		t.Fatalf("checkpoint note:\n%s", msg)
	}
	c, err := OpenCheckpoint(msg, s.VerifierKey())
	if err != nil || c.Size != 42 || c.Hash != root || c.Origin != "inzicht.test/log" {
		t.Fatalf("OpenCheckpoint = %+v, %v", c, err)
	}
	if _, err := OpenCheckpoint(msg, other.VerifierKey()); err == nil {
		t.Error("a checkpoint verified with another key")
	}
	forged := bytes.Replace(msg, []byte("\n42\n"), []byte("\n43\n"), 1)
	if _, err := OpenCheckpoint(forged, s.VerifierKey()); err == nil {
		t.Error("a changed checkpoint verified")
	}
	// round trip through the note key text a signer is configured with
	again, err := NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{7}, 32))
	if err != nil || again.VerifierKey() != s.VerifierKey() {
		t.Errorf("the same seed gave another key: %v", err)
	}
	for _, bad := range []string{"", "PRIVATE+KEY+x", "inzicht.test/log+00000000+AAAA"} {
		if _, err := NewSigner(bad); err == nil {
			t.Errorf("NewSigner(%q) accepted", bad)
		}
	}
}
