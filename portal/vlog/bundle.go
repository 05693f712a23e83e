package vlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// BundleFormat names the format of a proof bundle (docs/verifiable-log.md §5). Version 2 added
// removed and complete; ParseBundle reads version 1 too.
const BundleFormat = "inzicht-proof-bundle/v2"

// bundleFormatV1 is the first version, without removed leaves or complete.
const bundleFormatV1 = "inzicht-proof-bundle/v1"

// Bundle is a person's proof bundle (/verwerkingen/bewijs.json): for each of their events the exact
// leaf bytes (and those of its amendments), its index and an inclusion proof against one signed
// checkpoint.
type Bundle struct {
	Format string `json:"format"`
	// Origin is the log's origin; VerifierKey the key the portal says signs it. A verifier should take
	// the key from somewhere else too (the portal's /log/key, a letter, a witness) and compare.
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
	// Checkpoint is the signed note every proof is against.
	Checkpoint string        `json:"checkpoint"`
	Entries    []BundleEntry `json:"entries"`
	// Pending lists the events not yet in that checkpoint's tree (stored in the last seconds).
	Pending []string `json:"pending"`
	// Removed lists the person's leaves whose event was removed (after the retention period, or a
	// VNG DELETE): only their hash is kept, proven like an entry.
	Removed []RemovedEntry `json:"removed,omitempty"`
	// Complete is true when the bundle holds all of the person's lines (no period chosen, not
	// someone acting for them): then every number of their sequence up to the highest must be in it.
	Complete bool `json:"complete,omitempty"`
}

// RemovedEntry is a leaf whose event (and leaf bytes) were removed: its tombstone.
type RemovedEntry struct {
	Index      int64       `json:"index"`
	LeafHash   tlog.Hash   `json:"leaf_hash"`
	SubjectSeq int64       `json:"subject_seq,omitempty"` // 0: the leaf had no number
	RemovedAt  string      `json:"removed_at"`            // TimeLayout
	Why        string      `json:"why"`                   // "retention" or "vng-delete"
	Retention  string      `json:"retention,omitempty"`   // the retention period (ISO 8601 duration)
	Proof      []tlog.Hash `json:"proof"`
}

// BundleEntry is one event's leaf and its inclusion proof. JSON writes Leaf and each hash in
// standard base64.
type BundleEntry struct {
	EventID string      `json:"event_id"`
	Index   int64       `json:"index"`
	Leaf    []byte      `json:"leaf"`
	Proof   []tlog.Hash `json:"proof"`
}

// BundleCheck is what Bundle.Verify established.
type BundleCheck struct {
	Checkpoint Checkpoint
	Subject    string      // the one pseudonym of every leaf
	Verified   int         // entries whose inclusion was proven
	Leaves     []Leaf      // the entries' event leaves, in bundle order
	Amendments []Amendment // the entries' amendments (later changes of an event's confidentiality)
	Removed    int         // removed leaves (tombstones) whose inclusion was proven
	// Gaps are the numbers of the person's sequence that are neither an entry nor a removed leaf:
	// from 1 when the bundle is complete, else between its lowest and highest number.
	Gaps []int64
}

// ParseBundle reads a bundle's JSON; unknown fields are refused, as is another format.
func ParseBundle(b []byte) (Bundle, error) {
	var out Bundle
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&out); err != nil {
		return out, fmt.Errorf("vlog: proof bundle: %w", err)
	}
	if out.Format != BundleFormat && out.Format != bundleFormatV1 {
		return out, fmt.Errorf("vlog: proof bundle format %q, want %q", out.Format, BundleFormat)
	}
	return out, nil
}

