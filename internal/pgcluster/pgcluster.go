// Package pgcluster runs a throwaway PostgreSQL cluster for `inzicht demo` when no server answers at
// 127.0.0.1:5432 but the PostgreSQL binaries (initdb, pg_ctl) are installed.
//
// The cluster lives in a data directory such as ./.inzicht/pgdata, listens only on 127.0.0.1 on a free port,
// uses trust authentication for the "postgres" user and logs to postgres.log next to the data directory.
// initdb and postgres refuse to run as root; when the caller is root they are run as the "postgres" OS user.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// InstallHint is the message shown when neither a server nor the binaries are there.
const InstallHint = "PostgreSQL is needed: install it (Debian/Ubuntu: `sudo apt-get install postgresql`; " +
	"macOS: `brew install postgresql@15`) so `inzicht demo` can start a throwaway cluster under ./.inzicht/, " +
	"or set DATABASE_URL to an existing database (e.g. postgres://postgres@127.0.0.1:5432/inzicht_demo?sslmode=disable)."

const (
	// readyTimeout bounds how long Start waits for the server to accept connections.
	readyTimeout = 30 * time.Second
	// stopTimeout bounds pg_ctl stop.
	stopTimeout = 60 * time.Second
	// osUser is the account initdb/postgres run as when the caller is root.
	osUser = "postgres"
	// maxSocketPath is the usable length of a unix socket path (sun_path is 108 bytes on Linux, 104 on macOS).
	maxSocketPath = 103
)

// binDirPatterns are searched, newest version first, when initdb/pg_ctl are not on PATH:
// Debian/Ubuntu, then Homebrew kegs (keg-only postgresql@NN is not linked onto PATH), then PGDG RPMs.
var binDirPatterns = []string{
	"/usr/lib/postgresql/*/bin",
	"/opt/homebrew/opt/postgresql@*/bin",
	"/usr/local/opt/postgresql@*/bin",
	"/usr/pgsql-*/bin",
}

// Binaries finds initdb and pg_ctl: first on PATH, then the newest /usr/lib/postgresql/*/bin
// (then Homebrew's postgresql@NN kegs and /usr/pgsql-NN/bin). ok=false when missing.
func Binaries() (initdb, pgctl string, ok bool) {
	i, err1 := exec.LookPath("initdb")
	p, err2 := exec.LookPath("pg_ctl")
	if err1 == nil && err2 == nil {
		return i, p, true
	}
	for _, pattern := range binDirPatterns {
		dirs, _ := filepath.Glob(pattern)
		sortNewestFirst(dirs)
		for _, d := range dirs {
			i, p := filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")
			if isExecutable(i) && isExecutable(p) {
				return i, p, true
			}
		}
	}
	return "", "", false
}

var versionRE = regexp.MustCompile(`\d+(?:\.\d+)*`)

