package vlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/tlog"
)

// BundleFormat names the format of a proof bundle (docs/verifiable-log.md §5).
const BundleFormat = "inzicht-proof-bundle/v1"

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
}

// ParseBundle reads a bundle's JSON; unknown fields are refused, as is another format.
func ParseBundle(b []byte) (Bundle, error) {
	var out Bundle
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&out); err != nil {
		return out, fmt.Errorf("vlog: proof bundle: %w", err)
	}
	if out.Format != BundleFormat {
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
	if slices.Contains(b.Pending, "") {
		return c, errors.New("an empty pending event id")
	}
	return c, nil
}
