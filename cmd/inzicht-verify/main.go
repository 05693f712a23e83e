// Command inzicht-verify checks a proof bundle from an Inzicht portal (/verwerkingen/bewijs.json)
// without trusting the portal: the checkpoint's signature, every leaf's inclusion in the signed tree,
// that all leaves are of one person, that the person's own sequence has no gap (lines removed after
// the retention period keep their place as proven tombstones), and — given the portal's address —
// that the log only grew since the bundle's checkpoint and since a checkpoint saved earlier.
//
// It deliberately imports nothing of Inzicht, so that anyone can read it in one sitting and build it
// with `go build`: only the Go standard library, golang.org/x/mod/sumdb (signed notes, tiles),
// github.com/transparency-dev/merkle (RFC 6962 proofs) and github.com/transparency-dev/formats/note
// (witnesses' cosignatures). The formats are in docs/verifiable-log.md.
//
// Usage:
//
//	inzicht-verify [-key KEY] [-url BASE] [-checkpoint FILE] [-previous FILE] [-save FILE] [-witness KEY]… bewijs.json
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, http.DefaultClient); err != nil {
		fmt.Fprintln(os.Stderr, "inzicht-verify:", err)
		os.Exit(1)
	}
}

// bundle is the proof bundle's JSON (format inzicht-proof-bundle/v2; v1 had no removed, complete).
type bundle struct {
	Format      string    `json:"format"`
	Origin      string    `json:"origin"`
	VerifierKey string    `json:"verifier_key"`
	Checkpoint  string    `json:"checkpoint"`
	Entries     []entry   `json:"entries"`
	Pending     []string  `json:"pending"`
	Removed     []removed `json:"removed"`
	Complete    bool      `json:"complete"`
}

// removed is the tombstone of a line whose event was removed: only its leaf hash is left.
type removed struct {
	Index      int64    `json:"index"`
	LeafHash   []byte   `json:"leaf_hash"`
	SubjectSeq int64    `json:"subject_seq"`
	RemovedAt  string   `json:"removed_at"`
	Why        string   `json:"why"`
	Retention  string   `json:"retention"`
	Proof      [][]byte `json:"proof"`
}

type entry struct {
	EventID string   `json:"event_id"`
	Index   int64    `json:"index"`
	Leaf    []byte   `json:"leaf"`
	Proof   [][]byte `json:"proof"`
}

// checkpoint is a verified signed tree head.
type checkpoint struct {
	origin string
	size   int64
	root   []byte
	text   []byte // the whole signed note
}

const maxInput = 64 << 20