// sortNewestFirst orders bin directories by the last version number in their path, highest first.
func sortNewestFirst(dirs []string) {
	version := func(s string) []int {
		m := versionRE.FindAllString(s, -1)
		if len(m) == 0 {
			return nil
		}
		var v []int
		for _, part := range strings.Split(m[len(m)-1], ".") {
			n, _ := strconv.Atoi(part)
			v = append(v, n)
		}
		return v
	}
	sort.SliceStable(dirs, func(a, b int) bool {
		va, vb := version(dirs[a]), version(dirs[b])
		for k := 0; k < len(va) && k < len(vb); k++ {
			if va[k] != vb[k] {
				return va[k] > vb[k]
			}
		}
		if len(va) != len(vb) {
			return len(va) > len(vb)
		}
		return dirs[a] > dirs[b]
	})
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Start makes (first time: initdb with trust auth, user "postgres", UTF8, locale C) or reuses a cluster in
// dir (e.g. ".inzicht/pgdata"), starts it with pg_ctl on a free 127.0.0.1 port, waits until it accepts
// connections (up to 30 s) and returns its URL and a stop function (pg_ctl stop -m fast).
// If the cluster in dir is already running, it is reused and the returned stop does nothing.
func Start(ctx context.Context, dir string, log *slog.Logger) (url string, stop func() error, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	noop := func() error { return nil }
	initdb, pgctl, ok := Binaries()
	if !ok {
		return "", nil, errors.New("pgcluster: initdb/pg_ctl not found. " + InstallHint)
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	parent := filepath.Dir(dir)
	logFile := filepath.Join(parent, "postgres.log")

	// An already running cluster in dir is reused as is.
	if port, ok, err := runningPort(ctx, dir, log); err != nil {
		return "", nil, err
	} else if ok {
		url := clusterURL(port)
		log.Info("reusing running PostgreSQL cluster", "dir", dir, "port", port)
		if err := waitReady(ctx, url, readyTimeout); err != nil {
			return "", nil, fmt.Errorf("pgcluster: cluster in %s is running (port %d) but does not accept connections: %w%s",
				dir, port, err, logTail(logFile))
		}
		return url, noop, nil
	}

	r, err := newRunner()
	if err != nil {
		return "", nil, err
	}

	// Make the directories (and the log file) and, as root, hand them to the postgres user.
	parentExisted := exists(parent)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	}
	if f, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
		return "", nil, fmt.Errorf("pgcluster: %w", err)
	} else {
		_ = f.Close()
	}
	// The socket goes next to the data dir when we may own that directory (it is ".inzicht" or we made it)
	// and the path fits in a unix socket address; otherwise into a private temp dir.
	sockDir := parent
	ownParent := filepath.Base(parent) == ".inzicht" || !parentExisted
	tempSock := ""
	if !ownParent || len(filepath.Join(parent, ".s.PGSQL.65535.lock")) > maxSocketPath {
		if tempSock, err = os.MkdirTemp("", "inzicht-pg-"); err != nil {
			return "", nil, fmt.Errorf("pgcluster: %w", err)
		}
		sockDir = tempSock
	}
	cleanupSock := func() {
		if tempSock != "" {
			_ = os.RemoveAll(tempSock)
		}
	}
	if r.asRoot {
		paths := []string{dir, logFile}
		if ownParent {
			paths = append(paths, parent)
		}
		if tempSock != "" {
			paths = append(paths, tempSock)
		}
		for _, p := range paths {
			if err := os.Lchown(p, r.uid, r.gid); err != nil {
				cleanupSock()
				return "", nil, fmt.Errorf("pgcluster: hand %s to the %s user: %w", p, osUser, err)
			}
		}
		// Every parent directory must be traversable by the postgres user (a project under /root is not).
		if out, err := r.run(ctx, parent, "test", "-w", dir); err != nil {
			cleanupSock()
			return "", nil, fmt.Errorf("pgcluster: running as root, so PostgreSQL runs as the %q user, which cannot "+
				"write %s (%v%s); make its parent directories traversable (chmod o+x) or run `inzicht demo` "+
				"from a directory outside /root", osUser, dir, err, trimOut(out))
		}
	}

	if !exists(filepath.Join(dir, "PG_VERSION")) {
		log.Info("initializing PostgreSQL cluster", "dir", dir, "initdb", initdb)
		out, err := r.run(ctx, parent, initdb, "-D", dir, "-U", "postgres", "-A", "trust",
			"-E", "UTF8", "--locale=C", "--no-sync")
		if err != nil {
			cleanupSock()
			return "", nil, fmt.Errorf("pgcluster: initdb %s: %w%s", dir, err, trimOut(out))
		}
		log.Debug("initdb done", "output", string(out))
	}

	var port int
	for attempt := 1; ; attempt++ {
		if port, err = freePort(); err != nil {
			cleanupSock()
			return "", nil, fmt.Errorf("pgcluster: find a free port: %w", err)
		}
		opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s",
			port, shellQuote(sockDir))
		log.Info("starting PostgreSQL cluster", "dir", dir, "port", port, "log", logFile)
		before := fileSize(logFile)
		out, err := r.run(ctx, parent, pgctl, "start", "-D", dir, "-l", logFile, "-w", "-t", "30", "-o", opts)
		if err == nil {
			break
		}
		newLog := logSince(logFile, before)
		if attempt < 3 && strings.Contains(newLog, "could not bind") {
			log.Warn("port taken, retrying", "port", port)
			continue
		}
		cleanupSock()
		return "", nil, fmt.Errorf("pgcluster: pg_ctl start: %w%s%s", err, trimOut(out), logTail(logFile))
	}

	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			defer cleanupSock()
			sctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			out, err := r.run(sctx, parent, pgctl, "stop", "-D", dir, "-m", "fast", "-w")
			if err != nil && !exists(filepath.Join(dir, "postmaster.pid")) {
				err = nil // already stopped (e.g. by a terminal's SIGINT)
			}
			if err != nil {
				stopErr = fmt.Errorf("pgcluster: pg_ctl stop: %w%s", err, trimOut(out))
				return
			}
			log.Info("stopped PostgreSQL cluster", "dir", dir)
		})
		return stopErr
	}

	url = clusterURL(port)
	if err := waitReady(ctx, url, readyTimeout); err != nil {
		_ = stop()
		return "", nil, fmt.Errorf("pgcluster: cluster in %s started but does not accept connections: %w%s",
			dir, err, logTail(logFile))
	}
	return url, stop, nil
}

