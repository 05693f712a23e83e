package vlog

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the height of the published tiles (C2SP tlog-tiles: 256 hashes a tile).
const TileHeight = 8

// TilePath returns the C2SP tlog-tiles path of a hash tile ("tile/0/x001/234.p/5"). tlog writes
// the Go checksum database's form, which carries the height ("tile/8/0/…"); tlog-tiles leaves it out.
func TilePath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", TileHeight))
}

// ParseTilePath reads a C2SP tlog-tiles hash tile path (as TilePath writes it). Entry bundles
// ("tile/entries/…") are not hash tiles and are refused, as is any other malformed path.
func ParseTilePath(path string) (tlog.Tile, error) {
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok || strings.HasPrefix(rest, "entries/") || strings.HasPrefix(rest, "data/") {
		return tlog.Tile{}, fmt.Errorf("vlog: %q is not a hash tile path", path)
	}
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/", TileHeight) + rest)
	if err != nil || t.L < 0 || t.L > 63 || TilePath(t) != path {
		return tlog.Tile{}, fmt.Errorf("vlog: %q is not a hash tile path", path)
	}
	return t, nil
}

// TileWithin reports whether tile t is part of the tree of size n: a full tile whose hashes all
// exist at size n, or the partial tile at the right edge of size n exactly.
func TileWithin(t tlog.Tile, n int64) bool {
	// the number of hashes at level t.L*H of a tree of size n
	width := n >> (uint(t.L) * uint(t.H))
	end := (t.N + 1) << uint(t.H) // one past the last hash a full tile would hold
	if t.W == 1<<uint(t.H) {
		return end <= width
	}
	return t.N == width>>uint(t.H) && int64(t.W) == width-t.N<<uint(t.H)
}

// Checkpoint is a signed tree head: the log's origin, its size and its root hash.
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
}

// Body returns the checkpoint's C2SP tlog-checkpoint text (origin, size, base64 root; no extensions).
func (c Checkpoint) Body() []byte {
	return log.Checkpoint{Origin: c.Origin, Size: uint64(c.Size), Hash: c.Hash[:]}.Marshal()
}

// Signer signs checkpoints with a note key; its name is the log's origin.
type Signer struct {
	s    note.Signer
	vkey string
}

// NewSigner reads a note signer key ("PRIVATE+KEY+<name>+<hash>+<base64>", as note.GenerateKey
// writes it). Only Ed25519 keys are accepted. It returns an error naming what is wrong.
func NewSigner(skey string) (*Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("vlog: signing key: %w", err)
	}
	vkey, err := verifierKey(strings.TrimSpace(skey))
	if err != nil {
		return nil, err
	}
	return &Signer{s: s, vkey: vkey}, nil
}

// NewSignerFromSeed makes the Ed25519 signer whose private key is derived from seed (32 bytes or
// more; the demo's fixed key).
func NewSignerFromSeed(name string, seed []byte) (*Signer, error) {
	skey, err := SeedKey(name, seed)
	if err != nil {
		return nil, err
	}
	return NewSigner(skey)
}

// SeedKey returns the note signing key named name whose Ed25519 private key is derived from seed
// (at least 32 bytes; random ones make a new key).
func SeedKey(name string, seed []byte) (string, error) {
	if len(seed) < ed25519.SeedSize {
		return "", errors.New("vlog: seed too short")
	}
	skey, _, err := note.GenerateKey(bytes.NewReader(seed[:ed25519.SeedSize]), name)
	if err != nil {
		return "", fmt.Errorf("vlog: key: %w", err)
	}
	return skey, nil
}

// verifierKey derives the note verifier key of an Ed25519 note signer key.
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("vlog: signing key: malformed")
	}
	k, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(k) != 1+ed25519.SeedSize || k[0] != 1 {
		return "", errors.New("vlog: signing key: want an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(k[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// Origin is the log's origin: the name of the signing key.
func (s *Signer) Origin() string { return s.s.Name() }

// VerifierKey is the note verifier key ("<name>+<hash>+<base64>") that checks this signer's notes.
func (s *Signer) VerifierKey() string { return s.vkey }

// Sign returns the signed note of a checkpoint of this log (size n, root h).
func (s *Signer) Sign(n int64, h tlog.Hash) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: string(Checkpoint{Origin: s.Origin(), Size: n, Hash: h}.Body())}, s.s)
	if err != nil {
		return nil, fmt.Errorf("vlog: sign checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint checks a signed checkpoint against the verifier key vkey and returns it. It refuses
// a note without a valid signature by that key, and a checkpoint whose origin is not the key's name.
func OpenCheckpoint(msg []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("vlog: verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("vlog: checkpoint: %w", err)
	}
	var c log.Checkpoint
	if rest, err := c.Unmarshal([]byte(n.Text)); err != nil || len(rest) != 0 {
		return Checkpoint{}, fmt.Errorf("vlog: checkpoint: not a tlog-checkpoint without extensions (%v)", err)
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("vlog: checkpoint origin %q is not the key's name %q", c.Origin, v.Name())
	}
	if len(c.Hash) != tlog.HashSize || c.Size > 1<<62 {
		return Checkpoint{}, errors.New("vlog: checkpoint: bad root hash or size")
	}
	out := Checkpoint{Origin: c.Origin, Size: int64(c.Size)}
	copy(out.Hash[:], c.Hash)
	return out, nil
}

// MemoryHashes is a tree's stored hashes in memory (tlog's layout): a tlog.HashReader, and what a
// verifier builds from leaves it holds. Append adds a leaf.
type MemoryHashes []tlog.Hash

// ReadHashes returns the hashes at the given stored-hash indexes.
func (m *MemoryHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*m)) {
			return nil, fmt.Errorf("vlog: stored hash %d not present", x)
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

// Append adds a leaf with hash h as leaf n (the current size) and returns the new size.
func (m *MemoryHashes) Append(n int64, h tlog.Hash) (int64, error) {
	if tlog.StoredHashCount(n) != int64(len(*m)) {
		return 0, fmt.Errorf("vlog: append at %d to a tree of %d stored hashes", n, len(*m))
	}
	hs, err := tlog.StoredHashesForRecordHash(n, h, m)
	if err != nil {
		return 0, err
	}
	*m = append(*m, hs...)
	return n + 1, nil
}
