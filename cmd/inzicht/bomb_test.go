package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/pgtest"
)

// gzipZeros is a gzip body of about mib/1000 MiB that inflates to mib MiB of zeros: one member of
// 1 MiB, repeated (a gzip stream may hold several members).
func gzipZeros(t *testing.T, mib int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(buf.Bytes(), mib)
}

// TestDecompressionBomb runs the real server as a child process and sends it 500 MiB of zeros as
// gzip (under 1 MB on the wire), to the API and to a portal form. Both must be refused with 413 and
// the server's peak resident memory (VmHWM) must grow by less than 50 MB: a compressed body is
// inflated through the size limit, never whole.
func TestDecompressionBomb(t *testing.T) {
	srv, _, key := childServer(t, pgtest.NewURL(t), 1, "events:write")

	bomb := gzipZeros(t, 500)
	send := func(path, contentType string, body []byte) int {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// Warm up both paths with small compressed bodies, so the baseline holds what any request costs.
	var warm bytes.Buffer
	zw := gzip.NewWriter(&warm)
	zw.Write([]byte(`{"events":[]}`))
	zw.Close()
	for range 3 {
		if got := send("/api/v1/processing-events", "application/json", warm.Bytes()); got != 422 {
			t.Fatalf("a small gzip batch: %d, want 422 (no events)", got)
		}
		send("/verzoeken", "application/x-www-form-urlencoded", warm.Bytes())
	}
	time.Sleep(200 * time.Millisecond) // let the sampler read the baseline
	before := srv.PeakRSS()
	t.Logf("bomb: %d KB of gzip, inflating to 500 MiB; server peak RSS before %d MB", len(bomb)>>10, before>>20)

	for _, c := range []struct{ path, contentType string }{
		{"/api/v1/processing-events", "application/json"},
		{"/verzoeken", "application/x-www-form-urlencoded"},
		{"/uitloggen", "application/x-www-form-urlencoded"},
	} {
		if got := send(c.path, c.contentType, bomb); got != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with the bomb: %d, want 413", c.path, got)
		}
	}
	srv.Stop() // takes a last sample
	after := srv.PeakRSS()
	grew := after - before
	t.Logf("server peak RSS after the bombs %d MB: grew %.1f MB", after>>20, float64(grew)/(1<<20))
	if before <= 0 || after <= 0 {
		t.Fatalf("the server's memory was not sampled (before %d, after %d)", before, after)
	}
	if grew >= 50<<20 {
		t.Errorf("the server's peak resident memory grew by %d MB, want less than 50 MB", grew>>20)
	}
}
