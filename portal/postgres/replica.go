package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/inzicht/inzicht/portal"
)

// The read replica router. A DB may have one read replica (AttachReplica). A reading method that
// may serve stale data asks db.reader(ctx) for its querier: the replica when the request allowed it
// (portal.AllowReplica, set by the portal for citizen and council pages that do not follow the
// reader's own change) and the replica is usable — it answered its last check and lags the primary
// by no more than the bound — and the primary otherwise. A replica query that fails because the
// replica went away (connection lost, server shutting down, a conflict with recovery) marks it
// unusable and runs again on the primary, so a replica that goes down fails no request. Writes, and
// every method that does not ask reader, use the primary.

// ReplicaConfig configures the read replica.
type ReplicaConfig struct {
	URL string
	// MaxLag is the largest lag at which the replica is still read (default 5 s).
	MaxLag time.Duration
	// CheckEvery is how often the lag is measured (default 1 s).
	CheckEvery time.Duration
	Log        *slog.Logger
}

// ReplicaStatus is what the metrics show of the replica.
type ReplicaStatus struct {
	Configured bool
	Usable     bool          // the portal reads it now
	Lag        time.Duration // the last measured lag (-1: never measured)
	Fallbacks  int64         // replica queries run again on the primary since start
}

type replica struct {
	pool      *pgxpool.Pool
	cfg       ReplicaConfig
	usable    atomic.Bool
	lag       atomic.Int64 // nanoseconds; -1 before the first measurement
	fallbacks atomic.Int64
	stop      context.CancelFunc
	done      chan struct{}

	// marks are the primary's WAL positions of the last checks, oldest first, so the lag is the
	// age of the oldest position the replica has not replayed yet.
	mu    sync.Mutex
	marks []walMark
}

type walMark struct {
	at  time.Time
	lsn uint64
}

// AttachReplica connects the read replica and starts measuring its lag. A replica that does not
// answer yet is not an error: it is read once a check finds it answering and caught up. It returns an
// error for a URL that cannot be parsed. Call it once, before the DB is used; Close stops it.
func (db *DB) AttachReplica(ctx context.Context, cfg ReplicaConfig, opts ...Option) error {
	if cfg.MaxLag <= 0 {
		cfg.MaxLag = 5 * time.Second
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return fmt.Errorf("postgres: parse INZICHT_DATABASE_REPLICA_URL: %w", err)
	}
	for _, o := range opts {
		o(pc)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc) // connects lazily
	if err != nil {
		return fmt.Errorf("postgres: replica: %w", err)
	}
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &replica{pool: pool, cfg: cfg, stop: cancel, done: make(chan struct{})}
	r.lag.Store(-1)
	db.replica.Store(r)
	r.check(mctx, db.pool) // the first measurement before the first request
	go r.monitor(mctx, db.pool)
	return nil
}

// ReplicaStatus reports the replica's state (for the metrics).
func (db *DB) ReplicaStatus() ReplicaStatus {
	r := db.replica.Load()
	if r == nil {
		return ReplicaStatus{Lag: -1}
	}
	return ReplicaStatus{Configured: true, Usable: r.usable.Load(), Lag: time.Duration(r.lag.Load()),
		Fallbacks: r.fallbacks.Load()}
}

func (db *DB) closeReplica() {
	if r := db.replica.Load(); r != nil {
		r.stop()
		<-r.done
		r.pool.Close()
	}
}

// reader returns where a read that may be stale goes: the replica when ctx allows it and the replica
// is usable, else the primary.
func (db *DB) reader(ctx context.Context) querier {
	r := db.replica.Load()
	if r == nil || !portal.ReplicaAllowed(ctx) || !r.usable.Load() {
		return db.pool
	}
	return routed{r: r, primary: db.pool}
}

func (r *replica) monitor(ctx context.Context, primary *pgxpool.Pool) {
	defer close(r.done)
	t := time.NewTicker(r.cfg.CheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.check(ctx, primary)
		}
	}
}

