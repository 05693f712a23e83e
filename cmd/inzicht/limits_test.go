package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/api"
)

// TestAPIHasItsOwnBodyLimit: the API is routed in front of the portal with its own limits, not
// mounted inside the portal under the portal's (Fiber's Mount keeps none of a sub-app's server
// settings). A batch larger than the portal's 1 MiB but within api.MaxBody is taken; 2.5 MiB is
// refused by the API's own limit, as a problem document; a portal form of the same size is refused
// by the portal's limit.
func TestAPIHasItsOwnBodyLimit(t *testing.T) {
	base, key, _ := startDemo(t, io.Discard)
	padded := func(size int) string {
		head := `{"events":[` + eventJSON(uuid.NewString(), "999993653", "Wmo-consulent") + `]`
		return head + strings.Repeat(" ", size-len(head)-1) + "}"
	}
	post := func(path, contentType, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	body := padded(3 << 19) // 1.5 MiB: over the portal's limit, within the API's
	if len(body) > api.MaxBody {
		t.Fatal("test body over api.MaxBody")
	}
	if resp, b := post("/api/v1/processing-events", "application/json", body); resp.StatusCode != 200 ||
		!strings.Contains(b, `"accepted":1`) {
		t.Errorf("1.5 MiB batch: %d %.200s, want 200 with one event accepted", resp.StatusCode, b)
	}

	body = padded(5 << 19) // 2.5 MiB
	resp, b := post("/api/v1/processing-events", "application/json", body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2.5 MiB batch: %d %.200s, want 413", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") ||
		!strings.Contains(b, "larger than") {
		t.Errorf("2.5 MiB batch answered %q %.200s, want the API's problem document", ct, b)
	}

	// Past 3 MiB nobody, authenticated or not, makes the server read the body (it was 8 MiB once the
	// API's own hard stop governed the listening app). The server answers as soon as it sees the
	// announced length, so the body is never sent (a client still writing it would see a reset).
	for _, path := range []string{"/api/v1/processing-events", "/verzoeken"} {
		if status := announce(t, base, path, 7<<19); status != http.StatusRequestEntityTooLarge {
			t.Errorf("3.5 MiB announced to %s: %d, want 413 from the server's limit", path, status)
		}
	}

	form := "csrf=x&toelichting=" + string(bytes.Repeat([]byte("a"), 5<<19))
	if resp, _ := post("/verzoeken", "application/x-www-form-urlencoded", form); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2.5 MiB portal form: %d, want 413 from the portal's own limit", resp.StatusCode)
	}
}

// announce sends only the head of a POST that says its body is size bytes, and returns the status the
// server answers with before any of the body is sent.
func announce(t *testing.T, base, path string, size int) int {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, u.Host, size)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
