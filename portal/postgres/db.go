// Package postgres is Inzicht's storage: every SQL statement lives here. It implements persistence for
// the domain types in package portal on PostgreSQL through pgx.
package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/bsnvault"
)

// DB is the storage. Create it with Open.
type DB struct {
	pool  *pgxpool.Pool
	vault *bsnvault.Vault
	clock atomic.Pointer[func() time.Time] // nil: time.Now
	// jobs inserts background jobs in the same transaction as the change that causes them; it does
	// not work them (see NewJobClient).
	jobs *river.Client[pgx.Tx]
	// limits bounds what one person can file (see SetFilingLimits); nil: the defaults.
	limits atomic.Pointer[portal.FilingLimits]
	// replica is the optional read replica (AttachReplica, replica.go); nil: every read goes to pool.
	replica atomic.Pointer[replica]
}

// Open connects to PostgreSQL at url. The vault keeps BSNs out of the tables in clear. It checks the
// connection before returning.
func Open(ctx context.Context, url string, vault *bsnvault.Vault, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", redact(cfg.ConnConfig), err)
	}
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: job client: %w", err)
	}
	return &DB{pool: pool, vault: vault, jobs: jobs}, nil
}

// Option adjusts the connection pool's configuration.
type Option func(*pgxpool.Config)

// WithQueryTracer sees every query the store sends (its SQL and arguments): for slow-query logging,
// and for the test that checks every citizen-facing query's plan.
func WithQueryTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}

// NewJobClient returns a River client on this database that works jobs as cfg says. Jobs are
// durable: they live in PostgreSQL, survive restarts and are retried after failures.
func (db *DB) NewJobClient(cfg *river.Config) (*river.Client[pgx.Tx], error) {
	return river.NewClient(riverpgxv5.New(db.pool), cfg)
}

func redact(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Close closes the pool (and the read replica's).
func (db *DB) Close() {
	db.closeReplica()
	db.pool.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// SetClock replaces the clock (tests).
// It is safe to call while the storage is in use (a test moving time under a running job worker).
func (db *DB) SetClock(now func() time.Time) { db.clock.Store(&now) }

func (db *DB) now() time.Time {
	if f := db.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// Transact runs fn in a transaction, committing when fn returns nil. Serialization failures and
// deadlocks are retried a few times, so fn must be safe to run again.
func (db *DB) Transact(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = pgx.BeginFunc(ctx, db.pool, fn)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") {
			continue
		}
		return err
	}
	return err
}

// transactRepeat runs an idempotent create in a transaction, once more when a concurrent twin
// inserted the same primary key first (constraint pkey): the second run then finds the stored
// row and answers as a repeat instead of failing.
func (db *DB) transactRepeat(ctx context.Context, pkey string, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.Transact(ctx, fn)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == pkey {
			continue
		}
		return err
	}
	return err
}

// storedHashes returns, by position in ids, the content hash stored under each id that table
// already holds (an empty hash when the content was destroyed). The table must have a uuid id and a
// content_hash column.
func storedHashes(ctx context.Context, tx pgx.Tx, table string, ids []string) (map[int][]byte, error) {
	rows, _ := tx.Query(ctx, `SELECT n.i::int, coalesce(t.content_hash, '') FROM unnest($1::uuid[]) WITH ORDINALITY AS n(id, i)
 JOIN `+pgx.Identifier{table}.Sanitize()+` t ON t.id = n.id`, ids)
	stored := make(map[int][]byte, len(ids))
	var i int
	var h []byte
	_, err := pgx.ForEachRow(rows, []any{&i, &h}, func() error {
		stored[i-1] = append([]byte(nil), h...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up ids: %w", err)
	}
	return stored, nil
}

// createOnce is the skeleton of an idempotent create of one row of table: when a row with the id is
// stored with the same content hash, create is skipped and created is false; with another hash the
// answer is ECONFLICT, naming what was created. Otherwise create runs in the transaction; a concurrent
// twin that commits the same id first makes it run again (transactRepeat) and answer as a repeat.
// load reads the stored row in the same transaction in both cases.
func (db *DB) createOnce(ctx context.Context, table, what, id string, hash []byte, create, load func(pgx.Tx) error) (created bool, err error) {
	err = db.transactRepeat(ctx, table+"_pkey", func(tx pgx.Tx) error {
		created = false
		stored, err := storedHashes(ctx, tx, table, []string{id})
		if err != nil {
			return err
		}
		if h, ok := stored[0]; ok {
			if !bytes.Equal(h, hash) {
				return &portal.Error{Code: portal.ECONFLICT, Message: "a " + what + " with this id but other content is already stored",
					Fields: []portal.FieldError{{Index: -1, Field: "id", Message: "already stored with other content"}}}
			}
		} else {
			if err := create(tx); err != nil {
				return err
			}
			created = true
		}
		return load(tx)
	})
	return created, err
}

// EnsureDatabase creates the database named in url when it does not exist, connecting to the
// server's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	name := cfg.Database
	if name == "" {
		return errors.New("postgres: DATABASE_URL names no database")
	}
	admin := cfg.Copy()
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("postgres: connect to %s: %w", redact(admin), err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: look up database: %w", err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P04" { // created concurrently
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgres: create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops the database named name on the server of url (tests and the benchmark).
func DropDatabase(ctx context.Context, url, name string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}
