package httpbody_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal/httpbody"
)

const limit = 64 << 10

func compress(t testing.TB, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "rawdeflate":
		w, _ = flate.NewWriter(&buf, flate.BestCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	default:
		t.Fatalf("coding %s", coding)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// echoApp answers with what a handler sees through c.Body() and the Content-Encoding it sees.
func echoApp() *fiber.App {
	app := fiber.New(fiber.Config{BodyLimit: 16 << 20})
	app.Use(httpbody.New(httpbody.Config{Limit: limit}))
	app.Post("/", func(c *fiber.Ctx) error {
		c.Set("X-Seen-Encoding", c.Get(fiber.HeaderContentEncoding))
		return c.Send(c.Body())
	})
	return app
}

func post(t *testing.T, app *fiber.App, encoding string, body []byte) (int, string, []byte) {
	t.Helper()
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Seen-Encoding"), b
}

func TestMiddleware(t *testing.T) {
	small := []byte(`{"events":[` + strings.Repeat(`{"a":"b"},`, 100) + `{}]}`)
	atLimit := bytes.Repeat([]byte("x"), limit)
	over := bytes.Repeat([]byte("x"), limit+1)
	tests := []struct {
		name     string
		encoding string
		body     []byte
		status   int
		want     []byte // the body the handler saw
	}{
		{"plain", "", small, 200, small},
		{"plain at the limit", "", atLimit, 200, atLimit},
		{"plain over the limit", "", over, 413, nil},
		{"gzip", "gzip", compress(t, "gzip", small), 200, small},
		{"x-gzip upper case", "X-GZIP", compress(t, "gzip", small), 200, small},
		{"deflate (zlib)", "deflate", compress(t, "deflate", small), 200, small},
		{"deflate (raw)", "deflate", compress(t, "rawdeflate", small), 200, small},
		{"br", "br", compress(t, "br", small), 200, small},
		{"identity", "identity", small, 200, small},
		{"gzip at the limit", "gzip", compress(t, "gzip", atLimit), 200, atLimit},
		{"gzip over the limit", "gzip", compress(t, "gzip", over), 413, nil},
		{"deflate over the limit", "deflate", compress(t, "deflate", over), 413, nil},
		{"br over the limit", "br", compress(t, "br", over), 413, nil},
		{"gzip bomb", "gzip", gzipZeros(t, 8), 413, nil}, // 8 KB sent: the inflation, not the raw size, trips the limit
		{"unknown coding", "compress", small, 415, nil},
		{"zstd", "zstd", small, 415, nil},
		{"stacked", "gzip, br", compress(t, "br", compress(t, "gzip", small)), 415, nil},
		{"stacked same", "gzip, gzip", compress(t, "gzip", compress(t, "gzip", small)), 415, nil},
		{"identity then gzip", "identity, gzip", compress(t, "gzip", small), 200, small},
		{"not gzip", "gzip", small, 400, nil},
		{"truncated gzip", "gzip", compress(t, "gzip", small)[:20], 400, nil},
		{"not br", "br", small, 400, nil},
		{"empty gzip body", "gzip", nil, 200, []byte{}},
	}
	app := echoApp()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, seen, got := post(t, app, tt.encoding, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%.200s)", status, tt.status, got)
			}
			if status != 200 {
				return
			}
			if seen != "" {
				t.Errorf("the handler still saw Content-Encoding %q", seen)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("the handler saw %d bytes %.60q, want %d bytes %.60q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

// TestMiddlewareUnsupportedSaysWhat: a 415 for a coding names the ones that work (RFC 9110).
func TestMiddlewareUnsupportedSaysWhat(t *testing.T) {
	req := httptest.NewRequest("POST", "/", strings.NewReader("x"))
	req.Header.Set("Content-Encoding", "zstd")
	resp, err := echoApp().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Accept-Encoding"); got != httpbody.Supported {
		t.Errorf("Accept-Encoding %q, want %q", got, httpbody.Supported)
	}
}

func TestMiddlewareSkip(t *testing.T) {
	app := fiber.New()
	app.Use(httpbody.New(httpbody.Config{Limit: 10, Skip: func(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }}))
	app.Post("/*", func(c *fiber.Ctx) error { return c.SendStatus(204) })
	for path, want := range map[string]int{"/api/x": 204, "/form": 413} {
		resp, err := app.Test(httptest.NewRequest("POST", path, strings.NewReader(strings.Repeat("x", 11))), -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestInflateMemory inflates a 512 MiB gzip bomb and checks that the heap grew by little more than
// the limit: the bomb is never inflated whole.
func TestInflateMemory(t *testing.T) {
	bomb := gzipZeros(t, 512)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := httpbody.Inflate(bomb, "gzip", 1<<20)
	runtime.ReadMemStats(&after)
	var fe *fiber.Error
	if !errorsAs(err, &fe) || fe.Code != 413 {
		t.Fatalf("Inflate: %v, want a 413", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("inflating allocated %d MiB, want less than 1", grew>>20)
	}
}

func FuzzInflate(f *testing.F) {
	f.Add(compress(f, "gzip", []byte("hello")), "gzip")
	f.Add(compress(f, "deflate", []byte("hello")), "deflate")
	f.Add(compress(f, "br", []byte("hello")), "br")
	f.Fuzz(func(t *testing.T, b []byte, coding string) {
		out, err := httpbody.Inflate(b, coding, 1024)
		if err == nil && len(out) > 1024 {
			t.Fatalf("%d bytes out, limit 1024", len(out))
		}
	})
}

func errorsAs(err error, target **fiber.Error) bool {
	fe, ok := err.(*fiber.Error)
	if ok {
		*target = fe
	}
	return ok
}

// gzipZeros is a gzip body that inflates to mib MiB of zeros: one member of 1 MiB repeated (a
// gzip stream may hold several members), so it is cheap to make even under the race detector.
func gzipZeros(t testing.TB, mib int) []byte {
	member := compress(t, "gzip", make([]byte, 1<<20))
	return bytes.Repeat(member, mib)
}

// TestMiddlewareRepeatedHeaders: Content-Encoding sent on several lines is read whole. Fiber's Body()
// inflates by the last line, so an empty first line once let a gzip bomb through whole.
func TestMiddlewareRepeatedHeaders(t *testing.T) {
	small := []byte(`{"events":[]}`)
	bomb := gzipZeros(t, 8) // 8 KB as sent, under the limit; 8 MiB inflated, far over it
	if len(bomb) > limit {
		t.Fatalf("the bomb is %d bytes as sent; it must pass the raw limit to test the inflation", len(bomb))
	}
	app := echoApp()
	for _, tt := range []struct {
		name   string
		lines  []string
		body   []byte
		status int
	}{
		{"empty then gzip bomb", []string{"", "gzip"}, bomb, 413},
		{"blank then gzip bomb", []string{" ", "gzip"}, bomb, 413},
		{"empty then padded gzip bomb", []string{"", " gzip"}, bomb, 413},
		{"identity then gzip bomb", []string{"identity", "gzip"}, bomb, 413},
		{"gzip on two lines", []string{"gzip", "gzip"}, compress(t, "gzip", compress(t, "gzip", small)), 415},
		{"empty then gzip", []string{"", "gzip"}, compress(t, "gzip", small), 200},
		{"two empty lines", []string{"", ""}, small, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", bytes.NewReader(tt.body))
			for _, l := range tt.lines {
				req.Header.Add("Content-Encoding", l)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%d bytes seen), want %d", resp.StatusCode, len(got), tt.status)
			}
			if tt.status == 200 && (!bytes.Equal(got, small) || resp.Header.Get("X-Seen-Encoding") != "") {
				t.Errorf("the handler saw %.60q with Content-Encoding %q", got, resp.Header.Get("X-Seen-Encoding"))
			}
		})
	}
}
