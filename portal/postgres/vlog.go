package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/vlog"
)

// The verifiable log (issue 19, docs/verifiable-log.md). Every write into processing_events
// (insertEvents) lists its events in event_outbox in the same transaction; IntegrateLog makes their
// leaves from the stored events, gives them their place in the tree and signs a checkpoint. Leaves
// written by other paths (confidentiality amendments, events stored before the log existed) wait in
// log_leaves without a tree index and are placed first.

// leafSource is what a leaf is made of: an event as stored in processing_events.
type leafSource struct {
	id, activity, action, level, org, team, role, employeeID, employeeName, system, caseRef, recipient string
	basis, breakGlass, consentRef, awRef, awReason, awBy                                               string
	traceID, spanID, parentSpanID, spanName, foreignTrace, foreignSpan, foreignEntity, vngActie        string
	occurred, received                                                                                 time.Time
	categories                                                                                         []string
	until                                                                                              string // "", vlog.Infinity or vlog.FormatTime
	failed                                                                                             bool
	lookup                                                                                             []byte // the person's bsn_hmac
}

// sourceOf is the leaf source of an event about to be written by insertEvents; it matches what
// eventRow.values stores, so that the leaf made now and the one made again from the stored row agree.
func sourceOf(r eventRow) leafSource {
	e := r.ev
	s := leafSource{id: strings.ToLower(e.ID), activity: e.Activity, action: e.Action, level: e.Level,
		org: e.Actor.Organization, team: e.Actor.Team, role: e.Actor.Role, employeeID: e.Actor.EmployeeID,
		employeeName: e.Actor.EmployeeName, system: e.System, caseRef: e.CaseRef, recipient: e.Recipient,
		basis: e.AccessBasis, breakGlass: e.BreakGlassReason, consentRef: e.ConsentRef,
		occurred: e.OccurredAt, received: r.received, categories: e.DataCategories, lookup: r.lookup}
	if aw := e.AgainstWill; aw != nil {
		s.awRef, s.awReason, s.awBy = aw.DecisionRef, aw.Reason, aw.ApprovedBy
	}
	if e.ConfidentialUntil != nil {
		s.until = vlog.FormatTime(*e.ConfidentialUntil)
	}
	if r.signal != nil && !r.signal.Told() {
		s.until = vlog.Infinity
	}
	if sp := e.Span; sp != nil {
		s.traceID, s.spanID, s.parentSpanID, s.spanName, s.failed = sp.TraceID, sp.SpanID, sp.ParentSpanID, sp.Name, sp.Failed
		if f := sp.Foreign; f != nil {
			s.foreignTrace, s.foreignSpan, s.foreignEntity = f.TraceID, f.SpanID, f.Entity
		}
	}
	if e.VNG != nil {
		s.vngActie = strings.ToLower(e.VNG.ActieID)
	}
	return s
}

// leaf makes the leaf of s with the given salts (vlog.NewSalt) and the person's pseudonym
// (vlog.Pseudonym of s.lookup).
func (s *leafSource) leaf(salt, withheldSalt, pseudonym string) vlog.Leaf {
	w := vlog.Withheld{Salt: withheldSalt, EmployeeID: s.employeeID, EmployeeName: s.employeeName,
		AgainstWillApprovedBy: s.awBy, System: s.system, ParentSpanID: s.parentSpanID, SpanName: s.spanName,
		ForeignTraceID: s.foreignTrace, ForeignSpanID: s.foreignSpan, ForeignEntity: s.foreignEntity, VNGActieID: s.vngActie}
	return vlog.Leaf{Version: 2, Kind: vlog.KindEvent, ID: s.id, Subject: pseudonym, Salt: salt,
		OccurredAt: s.occurred, ReceivedAt: s.received, Activity: s.activity, Action: s.action, Categories: s.categories,
		Level: s.level, Organization: s.org, Team: s.team, Role: s.role, CaseRef: s.caseRef, Recipient: s.recipient,
		AccessBasis: s.basis, BreakGlassReason: s.breakGlass, ConsentRef: s.consentRef, AgainstWillDecisionRef: s.awRef,
		AgainstWillReason: s.awReason, ConfidentialUntil: s.until, TraceID: s.traceID, SpanID: s.spanID, Failed: s.failed,
		Withheld: w.Digest()}
}

// madeLeaf is a leaf made by makeLeaves: the event's id, the leaf, its encoding and the salt of what
// the person is not shown.
type madeLeaf struct {
	id    uuid.UUID
	leaf  vlog.Leaf
	wsalt []byte
}

// makeLeaves makes the leaves of srcs, each with two fresh salts. A source without the person's
// look-up HMAC is a programming error.
func makeLeaves(srcs []leafSource) ([]madeLeaf, error) {
	// All the salts from one read of crypto/rand: two of 32 bytes a leaf.
	salts := make([]byte, 64*len(srcs))
	_, _ = rand.Read(salts) // crypto/rand.Read never returns an error; it crashes the program instead
	out := make([]madeLeaf, len(srcs))
	pseudonyms := map[string]string{} // a batch holds many events of few people
	for i := range srcs {
		if len(srcs[i].lookup) == 0 {
			return nil, fmt.Errorf("log leaf of event %s: no pseudonym (eventRow.lookup unset)", srcs[i].id)
		}
		p, ok := pseudonyms[string(srcs[i].lookup)]
		if !ok {
			p = vlog.Pseudonym(srcs[i].lookup)
			pseudonyms[string(srcs[i].lookup)] = p
		}
		id, err := uuid.Parse(srcs[i].id)
		if err != nil {
			return nil, fmt.Errorf("log leaf of event %q: %w", srcs[i].id, err)
		}
		salt, wsalt := salts[64*i:64*i+32], salts[64*i+32:64*i+64]
		out[i] = madeLeaf{id: id, wsalt: wsalt,
			leaf: srcs[i].leaf(base64.StdEncoding.EncodeToString(salt), base64.StdEncoding.EncodeToString(wsalt), p)}
	}
	return out, nil
}

// insertLeaves writes the leaves of events into log_leaves without a tree index, for the integrator
// to place: only for events stored before the log existed (adoptLegacy); events stored since are
// listed in event_outbox and get their leaves from the integrator directly.
func insertLeaves(ctx context.Context, tx pgx.Tx, srcs []leafSource) error {
	made, err := makeLeaves(srcs)
	if err != nil {
		return err
	}
	var copyData bytes.Buffer
	copyData.Write(pgCopyHeader)
	for _, m := range made {
		appendCopyRow(&copyData, m.id[:], m.leaf.Encode(), m.wsalt)
	}
	copyData.Write([]byte{0xff, 0xff}) // the end of a binary COPY
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, &copyData,
		`COPY log_leaves (event_id, leaf, withheld_salt) FROM STDIN (FORMAT binary)`); err != nil {
		return fmt.Errorf("log leaves: %w", err)
	}
	return nil
}

