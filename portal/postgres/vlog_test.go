package postgres_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
	"github.com/inzicht/inzicht/portal/vlog"
)

func testSigner(t testing.TB) *vlog.Signer {
	t.Helper()
	s, err := vlog.NewSignerFromSeed("inzicht.test/log", bytes.Repeat([]byte{19}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// integrateAll runs the integrator in small steps until the outbox is empty and returns the size.
func integrateAll(t *testing.T, db *postgres.DB, s *vlog.Signer) int64 {
	t.Helper()
	for range 1000 {
		res, err := db.IntegrateLog(context.Background(), s, 7)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Busy && res.Added == 0 && res.Adopted == 0 {
			return res.Size
		}
	}
	t.Fatal("the integrator did not finish")
	return 0
}

func batchOf(n int, at time.Time, bsns ...string) []portal.Event {
	evs := make([]portal.Event, n)
	for i := range evs {
		evs[i] = event(bsns[i%len(bsns)], at.Add(-time.Duration(i)*time.Minute))
	}
	return evs
}

// TestLogFollowsIngest stores batches the ways they arrive — one after another, the same batch
// again, two at once, a staff view and a read by another system — and checks that the tree holds one
// leaf per stored event, that the signed checkpoint verifies, that every event's inclusion proof
// checks against it with two implementations, that the tiles give the same root, and that the
// self-check finds nothing.
func TestLogFollowsIngest(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()

	if n, _, err := db.LogCheckpoint(ctx); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatalf("checkpoint before any integration: %q %v", n, err)
	}
	first := batchOf(20, t0.Add(-time.Hour), bsnA, bsnB, bsnC)
	db.ingest(t, first)
	if res := db.ingest(t, slices.Clone(first)); res.Accepted != 0 || res.Duplicates != 20 {
		t.Fatalf("retried batch: %+v", res)
	}
	if n := db.outboxed(t); n != 20 {
		t.Fatalf("events in the outbox after a batch and its retry = %d, want 20", n)
	}
	if n := db.count(t, "log_leaves"); n != 0 {
		t.Fatalf("log_leaves before integration = %d, want 0 (leaves are made by the integrator)", n)
	}
	// Two batches at once, overlapping in half their events.
	a, b := batchOf(30, t0.Add(-2*time.Hour), bsnA, bsnD), batchOf(30, t0.Add(-3*time.Hour), bsnB, bsnE)
	copy(b[15:], a[:15])
	for _, evs := range [][]portal.Event{a, b} {
		if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, evs := range [][]portal.Event{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.Ingest(ctx, 0, evs)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	// A staff view and a read by another system, recorded by Inzicht itself.
	officer := portal.Staff{Sub: "po-1", Name: "P. Officer", Roles: []string{portal.RolePrivacyOfficer}}
	if err := db.RecordOversightViews(ctx, officer, "Gemeente Voorbeeldstad", []int64{db.subject(t, bsnA)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReadProcessing(ctx, portal.ReadQuery{SubjectBSN: bsnB}, portal.APIRead{Reader: "Suite", Municipality: "Gemeente Voorbeeldstad", Span: portal.NewSpan("read")}); err != nil {
		t.Fatal(err)
	}
	events := db.count(t, "processing_events")
	if events != 20+45+2 {
		t.Fatalf("processing_events = %d, want 67", events)
	}
	if n := db.outboxed(t) + db.count(t, "log_leaves"); n != events {
		t.Fatalf("events in the outbox or the log = %d, want one per event (%d)", n, events)
	}

	size := integrateAll(t, db.DB, s)
	if n := db.count(t, "log_leaves"); n != events || db.outboxed(t) != 0 {
		t.Fatalf("log_leaves = %d after integration, want one per event (%d) and an empty outbox", n, events)
	}
	if size != int64(events) {
		t.Fatalf("tree size %d, want %d", size, events)
	}
	note, n, err := db.LogCheckpoint(ctx)
	if err != nil || n != size {
		t.Fatalf("checkpoint size %d (%v), want %d", n, err, size)
	}
	cp, err := vlog.OpenCheckpoint(note, s.VerifierKey())
	if err != nil || cp.Size != size {
		t.Fatalf("checkpoint does not verify: %+v %v\n%s", cp, err, note)
	}
	var idxs []int64
	rows, _ := db.raw.Query(ctx, `SELECT tree_index FROM log_leaves ORDER BY tree_index`)
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			t.Fatal(err)
		}
		idxs = append(idxs, i)
	}
	for i, x := range idxs {
		if x != int64(i) {
			t.Fatalf("tree indexes are not 0..n-1: %v", idxs)
		}
	}

	// Every event: its leaf, proven against the checkpoint by tlog and by transparency-dev/merkle.
	rows, _ = db.raw.Query(ctx, `SELECT e.id::text, s.bsn_hmac FROM processing_events e JOIN subjects s ON s.id = e.subject_id`)
	subjects := map[string]string{}
	for rows.Next() {
		var id string
		var lookup []byte
		if err := rows.Scan(&id, &lookup); err != nil {
			t.Fatal(err)
		}
		subjects[id] = vlog.Pseudonym(lookup)
	}
	all := make([]string, 0, len(subjects))
	for id := range subjects {
		all = append(all, id)
	}
	bundle, err := db.ProveEvents(ctx, append(all, "00000000-0000-4000-8000-000000000000"))
	if err != nil {
		t.Fatal(err)
	}
	if len(bundle.Entries) != len(subjects) || len(bundle.Pending) != 0 || bundle.Origin != "inzicht.test/log" {
		t.Fatalf("bundle of %d events: %d entries, pending %v, origin %q", len(subjects), len(bundle.Entries), bundle.Pending, bundle.Origin)
	}
	for _, p := range bundle.Entries {
		l, err := vlog.ParseLeaf(p.Leaf)
		if err != nil || l.Subject != subjects[p.EventID] {
			t.Fatalf("leaf of %s: %+v %v", p.EventID, l, err)
		}
		h := tlog.RecordHash(p.Leaf)
		if err := tlog.CheckRecord(p.Proof, cp.Size, cp.Hash, p.Index, h); err != nil {
			t.Fatalf("tlog: proof of %s: %v", p.EventID, err)
		}
		pr := make([][]byte, len(p.Proof))
		for i := range p.Proof {
			pr[i] = p.Proof[i][:]
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(p.Index), uint64(cp.Size), h[:], pr, cp.Hash[:]); err != nil {
			t.Fatalf("merkle: proof of %s: %v", p.EventID, err)
		}
	}
	// One person's bundle verifies as a whole; a bundle mixing two people does not.
	var mine []string
	for id, p := range subjects {
		if p == subjects[all[0]] {
			mine = append(mine, id)
		}
	}
	own, err := db.ProveEvents(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := own.Verify(s.VerifierKey()); err != nil || c.Verified != len(mine) {
		t.Fatalf("own bundle: %+v %v", c, err)
	}
	if _, err := bundle.Verify(s.VerifierKey()); err == nil || !strings.Contains(err.Error(), "another person") {
		t.Fatalf("a bundle of several people verified: %v", err)
	}
	// Events stored after the checkpoint are pending.
	late := batchOf(2, t0, bsnA)
	db.ingest(t, late)
	later, err := db.ProveEvents(ctx, []string{late[0].ID, late[1].ID, mine[0]})
	if err != nil || len(later.Pending) != 2 || len(later.Entries) != 1 {
		t.Fatalf("bundle with new events: %+v %v", later, err)
	}
	size = integrateAll(t, db.DB, s)
	if note, _, err = db.LogCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if cp, err = vlog.OpenCheckpoint(note, s.VerifierKey()); err != nil || cp.Size != size {
		t.Fatalf("checkpoint after the late events: %+v %v", cp, err)
	}

	// The tiles alone give the checkpoint's root and the leaf hashes.
	tiles := map[tlog.Tile][]byte{}
	for _, tile := range tlog.NewTiles(vlog.TileHeight, 0, size) {
		data, err := db.LogTile(ctx, tile)
		if err != nil {
			t.Fatalf("tile %s: %v", vlog.TilePath(tile), err)
		}
		tiles[tile] = data
	}
	tr := tlog.TileHashReader(tlog.Tree{N: size, Hash: cp.Hash}, tileMap(tiles))
	if _, err := tlog.TreeHash(size, tr); err != nil {
		t.Fatalf("the tiles do not give the checkpoint's root: %v", err)
	}
	for _, bad := range []string{"tile/0/000.p/1", "tile/0/001", "tile/1/000.p/1"} {
		tile, err := vlog.ParseTilePath(bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.LogTile(ctx, tile); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("tile %s outside the tree of %d: %v", bad, size, err)
		}
	}

	check, err := db.CheckLog(ctx, s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Problems) > 0 || check.Leaves != size || check.Size != size || check.Pending != 0 || size != int64(events)+2 {
		t.Fatalf("self-check of an untouched log: %+v", check)
	}
}

type tileMap map[tlog.Tile][]byte

func (tileMap) Height() int { return vlog.TileHeight }
func (m tileMap) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = m[t]
	}
	return out, nil
}
func (tileMap) SaveTiles([]tlog.Tile, [][]byte) {}

// TestLogIntegratorsAndIngestAtOnce runs several integrators (as several portal processes would)
// while batches are stored: every event ends up in the tree exactly once, without gaps.
func TestLogIntegratorsAndIngestAtOnce(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.IntegrateLog(ctx, s, 5); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range 12 {
		evs := batchOf(10, t0.Add(-time.Duration(i)*time.Hour), bsnA, bsnB, bsnC)
		if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, 0, evs); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if size := integrateAll(t, db.DB, s); size != 120 {
		t.Fatalf("tree size %d, want 120", size)
	}
	var n, distinct, maxIdx int64
	if err := db.raw.QueryRow(ctx, `SELECT count(*), count(DISTINCT tree_index), max(tree_index) FROM log_leaves`).Scan(&n, &distinct, &maxIdx); err != nil {
		t.Fatal(err)
	}
	if n != 120 || distinct != 120 || maxIdx != 119 {
		t.Fatalf("leaves %d, distinct indexes %d, largest %d; want 120, 120, 119", n, distinct, maxIdx)
	}
	check, err := db.CheckLog(ctx, s.VerifierKey())
	if err != nil || len(check.Problems) > 0 {
		t.Fatalf("self-check: %+v %v", check, err)
	}
}

// TestLogCrashBeforeIntegration stores events and "crashes" (the process goes away) before the
// integrator ran; a new process on the same database integrates them all, once. While another
// process holds the integration lock, nothing is integrated twice.
func TestLogCrashBeforeIntegration(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	ctx := context.Background()
	s := testSigner(t)
	first, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.PutActivity(ctx, activity("wmo-onderzoek")); err != nil {
		t.Fatal(err)
	}
	evs := batchOf(25, t0, bsnA, bsnB)
	if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Ingest(ctx, 0, evs); err != nil {
		t.Fatal(err)
	}
	first.Close() // gone before integrating

	second, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	// A third process holds the lock: the second does nothing and says so.
	raw, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hold := make(chan struct{})
	held := make(chan struct{})
	go func() {
		_ = raw.Transact(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(0x696e7a2d766c6f67)); err != nil {
				return err
			}
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	res, err := second.IntegrateLog(ctx, s, 100)
	if err != nil || !res.Busy || res.Added != 0 {
		t.Fatalf("integration while another holds the lock: %+v %v", res, err)
	}
	close(hold)
	var after postgres.LogIntegration
	for i := 0; after.Added == 0 && i < 10000; i++ { // until the holder has let go
		if after, err = second.IntegrateLog(ctx, s, 100); err != nil {
			t.Fatal(err)
		}
	}
	if after.Added != 25 || after.Oldest.IsZero() {
		t.Fatalf("integration after the restart: %+v", after)
	}
	if size := integrateAll(t, second, s); size != 25 {
		t.Fatalf("tree size after the restart %d, want 25", size)
	}
	check, err := second.CheckLog(ctx, s.VerifierKey())
	if err != nil || len(check.Problems) > 0 || check.Leaves != 25 {
		t.Fatalf("self-check: %+v %v", check, err)
	}
}

// TestLogLegacyEvents gives events stored before the log existed their leaves.
func TestLogLegacyEvents(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	db.ingest(t, batchOf(12, t0, bsnA, bsnB))
	// As if the events were stored before migration 27: no leaves, listed as legacy.
	if _, err := db.raw.Exec(ctx, `DELETE FROM log_leaves; INSERT INTO log_legacy_events SELECT id FROM processing_events`); err != nil {
		t.Fatal(err)
	}
	before, err := db.CheckLog(ctx, s.VerifierKey())
	if err != nil || len(before.Problems) > 0 {
		t.Fatalf("legacy events waiting for leaves are no problem: %+v %v", before, err)
	}
	if size := integrateAll(t, db.DB, s); size != 12 {
		t.Fatalf("tree size %d, want 12", size)
	}
	if n := db.count(t, "log_legacy_events"); n != 0 {
		t.Errorf("legacy list still holds %d", n)
	}
	check, err := db.CheckLog(ctx, s.VerifierKey())
	if err != nil || len(check.Problems) > 0 || check.Leaves != 12 {
		t.Fatalf("self-check: %+v %v", check, err)
	}
}

// TestLogTamper changes the database behind the portal's back in the ways an administrator could,
// and checks that the self-check names each change.
func TestLogTamper(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		sql    string
		kind   string
		detail string
	}{
		{name: "organisation changed", sql: `UPDATE processing_events SET actor_organization = 'Andere BV' WHERE id = $1`,
			kind: postgres.ProblemChanged, detail: "organization"},
		{name: "time back-dated", sql: `UPDATE processing_events SET occurred_at = occurred_at - interval '1 year' WHERE id = $1`,
			kind: postgres.ProblemChanged, detail: "occurred_at"},
		{name: "employee changed (withheld)", sql: `UPDATE processing_events SET actor_employee_name = 'Iemand anders' WHERE id = $1`,
			kind: postgres.ProblemChanged, detail: "withheld"},
		{name: "categories changed", sql: `UPDATE processing_events SET data_categories = '{income}' WHERE id = $1`,
			kind: postgres.ProblemChanged, detail: "data_categories"},
		{name: "event moved to another person", sql: `UPDATE processing_events SET subject_id = (SELECT id FROM subjects WHERE id <> processing_events.subject_id LIMIT 1) WHERE id = $1`,
			kind: postgres.ProblemChanged, detail: "subject"},
		{name: "event deleted", sql: `DELETE FROM processing_events WHERE id = $1`, kind: postgres.ProblemGone},
		{name: "event inserted without leaf", sql: `INSERT INTO processing_events (id, subject_id, occurred_at, received_at, activity_id,
 action, data_categories, level, actor_organization, actor_role, access_basis, content_hash)
 SELECT gen_random_uuid(), subject_id, occurred_at - interval '2 years', received_at, activity_id, action, data_categories, level,
 actor_organization, actor_role, access_basis, content_hash FROM processing_events WHERE id = $1`, kind: postgres.ProblemUnlogged},
		{name: "leaf rewritten", sql: `UPDATE log_leaves SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), 'Voorbeeldstad', 'Elders'), 'UTF8') WHERE event_id = $1`,
			kind: postgres.ProblemChanged},
		{name: "tree hash changed", sql: `UPDATE log_hashes SET hash = sha256(hash) WHERE idx = 0 AND $1::uuid IS NOT NULL`,
			kind: postgres.ProblemHash},
		{name: "tree rebuilt over other leaves", sql: `UPDATE log_leaves SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), 'Voorbeeldstad', 'Elders'), 'UTF8') WHERE event_id = $1;`,
			kind: postgres.ProblemCheckpoint},
		{name: "checkpoint replaced", sql: `UPDATE log_checkpoints SET root = sha256(root) WHERE $1::uuid IS NOT NULL`,
			kind: postgres.ProblemCheckpoint},
		{name: "confidentiality changed behind the portal's back", sql: `UPDATE processing_events SET confidential_until = now() + interval '1 year' WHERE id = $1`,
			kind: postgres.ProblemChanged, detail: "confidential_until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := newTestDB(t)
			s := testSigner(t)
			ctx := context.Background()
			evs := batchOf(9, t0, bsnA, bsnB)
			evs[4].Actor.EmployeeName = "J. de Vries"
			db.ingest(t, evs)
			integrateAll(t, db.DB, s)
			if check, err := db.CheckLog(ctx, s.VerifierKey()); err != nil || len(check.Problems) > 0 {
				t.Fatalf("before: %+v %v", check, err)
			}
			var victim string
			if err := db.raw.QueryRow(ctx, `SELECT id::text FROM processing_events WHERE actor_employee_name <> ''`).Scan(&victim); err != nil {
				t.Fatal(err)
			}
			sqls := strings.SplitN(tc.sql, ";", 2)
			if _, err := db.raw.Exec(ctx, sqls[0], victim); err != nil {
				t.Fatal(err)
			}
			if tc.name == "tree rebuilt over other leaves" {
				// An administrator who rewrote a leaf also recomputes every tree hash, so that the tree is
				// consistent with the new leaves; only the signed checkpoint still names the old root.
				if _, err := db.raw.Exec(ctx, `DELETE FROM log_hashes`); err != nil {
					t.Fatal(err)
				}
				rows, _ := db.raw.Query(ctx, `SELECT leaf FROM log_leaves ORDER BY tree_index`)
				var m vlog.MemoryHashes
				var n int64
				for rows.Next() {
					var leaf []byte
					if err := rows.Scan(&leaf); err != nil {
						t.Fatal(err)
					}
					if _, err := m.Append(n, tlog.RecordHash(leaf)); err != nil {
						t.Fatal(err)
					}
					n++
				}
				for i, h := range m {
					if _, err := db.raw.Exec(ctx, `INSERT INTO log_hashes VALUES ($1, $2)`, i, h[:]); err != nil {
						t.Fatal(err)
					}
				}
			}
			check, err := db.CheckLog(ctx, s.VerifierKey())
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range check.Problems {
				if p.Kind == tc.kind && strings.Contains(p.Detail, tc.detail) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want a %q problem naming %q, got %+v", tc.kind, tc.detail, check.Problems)
			}
		})
	}
}

// TestLogRetention removes events after their retention period, some already in the tree and some
// still waiting in the outbox: the waiting ones stay until they have their leaf; the leaves keep
// their place (by hash) while their bytes, personal data, go with the events; the tree and the
// self-check stay whole.
func TestLogRetention(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	old := t0.AddDate(-6, 0, 0) // the test register keeps events for 5 years (P5Y)
	db.ingest(t, append(batchOf(3, old, bsnA, bsnB), batchOf(3, t0.Add(-time.Hour), bsnA, bsnB)...))
	integrateAll(t, db.DB, s)
	note, _, err := db.LogCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.ingest(t, batchOf(2, old.Add(-time.Hour), bsnA)) // waiting in the outbox when retention runs
	runs, err := db.RemoveExpiredEvents(ctx, 100)
	if err != nil || len(runs) != 1 || runs[0].Removed != 3 {
		t.Fatalf("retention with two expired events waiting for their leaves: %+v %v, want 3 removed", runs, err)
	}
	if n := db.outboxed(t); n != 2 {
		t.Fatalf("events in the outbox after retention = %d, want the 2 waiting ones", n)
	}
	integrateAll(t, db.DB, s)
	if runs, err = db.RemoveExpiredEvents(ctx, 100); err != nil || len(runs) != 1 || runs[0].Removed != 2 {
		t.Fatalf("retention after integration: %+v %v, want the 2 others removed", runs, err)
	}
	var live, removed int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FILTER (WHERE leaf IS NOT NULL),
 count(*) FILTER (WHERE leaf IS NULL AND removed_why = 'retention' AND length(leaf_hash) = 32) FROM log_leaves`).Scan(&live, &removed); err != nil {
		t.Fatal(err)
	}
	if live != 3 || removed != 5 {
		t.Fatalf("leaves with bytes %d, removed %d; want 3 and 5", live, removed)
	}
	if size := integrateAll(t, db.DB, s); size != 8 {
		t.Fatalf("tree size %d, want 8 (a leaf is never removed from the tree)", size)
	}
	check, err := db.CheckLog(ctx, s.VerifierKey())
	if err != nil || len(check.Problems) > 0 || check.Leaves != 8 || check.Removed != 5 {
		t.Fatalf("self-check after retention: %+v %v", check, err)
	}
	// The tree of before the removal is still the beginning of the tree after it.
	before, err := vlog.OpenCheckpoint(note, s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	tiles := map[tlog.Tile][]byte{}
	for _, tile := range tlog.NewTiles(vlog.TileHeight, 0, 8) {
		if tiles[tile], err = db.LogTile(ctx, tile); err != nil {
			t.Fatal(err)
		}
	}
	now, _, err := db.LogCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, err := vlog.OpenCheckpoint(now, s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	p, err := tlog.ProveTree(after.Size, before.Size, tlog.TileHashReader(tlog.Tree{N: after.Size, Hash: after.Hash}, tileMap(tiles)))
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(p, after.Size, after.Hash, before.Size, before.Hash); err != nil {
		t.Fatalf("the log did not only grow: %v", err)
	}
}

// TestLogConfidentialityAmendment extends an event's confidentiality: the event's leaf stays as it
// was, an amendment leaf records the new end, and the self-check compares the stored value with the
// last amendment. The person's bundle, once the event is visible, carries both leaves.
func TestLogConfidentialityAmendment(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	key, _, err := db.CreateAPIKey(ctx, "suite", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	end := t0.Add(24 * time.Hour)
	hidden := event(bsnA, t0.Add(-time.Hour), func(e *portal.Event) { e.ConfidentialUntil, e.ConfidentialReason = &end, "onderzoek" })
	evs := []portal.Event{hidden, event(bsnA, t0.Add(-2*time.Hour))}
	if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, key.ID, evs); err != nil {
		t.Fatal(err)
	}
	integrateAll(t, db.DB, s)
	var leafBefore []byte
	if err := db.raw.QueryRow(ctx, `SELECT leaf FROM log_leaves WHERE event_id = $1 AND kind = 'event'`, hidden.ID).Scan(&leafBefore); err != nil {
		t.Fatal(err)
	}
	for i, until := range []time.Time{t0.Add(10 * 24 * time.Hour), t0.Add(20 * 24 * time.Hour)} {
		if _, err := db.ExtendConfidentiality(ctx, hidden.ID, key, portal.ConfidentialityExtension{Until: until, Reason: "loopt nog"}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			integrateAll(t, db.DB, s) // one amendment in the tree, the other waiting
		}
	}
	var leafAfter []byte
	var amendments int
	if err := db.raw.QueryRow(ctx, `SELECT (SELECT leaf FROM log_leaves WHERE event_id = $1 AND kind = 'event'),
 (SELECT count(*) FROM log_leaves WHERE event_id = $1 AND kind = 'confidentiality')`, hidden.ID).Scan(&leafAfter, &amendments); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(leafBefore, leafAfter) || amendments != 2 {
		t.Fatalf("event leaf changed: %v; amendments %d, want 2", !bytes.Equal(leafBefore, leafAfter), amendments)
	}
	for _, pending := range []bool{true, false} {
		if !pending {
			integrateAll(t, db.DB, s)
		}
		if check, err := db.CheckLog(ctx, s.VerifierKey()); err != nil || len(check.Problems) > 0 {
			t.Fatalf("self-check (amendment pending %v): %+v %v", pending, check, err)
		}
	}
	// Changing the end behind the portal's back is noticed, also for an amended event.
	if _, err := db.raw.Exec(ctx, `UPDATE processing_events SET confidential_until = confidential_until + interval '1 day' WHERE id = $1`, hidden.ID); err != nil {
		t.Fatal(err)
	}
	check, err := db.CheckLog(ctx, s.VerifierKey())
	if err != nil || len(check.Problems) != 1 || check.Problems[0].Detail != "confidential_until" || check.Problems[0].EventID != hidden.ID {
		t.Fatalf("self-check after a change behind the portal's back: %+v %v", check, err)
	}
	// The bundle of the event (as the person gets it once it is visible) proves both kinds of leaf.
	b, err := db.ProveEvents(ctx, []string{hidden.ID})
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Verify(s.VerifierKey())
	if err != nil || len(c.Leaves) != 1 || len(c.Amendments) != 2 || c.Amendments[1].ConfidentialUntil != vlog.FormatTime(t0.Add(20*24*time.Hour)) {
		t.Fatalf("bundle: %+v %v", c, err)
	}
}

// TestLogSignalTold: a staff view of a signal the person has not been told of is recorded hidden
// ("infinity"); telling the signal reveals it with an amendment leaf, and the log stays whole.
func TestLogSignalTold(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	sig := db.sgRegister(t, sgNew(bsnA, t0), "staff", &sgClerk, sgDefer(t0.Add(24*time.Hour)))
	if _, err := db.OpenSignal(ctx, sig.ID, sgClerk, sgMunicipality); err != nil {
		t.Fatal(err)
	}
	integrateAll(t, db.DB, s)
	var hidden int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM log_leaves WHERE kind = 'event'
 AND position('confidential_until infinity' in convert_from(leaf, 'UTF8')) > 0`).Scan(&hidden); err != nil {
		t.Fatal(err)
	}
	if hidden == 0 {
		t.Fatal("the view of an untold signal was not recorded as hidden")
	}
	if err := db.TellSignal(ctx, sig.ID); err != nil {
		t.Fatal(err)
	}
	var amendments int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM log_leaves WHERE kind = 'confidentiality'`).Scan(&amendments); err != nil {
		t.Fatal(err)
	}
	if amendments != hidden {
		t.Fatalf("%d amendments for %d hidden views", amendments, hidden)
	}
	integrateAll(t, db.DB, s)
	if check, err := db.CheckLog(ctx, s.VerifierKey()); err != nil || len(check.Problems) > 0 {
		t.Fatalf("self-check after telling: %+v %v", check, err)
	}
}

// TestLogCheckNamesABoundedNumberOfUnloggedEvents: a database filled around the log (here 1,200 events
// copied in without leaves) is reported without holding every id: the first 1,000 are named, then one
// line says there are more.
func TestLogCheckNamesABoundedNumberOfUnloggedEvents(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	db.ingest(t, batchOf(3, t0, bsnA, bsnB))
	integrateAll(t, db.DB, s)
	if _, err := db.raw.Exec(ctx, `INSERT INTO processing_events (id, subject_id, occurred_at, received_at, activity_id,
 action, data_categories, level, actor_organization, actor_role, access_basis, content_hash)
 SELECT gen_random_uuid(), e.subject_id, e.occurred_at - n * interval '1 minute', e.received_at, e.activity_id, e.action,
 e.data_categories, e.level, e.actor_organization, e.actor_role, e.access_basis, e.content_hash
 FROM (SELECT * FROM processing_events LIMIT 1) e, generate_series(1, 1200) n`); err != nil {
		t.Fatal(err)
	}
	check, err := db.CheckLog(ctx, s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	named, more := 0, 0
	for _, p := range check.Problems {
		switch {
		case p.Kind == postgres.ProblemUnlogged && p.EventID != "":
			named++
		case p.Kind == postgres.ProblemUnlogged:
			more++
		default:
			t.Errorf("unexpected problem %+v", p)
		}
	}
	if named != 1000 || more != 1 {
		t.Errorf("%d unlogged events named and %d 'more' lines, want 1000 and 1", named, more)
	}
}
