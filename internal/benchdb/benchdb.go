// Package benchdb is the SQL of `inzicht bench`: bulk generation of realistic data in a scratch
// database, the plain-COPY baseline the ingest path is compared with, and the few look-ups the
// benchmark needs around them. It works on its own connection pool, next to (never inside) the
// product's storage in portal/postgres; nothing here runs in the portal itself.
package benchdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/inzicht/inzicht/portal"
)

// DB runs the benchmark's statements on a pool connected to a migrated scratch database.
type DB struct {
	pool *pgxpool.Pool
}

// New returns a DB on pool; the caller keeps owning (and closes) the pool.
func New(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

// Analyze refreshes the planner's statistics after a bulk load.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("benchdb: analyze: %w", err)
	}
	return nil
}

// TableSize reports the rows (the planner's estimate) and the on-disk size of a table with its
// indexes. It returns an error when the table does not exist.
func (db *DB) TableSize(ctx context.Context, table string) (rows int64, bytes int64, err error) {
	err = db.pool.QueryRow(ctx, `SELECT greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid)
FROM pg_class c WHERE c.oid = to_regclass($1)`, table).Scan(&rows, &bytes)
	if err != nil {
		return 0, 0, fmt.Errorf("benchdb: size of %s: %w", table, err)
	}
	return rows, bytes, nil
}

// EventAtDepth returns the cursor position (time, id) of a subject's k-th newest event (0-based), to
// start a deep page of their log from. It returns an error (pgx.ErrNoRows wrapped) when the subject
// has k events or fewer.
func (db *DB) EventAtDepth(ctx context.Context, subjectID int64, k int) (portal.Cursor, error) {
	var c portal.Cursor
	err := db.pool.QueryRow(ctx, `SELECT occurred_at, id::text FROM processing_events WHERE subject_id = $1
ORDER BY occurred_at DESC, id DESC OFFSET $2 LIMIT 1`, subjectID, k).Scan(&c.OccurredAt, &c.ID)
	if err != nil {
		return portal.Cursor{}, fmt.Errorf("benchdb: event %d of subject %d: %w", k, subjectID, err)
	}
	return c, nil
}

// ServerVersion is the PostgreSQL server's version, e.g. "15.19".
func (db *DB) ServerVersion(ctx context.Context) (string, error) {
	var v string
	if err := db.pool.QueryRow(ctx, `SHOW server_version`).Scan(&v); err != nil {
		return "", fmt.Errorf("benchdb: server version: %w", err)
	}
	v, _, _ = strings.Cut(v, " ")
	return v, nil
}

// Outbox returns how many stored events wait in the outbox for the log's integrator, and how long
// the oldest of them has waited (0 when none does): with the log on, how far the signed checkpoint
// lags behind what was stored.
func (db *DB) Outbox(ctx context.Context) (events int64, oldest time.Duration, err error) {
	var secs float64
	err = db.pool.QueryRow(ctx, `SELECT coalesce(sum(cardinality(event_ids)), 0),
  coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 FROM event_outbox`).Scan(&events, &secs)
	if err != nil {
		return 0, 0, fmt.Errorf("benchdb: outbox: %w", err)
	}
	return events, time.Duration(secs * float64(time.Second)), nil
}