// pgCopyHeader starts a PostgreSQL binary COPY: the signature, flags 0, no header extension.
var pgCopyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// appendCopyRow writes one binary COPY row of byte fields (uuid as its 16 bytes, bytea as is, a
// bigint as its 8 bytes big-endian); a nil field is NULL.
func appendCopyRow(b *bytes.Buffer, fields ...[]byte) {
	b.Write(binary.BigEndian.AppendUint16(nil, uint16(len(fields))))
	for _, f := range fields {
		if f == nil {
			b.Write([]byte{0xff, 0xff, 0xff, 0xff}) // -1: NULL
			continue
		}
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		b.Write(f)
	}
}

// bigint is n as a binary COPY field of type bigint.
func bigint(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

// lockLog locks the log's state row (migration 30) in tx: a statement that changes or removes stored
// events runs after it, so that it sees an integration under way committed (READ COMMITTED) or fails
// with a serialization error and is run again (REPEATABLE READ). The summary trigger locks it too, but
// only after its statement; a statement that reads leaves while it removes events (forgetLeaves)
// must lock it before.
func lockLog(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM log_state FOR UPDATE`); err != nil {
		return fmt.Errorf("lock the log: %w", err)
	}
	return nil
}

// amendConfidentiality writes, in tx, a confidentiality amendment leaf (vlog.Amendment) for every
// event that where selects (a condition on processing_events e; its placeholders take args) whose
// confidential_until now differs from what its leaves say: the event's leaf is never changed, a new
// leaf refers to it. Every change of a stored event's confidentiality calls it in the transaction
// that makes the change. Events without a leaf yet (stored before the log existed) are left to the
// integrator, which gives them a leaf with their current state.
func amendConfidentiality(ctx context.Context, tx pgx.Tx, now time.Time, where string, args ...any) error {
	// After an integration under way: a leaf it makes now is one to amend.
	if err := lockLog(ctx, tx); err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `SELECT e.id::text, s.bsn_hmac, e.confidential_until,
 (SELECT l.leaf FROM log_leaves l WHERE l.event_id = e.id AND l.removed_at IS NULL ORDER BY l.seq DESC LIMIT 1)
FROM processing_events e JOIN subjects s ON s.id = e.subject_id WHERE `+where, args...)
	var out [][]any
	var id string
	var lookup, latest []byte
	var until pgtype.Timestamptz
	if _, err := pgx.ForEachRow(rows, []any{&id, &lookup, &until, &latest}, func() error {
		if latest == nil {
			return nil
		}
		said, err := leafUntil(latest)
		if err != nil {
			return fmt.Errorf("leaf of %s: %w", id, err)
		}
		if cur := untilText(until); cur != said {
			a := vlog.Amendment{Kind: vlog.KindConfidentiality, ID: id, Subject: vlog.Pseudonym(lookup), Salt: vlog.NewSalt(),
				At: now, ConfidentialUntil: cur}
			out = append(out, []any{id, vlog.KindConfidentiality, a.Encode(), []byte{}})
		}
		return nil
	}); err != nil {
		return fmt.Errorf("log amendments: %w", err)
	}
	if len(out) == 0 {
		return nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"log_leaves"}, []string{"event_id", "kind", "leaf", "withheld_salt"},
		pgx.CopyFromRows(out)); err != nil {
		return fmt.Errorf("log amendments: %w", err)
	}
	return nil
}

// leafUntil is the confidential_until an event leaf or an amendment states.
func leafUntil(b []byte) (string, error) {
	if vlog.LeafKind(b) == vlog.KindConfidentiality {
		a, err := vlog.ParseAmendment(b)
		return a.ConfidentialUntil, err
	}
	l, err := vlog.ParseLeaf(b)
	return l.ConfidentialUntil, err
}

// untilText writes a stored confidential_until as a leaf does.
func untilText(t pgtype.Timestamptz) string {
	switch {
	case !t.Valid:
		return ""
	case t.InfinityModifier == pgtype.Infinity:
		return vlog.Infinity
	default:
		return vlog.FormatTime(t.Time)
	}
}

// Why a leaf's bytes were removed (log_leaves.removed_why).
const (
	RemovedRetention = "retention"  // its event was removed after the retention period
	RemovedVNG       = "vng-delete" // its event's VNG verwerkingsactie was deleted or replaced
)

// forgetLeaves is a data-modifying CTE (for the statement that removes events) that removes the live
// leaf bytes of the events whose ids the relation from gives in its column id, keeping each leaf's
// RFC 6962 hash for the tree: the leaf stays in the log, its personal content goes with the event.
// at and why are SQL expressions (placeholders) for the time and the reason (Removed*). It keeps a
// tombstone with the leaf: whose it was (subject_id) and the retention period of the event's register
// entry, read from the event as it was before the statement (every part of a statement sees the same
// snapshot), so that the person's view can say "removed on … after the retention period of …".
func forgetLeaves(from, at, why string) string {
	return `UPDATE log_leaves l SET leaf_hash = sha256('\x00'::bytea || l.leaf), leaf = NULL, withheld_salt = NULL,
 removed_at = ` + at + `, removed_why = ` + why + `,
 subject_id = (SELECT e.subject_id FROM processing_events e WHERE e.id = l.event_id),
 retention = (SELECT a.retention FROM processing_events e JOIN processing_activities a ON a.id = e.activity_id WHERE e.id = l.event_id)
 FROM ` + from + ` f WHERE l.event_id = f.id AND l.removed_at IS NULL RETURNING 1`
}

// leafSourceCols reads an event row e (with its person s) as a leafSource (scanSource).
const leafSourceCols = `e.id::text, s.bsn_hmac, e.occurred_at, e.received_at, e.activity_id, e.action, e.data_categories,
 e.level, e.actor_organization, e.actor_team, e.actor_role, e.actor_employee_id, e.actor_employee_name, e.system,
 e.case_ref, e.recipient, e.access_basis, e.break_glass_reason, e.consent_ref, e.against_will_decision_ref,
 e.against_will_reason, e.against_will_approved_by, e.confidential_until, coalesce(e.trace_id, ''),
 coalesce(e.span_id, ''), coalesce(e.parent_span_id, ''), e.span_name, e.failed, coalesce(e.vng_actie_id::text, ''),
 coalesce(e.foreign_trace_id, ''), coalesce(e.foreign_span_id, ''), coalesce(e.foreign_entity, '')`

// sourceTargets returns the scan targets of leafSourceCols and a function that finishes s after the scan.
func sourceTargets(s *leafSource) ([]any, func()) {
	var until pgtype.Timestamptz
	return []any{&s.id, &s.lookup, &s.occurred, &s.received, &s.activity, &s.action, &s.categories, &s.level, &s.org,
			&s.team, &s.role, &s.employeeID, &s.employeeName, &s.system, &s.caseRef, &s.recipient, &s.basis, &s.breakGlass,
			&s.consentRef, &s.awRef, &s.awReason, &s.awBy, &until, &s.traceID, &s.spanID, &s.parentSpanID, &s.spanName,
			&s.failed, &s.vngActie, &s.foreignTrace, &s.foreignSpan, &s.foreignEntity},
		func() { s.until = untilText(until) }
}

// logLockKey is the advisory lock that lets one integrator at a time, across all portal processes,
// extend the tree.
const logLockKey = 0x696e7a2d766c6f67 // "inz-vlog"

// LogIntegration says what one IntegrateLog did.
type LogIntegration struct {
	Adopted int   // events stored before the log existed that were given leaves
	Added   int   // leaves added to the tree
	Folded  int   // events taken from the outbox (folded into the summaries; with the log on, each one leaf)
	Size    int64 // the tree's size after
	Busy    bool  // another process was integrating; nothing was done
	// Oldest is when the longest-waiting leaf added was written (its transaction's start), for the
	// checkpoint lag; zero when none was added.
	Oldest time.Time
}

// IntegrateLog takes at most about limit events from the outbox (whole batches, in outbox order),
// folds them into their persons' summaries and adds their leaves to the tree, after the leaves
// waiting in log_leaves (amendments, events stored before the log existed); it stores the tree's new
// hashes and signs a checkpoint of the new size with s, all in one transaction: a crash keeps all of
// it or none, so no event is folded twice and no leaf is lost, doubled or left with a gap. While
// another process integrates it returns at once with Busy set. When there is nothing to add and no
// checkpoint yet, it signs the empty tree's, so that a checkpoint is always published.
//
// With s nil the log is off (INZICHT_VERIFIABLE_LOG=off, for measuring what it costs): the events are
// folded and leave the outbox, and get no leaves.
func (db *DB) IntegrateLog(ctx context.Context, s *vlog.Signer, limit int) (LogIntegration, error) {
	var res LogIntegration
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		res = LogIntegration{}
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(logLockKey)).Scan(&locked); err != nil {
			return err
		}
		if !locked {
			res.Busy = true
			return nil
		}
		// Changes of stored events under way commit first; those that start now wait for this one.
		if _, err := tx.Exec(ctx, `UPDATE log_state SET integrations = integrations + 1`); err != nil {
			return fmt.Errorf("log state: %w", err)
		}
		if s == nil {
			_, err := takeOutbox(ctx, tx, limit, &res)
			return err
		}
		var err error
		if res.Adopted, err = adoptLegacy(ctx, tx, limit); err != nil {
			return err
		}
		var size int64
		var signed bool
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(size), 0), count(*) > 0 FROM log_checkpoints`).Scan(&size, &signed); err != nil {
			return err
		}
		res.Size = size
		// The leaves waiting in log_leaves. A leaf removed before it was integrated (its event removed
		// within seconds) still takes its place, by its kept hash.
		rows, _ := tx.Query(ctx, `SELECT seq, leaf, coalesce(sha256('\x00'::bytea || leaf), leaf_hash), created_at FROM log_leaves
WHERE tree_index IS NULL ORDER BY seq LIMIT $1`, limit)
		var seqs []int64
		var leaves []tlog.Hash
		var bodies [][]byte
		var seq int64
		var leaf, hash []byte
		var created time.Time
		if _, err := pgx.ForEachRow(rows, []any{&seq, &leaf, &hash, &created}, func() error {
			seqs, leaves, bodies = append(seqs, seq), append(leaves, tlog.Hash(hash)), append(bodies, slices.Clone(leaf))
			if res.Oldest.IsZero() || created.Before(res.Oldest) {
				res.Oldest = created
			}
			return nil
		}); err != nil {
			return fmt.Errorf("pending leaves: %w", err)
		}
		// Then the outbox's events, as stored now.
		var made []madeLeaf
		if rest := limit - len(seqs); rest > 0 {
			srcs, err := takeOutbox(ctx, tx, rest, &res)
			if err != nil {
				return err
			}
			if made, err = makeLeaves(srcs); err != nil {
				return err
			}
		}
		if len(leaves) == 0 && len(made) == 0 && signed {
			return nil
		}
		parsed, err := parseForNumbers(bodies)
		if err != nil {
			return err
		}
		for i := range made {
			parsed = append(parsed, &made[i].leaf)
		}
		subjectSeqs, err := numberLeaves(ctx, tx, parsed)
		if err != nil {
			return err
		}
		numbered := make([][]byte, len(bodies))
		for i := range bodies {
			if subjectSeqs[i] != nil {
				numbered[i] = parsed[i].Encode()
				leaves[i] = tlog.RecordHash(numbered[i])
			}
		}
		encoded := make([][]byte, len(made))
		for i := range made {
			encoded[i] = made[i].leaf.Encode()
			leaves = append(leaves, tlog.RecordHash(encoded[i]))
		}
		r := &hashReader{ctx: ctx, q: tx, cache: map[int64]tlog.Hash{}}
		first := tlog.StoredHashCount(size)
		var fresh []tlog.Hash
		idx := make([]int64, len(leaves))
		for i, b := range leaves {
			n := size + int64(i)
			hs, err := tlog.StoredHashesForRecordHash(n, b, r)
			if err != nil {
				return fmt.Errorf("hash leaf %d: %w", n, err)
			}
			for j, h := range hs {
				r.cache[tlog.StoredHashCount(n)+int64(j)] = h
			}
			fresh = append(fresh, hs...)
			idx[i] = n
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"log_hashes"}, []string{"idx", "hash"},
			pgx.CopyFromSlice(len(fresh), func(i int) ([]any, error) { return []any{first + int64(i), fresh[i][:]}, nil })); err != nil {
			return fmt.Errorf("store hashes: %w", err)
		}
		if len(seqs) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE log_leaves l SET tree_index = u.idx, leaf = coalesce(u.leaf, l.leaf), subject_seq = u.sseq
FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bigint[]) AS u(seq, idx, leaf, sseq) WHERE l.seq = u.seq`,
				seqs, idx[:len(seqs)], numbered, subjectSeqs[:len(seqs)]); err != nil {
				return fmt.Errorf("place leaves: %w", err)
			}
		}
		if len(made) > 0 {
			// The outbox's leaves go in placed: one binary COPY, no later update.
			var copyData bytes.Buffer
			need := len(pgCopyHeader) + 2
			for i := range made {
				need += 2 + 5*4 + 16 + len(encoded[i]) + len(made[i].wsalt) + 2*8
			}
			copyData.Grow(need) // one allocation, not a doubling per few rows
			copyData.Write(pgCopyHeader)
			for i, m := range made {
				var sseq []byte
				if n := subjectSeqs[len(seqs)+i]; n != nil {
					sseq = bigint(*n)
				}
				appendCopyRow(&copyData, m.id[:], encoded[i], m.wsalt, bigint(idx[len(seqs)+i]), sseq)
			}
			copyData.Write([]byte{0xff, 0xff})
			if _, err := tx.Conn().PgConn().CopyFrom(ctx, &copyData,
				`COPY log_leaves (event_id, leaf, withheld_salt, tree_index, subject_seq) FROM STDIN (FORMAT binary)`); err != nil {
				return fmt.Errorf("log leaves: %w", err)
			}
		}
		n := size + int64(len(leaves))
		root, err := treeHash(n, r)
		if err != nil {
			return err
		}
		note, err := s.Sign(n, root)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (size) DO UPDATE SET root = excluded.root, note = excluded.note, signed_at = excluded.signed_at`,
			n, root[:], string(note), db.now()); err != nil {
			return fmt.Errorf("store checkpoint: %w", err)
		}
		res.Added, res.Size = len(leaves), n
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("postgres: integrate log: %w", err)
	}
	return res, nil
}

