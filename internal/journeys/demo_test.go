package journeys

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/pgtest"
)

// The journeys drive the real program: `go build` makes cmd/inzicht (with the race detector when the
// tests run with it, so a data race in a handler under the browser's load fails the journey), and
// each suite runs `inzicht demo` as its own process on a fresh database, as a new user would.

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// inzichtBinary builds cmd/inzicht once per test run.
func inzichtBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goCmd, err := exec.LookPath("go") // go test puts GOROOT/bin first on the PATH
		if err != nil {
			buildErr = err
			return
		}
		buildDir, buildErr = os.MkdirTemp("", "inzicht-journeys-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "inzicht")
		args := []string{"build", "-o", binary}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(goCmd, append(args, "github.com/inzicht/inzicht/cmd/inzicht")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = &buildError{err: err, out: out.String()}
		}
	})
	if buildErr != nil {
		t.Fatalf("building cmd/inzicht: %v", buildErr)
	}
	return binary
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// lockedBuffer collects the demo's log lines while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startDemo runs `inzicht demo` on a fresh database and a random port; it returns the portal URL and
// the API key it printed. At the end of the test the demo is stopped with SIGTERM and must end cleanly
// (a race the detector found ends it with exit status 66).
func startDemo(t *testing.T) (base, key string) {
	t.Helper()
	bin := inzichtBinary(t)
	env := []string{"DATABASE_URL=" + pgtest.NewURL(t), "INZICHT_ADDR=127.0.0.1:0", "INZICHT_LOG_LEVEL=debug"}
	for _, kv := range os.Environ() {
		// Only the test's settings: none of the caller's INZICHT_* or DATABASE_URL.
		if !strings.HasPrefix(kv, "INZICHT_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(bin, "demo")
	cmd.Env = env
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the demo: %v", err)
	}
	done := make(chan error, 1)
	sc := bufio.NewScanner(stdout)
	wantKey := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "Portal:"); ok {
			base = strings.TrimSpace(v)
		}
		if wantKey && strings.HasPrefix(line, "inz_") {
			key = line
			break
		}
		wantKey = wantKey || strings.HasPrefix(line, "API key for this demo")
	}
	go func() { io.Copy(io.Discard, stdout); done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the demo ended with %v; its log:\n%s", err, tail(logs.String(), 60))
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("the demo did not stop within 30 s of SIGTERM")
		}
	})
	if base == "" || key == "" {
		t.Fatalf("the demo printed no URL or key; its log:\n%s", tail(logs.String(), 60))
	}
	return base, key
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// apiDo calls the demo's API with its key.
func apiDo(t *testing.T, base, key, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, base+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