func run(args []string, out io.Writer, client *http.Client) error {
	fs := flag.NewFlagSet("inzicht-verify", flag.ContinueOnError)
	key := fs.String("key", "", "the log's verifier key to trust (name+hash+base64); default: the portal's /log/key")
	base := fs.String("url", "", "the portal's address, e.g. https://inzicht.voorbeeldstad.nl: fetch the current checkpoint and tiles")
	current := fs.String("checkpoint", "", "the current checkpoint from a file instead of the portal")
	previous := fs.String("previous", "", "a checkpoint saved earlier: check that the log only grew since")
	save := fs.String("save", "", "save the current checkpoint to this file, for -previous next time")
	var witnesses []string
	fs.Func("witness", "a witness's cosignature verifier key (C2SP tlog-cosignature): require its cosignature on the "+
		"checkpoint checked last (repeatable)", func(k string) error { witnesses = append(witnesses, strings.TrimSpace(k)); return nil })
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: inzicht-verify [-key KEY] [-url BASE] [-checkpoint FILE] [-previous FILE] [-save FILE] [-witness KEY]… bewijs.json")
	}
	raw, err := readFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var b bundle
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&b); err != nil {
		return fmt.Errorf("%s: not a proof bundle: %w", fs.Arg(0), err)
	}
	if b.Format != "inzicht-proof-bundle/v2" && b.Format != "inzicht-proof-bundle/v1" {
		return fmt.Errorf("%s: format %q, want inzicht-proof-bundle/v2", fs.Arg(0), b.Format)
	}
	web := &site{base: strings.TrimRight(*base, "/"), client: client}

	// 1. Which key to trust.
	vkey := strings.TrimSpace(*key)
	switch {
	case vkey != "":
	case web.base != "":
		k, err := web.get("/log/key")
		if err != nil {
			return err
		}
		vkey = strings.TrimSpace(string(k))
		fmt.Fprintf(out, "key:        %s (from %s/log/key)\n", vkey, web.base)
	default:
		vkey = b.VerifierKey
		fmt.Fprintf(out, "key:        %s (the bundle's own: compare it with one you got elsewhere, or give -key)\n", vkey)
	}
	if b.VerifierKey != "" && b.VerifierKey != vkey {
		return fmt.Errorf("the bundle names key %q, not the trusted %q", b.VerifierKey, vkey)
	}

	// 2. The bundle's checkpoint and every inclusion proof.
	bcp, err := openCheckpoint([]byte(b.Checkpoint), vkey)
	if err != nil {
		return fmt.Errorf("the bundle's checkpoint: %w", err)
	}
	fmt.Fprintf(out, "checkpoint: %s, %d leaves, root %s (signature valid)\n", bcp.origin, bcp.size, base64.StdEncoding.EncodeToString(bcp.root))
	subject := ""
	var seqs []int64
	type line struct{ when, id string }
	var lines []line
	amended := 0
	seen := map[int64]bool{}
	for i, e := range b.Entries {
		f, err := leafFields(e.Leaf)
		if err != nil {
			return fmt.Errorf("entry %d (%s): %w", i, e.EventID, err)
		}
		if f["id"] != e.EventID {
			return fmt.Errorf("entry %d: the leaf is of event %s, not %s", i, f["id"], e.EventID)
		}
		if subject == "" {
			subject = f["subject"]
		} else if f["subject"] != subject {
			return fmt.Errorf("entry %d (%s): the leaf is of another person", i, e.EventID)
		}
		if e.Index < 0 || e.Index >= bcp.size || seen[e.Index] {
			return fmt.Errorf("entry %d (%s): index %d outside the tree of %d or given twice", i, e.EventID, e.Index, bcp.size)
		}
		seen[e.Index] = true
		h := sha256.Sum256(append([]byte{0}, e.Leaf...)) // RFC 6962 leaf hash
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(e.Index), uint64(bcp.size), h[:], e.Proof, bcp.root); err != nil {
			return fmt.Errorf("entry %d (%s): NOT in the signed log: %w", i, e.EventID, err)
		}
		if f["kind"] == "event" {
			lines = append(lines, line{f["occurred_at"], e.EventID})
			if n, err := seqOf(f); err != nil {
				return fmt.Errorf("entry %d (%s): %w", i, e.EventID, err)
			} else if n > 0 {
				seqs = append(seqs, n)
			}
		} else {
			amended++
		}
	}
	for i, r := range b.Removed {
		if r.Index < 0 || r.Index >= bcp.size || seen[r.Index] || len(r.LeafHash) != sha256.Size {
			return fmt.Errorf("removed line %d: index %d outside the tree of %d or given twice, or a bad hash", i, r.Index, bcp.size)
		}
		seen[r.Index] = true
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(r.Index), uint64(bcp.size), r.LeafHash, r.Proof, bcp.root); err != nil {
			return fmt.Errorf("removed line %d (index %d): NOT in the signed log: %w", i, r.Index, err)
		}
		if r.SubjectSeq > 0 {
			seqs = append(seqs, r.SubjectSeq)
		}
	}
	if len(b.Removed) > 0 {
		fmt.Fprintf(out, "removed:    %d lines removed since (after the retention period, or withdrawn), their place proven\n", len(b.Removed))
	}
	gaps, err := sequenceGaps(seqs, b.Complete)
	if err != nil {
		return err
	}
	switch {
	case len(seqs) == 0:
	case len(gaps) == 0:
		fmt.Fprintf(out, "sequence:   your lines are numbered without a gap (%d numbers)\n", len(seqs))
	case b.Complete:
		fmt.Fprintf(out, "sequence:   MISSING from your own sequence: %s\n", joinNums(gaps))
	default:
		fmt.Fprintf(out, "sequence:   not in this bundle: %s (the bundle is for a period or filter; these may lie outside it)\n", joinNums(gaps))
	}
	fmt.Fprintf(out, "entries:    %d, each proven to be in the signed log, all of one person (%d later changes of confidentiality)\n",
		len(b.Entries), amended)
	if len(b.Pending) > 0 {
		fmt.Fprintf(out, "pending:    %d events not yet in this checkpoint (fetch a new bundle later)\n", len(b.Pending))
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].when < lines[j].when })
	if len(lines) > 0 {
		fmt.Fprintf(out, "period:     %s to %s\n", lines[0].when, lines[len(lines)-1].when)
	}

	// 3. The current checkpoint, and that the log only grew from the bundle's (and a saved one) to it.
	var cur *checkpoint
	switch {
	case *current != "":
		t, err := readFile(*current)
		if err != nil {
			return err
		}
		if cur, err = openCheckpoint(t, vkey); err != nil {
			return fmt.Errorf("%s: %w", *current, err)
		}
	case web.base != "":
		t, err := web.get("/log/checkpoint")
		if err != nil {
			return err
		}
		if cur, err = openCheckpoint(t, vkey); err != nil {
			return fmt.Errorf("the portal's checkpoint: %w", err)
		}
	}
	if cur != nil {
		fmt.Fprintf(out, "current:    %d leaves, root %s (signature valid)\n", cur.size, base64.StdEncoding.EncodeToString(cur.root))
		if err := grew(out, web, bcp, cur, "the bundle's checkpoint"); err != nil {
			return err
		}
	}
	if *previous != "" {
		t, err := readFile(*previous)
		if err != nil {
			return err
		}
		prev, err := openCheckpoint(t, vkey)
		if err != nil {
			return fmt.Errorf("%s: %w", *previous, err)
		}
		if cur == nil {
			return errors.New("-previous needs the current checkpoint: give -url or -checkpoint")
		}
		if err := grew(out, web, prev, cur, "the saved checkpoint"); err != nil {
			return err
		}
	}
	// 4. The witnesses' cosignatures on the newest checkpoint checked.
	last := bcp
	if cur != nil {
		last = cur
	}
	for _, k := range witnesses {
		v, err := fnote.NewVerifierForCosignatureV1(k)
		if err != nil {
			return fmt.Errorf("witness key %q: %w", k, err)
		}
		if _, err := note.Open(last.text, note.VerifierList(v)); err != nil {
			return fmt.Errorf("the checkpoint of %d leaves has no valid cosignature of witness %s", last.size, v.Name())
		}
		fmt.Fprintf(out, "witness:    %s cosigned the checkpoint of %d leaves\n", v.Name(), last.size)
	}
	if *save != "" {
		keep := bcp
		if cur != nil {
			keep = cur
		}
		if err := os.WriteFile(*save, keep.text, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "saved:      the checkpoint of %d leaves in %s\n", keep.size, *save)
	}
	if b.Complete && len(gaps) > 0 {
		return fmt.Errorf("%d lines of your own sequence are missing from the bundle: %s", len(gaps), joinNums(gaps))
	}
	fmt.Fprintln(out, "result:     OK")
	return nil
}