// OutboxBacklog is the number of events taken in and not yet integrated: still in event_outbox, so
// not yet folded into their persons' summaries nor (with the log on) in a signed checkpoint. The
// portal pushes back on ingest above a bound (api.Config.Pushback). The outbox holds one row per
// batch, so this sums a few hundred arrays' lengths at most.
func (db *DB) OutboxBacklog(ctx context.Context) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(sum(cardinality(event_ids)), 0) FROM event_outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: outbox backlog: %w", err)
	}
	return n, nil
}

// takeOutbox takes whole batches from event_outbox, in order, until they hold at least limit events
// (or the outbox is empty): it folds their events into the persons' summaries, deletes the batches
// and returns the events' leaf sources in outbox order. An event removed meanwhile has left the
// outbox (the summary trigger, migration 30); one that has a leaf already is skipped, so that the
// integrator can never stop on it. It counts the events in res.Folded and sets res.Oldest.
func takeOutbox(ctx context.Context, tx pgx.Tx, limit int, res *LogIntegration) ([]leafSource, error) {
	rows, _ := tx.Query(ctx, `SELECT seq, event_ids, created_at FROM (
  SELECT seq, event_ids, created_at, sum(cardinality(event_ids)) OVER (ORDER BY seq) - cardinality(event_ids) AS before
  FROM event_outbox) b WHERE before < $1 ORDER BY seq`, limit)
	var seqs []int64
	var ids []string
	var seq int64
	var batch []string
	var created time.Time
	if _, err := pgx.ForEachRow(rows, []any{&seq, &batch, &created}, func() error {
		seqs, ids = append(seqs, seq), append(ids, batch...)
		if res.Oldest.IsZero() || created.Before(res.Oldest) {
			res.Oldest = created
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("event outbox: %w", err)
	}
	if len(seqs) == 0 {
		return nil, nil
	}
	if _, err := tx.Exec(ctx, `SELECT subject_summaries_fold_events($1::uuid[])`, ids); err != nil {
		return nil, fmt.Errorf("fold summaries: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM event_outbox WHERE seq = ANY($1)`, seqs); err != nil {
		return nil, fmt.Errorf("event outbox: %w", err)
	}
	res.Folded = len(ids)
	// Whether an event already has a leaf is asked per row with a LIMIT 1 lateral probe of the index,
	// which the planner cannot turn into a whole-index plan: as an anti-join it ran as a nested loop
	// over the whole index, and as an EXISTS column as a hashed subplan reading it all (0.4 s a
	// transaction either way, growing with the log).
	rows, _ = tx.Query(ctx, `SELECT `+leafSourceCols+`, p.placed IS NOT NULL
FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)
JOIN processing_events e ON e.id = u.id JOIN subjects s ON s.id = e.subject_id
LEFT JOIN LATERAL (SELECT true AS placed FROM log_leaves l
                   WHERE l.event_id = e.id AND l.removed_at IS NULL AND l.kind = 'event' LIMIT 1) p ON true
ORDER BY u.n`, ids)
	srcs := make([]leafSource, 0, len(ids))
	var src leafSource
	var placed bool
	targets, finish := sourceTargets(&src)
	if _, err := pgx.ForEachRow(rows, append(targets, &placed), func() error {
		if placed {
			return nil
		}
		finish()
		c := src
		c.categories = slices.Clone(src.categories)
		c.lookup = slices.Clone(src.lookup)
		srcs = append(srcs, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("outbox events: %w", err)
	}
	return srcs, nil
}

// parseForNumbers parses the leaves waiting in log_leaves (bodies, in tree order) for numberLeaves:
// a version 2 event leaf that has no number yet, else nil.
func parseForNumbers(bodies [][]byte) ([]*vlog.Leaf, error) {
	out := make([]*vlog.Leaf, len(bodies))
	for i, b := range bodies {
		if b == nil || !bytes.HasPrefix(b, []byte(vlog.LeafHeaderV2+"\n")) {
			continue
		}
		l, err := vlog.ParseLeaf(b)
		if err != nil {
			return nil, fmt.Errorf("number leaf: %w", err)
		}
		if l.SubjectSeq == 0 {
			out[i] = &l
		}
	}
	return out, nil
}

// numberLeaves gives the event leaves about to enter the tree (in tree order; nil for a leaf that
// gets no number) their numbers in their person's sequence: the next after the last one given to that
// person (log_sequences), which it advances. Only a leaf the person could see when it was recorded is
// numbered: one hidden from them then (confidential_until infinity or after received_at) is not, so
// that a gap in their numbers cannot betray it. It sets each numbered leaf's SubjectSeq and returns
// the numbers by position (nil for the others). The integrator holds the log's lock, so no two
// processes number at once.
func numberLeaves(ctx context.Context, tx pgx.Tx, leaves []*vlog.Leaf) ([]*int64, error) {
	nums := make([]*int64, len(leaves))
	var subjects []string
	for _, l := range leaves {
		if l != nil && l.SubjectSeq == 0 && visibleWhenRecorded(l) {
			subjects = append(subjects, l.Subject)
		}
	}
	if len(subjects) == 0 {
		return nums, nil
	}
	last := map[string]int64{}
	rows, _ := tx.Query(ctx, `SELECT subject, last FROM log_sequences WHERE subject = ANY($1)`, subjects)
	var subject string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&subject, &n}, func() error { last[subject] = n; return nil }); err != nil {
		return nil, fmt.Errorf("person sequences: %w", err)
	}
	for i, l := range leaves {
		if l == nil || l.SubjectSeq != 0 || !visibleWhenRecorded(l) {
			continue
		}
		last[l.Subject]++
		l.SubjectSeq = last[l.Subject]
		nums[i] = &l.SubjectSeq
	}
	ks := slices.Sorted(maps.Keys(last))
	vs := make([]int64, len(ks))
	for i, k := range ks {
		vs[i] = last[k]
	}
	if _, err := tx.Exec(ctx, `INSERT INTO log_sequences (subject, last) SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (subject) DO UPDATE SET last = excluded.last`, ks, vs); err != nil {
		return nil, fmt.Errorf("person sequences: %w", err)
	}
	return nums, nil
}

// visibleWhenRecorded reports whether the person could see the event of leaf l when it was recorded.
func visibleWhenRecorded(l *vlog.Leaf) bool {
	switch c := l.ConfidentialUntil; c {
	case "":
		return true
	case vlog.Infinity:
		return false
	default:
		t, err := time.Parse(vlog.TimeLayout, c)
		return err == nil && !t.After(l.ReceivedAt)
	}
}

// treeHash is tlog.TreeHash with the RFC 6962 root of the empty tree, SHA-256 of nothing, which
// tlog leaves as zeros.
func treeHash(n int64, r tlog.HashReader) (tlog.Hash, error) {
	if n == 0 {
		return sha256.Sum256(nil), nil
	}
	h, err := tlog.TreeHash(n, r)
	if err != nil {
		return h, fmt.Errorf("tree hash of %d: %w", n, err)
	}
	return h, nil
}

// adoptLegacy gives at most limit events stored before the log existed their leaves, oldest first.
func adoptLegacy(ctx context.Context, tx pgx.Tx, limit int) (int, error) {
	rows, _ := tx.Query(ctx, `SELECT `+leafSourceCols+` FROM log_legacy_events g
JOIN processing_events e ON e.id = g.event_id JOIN subjects s ON s.id = e.subject_id
ORDER BY e.received_at, e.id LIMIT $1`, limit)
	var srcs []leafSource
	var src leafSource
	targets, finish := sourceTargets(&src)
	if _, err := pgx.ForEachRow(rows, targets, func() error {
		finish()
		c := src
		c.categories = append([]string(nil), src.categories...)
		srcs = append(srcs, c)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("legacy events: %w", err)
	}
	if len(srcs) > 0 {
		if err := insertLeaves(ctx, tx, srcs); err != nil {
			return 0, err
		}
	}
	// Those given leaves, and any removed meanwhile, leave the list.
	if _, err := tx.Exec(ctx, `DELETE FROM log_legacy_events g WHERE EXISTS (SELECT 1 FROM log_leaves l WHERE l.event_id = g.event_id AND l.removed_at IS NULL AND l.kind = 'event')
 OR NOT EXISTS (SELECT 1 FROM processing_events e WHERE e.id = g.event_id)`); err != nil {
		return 0, fmt.Errorf("legacy events: %w", err)
	}
	return len(srcs), nil
}

// hashReader reads the tree's stored hashes from q, remembering what it read (and, in IntegrateLog,
// what it made).
type hashReader struct {
	ctx   context.Context
	q     querier
	cache map[int64]tlog.Hash
}

// ReadHashes returns the stored hashes at indexes, with one query for those not in the cache.
func (r *hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var missing []int64
	for _, x := range indexes {
		if _, ok := r.cache[x]; !ok {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		rows, _ := r.q.Query(r.ctx, `SELECT idx, hash FROM log_hashes WHERE idx = ANY($1)`, missing)
		var x int64
		var h []byte
		if _, err := pgx.ForEachRow(rows, []any{&x, &h}, func() error {
			if len(h) == tlog.HashSize {
				r.cache[x] = tlog.Hash(h)
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("read tree hashes: %w", err)
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := r.cache[x]
		if !ok {
			return nil, fmt.Errorf("tree hash %d is missing", x)
		}
		out[i] = h
	}
	return out, nil
}

// LogCheckpoint returns the latest signed checkpoint (a signed note) and its tree size; ENOTFOUND
// before the first one is signed.
func (db *DB) LogCheckpoint(ctx context.Context) (note []byte, size int64, err error) {
	var text string
	err = db.pool.QueryRow(ctx, `SELECT note, size FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&text, &size)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, portal.Errorf(portal.ENOTFOUND, "no checkpoint signed yet")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: log checkpoint: %w", err)
	}
	return []byte(text), size, nil
}

// LogTile returns the hashes of tile t of the tree at the latest checkpoint; ENOTFOUND for a tile
// that is not part of that tree (vlog.TileWithin), also one that would be in a later tree.
func (db *DB) LogTile(ctx context.Context, t tlog.Tile) ([]byte, error) {
	var size int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(size), 0) FROM log_checkpoints`).Scan(&size); err != nil {
		return nil, fmt.Errorf("postgres: log tile: %w", err)
	}
	if t.H != vlog.TileHeight || !vlog.TileWithin(t, size) {
		return nil, portal.Errorf(portal.ENOTFOUND, "no such tile")
	}
	data, err := tlog.ReadTileData(t, &hashReader{ctx: ctx, q: db.pool, cache: map[int64]tlog.Hash{}})
	if err != nil {
		return nil, fmt.Errorf("postgres: log tile: %w", err)
	}
	return data, nil
}

// ProveEvents makes the proof bundle of events ids (vlog.Bundle, without its verifier key): each
// event's leaf, its index and its inclusion proof against the latest checkpoint. An event not in that
// tree yet is listed as pending; an id without a leaf is left out. ENOTFOUND before the first
// checkpoint. The proofs' hashes are read with one query, however many events there are.
func (db *DB) ProveEvents(ctx context.Context, ids []string) (vlog.Bundle, error) {
	b := vlog.Bundle{Format: vlog.BundleFormat, Entries: []vlog.BundleEntry{}, Pending: []string{}}
	note, size, err := db.LogCheckpoint(ctx)
	if err != nil {
		return b, err
	}
	b.Checkpoint = string(note)
	b.Origin, _, _ = strings.Cut(b.Checkpoint, "\n")
	rows, _ := db.pool.Query(ctx, `SELECT event_id::text, leaf, tree_index FROM log_leaves WHERE event_id = ANY($1::uuid[]) AND removed_at IS NULL
ORDER BY tree_index NULLS LAST`, ids)
	var id string
	var leaf []byte
	var idx *int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &leaf, &idx}, func() error {
		if idx == nil || *idx >= size {
			b.Pending = append(b.Pending, id)
		} else {
			b.Entries = append(b.Entries, vlog.BundleEntry{EventID: id, Index: *idx, Leaf: slices.Clone(leaf)})
		}
		return nil
	}); err != nil {
		return b, fmt.Errorf("postgres: prove events: %w", err)
	}
	// Those still listed in the outbox get their leaves at the next integration.
	rows, _ = db.pool.Query(ctx, `SELECT u.id::text FROM event_outbox o, unnest(o.event_ids) AS u(id) WHERE u.id = ANY($1::uuid[])`, ids)
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { b.Pending = append(b.Pending, id); return nil }); err != nil {
		return b, fmt.Errorf("postgres: prove events: %w", err)
	}
	// First learn which stored hashes the proofs need, then read them all at once.
	need := map[int64]bool{}
	record := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		for _, x := range indexes {
			need[x] = true
		}
		return make([]tlog.Hash, len(indexes)), nil
	})
	for _, e := range b.Entries {
		if _, err := tlog.ProveRecord(size, e.Index, record); err != nil {
			return b, fmt.Errorf("postgres: prove events: %w", err)
		}
	}
	r := &hashReader{ctx: ctx, q: db.pool, cache: map[int64]tlog.Hash{}}
	if _, err := r.ReadHashes(slices.Collect(maps.Keys(need))); err != nil {
		return b, fmt.Errorf("postgres: prove events: %w", err)
	}
	for i, e := range b.Entries {
		p, err := tlog.ProveRecord(size, e.Index, r)
		if err != nil {
			return b, fmt.Errorf("postgres: prove events: %w", err)
		}
		b.Entries[i].Proof = p
	}
	return b, nil
}

// LogProblem is one disagreement CheckLog found between the events, the leaves and the tree.
type LogProblem struct {
	Kind    string // see the Problem* constants
	EventID string
	Index   int64 // the leaf's place in the tree; -1 when it has none
	Detail  string
}

// Kinds of LogProblem.
const (
	ProblemChanged    = "changed"    // the stored event no longer gives its leaf (Detail names the fields)
	ProblemGone       = "gone"       // a leaf whose event is no longer stored
	ProblemUnlogged   = "unlogged"   // an event without a leaf
	ProblemLeaf       = "leaf"       // a leaf that does not parse
	ProblemHash       = "hash"       // a stored tree hash that is not the one the leaves give
	ProblemCheckpoint = "checkpoint" // the latest checkpoint does not verify or does not match the tree
)

// LogCheck is the result of CheckLog.
type LogCheck struct {
	Size     int64 // the latest checkpoint's tree size
	Leaves   int64 // leaves in the tree
	Pending  int64 // leaves waiting for the integrator
	Removed  int64 // leaves whose event was removed (only their hash is kept)
	Problems []LogProblem
}

// CheckLog compares the database with the log: it makes every stored event's leaf again and compares
// it byte for byte with the leaf in the tree (confidential_until with the event's last amendment,
// when its confidentiality changed since; amendConfidentiality), rebuilds the tree
// from the leaves and compares every stored hash and the latest checkpoint's root, and checks that
// checkpoint's signature with vkey. It holds the tree's hashes in memory (64 bytes a leaf).
func (db *DB) CheckLog(ctx context.Context, vkey string) (LogCheck, error) {
	var c LogCheck
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		c = LogCheck{}
		// One snapshot for the whole check, so that concurrent ingest and integration are not
		// mistaken for problems.
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
			return err
		}
		return checkLogTx(ctx, tx, vkey, &c)
	})
	if err != nil {
		return c, fmt.Errorf("postgres: check log: %w", err)
	}
	return c, nil
}