// check measures the lag: it notes the primary's current WAL position and asks the replica how far
// it has replayed; the lag is the age of the oldest noted position beyond that (0 when it has
// replayed them all). A replica that does not answer, or lags more than MaxLag, is not read.
func (r *replica) check(ctx context.Context, primary *pgxpool.Pool) {
	cctx, cancel := context.WithTimeout(ctx, max(r.cfg.CheckEvery, time.Second))
	defer cancel()
	now := time.Now()
	var plsn string
	if err := primary.QueryRow(cctx, `SELECT pg_current_wal_lsn()::text`).Scan(&plsn); err == nil {
		if lsn, err := parseLSN(plsn); err == nil {
			r.mu.Lock()
			r.marks = append(r.marks, walMark{at: now, lsn: lsn})
			// Keep the marks of twice the bound (a longer lag is over the bound anyway).
			for len(r.marks) > 1 && now.Sub(r.marks[0].at) > 2*r.cfg.MaxLag+2*r.cfg.CheckEvery {
				r.marks = r.marks[1:]
			}
			r.mu.Unlock()
		}
	}
	var rlsn *string
	var inRecovery bool
	err := r.pool.QueryRow(cctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text`).Scan(&inRecovery, &rlsn)
	if err != nil {
		if r.usable.Swap(false) {
			r.cfg.Log.Warn("read replica not answering; reading the primary", "err", err)
		}
		return
	}
	var lag time.Duration
	if inRecovery && rlsn != nil {
		replayed, err := parseLSN(*rlsn)
		if err != nil {
			r.usable.Store(false)
			return
		}
		r.mu.Lock()
		for _, m := range r.marks {
			if m.lsn > replayed {
				lag = now.Sub(m.at)
				break
			}
		}
		r.mu.Unlock()
	}
	r.lag.Store(int64(lag))
	ok := lag <= r.cfg.MaxLag
	if was := r.usable.Swap(ok); was != ok {
		if ok {
			r.cfg.Log.Info("read replica in use", "lag", lag.String())
		} else {
			r.cfg.Log.Warn("read replica lags more than its bound; reading the primary", "lag", lag.String(),
				"max_lag", r.cfg.MaxLag.String())
		}
	}
}

// parseLSN reads a pg_lsn's text form (two hexadecimal halves, "16/B374D848").
func parseLSN(s string) (uint64, error) {
	var hi, lo uint32
	if _, err := fmt.Sscanf(s, "%X/%X", &hi, &lo); err != nil {
		return 0, fmt.Errorf("postgres: bad LSN %q: %w", s, err)
	}
	return uint64(hi)<<32 | uint64(lo), nil
}

// replicaGone reports whether err means the replica cannot answer now (so the primary should),
// rather than a fault of the query itself, which the primary would repeat.
func replicaGone(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, pgx.ErrNoRows) {
		return false
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return true // no answer from the server: connection refused, reset, closed
	}
	switch {
	case len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:2] == "57" || pe.Code[:2] == "53"):
		return true // connection exception, operator intervention (shutdown), insufficient resources
	case pe.Code == "40001" || pe.Code == "40P01":
		return true // on a standby: canceled by a conflict with recovery
	}
	return false
}

// routed runs a query on the replica and, when the replica is gone before the first row, on the
// primary.
type routed struct {
	r       *replica
	primary *pgxpool.Pool
}

func (q routed) fallBack(err error) {
	q.r.fallbacks.Add(1)
	if q.r.usable.Swap(false) {
		q.r.cfg.Log.Warn("read replica failed a query; reading the primary", "err", err)
	}
}

func (q routed) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := q.r.pool.Query(ctx, sql, args...)
	if err != nil {
		if !replicaGone(ctx, err) {
			return rows, err
		}
		q.fallBack(err)
		return q.primary.Query(ctx, sql, args...)
	}
	return &fallbackRows{Rows: rows, retry: func(err error) (pgx.Rows, error) {
		q.fallBack(err)
		return q.primary.Query(ctx, sql, args...)
	}, ctx: ctx}, nil
}

func (q routed) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return routedRow{q: q, ctx: ctx, sql: sql, args: args}
}

// fallbackRows are a replica's rows that are replaced by the primary's when the replica fails before
// delivering the first row (its rows are then none of the answer yet).
type fallbackRows struct {
	pgx.Rows
	ctx   context.Context
	seen  bool
	retry func(error) (pgx.Rows, error) // nil once used
	err   error
}

func (f *fallbackRows) Next() bool {
	if f.err != nil {
		return false
	}
	if f.Rows.Next() {
		f.seen = true
		return true
	}
	if err := f.Rows.Err(); !f.seen && f.retry != nil && replicaGone(f.ctx, err) {
		f.Rows.Close()
		retry := f.retry
		f.retry = nil
		rows, rerr := retry(err)
		if rerr != nil {
			f.err = rerr
			return false
		}
		f.Rows = rows
		return f.Next()
	}
	return false
}

func (f *fallbackRows) Err() error {
	if f.err != nil {
		return f.err
	}
	return f.Rows.Err()
}

// routedRow is QueryRow over routed.Query (as pgx's own row is over its Query).
type routedRow struct {
	q    routed
	ctx  context.Context
	sql  string
	args []any
}

func (r routedRow) Scan(dest ...any) error {
	rows, err := r.q.Query(r.ctx, r.sql, r.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// sendReadBatch sends the batch of reads build makes: to the replica when reader would choose it, else
// (or when the replica fails it) to the primary. A batch cannot be sent twice (pgx keeps the statement
// it prepared on the first connection in it), so build makes it afresh for the primary; its callbacks
// set their results anew each time, so the answer kept is the primary's.
func (db *DB) sendReadBatch(ctx context.Context, build func() *pgx.Batch) error {
	q, ok := db.reader(ctx).(routed)
	if !ok {
		return db.pool.SendBatch(ctx, build()).Close()
	}
	err := q.r.pool.SendBatch(ctx, build()).Close()
	if err == nil || !replicaGone(ctx, err) {
		return err
	}
	q.fallBack(err)
	return db.pool.SendBatch(ctx, build()).Close()
}
