package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
	"github.com/inzicht/inzicht/portal/vlog"
)

// TestLogPersonSequence: the integrator numbers each person's visible event leaves 1, 2, 3, … in tree
// order (two people interleaved), leaves an event hidden when recorded unnumbered, keeps the number
// and a tombstone (whose line, the retention period) when retention removes the event, and a bundle of
// the person's lines with their tombstones has no gap — until a line is taken out of it.
func TestLogPersonSequence(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	key, _, err := db.CreateAPIKey(ctx, "suite", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	old := t0.AddDate(-6, 0, 0) // past the test register's P5Y
	end := t0.Add(24 * time.Hour)
	hidden := event(bsnA, t0.Add(-30*time.Minute), func(e *portal.Event) { e.ConfidentialUntil, e.ConfidentialReason = &end, "onderzoek" })
	evs := append(batchOf(4, old, bsnA, bsnB), hidden)
	evs = append(evs, batchOf(4, t0.Add(-time.Hour), bsnA, bsnB)...)
	if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, key.ID, evs); err != nil {
		t.Fatal(err)
	}
	// Before the integrator: in the outbox, not yet in the tree, no number.
	pos, err := db.LogPosition(ctx, evs[0].ID)
	if err != nil || pos.InTree || pos.SubjectSeq != 0 {
		t.Fatalf("position before integration: %+v %v", pos, err)
	}
	integrateAll(t, db.DB, s)
	var subjectA int64
	if err := db.raw.QueryRow(ctx, `SELECT subject_id FROM processing_events WHERE id = $1`, evs[0].ID).Scan(&subjectA); err != nil {
		t.Fatal(err)
	}
	seqOf, indexOf := map[string]int64{}, map[string]int64{}
	for _, e := range evs {
		p, err := db.LogPosition(ctx, e.ID)
		if err != nil || !p.InTree {
			t.Fatalf("position of %s: %+v %v", e.ID, p, err)
		}
		seqOf[e.ID], indexOf[e.ID] = p.SubjectSeq, p.Index
	}
	slices.SortFunc(evs, func(a, b portal.Event) int { return int(indexOf[a.ID] - indexOf[b.ID]) })
	if seqOf[hidden.ID] != 0 {
		t.Fatalf("the event hidden when recorded has number %d, want none", seqOf[hidden.ID])
	}
	for _, bsn := range []string{bsnA, bsnB} {
		var got []int64
		for _, e := range evs {
			if e.SubjectBSN == bsn && e.ID != hidden.ID {
				got = append(got, seqOf[e.ID])
			}
		}
		if !slices.Equal(got, []int64{1, 2, 3, 4}) {
			t.Fatalf("numbers of one person in tree order: %v, want 1 2 3 4", got)
		}
	}
	// A leaf in the tree carries its number; the self-check still finds nothing.
	var first string
	for id, n := range seqOf {
		if n == 1 {
			first = id
		}
	}
	b, err := db.ProveEvents(ctx, []string{first})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := vlog.ParseLeaf(b.Entries[0].Leaf); err != nil || l.Version != 2 || l.SubjectSeq != 1 {
		t.Fatalf("leaf in the bundle: %+v %v", l, err)
	}
	if check, err := db.CheckLog(ctx, s.VerifierKey()); err != nil || len(check.Problems) > 0 {
		t.Fatalf("self-check: %+v %v", check, err)
	}

	// Retention removes the two old events of A and two of B.
	if runs, err := db.RemoveExpiredEvents(ctx, 100); err != nil || len(runs) != 1 || runs[0].Removed != 4 {
		t.Fatalf("retention: %+v %v", runs, err)
	}
	gone, err := db.RemovedLines(ctx, subjectA, "")
	if err != nil || len(gone) != 2 {
		t.Fatalf("tombstones of A: %+v %v", gone, err)
	}
	for i, g := range gone {
		if g.Why != postgres.RemovedRetention || g.Retention != "P5Y" || g.SubjectSeq != seqOf[g.EventID] || g.SubjectSeq == 0 || !g.InTree || g.RemovedAt.IsZero() {
			t.Fatalf("tombstone %d: %+v", i, g)
		}
	}
	if one, err := db.RemovedLines(ctx, subjectA, gone[1].EventID); err != nil || len(one) != 1 || one[0].EventID != gone[1].EventID {
		t.Fatalf("one tombstone: %+v %v", one, err)
	}
	if other, err := db.RemovedLines(ctx, subjectA+1000, ""); err != nil || len(other) != 0 {
		t.Fatalf("tombstones of nobody: %+v %v", other, err)
	}
	integrateAll(t, db.DB, s)

	// A's whole bundle: two lines, two tombstones, and the hidden one (unnumbered).
	var ids []string
	for _, e := range evs {
		if e.SubjectBSN == bsnA && e.OccurredAt.After(old.Add(time.Hour)) {
			ids = append(ids, e.ID)
		}
	}
	whole := func() vlog.Bundle {
		b, err := db.ProveEvents(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ProveRemoved(ctx, &b, subjectA); err != nil {
			t.Fatal(err)
		}
		b.Complete = true
		return b
	}
	b = whole()
	c, err := b.Verify(s.VerifierKey())
	if err != nil || len(c.Gaps) != 0 || c.Removed != 2 || len(c.Leaves) != 3 {
		t.Fatalf("whole bundle: gaps %v removed %d leaves %d: %v", c.Gaps, c.Removed, len(c.Leaves), err)
	}
	// A tombstone left out is a gap; so is a line left out.
	b = whole()
	dropped := b.Removed[0].SubjectSeq
	b.Removed = b.Removed[1:]
	if c, err := b.Verify(s.VerifierKey()); err != nil || !slices.Equal(c.Gaps, []int64{dropped}) {
		t.Fatalf("bundle without tombstone %d: gaps %v %v", dropped, c.Gaps, err)
	}
	b = whole()
	dropped = 0
	for i, e := range b.Entries {
		if l, _ := vlog.ParseLeaf(e.Leaf); l.SubjectSeq != 0 {
			dropped = l.SubjectSeq
			b.Entries = slices.Delete(b.Entries, i, i+1)
			break
		}
	}
	if c, err := b.Verify(s.VerifierKey()); err != nil || !slices.Equal(c.Gaps, []int64{dropped}) {
		t.Fatalf("bundle without line %d: gaps %v %v", dropped, c.Gaps, err)
	}
	// A tombstone whose hash is not the leaf's at its index fails its proof.
	b = whole()
	b.Removed[0].LeafHash[0] ^= 1
	if _, err := b.Verify(s.VerifierKey()); err == nil {
		t.Fatal("a changed tombstone hash verified")
	}
}