// seqOf reads a v2 event leaf's subject_seq: its number in the person's own sequence, 0 for none.
func seqOf(f map[string]string) (int64, error) {
	v, ok := f["subject_seq"]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("bad subject_seq %q", v)
	}
	return n, nil
}

// sequenceGaps returns the numbers missing from seqs: from 1 when complete, else from the lowest,
// up to the highest.
func sequenceGaps(seqs []int64, complete bool) ([]int64, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	next := seqs[0]
	if complete {
		next = 1
	}
	var gaps []int64
	for i, n := range seqs {
		if i > 0 && n == seqs[i-1] {
			return nil, fmt.Errorf("number %d of your sequence is given twice", n)
		}
		if n-next > 1<<20 {
			return nil, fmt.Errorf("number %d of your sequence leaves more than a million out", n)
		}
		for ; next < n; next++ {
			gaps = append(gaps, next)
		}
		next = n + 1
	}
	return gaps, nil
}

func joinNums(ns []int64) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, ", ")
}

// grew checks that the log of checkpoint old is the beginning of the log of checkpoint cur: the same
// root at equal size, or an RFC 6962 consistency proof computed from the portal's tiles (which are
// themselves checked against cur's root).
func grew(out io.Writer, web *site, old, cur *checkpoint, name string) error {
	switch {
	case old.size > cur.size:
		return fmt.Errorf("%s has %d leaves, the current one %d: the log SHRANK", name, old.size, cur.size)
	case old.size == cur.size:
		if !bytes.Equal(old.root, cur.root) {
			return fmt.Errorf("%s and the current one have %d leaves but other roots: the log was REWRITTEN", name, cur.size)
		}
	case old.size == 0:
	case web.base == "":
		fmt.Fprintf(out, "growth:     from %s not checked (give -url to fetch the tiles)\n", name)
		return nil
	default:
		var root tlog.Hash
		copy(root[:], cur.root)
		r := tlog.TileHashReader(tlog.Tree{N: cur.size, Hash: root}, web)
		p, err := tlog.ProveTree(cur.size, old.size, r)
		if err != nil {
			return fmt.Errorf("consistency proof from the portal's tiles: %w", err)
		}
		hs := make([][]byte, len(p))
		for i := range p {
			hs[i] = p[i][:]
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(old.size), uint64(cur.size), hs, old.root, cur.root); err != nil {
			return fmt.Errorf("%s is NOT a beginning of the current log: %w", name, err)
		}
	}
	fmt.Fprintf(out, "growth:     the log only grew from %s (%d leaves) to the current one (%d)\n", name, old.size, cur.size)
	return nil
}

