package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// RemoveExpiredEvents removes, for every register entry, the processing events older than its
// retention period: batch rows per transaction (rows locked, never the table; SKIP LOCKED leaves
// rows another remover holds), until none is left. Reviews of removed break-the-glass accesses go
// with them. Each batch is recorded in retention_runs in the same statement that removes it; the
// runs, summed per entry, are returned. An event still waiting in the outbox for its leaf is left
// for the next run: every stored event gets its leaf before it may go, so the tree shows its removal.
func (db *DB) RemoveExpiredEvents(ctx context.Context, batch int) ([]portal.RetentionRun, error) {
	if batch <= 0 {
		batch = 5000
	}
	acts, err := db.Activities(ctx)
	if err != nil {
		return nil, err
	}
	var runs []portal.RetentionRun
	for _, a := range acts {
		r, err := portal.ParseRetention(a.Retention)
		if err != nil {
			continue // validated when stored; an old unreadable entry keeps its events
		}
		now := db.now()
		run := portal.RetentionRun{ActivityID: a.ID, Retention: a.Retention, Cutoff: r.Cutoff(now), StartedAt: now}
		for {
			// Each batch is removed and recorded in one statement: a crash loses neither.
			var removed, reviews int64
			if err := db.Transact(ctx, func(tx pgx.Tx) error {
				// After an integration under way, whose new leaves this statement removes too.
				if err := lockLog(ctx, tx); err != nil {
					return err
				}
				return tx.QueryRow(ctx, `
WITH doomed AS (
  SELECT id FROM processing_events e WHERE activity_id = $1 AND occurred_at < $2
    AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_ids @> ARRAY[e.id])
  LIMIT $3 FOR UPDATE SKIP LOCKED),
rev AS (DELETE FROM break_glass_reviews r USING doomed WHERE r.event_id = doomed.id RETURNING 1),
del AS (DELETE FROM processing_events e USING doomed WHERE e.id = doomed.id RETURNING 1),
lv AS (`+forgetLeaves("doomed", "$5", "'"+RemovedRetention+"'")+`),
n AS (SELECT (SELECT count(*) FROM del) AS removed, (SELECT count(*) FROM rev) AS reviews),
rec AS (INSERT INTO retention_runs (activity_id, retention, cutoff, removed, reviews_removed, started_at, finished_at)
  SELECT $1, $4, $2, n.removed, n.reviews, $5, $6 FROM n WHERE n.removed > 0)
SELECT removed, reviews FROM n`, a.ID, run.Cutoff, batch, a.Retention, now, db.now()).Scan(&removed, &reviews)
			}); err != nil {
				return runs, fmt.Errorf("postgres: remove expired events of %s: %w", a.ID, err)
			}
			run.Removed += removed
			run.ReviewsRemoved += reviews
			if removed < int64(batch) || ctx.Err() != nil {
				break
			}
		}
		// A representative's acts go with the events that record them in the person's log.
		if a.ID == portal.RepresentativeActivity {
			if _, err := db.pool.Exec(ctx, `DELETE FROM representative_acts WHERE at < $1`, run.Cutoff); err != nil {
				return runs, fmt.Errorf("postgres: remove expired representative acts: %w", err)
			}
		}
		// The VNG verwerkingsacties of the entry go with their events: their objects name the persons.
		if _, err := db.pool.Exec(ctx, `DELETE FROM verwerkingsacties WHERE activity_id = $1 AND tijdstip < $2`, a.ID, run.Cutoff); err != nil {
			return runs, fmt.Errorf("postgres: remove expired verwerkingsacties of %s: %w", a.ID, err)
		}
		if run.Removed > 0 {
			run.FinishedAt = db.now()
			runs = append(runs, run)
		}
	}
	// A VNG actie that cites no register entry (none of its objects is a person by BSN) makes no
	// events, but may name an afnemer by BSN: it is kept as long as the longest retention.
	if cutoff, ok := longestCutoff(acts, db.now()); ok {
		if _, err := db.pool.Exec(ctx, `DELETE FROM verwerkingsacties WHERE activity_id IS NULL AND tijdstip < $1`, cutoff); err != nil {
			return runs, fmt.Errorf("postgres: remove expired verwerkingsacties without a register entry: %w", err)
		}
	}
	return runs, ctx.Err()
}

// RemoveExpiredChainSpans removes the spans kept only for their chain (otlp_chain_spans) once they
// are older than the longest retention period in the register: a chain span may be the parent or
// origin of events of any register entry, so it stays as long as the longest-kept of them may, and
// no longer. Batches of batch rows, each its own statement. With an empty register nothing is
// removed. It returns how many were removed.
func (db *DB) RemoveExpiredChainSpans(ctx context.Context, batch int) (int64, error) {
	if batch <= 0 {
		batch = 5000
	}
	acts, err := db.Activities(ctx)
	if err != nil {
		return 0, err
	}
	cutoff, ok := longestCutoff(acts, db.now())
	if !ok {
		return 0, nil // no register, or an unreadable entry's retention: keep every chain span
	}
	var total int64
	for {
		tag, err := db.pool.Exec(ctx, `DELETE FROM otlp_chain_spans c USING (
  SELECT trace_id, span_id FROM otlp_chain_spans WHERE started_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) d
WHERE c.trace_id = d.trace_id AND c.span_id = d.span_id`, cutoff, batch)
		if err != nil {
			return total, fmt.Errorf("postgres: remove expired chain spans: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(batch) || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// longestCutoff is the cutoff of the register's longest retention period at now: what cites no
// entry (a chain span, a VNG actie without a person) is kept that long. ok is false without a
// register or when an entry's retention cannot be read (then nothing is removed).
func longestCutoff(acts []portal.Activity, now time.Time) (cutoff time.Time, ok bool) {
	for _, a := range acts {
		r, err := portal.ParseRetention(a.Retention)
		if err != nil {
			return time.Time{}, false
		}
		if c := r.Cutoff(now); cutoff.IsZero() || c.Before(cutoff) {
			cutoff = c
		}
	}
	return cutoff, !cutoff.IsZero()
}
