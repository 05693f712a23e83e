package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

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

	form := "csrf=x&toelichting=" + string(bytes.Repeat([]byte("a"), 5<<19))
	if resp, _ := post("/verzoeken", "application/x-www-form-urlencoded", form); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2.5 MiB portal form: %d, want 413 from the portal's own limit", resp.StatusCode)
	}
}