func checkLogTx(ctx context.Context, tx pgx.Tx, vkey string, c *LogCheck) error {
	add := func(kind, id string, idx int64, detail string) {
		c.Problems = append(c.Problems, LogProblem{Kind: kind, EventID: id, Index: idx, Detail: detail})
	}
	var note string
	var root []byte
	err := tx.QueryRow(ctx, `SELECT size, root, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&c.Size, &root, &note)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if err == nil {
		cp, err := vlog.OpenCheckpoint([]byte(note), vkey)
		switch {
		case err != nil:
			add(ProblemCheckpoint, "", -1, err.Error())
		case cp.Size != c.Size || string(cp.Hash[:]) != string(root):
			add(ProblemCheckpoint, "", -1, "the signed note does not state the stored size and root")
		}
	}
	// The events whose confidentiality changed after they were recorded: their leaf states the value
	// of then, their amendments the later ones.
	rows, _ := tx.Query(ctx, `SELECT DISTINCT event_id::text FROM log_leaves WHERE kind <> 'event' AND removed_at IS NULL`)
	amendedIDs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("amended events: %w", err)
	}
	amended := map[string]bool{}
	for _, id := range amendedIDs {
		amended[id] = true
	}
	stated, current := map[string]string{}, map[string]string{} // of amended events: by the leaves, as stored
	// Every leaf in tree order with its event as stored now (or none).
	var src leafSource
	targets, finish := sourceTargets(&src)
	var idx *int64
	var eventID string
	var leaf, wsalt, kept []byte
	var present bool
	scan := append([]any{&idx, &eventID, &leaf, &wsalt, &kept, &present}, targets...)
	// A removed leaf (its event removed after the retention period or by a VNG DELETE) has only its
	// hash left, and is not compared with an event.
	rows, _ = tx.Query(ctx, `SELECT l.tree_index, l.event_id::text, l.leaf, l.withheld_salt, l.leaf_hash, e.id IS NOT NULL, `+
		nullableSource+` FROM log_leaves l LEFT JOIN processing_events e ON e.id = l.event_id AND l.removed_at IS NULL
LEFT JOIN subjects s ON s.id = e.subject_id ORDER BY l.tree_index NULLS LAST, l.seq`)
	var m vlog.MemoryHashes
	if _, err := pgx.ForEachRow(rows, scan, func() error {
		if idx == nil {
			c.Pending++
		} else {
			if *idx != c.Leaves {
				add(ProblemHash, eventID, *idx, fmt.Sprintf("leaf index %d where %d was expected", *idx, c.Leaves))
			}
			h := tlog.RecordHash(leaf)
			if leaf == nil && len(kept) == tlog.HashSize {
				h = tlog.Hash(kept)
			}
			if _, err := m.Append(c.Leaves, h); err != nil {
				return err
			}
			c.Leaves++
		}
		place := int64(-1)
		if idx != nil {
			place = *idx
		}
		if leaf == nil {
			c.Removed++
			return nil
		}
		if vlog.LeafKind(leaf) == vlog.KindConfidentiality {
			a, err := vlog.ParseAmendment(leaf)
			switch {
			case err != nil:
				add(ProblemLeaf, eventID, place, err.Error())
			case a.ID != eventID:
				add(ProblemLeaf, eventID, place, "the amendment names event "+a.ID)
			case present:
				finish()
				if a.Subject != vlog.Pseudonym(src.lookup) {
					add(ProblemChanged, eventID, place, "subject")
				}
				stated[eventID] = a.ConfidentialUntil // amendments come in the order they were made
			}
			return nil
		}
		stored, err := vlog.ParseLeaf(leaf)
		if err != nil {
			add(ProblemLeaf, eventID, place, err.Error())
			return nil
		}
		if !present {
			add(ProblemGone, eventID, place, "the event is no longer stored")
			return nil
		}
		finish()
		again := src.leaf(stored.Salt, base64.StdEncoding.EncodeToString(wsalt), vlog.Pseudonym(src.lookup))
		// The version and the number in the person's sequence are the log's, not the event's: the
		// tree's hash of the leaf guards them.
		again.Version, again.SubjectSeq = stored.Version, stored.SubjectSeq
		if amended[eventID] { // compared below with the last amendment
			if _, ok := stated[eventID]; !ok {
				stated[eventID] = stored.ConfidentialUntil
			}
			current[eventID] = again.ConfidentialUntil
			again.ConfidentialUntil = stored.ConfidentialUntil
		}
		if fields := diffLeaves(stored.Encode(), again.Encode()); len(fields) > 0 {
			add(ProblemChanged, eventID, place, strings.Join(fields, ", "))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("leaves: %w", err)
	}
	for id, cur := range current {
		if stated[id] != cur {
			add(ProblemChanged, id, -1, "confidential_until")
		}
	}
	// The stored hashes against those the leaves give.
	rows, _ = tx.Query(ctx, `SELECT idx, hash FROM log_hashes ORDER BY idx`)
	var x int64
	var h []byte
	seen := int64(0)
	if _, err := pgx.ForEachRow(rows, []any{&x, &h}, func() error {
		if x < 0 || x >= int64(len(m)) || string(m[x][:]) != string(h) {
			add(ProblemHash, "", -1, fmt.Sprintf("stored hash %d differs from the one the leaves give", x))
		}
		seen++
		return nil
	}); err != nil {
		return fmt.Errorf("hashes: %w", err)
	}
	if seen != int64(len(m)) {
		add(ProblemHash, "", -1, fmt.Sprintf("%d stored hashes, the leaves give %d", seen, len(m)))
	}
	if root != nil {
		if c.Size > c.Leaves {
			add(ProblemCheckpoint, "", -1, fmt.Sprintf("the checkpoint covers %d leaves, the tree holds %d", c.Size, c.Leaves))
		} else if got, err := treeHash(c.Size, &m); err != nil || string(got[:]) != string(root) {
			add(ProblemCheckpoint, "", -1, "the leaves do not give the checkpoint's root")
		}
	}
	// The events waiting in the outbox for their leaves.
	var waiting int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(cardinality(event_ids)), 0)::bigint FROM event_outbox`).Scan(&waiting); err != nil {
		return fmt.Errorf("event outbox: %w", err)
	}
	c.Pending += waiting
	// Events without a leaf (those stored before the log existed wait in log_legacy_events, those
	// stored since in event_outbox).
	rows, _ = tx.Query(ctx, `SELECT e.id::text FROM processing_events e
WHERE NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.event_id = e.id AND l.removed_at IS NULL AND l.kind = 'event')
  AND NOT EXISTS (SELECT 1 FROM log_legacy_events g WHERE g.event_id = e.id)
  AND e.id NOT IN (SELECT u.id FROM event_outbox o, unnest(o.event_ids) AS u(id)) ORDER BY e.id LIMIT $1`, maxUnloggedListed+1)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("unlogged events: %w", err)
	}
	for i, id := range ids {
		if i == maxUnloggedListed {
			add(ProblemUnlogged, "", -1, fmt.Sprintf("more than %d events have no leaf; only the first are named", maxUnloggedListed))
			break
		}
		add(ProblemUnlogged, id, -1, "the event has no leaf")
	}
	return nil
}