// openCheckpoint checks a signed note against vkey and reads its tlog-checkpoint body.
func openCheckpoint(msg []byte, vkey string) (*checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return nil, errors.New("not a checkpoint of three lines")
	}
	if lines[0] != v.Name() {
		return nil, fmt.Errorf("origin %q is not the key's name %q", lines[0], v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return nil, fmt.Errorf("bad tree size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return nil, fmt.Errorf("bad root hash %q", lines[2])
	}
	return &checkpoint{origin: lines[0], size: size, root: root, text: msg}, nil
}

// leafFields reads a leaf (inzicht-log-leaf/v1 or /v2, which adds subject_seq): a header line, then
// "name value" lines, of kind event or confidentiality. Values are taken as they are (not unescaped): this tool shows only ids
// and times, and the hash covers the bytes.
func leafFields(leaf []byte) (map[string]string, error) {
	lines := strings.Split(strings.TrimSuffix(string(leaf), "\n"), "\n")
	if len(leaf) == 0 || leaf[len(leaf)-1] != '\n' || lines[0] != "inzicht-log-leaf/v1" && lines[0] != "inzicht-log-leaf/v2" {
		return nil, errors.New("not an inzicht-log-leaf/v1 or v2 leaf")
	}
	f := map[string]string{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, " ")
		if !ok {
			return nil, fmt.Errorf("bad leaf line %q", l)
		}
		f[k] = v
	}
	need := []string{"id", "subject", "salt", "occurred_at", "withheld"} // an event
	if f["kind"] == "confidentiality" {                                  // a later change of an event's confidentiality
		need = []string{"id", "subject", "salt", "at", "confidential_until"}
	} else if f["kind"] != "event" {
		return nil, fmt.Errorf("a leaf of unknown kind %q", f["kind"])
	}
	for _, k := range need {
		if _, ok := f[k]; !ok {
			return nil, fmt.Errorf("the leaf has no %s", k)
		}
	}
	return f, nil
}

// site fetches from the portal's public log endpoints; as a tlog.TileReader it fetches tiles.
type site struct {
	base   string
	client *http.Client
}

func (p *site) get(path string) ([]byte, error) {
	if p.base == "" {
		return nil, errors.New("no portal address (-url)")
	}
	c := *p.client
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	resp, err := c.Get(p.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxInput))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", p.base+path, resp.Status)
	}
	return b, nil
}

// Height is the tiles' height (C2SP tlog-tiles: 8).
func (p *site) Height() int { return 8 }

// ReadTiles fetches tiles by their C2SP tlog-tiles path (tlog writes the height into the path; the
// C2SP form leaves it out).
func (p *site) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := p.get("/log/tile/" + strings.TrimPrefix(t.Path(), "tile/8/"))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// SaveTiles keeps nothing.
func (p *site) SaveTiles([]tlog.Tile, [][]byte) {}

func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxInput)
	}
	return b, nil
}
