package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/inzicht/inzicht/migrations"
)

// MigrationStatus tells where the schema stands.
type MigrationStatus struct {
	Current uint   // applied version, 0 when none
	Dirty   bool   // a migration failed half-way and needs attention
	Latest  uint   // newest version the binary knows
	Pending []uint // known versions not yet applied
	// QueueReady reports whether the job queue's own tables (River's migrations) are current.
	QueueReady bool
}

// UpToDate reports whether the schema is at the binary's latest version and clean, job queue included.
func (s MigrationStatus) UpToDate() bool { return !s.Dirty && s.Current == s.Latest && s.QueueReady }

func (db *DB) queueMigrator() (*rivermigrate.Migrator[pgx.Tx], error) {
	m, err := rivermigrate.New(riverpgxv5.New(db.pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("postgres: job queue migrator: %w", err)
	}
	return m, nil
}

func (db *DB) migrator() (*migrate.Migrate, func(), error) {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	drv, err := pgxmigrate.WithInstance(sqlDB, &pgxmigrate.Config{})
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("postgres: migrate driver: %w", err)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("postgres: migration files: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	// m.Close releases the connection the driver holds; without it the pool never closes.
	return m, func() { m.Close(); sqlDB.Close() }, nil
}

// MigrateUp applies every pending migration.
func (db *DB) MigrateUp(ctx context.Context) error {
	m, done, err := db.migrator()
	if err != nil {
		return err
	}
	defer done()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres: migrate up: %w", err)
	}
	// The job queue's tables come with River, which versions them itself.
	qm, err := db.queueMigrator()
	if err != nil {
		return err
	}
	if _, err := qm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("postgres: migrate job queue up: %w", err)
	}
	return nil
}

// MigrateDown reverts the newest applied migration.
func (db *DB) MigrateDown(ctx context.Context) error {
	m, done, err := db.migrator()
	if err != nil {
		return err
	}
	defer done()
	if err := m.Steps(-1); err != nil {
		return fmt.Errorf("postgres: migrate down: %w", err)
	}
	return nil
}

// MigrationStatus reports the applied and the known versions.
func (db *DB) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	known, err := knownVersions()
	if err != nil {
		return MigrationStatus{}, err
	}
	var st MigrationStatus
	if len(known) > 0 {
		st.Latest = known[len(known)-1]
	}
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return st, fmt.Errorf("postgres: migration status: %w", err)
	}
	if exists {
		var v int64
		err := db.pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &st.Dirty)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return st, fmt.Errorf("postgres: migration status: %w", err)
		}
		if v > 0 {
			st.Current = uint(v)
		}
	}
	for _, v := range known {
		if v > st.Current {
			st.Pending = append(st.Pending, v)
		}
	}
	qm, err := db.queueMigrator()
	if err != nil {
		return st, err
	}
	vr, err := qm.Validate(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("postgres: job queue migration status: %w", err)
	}
	st.QueueReady = vr.OK
	return st, nil
}

func knownVersions() ([]uint, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("postgres: read migrations: %w", err)
	}
	var vs []uint
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".up.sql") {
			continue
		}
		n, err := strconv.ParseUint(strings.SplitN(e.Name(), "_", 2)[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: bad version", e.Name())
		}
		vs = append(vs, uint(n))
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
	return vs, nil
}

// SchemaUpToDate reports whether every migration the binary knows has been applied cleanly.
func (db *DB) SchemaUpToDate(ctx context.Context) (bool, error) {
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return false, err
	}
	return st.UpToDate(), nil
}
