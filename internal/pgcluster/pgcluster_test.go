package pgcluster

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// needBinaries fails under CI=true and skips elsewhere when PostgreSQL is not installed.
func needBinaries(t *testing.T) (initdb, pgctl string) {
	t.Helper()
	initdb, pgctl, ok := Binaries()
	if !ok {
		msg := "initdb/pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin. " + InstallHint
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return initdb, pgctl
}

func TestBinaries(t *testing.T) {
	initdb, pgctl := needBinaries(t)
	for _, p := range []string{initdb, pgctl} {
		if !filepath.IsAbs(p) || !isExecutable(p) {
			t.Errorf("Binaries returned %q, want an absolute path to an executable", p)
		}
	}
	if filepath.Base(initdb) != "initdb" || filepath.Base(pgctl) != "pg_ctl" {
		t.Errorf("Binaries() = %q, %q", initdb, pgctl)
	}
}

func TestSortNewestFirst(t *testing.T) {
	dirs := []string{
		"/usr/lib/postgresql/9.6/bin",
		"/usr/lib/postgresql/15/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/16/bin",
	}
	sortNewestFirst(dirs)
	want := []string{
		"/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/15/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/9.6/bin",
	}
	if !reflect.DeepEqual(dirs, want) {
		t.Errorf("got %v, want %v", dirs, want)
	}
}

func TestReadPidFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "postmaster.pid")
	body := "4242\n/x/pgdata\n1700000000\n54321\n/x\n127.0.0.1\n  1234567     98304\nready   \n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	pf, err := readPidFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if pf != (pidFile{pid: 4242, port: 54321, status: "ready"}) {
		t.Errorf("got %+v", pf)
	}
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"/a b/pg_ctl", "-o", "-c x='it''s'"})
	want := `exec '/a b/pg_ctl' '-o' '-c x='\''it'\'''\''s'\'''`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestInstallHint(t *testing.T) {
	for _, s := range []string{"apt-get install postgresql", "brew install postgresql@15", "DATABASE_URL"} {
		if !strings.Contains(InstallHint, s) {
			t.Errorf("InstallHint lacks %q", s)
		}
	}
}

func query(ctx context.Context, url, sql string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(ctx, sql).Scan(&n)
	return n, err
}

func exec1(t *testing.T, ctx context.Context, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

func TestStart(t *testing.T) {
	needBinaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// As root, PostgreSQL runs as the postgres user, which must be able to traverse the temp dirs.
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A relative dir, as `inzicht demo` passes it, must work too.
	t.Chdir(base)
	dir := filepath.Join(".inzicht", "pgdata")
	abs := filepath.Join(base, dir)

	url, stop, err := Start(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	stops := []func() error{stop}
	t.Cleanup(func() {
		for _, s := range stops {
			_ = s()
		}
	})
	if !strings.HasPrefix(url, "postgres://postgres@127.0.0.1:") || !strings.HasSuffix(url, "/postgres?sslmode=disable") {
		t.Errorf("url = %s", url)
	}
	if n, err := query(ctx, url, "SELECT 1"); err != nil || n != 1 {
		t.Fatalf("SELECT 1 = %d, %v", n, err)
	}
	exec1(t, ctx, url, "CREATE TABLE marker (n int); INSERT INTO marker VALUES (7)")
	if _, err := os.Stat(filepath.Join(base, ".inzicht", "postgres.log")); err != nil {
		t.Errorf("log file: %v", err)
	}
	ver, err := os.Stat(filepath.Join(abs, "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}

	// A second Start reuses the running cluster, and its stop leaves it running.
	url2, stop2, err := Start(ctx, abs, log)
	if err != nil {
		t.Fatal(err)
	}
	if url2 != url {
		t.Errorf("second Start: url %s, want %s", url2, url)
	}
	if err := stop2(); err != nil {
		t.Errorf("reuse stop: %v", err)
	}
	if n, err := query(ctx, url, "SELECT 1"); err != nil || n != 1 {
		t.Fatalf("after reuse stop: SELECT 1 = %d, %v", n, err)
	}

	// stop stops it; a second call is harmless.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if _, err := query(ctx, url, "SELECT 1"); err == nil {
		t.Fatal("cluster still answers after stop")
	}
	if _, err := os.Stat(filepath.Join(abs, "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid after stop: %v", err)
	}

	// Start again restarts the existing data dir: same PG_VERSION file, data kept.
	url3, stop3, err := Start(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	stops = append(stops, stop3)
	if n, err := query(ctx, url3, "SELECT n FROM marker"); err != nil || n != 7 {
		t.Fatalf("after restart: marker = %d, %v (was the cluster re-initialized?)", n, err)
	}
	ver2, err := os.Stat(filepath.Join(abs, "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if !ver2.ModTime().Equal(ver.ModTime()) {
		t.Errorf("PG_VERSION rewritten: initdb ran again")
	}
	if err := stop3(); err != nil {
		t.Fatal(err)
	}
	if _, err := query(ctx, url3, "SELECT 1"); err == nil {
		t.Fatal("cluster still answers after second stop")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