// maxUnloggedListed bounds the events without a leaf that one self-check names: a database filled
// around the log (millions of rows) must not fill the check's memory with their ids.
const maxUnloggedListed = 1000

// nullableSource is leafSourceCols for a LEFT JOIN that may find no event: the NOT NULL columns
// read as empty rather than NULL.
var nullableSource = strings.NewReplacer(
	"e.id::text", "coalesce(e.id::text, '')", "s.bsn_hmac", "coalesce(s.bsn_hmac, ''::bytea)",
	"e.occurred_at", "coalesce(e.occurred_at, 'epoch')", "e.received_at", "coalesce(e.received_at, 'epoch')",
	"e.activity_id", "coalesce(e.activity_id, '')", "e.action,", "coalesce(e.action, ''),",
	"e.data_categories", "coalesce(e.data_categories, '{}')", "e.level,", "coalesce(e.level, ''),",
	"e.actor_organization", "coalesce(e.actor_organization, '')", "e.actor_team", "coalesce(e.actor_team, '')",
	"e.actor_role", "coalesce(e.actor_role, '')", "e.actor_employee_id", "coalesce(e.actor_employee_id, '')",
	"e.actor_employee_name", "coalesce(e.actor_employee_name, '')", "e.system,", "coalesce(e.system, ''),",
	"e.case_ref", "coalesce(e.case_ref, '')", "e.recipient", "coalesce(e.recipient, '')",
	"e.access_basis", "coalesce(e.access_basis, '')", "e.break_glass_reason", "coalesce(e.break_glass_reason, '')",
	"e.consent_ref", "coalesce(e.consent_ref, '')", "e.against_will_decision_ref", "coalesce(e.against_will_decision_ref, '')",
	"e.against_will_reason", "coalesce(e.against_will_reason, '')", "e.against_will_approved_by", "coalesce(e.against_will_approved_by, '')",
	"e.span_name", "coalesce(e.span_name, '')", "e.failed", "coalesce(e.failed, false)",
).Replace(leafSourceCols)