func clusterURL(port int) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// runningPort reports the port of a live postmaster for dir, from dir/postmaster.pid. A postmaster that is
// shutting down is waited for and then reported as not running.
func runningPort(ctx context.Context, dir string, log *slog.Logger) (int, bool, error) {
	deadline := time.Now().Add(readyTimeout)
	for {
		pf, err := readPidFile(filepath.Join(dir, "postmaster.pid"))
		if err != nil || !postmasterAlive(pf.pid) {
			return 0, false, nil // no or stale pid file: pg_ctl/postgres deal with the stale file
		}
		if pf.status != "stopping" {
			if pf.port <= 0 {
				return 0, false, fmt.Errorf("pgcluster: %s/postmaster.pid names live process %d but no port", dir, pf.pid)
			}
			return pf.port, true, nil
		}
		if time.Now().After(deadline) {
			return 0, false, fmt.Errorf("pgcluster: cluster in %s (pid %d) is still shutting down", dir, pf.pid)
		}
		log.Info("waiting for PostgreSQL cluster to finish shutting down", "dir", dir, "pid", pf.pid)
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

type pidFile struct {
	pid, port int
	status    string
}

// readPidFile parses postmaster.pid: line 1 PID, 2 data dir, 3 start time, 4 port, 5 socket dir,
// 6 listen address, 7 shared memory key, 8 status (since PostgreSQL 10).
func readPidFile(path string) (pidFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return pidFile{}, err
	}
	lines := strings.Split(string(b), "\n")
	var pf pidFile
	if pf.pid, err = strconv.Atoi(strings.TrimSpace(lines[0])); err != nil || pf.pid <= 0 {
		return pidFile{}, fmt.Errorf("pgcluster: bad pid in %s", path)
	}
	if len(lines) > 3 {
		pf.port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	}
	if len(lines) > 7 {
		pf.status = strings.TrimSpace(lines[7])
	}
	return pf, nil
}

// postmasterAlive reports whether pid is a live process and, where /proc tells, a postgres one
// (a stale pid file may name a reused pid).
func postmasterAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if err := p.Signal(syscall.Signal(0)); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
		c := strings.TrimSpace(string(comm))
		return strings.Contains(c, "postgres") || strings.Contains(c, "postmaster")
	}
	return true
}

