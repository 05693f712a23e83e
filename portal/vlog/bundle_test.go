package vlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// bundleOf builds a tree of n leaves (every third of person A, the rest of person B), signs it, and
// returns the bundle of A's leaves.
func bundleOf(t *testing.T, s *Signer, n int) Bundle {
	t.Helper()
	var m MemoryHashes
	var leaves [][]byte
	for i := range n {
		l := sampleLeaf()
		l.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		l.Salt = NewSalt()
		if i%3 != 0 {
			l.Subject = b64(0x11)
		}
		leaves = append(leaves, l.Encode())
		if _, err := m.Append(int64(i), tlog.RecordHash(leaves[i])); err != nil {
			t.Fatal(err)
		}
	}
	root, err := tlog.TreeHash(int64(n), &m)
	if err != nil {
		t.Fatal(err)
	}
	note, err := s.Sign(int64(n), root)
	if err != nil {
		t.Fatal(err)
	}
	b := Bundle{Format: BundleFormat, Origin: s.Origin(), VerifierKey: s.VerifierKey(), Checkpoint: string(note)}
	for i := 0; i < n; i += 3 {
		p, err := tlog.ProveRecord(int64(n), int64(i), &m)
		if err != nil {
			t.Fatal(err)
		}
		b.Entries = append(b.Entries, BundleEntry{EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Index: int64(i), Leaf: leaves[i], Proof: p})
	}
	return b
}

func TestBundleVerify(t *testing.T) {
	s, err := NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	good := bundleOf(t, s, 40)
	js, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseBundle(js)
	if err != nil {
		t.Fatal(err)
	}
	c, err := again.Verify(s.VerifierKey())
	if err != nil || c.Verified != 14 || c.Subject != b64(0x5b) || c.Checkpoint.Size != 40 {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	for name, change := range map[string]func(b *Bundle){
		"changed leaf": func(b *Bundle) {
			b.Entries[2].Leaf = bytes.Replace(b.Entries[2].Leaf, []byte("Wmo-loket"), []byte("Wmo-lokaal"), 1)
		},
		"other index":        func(b *Bundle) { b.Entries[2].Index++ },
		"swapped proof":      func(b *Bundle) { b.Entries[2].Proof, b.Entries[3].Proof = b.Entries[3].Proof, b.Entries[2].Proof },
		"other event":        func(b *Bundle) { b.Entries[1].EventID = b.Entries[0].EventID },
		"changed checkpoint": func(b *Bundle) { b.Checkpoint = strings.Replace(b.Checkpoint, "\n40\n", "\n41\n", 1) },
		"index twice":        func(b *Bundle) { b.Entries = append(b.Entries, b.Entries[0]) },
		"shrunk tree": func(b *Bundle) {
			note, _ := s.Sign(39, tlog.Hash{})
			b.Checkpoint = string(note)
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := bundleOf(t, s, 40)
			change(&b)
			if _, err := b.Verify(s.VerifierKey()); err == nil {
				t.Error("a tampered bundle verified")
			}
		})
	}
	if _, err := good.Verify(other.VerifierKey()); err == nil {
		t.Error("verified with another key")
	}
	for _, bad := range []string{`{"format":"x"}`, `{"format":"` + BundleFormat + `","extra":1}`, `[`} {
		if _, err := ParseBundle([]byte(bad)); err == nil {
			t.Errorf("ParseBundle(%s) accepted", bad)
		}
	}
}

func TestSequenceGaps(t *testing.T) {
	for _, c := range []struct {
		seqs     []int64
		complete bool
		want     []int64
		bad      bool
	}{
		{nil, true, nil, false},
		{[]int64{1, 2, 3}, true, nil, false},
		{[]int64{3, 1, 2}, true, nil, false},
		{[]int64{1, 3, 6}, true, []int64{2, 4, 5}, false},
		{[]int64{3, 4}, true, []int64{1, 2}, false},
		{[]int64{3, 4}, false, nil, false},
		{[]int64{3, 5}, false, []int64{4}, false},
		{[]int64{2, 2}, false, nil, true},
		{[]int64{1, 1 << 40}, false, nil, true},
	} {
		got, err := SequenceGaps(c.seqs, c.complete)
		if (err != nil) != c.bad || !slices.Equal(got, c.want) {
			t.Errorf("SequenceGaps(%v, %v) = %v, %v; want %v (error %v)", c.seqs, c.complete, got, err, c.want, c.bad)
		}
	}
}

func TestLeafV2(t *testing.T) {
	l := Leaf{Version: 2, Kind: KindEvent, ID: "3f1c1a9e-8a54-4f3c-9d1e-2b6f0f3f9a10", Subject: NewSalt(), SubjectSeq: 17,
		Salt: NewSalt(), Withheld: NewSalt(), Activity: "a"}
	b := l.Encode()
	if !strings.HasPrefix(string(b), LeafHeaderV2+"\nkind event\nid 3f1c1a9e-8a54-4f3c-9d1e-2b6f0f3f9a10\nsubject "+l.Subject+"\nsubject_seq 17\nsalt ") {
		t.Fatalf("v2 leaf:\n%s", b)
	}
	got, err := ParseLeaf(b)
	if err != nil || got.SubjectSeq != 17 || got.Version != 2 {
		t.Fatalf("parse v2: %+v %v", got, err)
	}
	l.SubjectSeq = 0
	if got, err := ParseLeaf(l.Encode()); err != nil || got.SubjectSeq != 0 || !strings.Contains(string(l.Encode()), "\nsubject_seq \n") {
		t.Fatalf("v2 without a number: %+v %v", got, err)
	}
	for _, bad := range []string{"0", "017", "-1", "x"} {
		b := strings.Replace(string(l.Encode()), "\nsubject_seq \n", "\nsubject_seq "+bad+"\n", 1)
		if _, err := ParseLeaf([]byte(b)); err == nil {
			t.Errorf("subject_seq %q accepted", bad)
		}
	}
	// A v1 leaf has no subject_seq line; one with it is refused.
	l.Version = 1
	if _, err := ParseLeaf(l.Encode()); err != nil {
		t.Fatal(err)
	}
	v1 := strings.Replace(string(l.Encode()), "\nsalt ", "\nsubject_seq 1\nsalt ", 1)
	if _, err := ParseLeaf([]byte(v1)); err == nil {
		t.Error("a v1 leaf with subject_seq accepted")
	}
}
