package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
	"github.com/inzicht/inzicht/portal/web"
)

// readRecorder is the real storage that notes, per citizen read of the request list, whether the
// request allowed the read replica.
type readRecorder struct {
	*postgres.DB
	mu      sync.Mutex
	allowed []bool
}

func (r *readRecorder) Requests(ctx context.Context, subjectID int64) ([]portal.RightsRequest, error) {
	r.mu.Lock()
	r.allowed = append(r.allowed, portal.ReplicaAllowed(ctx))
	r.mu.Unlock()
	return r.DB.Requests(ctx, subjectID)
}

func (r *readRecorder) last() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.allowed[len(r.allowed)-1]
}

// TestReadYourWrites: with a replica configured, a citizen's pages may read it, but after the
// citizen files a request the browser carries a short-lived marker and its next pages read the
// primary, so the new request is shown at once; another citizen's pages still read the replica.
// Without a replica nothing is marked and no marker is set.
func TestReadYourWrites(t *testing.T) {
	e := newEnv(t, web.Config{}, web.Deps{})
	rec := &readRecorder{DB: e.db}
	app, err := web.New(web.Config{BaseURL: "http://localhost", Municipality: "Gemeente Voorbeeldstad", ReadYourWrites: 10 * time.Second},
		web.Deps{Store: rec, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	a, csrfA := e.citizen(bsnA)
	b, _ := e.citizen(bsnB)
	send := func(app *fiber.App, method, path, session string, extra []*http.Cookie, kv ...string) *http.Response {
		t.Helper()
		var req *http.Request
		if method == "POST" {
			req = httptest.NewRequest(method, path, form(kv...))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.AddCookie(&http.Cookie{Name: "__Host-inzicht_session", Value: session})
		for _, c := range extra {
			req.AddCookie(c)
		}
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	marker := func(res *http.Response) *http.Cookie {
		for _, c := range res.Cookies() {
			if c.Name == "__Host-inzicht_primary" {
				return c
			}
		}
		return nil
	}

	if res := send(app, "GET", "/verzoeken", a, nil); res.StatusCode != 200 || !rec.last() || marker(res) != nil {
		t.Fatalf("A's list before any change: %d, replica allowed %v, marker %v; want 200, true, none", res.StatusCode, rec.last(), marker(res))
	}
	res := send(app, "POST", "/verzoeken", a, nil, "csrf", csrfA, "soort", "inzage", "omvang", "alles", "toelichting", "Wat weet u van mij?")
	m := marker(res)
	if res.StatusCode != 303 || m == nil || m.MaxAge != 10 || !m.HttpOnly || !m.Secure {
		t.Fatalf("filing: %d, marker %+v; want 303 and a 10-second, HttpOnly, Secure marker", res.StatusCode, m)
	}
	res = send(app, "GET", "/verzoeken", a, []*http.Cookie{{Name: m.Name, Value: m.Value}})
	if res.StatusCode != 200 || rec.last() {
		t.Errorf("A's list right after filing: %d, replica allowed %v; want the primary", res.StatusCode, rec.last())
	}
	subjA, err := e.db.EnsureSubject(context.Background(), bsnA)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.db.Requests(context.Background(), subjA)
	if err != nil || len(rs) != 1 {
		t.Fatalf("stored requests of A: %d %v, want 1", len(rs), err)
	}
	if res := send(app, "GET", "/verzoeken", b, nil); res.StatusCode != 200 || !rec.last() {
		t.Errorf("B's list: %d, replica allowed %v; want the replica", res.StatusCode, rec.last())
	}

	// Without a replica: nothing is marked, no marker is set.
	plain, err := web.New(web.Config{BaseURL: "http://localhost", Municipality: "Gemeente Voorbeeldstad"},
		web.Deps{Store: rec, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if res := send(plain, "GET", "/verzoeken", b, nil); res.StatusCode != 200 || rec.last() {
		t.Errorf("without a replica: %d, replica allowed %v", res.StatusCode, rec.last())
	}
	res = send(plain, "POST", "/verzoeken", a, nil, "csrf", csrfA, "soort", "inzage", "omvang", "alles", "toelichting", "Nog een vraag")
	if marker(res) != nil {
		t.Errorf("without a replica a POST set the marker")
	}
}