// waitReady connects and pings until it works, timeout passes or ctx ends.
func waitReady(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		conn, err := pgx.Connect(actx, url)
		if err == nil {
			err = conn.Ping(actx)
			_ = conn.Close(context.Background())
		}
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runner runs the PostgreSQL tools, as the postgres OS user when the caller is root.
type runner struct {
	asRoot   bool
	uid, gid int
	runuser  string // path of runuser, or "" to use su
	su       string
}

func newRunner() (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	u, err := user.Lookup(osUser)
	if err != nil {
		return runner{}, fmt.Errorf("pgcluster: running as root, but PostgreSQL refuses to run as root and there is "+
			"no %q OS user to run it as (%v); run `inzicht demo` as a normal user, create the user "+
			"(`useradd --system postgres`), or set DATABASE_URL", osUser, err)
	}
	r := runner{asRoot: true}
	if r.uid, err = strconv.Atoi(u.Uid); err != nil {
		return runner{}, fmt.Errorf("pgcluster: uid of %s: %w", osUser, err)
	}
	if r.gid, err = strconv.Atoi(u.Gid); err != nil {
		return runner{}, fmt.Errorf("pgcluster: gid of %s: %w", osUser, err)
	}
	r.runuser = lookPath("runuser", "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
	if r.runuser == "" {
		r.su = lookPath("su", "/bin/su", "/usr/bin/su")
		if r.su == "" {
			return runner{}, fmt.Errorf("pgcluster: running as root, but neither runuser nor su is available "+
				"to run PostgreSQL as the %q user", osUser)
		}
	}
	return r, nil
}

func lookPath(name string, fallbacks ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range fallbacks {
		if isExecutable(p) {
			return p
		}
	}
	return ""
}

// run runs name with args in workDir and returns its combined output.
func (r runner) run(ctx context.Context, workDir, name string, args ...string) ([]byte, error) {
	cmd := r.command(ctx, workDir, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// The postmaster pg_ctl leaves behind writes to the log file, but never let a stray inherited pipe hang us.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	return out.Bytes(), err
}

// command is the command that runs name with args in workDir, as the postgres OS user when root.
func (r runner) command(ctx context.Context, workDir, name string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	switch {
	case !r.asRoot:
		cmd = exec.CommandContext(ctx, name, args...)
	case r.runuser != "":
		cmd = exec.CommandContext(ctx, r.runuser, append([]string{"-u", osUser, "--", name}, args...)...)
	default:
		cmd = exec.CommandContext(ctx, r.su, osUser, "-s", "/bin/sh", "-c", shellJoin(append([]string{name}, args...)))
	}
	cmd.Dir = workDir
	return cmd
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return "exec " + strings.Join(q, " ")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logSince returns what was appended to the log file after offset.
func logSince(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	return string(b)
}

// logTail formats the end of the server log for an error message.
func logTail(path string) string {
	size := fileSize(path)
	if size == 0 {
		return ""
	}
	t := strings.TrimSpace(logSince(path, max(0, size-2000)))
	if t == "" {
		return ""
	}
	return fmt.Sprintf("\n--- end of %s ---\n%s", path, t)
}

func trimOut(out []byte) string {
	s := strings.TrimSpace(string(out))
	if s == "" {
		return ""
	}
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return ": " + s
}

// Restart restarts the running cluster in dir with `pg_ctl restart -m fast` (open connections are
// cut, as when a database server is restarted under a running service) and waits until it accepts
// connections again. The cluster keeps its port: pg_ctl reuses the options it was started with.
func Restart(ctx context.Context, dir string) error {
	_, pgctl, ok := Binaries()
	if !ok {
		return errors.New("pgcluster: pg_ctl not found. " + InstallHint)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	r, err := newRunner()
	if err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	out, err := r.run(ctx, parent, pgctl, "restart", "-D", dir, "-m", "fast", "-w", "-t", "30",
		"-l", filepath.Join(parent, "postgres.log"))
	if err != nil {
		return fmt.Errorf("pgcluster: pg_ctl restart: %w%s", err, trimOut(out))
	}
	return nil
}
