package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// StartStandby makes a streaming hot standby of the running cluster at primaryURL in dir (which must
// not exist yet) with pg_basebackup (--write-recovery-conf: it follows the primary over streaming
// replication), starts it on a free 127.0.0.1 port like Start, and returns its URL and stop function.
// The primary must allow replication connections from 127.0.0.1 (a cluster made by Start does).
func StartStandby(ctx context.Context, primaryURL, dir string, log *slog.Logger) (url string, stop func() error, err error) {
	initdb, _, ok := Binaries()
	if !ok {
		return "", nil, errors.New("pgcluster: initdb/pg_ctl not found. " + InstallHint)
	}
	basebackup := filepath.Join(filepath.Dir(initdb), "pg_basebackup")
	if !isExecutable(basebackup) {
		if basebackup, err = exec.LookPath("pg_basebackup"); err != nil {
			return "", nil, errors.New("pgcluster: pg_basebackup not found beside initdb or on PATH")
		}
	}
	pc, err := pgx.ParseConfig(primaryURL)
	if err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if exists(dir) {
		return "", nil, fmt.Errorf("pgcluster: standby directory %s exists already", dir)
	}
	r, err := newRunner()
	if err != nil {
		return "", nil, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if r.asRoot {
		for _, p := range []string{parent, dir} {
			if err := os.Lchown(p, r.uid, r.gid); err != nil {
				return "", nil, fmt.Errorf("pgcluster: hand %s to the %s user: %w", p, osUser, err)
			}
		}
	}
	out, err := r.run(ctx, parent, basebackup, "-h", pc.Host, "-p", fmt.Sprint(pc.Port), "-U", pc.User,
		"-D", dir, "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync")
	if err != nil {
		return "", nil, fmt.Errorf("pgcluster: pg_basebackup: %w%s", err, trimOut(out))
	}
	// The copied postmaster.opts and pid file belong to the primary; Start chooses its own port.
	_ = os.Remove(filepath.Join(dir, "postmaster.pid"))
	return Start(ctx, dir, log)
}

// PgBouncerBinary finds pgbouncer on PATH or in /usr/sbin (Debian's package). ok=false when missing.
func PgBouncerBinary() (string, bool) {
	if p := lookPath("pgbouncer", "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"); p != "" {
		return p, true
	}
	return "", false
}

// StartPgBouncer runs PgBouncer in transaction pooling mode in front of the cluster at serverURL, on
// a free 127.0.0.1 port, with its configuration and log in dir, and returns a URL for the same user
// and database through it and a stop function. Authentication is trust (a throwaway test setup).
func StartPgBouncer(ctx context.Context, serverURL, dir string) (url string, stop func() error, err error) {
	bin, ok := PgBouncerBinary()
	if !ok {
		return "", nil, errors.New("pgcluster: pgbouncer not found (Debian/Ubuntu: `sudo apt-get install pgbouncer`)")
	}
	sc, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	r, err := newRunner()
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return "", nil, fmt.Errorf("pgcluster: find a free port: %w", err)
	}
	users := filepath.Join(dir, "userlist.txt")
	conf := filepath.Join(dir, "pgbouncer.ini")
	logFile := filepath.Join(dir, "pgbouncer.log")
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
logfile = %s
`, sc.Host, sc.Port, port, users, logFile)
	if err := os.WriteFile(users, []byte(fmt.Sprintf("%q \"\"\n", sc.User)), 0o644); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.WriteFile(conf, []byte(ini), 0o644); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if r.asRoot {
		for _, p := range []string{dir, users, conf} {
			if err := os.Lchown(p, r.uid, r.gid); err != nil {
				return "", nil, fmt.Errorf("pgcluster: hand %s to the %s user: %w", p, osUser, err)
			}
		}
	}
	cmd := r.command(context.WithoutCancel(ctx), dir, bin, conf) // PgBouncer refuses to run as root
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("pgcluster: start pgbouncer: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	stop = func() error {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM) // immediate shutdown (SIGINT would wait for the clients)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
		return nil
	}
	url = fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", sc.User, port, sc.Database)
	if err := waitReady(ctx, url+"&default_query_exec_mode=simple_protocol", readyTimeout); err != nil {
		_ = stop()
		log, _ := os.ReadFile(logFile)
		return "", nil, fmt.Errorf("pgcluster: pgbouncer does not accept connections: %w\n%s%s", err, out.String(), log)
	}
	return url, stop, nil
}