// diffLeaves names the fields in which two encoded leaves differ.
func diffLeaves(a, b []byte) []string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	var out []string
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			name, _, _ := strings.Cut(x, " ")
			out = append(out, name)
		}
	}
	return out
}

// LogPosition returns the position of the live event leaf of event id (not in the tree, without a
// number, while the event waits in the outbox); ENOTFOUND when it has none (an event stored before
// the log existed, not yet adopted).
func (db *DB) LogPosition(ctx context.Context, id string) (vlog.Position, error) {
	var p vlog.Position
	var idx, sseq *int64
	err := db.pool.QueryRow(ctx, `SELECT tree_index, subject_seq FROM log_leaves
WHERE event_id = $1 AND kind = 'event' AND removed_at IS NULL`, id).Scan(&idx, &sseq)
	if errors.Is(err, pgx.ErrNoRows) {
		// Listed in the outbox: its leaf is made at the next integration.
		var waiting bool
		if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM event_outbox WHERE event_ids @> ARRAY[$1::uuid])`, id).Scan(&waiting); err != nil {
			return p, fmt.Errorf("postgres: log position: %w", err)
		}
		if waiting {
			return p, nil
		}
		return p, portal.Errorf(portal.ENOTFOUND, "the event has no leaf")
	}
	if err != nil {
		return p, fmt.Errorf("postgres: log position: %w", err)
	}
	if idx != nil {
		p.InTree, p.Index = true, *idx
	}
	if sseq != nil {
		p.SubjectSeq = *sseq
	}
	return p, nil
}

// RemovedLines returns the tombstones of the person subjectID's removed events (all when eventID is
// empty, else that one event's), in tree order.
func (db *DB) RemovedLines(ctx context.Context, subjectID int64, eventID string) ([]vlog.RemovedLine, error) {
	rows, _ := db.pool.Query(ctx, `SELECT event_id::text, tree_index, coalesce(subject_seq, 0), leaf_hash, removed_at, removed_why,
 coalesce(retention, '') FROM log_leaves WHERE subject_id = $1 AND removed_at IS NOT NULL AND kind = 'event'
 AND ($2 = '' OR event_id::text = $2) ORDER BY tree_index NULLS LAST, seq`, subjectID, eventID)
	var out []vlog.RemovedLine
	var r vlog.RemovedLine
	var idx *int64
	var h []byte
	if _, err := pgx.ForEachRow(rows, []any{&r.EventID, &idx, &r.SubjectSeq, &h, &r.RemovedAt, &r.Why, &r.Retention}, func() error {
		x := r
		x.InTree = idx != nil
		if idx != nil {
			x.Index = *idx
		}
		if len(h) == tlog.HashSize {
			x.LeafHash = tlog.Hash(h)
		}
		out = append(out, x)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: removed lines: %w", err)
	}
	return out, nil
}

// ProveRemoved adds to bundle b (made by ProveEvents) the tombstones of the person subjectID's
// removed events, each with its inclusion proof against b's checkpoint; those not in that tree are
// left out.
func (db *DB) ProveRemoved(ctx context.Context, b *vlog.Bundle, subjectID int64) error {
	lines, err := db.RemovedLines(ctx, subjectID, "")
	if err != nil {
		return err
	}
	_, rest, _ := strings.Cut(b.Checkpoint, "\n")
	sizeText, _, _ := strings.Cut(rest, "\n")
	var size int64
	if _, err := fmt.Sscan(sizeText, &size); err != nil {
		return fmt.Errorf("postgres: prove removed: the bundle's checkpoint: %w", err)
	}
	r := &hashReader{ctx: ctx, q: db.pool, cache: map[int64]tlog.Hash{}}
	for _, l := range lines {
		if !l.InTree || l.Index >= size {
			continue
		}
		p, err := tlog.ProveRecord(size, l.Index, r)
		if err != nil {
			return fmt.Errorf("postgres: prove removed: %w", err)
		}
		b.Removed = append(b.Removed, vlog.RemovedEntry{Index: l.Index, LeafHash: l.LeafHash, SubjectSeq: l.SubjectSeq,
			RemovedAt: vlog.FormatTime(l.RemovedAt), Why: l.Why, Retention: l.Retention, Proof: p})
	}
	return nil
}

// LogConsistency returns the RFC 6962 consistency proof from the tree of size old to that of size n
// (tlog.ProveTree), read from the stored hashes, for a witness (vlog.Pusher).
func (db *DB) LogConsistency(ctx context.Context, n, old int64) ([]tlog.Hash, error) {
	p, err := tlog.ProveTree(n, old, &hashReader{ctx: ctx, q: db.pool, cache: map[int64]tlog.Hash{}})
	if err != nil {
		return nil, fmt.Errorf("postgres: log consistency %d to %d: %w", old, n, err)
	}
	return p, nil
}

// AddCosignatures adds witnesses' cosignature lines to the stored checkpoint of size size (the
// published one, when it is the latest), leaving out a line of a key already on it
// (vlog.Cosigned). ENOTFOUND when there is no checkpoint of that size.
func (db *DB) AddCosignatures(ctx context.Context, size int64, lines []byte) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var text string
		err := tx.QueryRow(ctx, `SELECT note FROM log_checkpoints WHERE size = $1 FOR UPDATE`, size).Scan(&text)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Errorf(portal.ENOTFOUND, "no checkpoint of size %d", size)
		}
		if err != nil {
			return fmt.Errorf("postgres: add cosignatures: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE log_checkpoints SET note = $2 WHERE size = $1`, size,
			string(vlog.Cosigned([]byte(text), lines))); err != nil {
			return fmt.Errorf("postgres: add cosignatures: %w", err)
		}
		return nil
	})
}
