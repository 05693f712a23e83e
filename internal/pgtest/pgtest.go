// Package pgtest gives each test its own fresh PostgreSQL database built from the real migrations.
// It never skips: without a server the test fails and says how to start one.
//
// Migrating from scratch for every test is slow, so the migrations run once into a template database
// and every test's database is a copy of it (CREATE DATABASE … TEMPLATE). The template is named after
// a hash of the migration files (and of the job queue's version), so a changed migration makes a new
// template, and it is built under an advisory lock, so test binaries running at the same time build
// it once and never copy a half-made one.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/migrations"
	"github.com/inzicht/inzicht/portal/bsnvault"
	"github.com/inzicht/inzicht/portal/postgres"
)

// ServerURL is the server tests use: INZICHT_TEST_DATABASE_URL, or the local default.
func ServerURL() string {
	if u := os.Getenv("INZICHT_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Vault returns a vault with fixed test keys.
func Vault(t testing.TB) *bsnvault.Vault {
	t.Helper()
	v, err := vault()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func vault() (*bsnvault.Vault, error) {
	k := []byte(strings.Repeat("k", 32))
	return bsnvault.New([]byte(strings.Repeat("h", 32)), "t1", map[string][]byte{"t1": k})
}

// NewURL creates a fresh database with every migration applied (Inzicht's and the job queue's),
// copied from the template, and returns its URL; it is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tmpl, err := template(ctx)
	if err != nil {
		t.Fatalf("pgtest: template database: %v", err)
	}
	return newDatabase(ctx, t, tmpl)
}

// NewEmptyURL creates a fresh database with no tables at all (no migration applied) and returns its
// URL; it is dropped when the test ends. For tests of migrating itself.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return newDatabase(ctx, t, "")
}

// New returns a storage on a fresh migrated database (NewURL).
func New(t testing.TB) *postgres.DB {
	t.Helper()
	url := NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, url, Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// newDatabase creates a randomly named database, a copy of tmpl (or empty when tmpl is ""), and drops
// it when the test ends.
func newDatabase(ctx context.Context, t testing.TB, tmpl string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "inzicht_test_" + hex.EncodeToString(b)
	conn, err := admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if tmpl != "" {
		sql += " TEMPLATE " + pgx.Identifier{tmpl}.Sanitize()
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := postgres.DropDatabase(ctx, ServerURL(), name); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return replaceDB(ServerURL(), name)
}

// admin connects to the server's maintenance database.
func admin(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		return nil, fmt.Errorf("pgtest: parse %s: %w", ServerURL(), err)
	}
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgtest: no PostgreSQL for tests (%v). Start one at 127.0.0.1:5432 (user postgres, trust), "+
			"e.g. `bash .ci/run` does, or set INZICHT_TEST_DATABASE_URL", err)
	}
	return conn, nil
}

// The template is made once per test binary. This is the package's only state: a cache of work
// every test in the binary would otherwise repeat.
var (
	tmplMu   sync.Mutex
	tmplName string
)

// template returns the name of the migrated template database, building it if no test binary has.
// A failure is not cached: the next test tries again and reports its own error.
func template(ctx context.Context) (string, error) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmplName != "" {
		return tmplName, nil
	}
	sum, err := schemaHash()
	if err != nil {
		return "", err
	}
	name := "inzicht_tmpl_" + hex.EncodeToString(sum[:8])
	if err := ensureTemplate(ctx, name, int64(binary.BigEndian.Uint64(sum[8:16]))); err != nil {
		return "", err
	}
	tmplName = name
	return name, nil
}

// schemaHash hashes what decides the migrated schema: every migration file, the job queue's module
// versions (River brings its own migrations) and the way the template is made.
func schemaHash() ([sha256.Size]byte, error) {
	h := sha256.New()
	h.Write([]byte("pgtest template v1\n"))
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return [sha256.Size]byte{}, err
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if strings.HasPrefix(d.Path, "github.com/riverqueue/") {
				fmt.Fprintf(h, "%s %s\n", d.Path, d.Version)
			}
		}
	}
	var sum [sha256.Size]byte
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// ensureTemplate makes sure database name exists, fully migrated and marked as a template. The mark
// (IS_TEMPLATE, together with ALLOW_CONNECTIONS false so nothing connects while it is copied) is set
// in one statement after the migrations succeed, so a database without it is half-made: a run that
// was killed while migrating. Under the advisory lock nobody else can be building it, so it is dropped
// and made again.
func ensureTemplate(ctx context.Context, name string, lockKey int64) error {
	conn, err := admin(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if ready, err := templateReady(ctx, conn, name); err != nil || ready {
		return err
	}
	// A session lock: released on unlock, or by the server when a killed run's connection goes.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck // the connection closes next
	if ready, err := templateReady(ctx, conn, name); err != nil || ready {
		return err
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop half-made %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	if err := migrateTemplate(ctx, replaceDB(ServerURL(), name)); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	// Wait for the migration's sessions to be gone before marking it: CREATE DATABASE … TEMPLATE
	// refuses a source with sessions (it waits only five seconds for them).
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&n); err != nil {
			return fmt.Errorf("sessions on %s: %w", name, err)
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sessions on %s did not end: %w", name, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("mark %s as a template: %w", name, err)
	}
	return nil
}

func templateReady(ctx context.Context, conn *pgx.Conn, name string) (bool, error) {
	var ready bool
	err := conn.QueryRow(ctx, `SELECT datistemplate AND NOT datallowconn FROM pg_database WHERE datname = $1`, name).Scan(&ready)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", name, err)
	}
	return ready, nil
}

func migrateTemplate(ctx context.Context, url string) error {
	v, err := vault()
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, url, v)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.MigrateUp(ctx)
}

// replaceDB swaps the database name in a postgres:// URL.
func replaceDB(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	i := strings.LastIndex(base, "/")
	if i < len("postgres://") {
		base += "/"
		i = len(base) - 1
	}
	out := base[:i+1] + name
	if query != "" {
		out += "?" + query
	}
	return out
}
