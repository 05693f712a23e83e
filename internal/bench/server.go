package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inzicht/inzicht/portal/oidcrp"
)

// RunAsMainEnv is set to "1" in the environment of the server the benchmark starts. The inzicht
// binary ignores it; a test binary that stands in for inzicht (the TestMain of cmd/inzicht) runs
// its main when it sees it, so the benchmark's test starts its server the way the real command
// does: by running itself with `serve`.
const RunAsMainEnv = "INZICHT_RUN_AS_MAIN"

// Server is `inzicht serve` run as a child process (this very binary, so the production code path),
// with its peak resident memory sampled on its own, apart from the load generator's.
type Server struct {
	URL    string       // http://127.0.0.1:port
	PID    int          // the child's process id
	Client *http.Client // a client for it, with idle connections for the configured clients
	rss    atomic.Int64 // peak resident set, bytes
	stop   func()
}

// StartServer runs `inzicht serve` against the migrated database at dbURL with the BSN keys, on a
// free local port, and waits until it is ready (at most 30 s). Until Stop it samples the server's
// peak resident memory every 50 ms. clients sizes the client's pool of idle connections. It returns
// an error, with the tail of the server's log, when the server fails to start or to get ready. env
// adds to (or overrides) the server's environment.
func StartServer(ctx context.Context, dbURL string, hmacKey, encKey []byte, clients int, env ...string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: find a free port: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{URL: "http://" + addr}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: find this binary: %w", err)
	}
	cmd := exec.Command(exe, "serve")
	cmd.Env = append(os.Environ(),
		RunAsMainEnv+"=1",
		"DATABASE_URL="+dbURL, "INZICHT_ADDR="+addr, "INZICHT_BASE_URL="+s.URL, "INZICHT_ENV=development",
		"INZICHT_LOG_LEVEL=warn", "INZICHT_API_RATE=100000000",
		// The events the bench fills in around the API have no leaves in the verifiable log: the
		// self-check would name them all while the pages are measured.
		"INZICHT_LOG_CHECK_EVERY=off",
		// Log-ins are not measured (sessions are made in the database); discovery is lazy, so
		// this issuer is never contacted.
		"INZICHT_OIDC_ISSUER=http://127.0.0.1:9/bench-no-login", "INZICHT_OIDC_CLIENT_ID=bench",
		"INZICHT_OIDC_CLIENT_SECRET="+oidcrp.Random(), "INZICHT_OIDC_REDIRECT_URL="+s.URL+"/inloggen/callback",
		"INZICHT_BSN_HMAC_KEY="+base64.StdEncoding.EncodeToString(hmacKey),
		"INZICHT_BSN_ENC_KEYS=bench:"+base64.StdEncoding.EncodeToString(encKey),
		"INZICHT_SMTP_URL=", "INZICHT_CLERK_EMAIL=")
	cmd.Env = append(cmd.Env, env...)
	logs := &tailBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the server: %w", err)
	}
	s.PID = cmd.Process.Pid
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-t.C:
			case <-exited:
				return
			}
		}
	}()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			s.sample()
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			<-sampled
		})
	}
	s.Client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: max(1, clients) * 2}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.Client.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("bench: the server stopped (%v):\n%s", waitErr, logs.String())
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("bench: the server did not get ready in 30 s:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PeakRSS is the server's peak resident memory sampled so far, in bytes; 0 where /proc is missing.
func (s *Server) PeakRSS() int64 { return s.rss.Load() }

// Stop interrupts the server (and kills it after 15 s), taking a last memory sample first. Later
// calls do nothing.
func (s *Server) Stop() { s.stop() }

// sample raises the recorded peak to the process's high-water mark.
func (s *Server) sample() {
	if v := peakRSS(s.PID); v > s.rss.Load() {
		s.rss.Store(v)
	}
}

// peakRSS reads the high-water mark of a process's resident memory (Linux), in bytes; 0 elsewhere.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// tailBuffer keeps the last max bytes written to it: the server's last words when it fails.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { t.mu.Lock(); defer t.mu.Unlock(); return string(t.buf) }