// Verify checks the bundle against the verifier key vkey (the one the verifier trusts, not
// necessarily the bundle's own): the checkpoint's signature, every leaf's canonical form, that each
// leaf names its entry's event, that every leaf has the same subject, and every inclusion proof. It
// returns the first problem found.
func (b *Bundle) Verify(vkey string) (BundleCheck, error) {
	var c BundleCheck
	cp, err := OpenCheckpoint([]byte(b.Checkpoint), vkey)
	if err != nil {
		return c, err
	}
	c.Checkpoint = cp
	seen := map[int64]bool{}
	for i, e := range b.Entries {
		var id, subject string
		var l Leaf
		var a Amendment
		var err error
		if LeafKind(e.Leaf) == KindConfidentiality {
			a, err = ParseAmendment(e.Leaf)
			id, subject = a.ID, a.Subject
		} else {
			l, err = ParseLeaf(e.Leaf)
			id, subject = l.ID, l.Subject
		}
		if err != nil {
			return c, fmt.Errorf("entry %d (%s): %w", i, e.EventID, err)
		}
		if id != e.EventID {
			return c, fmt.Errorf("entry %d: the leaf is of event %s, not %s", i, id, e.EventID)
		}
		if c.Subject == "" {
			c.Subject = subject
		} else if subject != c.Subject {
			return c, fmt.Errorf("entry %d (%s): the leaf is of another person", i, e.EventID)
		}
		if e.Index < 0 || e.Index >= cp.Size || seen[e.Index] {
			return c, fmt.Errorf("entry %d (%s): index %d is outside the tree of %d or given twice", i, e.EventID, e.Index, cp.Size)
		}
		seen[e.Index] = true
		if err := tlog.CheckRecord(e.Proof, cp.Size, cp.Hash, e.Index, tlog.RecordHash(e.Leaf)); err != nil {
			return c, fmt.Errorf("entry %d (%s): the inclusion proof fails: %w", i, e.EventID, err)
		}
		if a.Kind != "" {
			c.Amendments = append(c.Amendments, a)
		} else {
			c.Leaves = append(c.Leaves, l)
		}
		c.Verified++
	}
	var seqs []int64
	for _, l := range c.Leaves {
		if l.SubjectSeq > 0 {
			seqs = append(seqs, l.SubjectSeq)
		}
	}
	for i, r := range b.Removed {
		if r.Index < 0 || r.Index >= cp.Size || seen[r.Index] {
			return c, fmt.Errorf("removed leaf %d: index %d is outside the tree of %d or given twice", i, r.Index, cp.Size)
		}
		seen[r.Index] = true
		if err := tlog.CheckRecord(r.Proof, cp.Size, cp.Hash, r.Index, r.LeafHash); err != nil {
			return c, fmt.Errorf("removed leaf %d (index %d): the inclusion proof fails: %w", i, r.Index, err)
		}
		if r.SubjectSeq > 0 {
			seqs = append(seqs, r.SubjectSeq)
		}
		c.Removed++
	}
	gaps, err := SequenceGaps(seqs, b.Complete)
	if err != nil {
		return c, err
	}
	c.Gaps = gaps
	if slices.Contains(b.Pending, "") {
		return c, errors.New("an empty pending event id")
	}
	return c, nil
}

// SequenceGaps returns the numbers missing from a person's sequence seqs: from 1 to the highest
// when complete, else between the lowest and the highest. A number given twice is an error.
func SequenceGaps(seqs []int64, complete bool) ([]int64, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	s := slices.Clone(seqs)
	slices.Sort(s)
	var gaps []int64
	next := s[0]
	if complete {
		next = 1
	}
	for i, n := range s {
		if i > 0 && n == s[i-1] {
			return nil, fmt.Errorf("number %d of the person's sequence is given twice", n)
		}
		if n-next > 1<<20 {
			return nil, fmt.Errorf("number %d of the person's sequence leaves more than a million numbers out", n)
		}
		for ; next < n; next++ {
			gaps = append(gaps, next)
		}
		next = n + 1
	}
	return gaps, nil
}

// Position is where an event stands in the log, for its detail page.
type Position struct {
	InTree     bool  // false while the integrator has not yet placed it (a few seconds)
	Index      int64 // its leaf's index in the tree, when InTree
	SubjectSeq int64 // its number in the person's sequence; 0 when it has none
}

// RemovedLine is the tombstone of a person's event that was removed: its leaf's place and hash stay
// in the tree, its content is gone.
type RemovedLine struct {
	EventID    string
	InTree     bool
	Index      int64
	SubjectSeq int64
	LeafHash   tlog.Hash
	RemovedAt  time.Time
	Why        string // "retention" (after the retention period) or "vng-delete"
	Retention  string // the retention period (ISO 8601 duration), or empty
}
