package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/oidctest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/web"
)

// loginEnv is a portal whose citizen login goes to a fake provider.
func loginEnv(t *testing.T) (*env, *oidctest.Provider) {
	p := oidctest.New(t)
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: "http://localhost/inloggen/callback"})
	return newEnv(t, web.Config{}, web.Deps{CitizenRP: rp}), p
}

func cookieOf(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// startLogin hits /inloggen and follows the fake provider's redirect; it returns the login cookie and
// the callback query the provider sent back.
func startLogin(t *testing.T, e *env) (loginCookie string, callback url.Values) {
	t.Helper()
	resp, _ := e.do("GET", "/inloggen", "", "", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/inloggen: %d", resp.StatusCode)
	}
	lc := cookieOf(resp, "__Host-inzicht_login")
	if lc == nil || !lc.Secure || !lc.HttpOnly || lc.Path != "/" {
		t.Fatalf("login cookie: %+v", lc)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := c.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return lc.Value, u.Query()
}

func callback(e *env, loginCookie string, q url.Values, session string) (*http.Response, string) {
	hdr := []string{}
	if loginCookie != "" {
		hdr = append(hdr, "Cookie", "__Host-inzicht_login="+loginCookie+sessionPart(session))
	}
	return e.do("GET", "/inloggen/callback?"+q.Encode(), "", "", nil, hdr...)
}

func sessionPart(s string) string {
	if s == "" {
		return ""
	}
	return "; __Host-inzicht_session=" + s
}

func TestLoginMakesAFreshSecureSession(t *testing.T) {
	t.Parallel()
	e, p := loginEnv(t)
	// A session cookie planted before login (fixation) must not survive it.
	planted, _ := e.citizen(bsnB)
	lc, q := startLogin(t, e)
	resp, _ := callback(e, lc, q, planted)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/overzicht" {
		t.Fatalf("callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := cookieOf(resp, "__Host-inzicht_session")
	if sc == nil || sc.Value == "" || sc.Value == planted {
		t.Fatalf("no new session cookie: %+v", sc)
	}
	if !sc.Secure || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Domain != "" {
		t.Errorf("session cookie attributes: %+v", sc)
	}
	if len(sc.Value) < 22 {
		t.Errorf("session id too short for 128 bits: %d chars", len(sc.Value))
	}
	if r, _ := e.do("GET", "/overzicht", planted, "", nil); r.StatusCode == 200 {
		t.Error("the planted session still works after login")
	}
	r, body := e.do("GET", "/overzicht", sc.Value, "", nil)
	if r.StatusCode != 200 || !strings.Contains(body, portal.MaskBSN(oidctest.DefaultBSN)) {
		t.Fatalf("new session: %d", r.StatusCode)
	}
	// Logout ends the session here and sends the login's ID token as id_token_hint to the provider.
	csrf := ""
	_, page := e.do("GET", "/uitloggen", sc.Value, "", nil)
	if m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page); m != nil {
		csrf = m[1]
	}
	out, _ := e.do("POST", "/uitloggen", sc.Value, "", form("csrf", csrf), "Content-Type", "application/x-www-form-urlencoded")
	loc, _ := url.Parse(out.Header.Get("Location"))
	if out.StatusCode != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), p.URL+"/end-session") {
		t.Fatalf("logout: %d %s", out.StatusCode, out.Header.Get("Location"))
	}
	if hint := loc.Query().Get("id_token_hint"); strings.Count(hint, ".") != 2 || loc.Query().Get("post_logout_redirect_uri") != "http://localhost/uitgelogd" {
		t.Errorf("end-session URL lacks the ID token hint or the return address: %s", loc)
	}
	if r, _ := e.do("GET", "/overzicht", sc.Value, "", nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("session alive after logout: %d", r.StatusCode)
	}

	// The callback is single use: replaying it makes no session.
	resp, _ = callback(e, lc, q, "")
	if resp.StatusCode == http.StatusSeeOther || cookieOf(resp, "__Host-inzicht_session") != nil {
		t.Errorf("replayed callback: %d", resp.StatusCode)
	}
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		knobs  oidctest.Knobs
		tamper func(lc *string, q url.Values)
		status int
		says   string
	}{
		{"wrong state", oidctest.Knobs{StateOverride: "forged-state-value-forged-state-value"}, nil, 401, "Inloggen is niet gelukt"},
		{"no login cookie", oidctest.Knobs{}, func(lc *string, _ url.Values) { *lc = "" }, 400, "Inloggen is niet gelukt"},
		{"other browser's cookie", oidctest.Knobs{}, func(lc *string, _ url.Values) { *lc = "someone-elses" }, 400, "Inloggen is niet gelukt"},
		{"wrong nonce", oidctest.Knobs{Nonce: "not-the-nonce"}, nil, 401, "Inloggen is niet gelukt"},
		{"wrong issuer", oidctest.Knobs{Issuer: "https://evil.example"}, nil, 401, "Inloggen is niet gelukt"},
		{"wrong audience", oidctest.Knobs{Audience: []string{"another-client"}}, nil, 401, "Inloggen is niet gelukt"},
		{"expired", oidctest.Knobs{ExpiresIn: -time.Minute}, nil, 401, "Inloggen is niet gelukt"},
		{"unsigned", oidctest.Knobs{SignAlg: "none"}, nil, 401, "Inloggen is niet gelukt"},
		{"unknown key", oidctest.Knobs{SignAlg: "wrongkey"}, nil, 401, "Inloggen is niet gelukt"},
		{"provider error", oidctest.Knobs{}, func(_ *string, q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, 401, "Inloggen is niet gelukt"},
		{"low assurance", oidctest.Knobs{Claims: map[string]any{"acr": "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"}}, nil, 403, "niveau midden"},
		{"bad BSN", oidctest.Knobs{Claims: map[string]any{"bsn": "999993654"}}, nil, 403, "geen geldig burgerservicenummer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, p := loginEnv(t)
			p.Reset(oidctest.WithKnobs(tc.knobs))
			lc, q := startLogin(t, e)
			if tc.tamper != nil {
				tc.tamper(&lc, q)
			}
			resp, body := callback(e, lc, q, "")
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if sc := cookieOf(resp, "__Host-inzicht_session"); sc != nil && sc.Value != "" {
				t.Error("a session was made")
			}
			if !strings.Contains(body, tc.says) {
				t.Errorf("the page does not say %q", tc.says)
			}
			if strings.Contains(body, oidctest.DefaultBSN) {
				t.Error("the error page shows the BSN")
			}
		})
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{IdleTimeout: 15 * time.Minute}, web.Deps{})
	ca, _ := e.citizen(bsnA) // absolute end: one hour
	if r, _ := e.do("GET", "/overzicht", ca, "", nil); r.StatusCode != 200 {
		t.Fatal(r.StatusCode)
	}
	now := time.Now()
	e.db.SetClock(func() time.Time { return now.Add(14 * time.Minute) })
	if r, _ := e.do("GET", "/overzicht", ca, "", nil); r.StatusCode != 200 {
		t.Fatalf("active within the idle limit: %d", r.StatusCode)
	}
	// 14 minutes later again: still within 15 minutes of the last request.
	e.db.SetClock(func() time.Time { return now.Add(28 * time.Minute) })
	if r, _ := e.do("GET", "/overzicht", ca, "", nil); r.StatusCode != 200 {
		t.Fatalf("activity must extend the idle limit: %d", r.StatusCode)
	}
	// Idle for 16 minutes: gone.
	e.db.SetClock(func() time.Time { return now.Add(44 * time.Minute) })
	if r, _ := e.do("GET", "/overzicht", ca, "", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle session still works: %d", r.StatusCode)
	}
	// Absolute end: active every 10 minutes, but past the hour it ends.
	cb, _ := e.citizen(bsnB)
	for m := 10; m <= 70; m += 10 {
		at := now.Add(time.Duration(m) * time.Minute)
		e.db.SetClock(func() time.Time { return at })
		r, _ := e.do("GET", "/overzicht", cb, "", nil)
		if want := map[bool]int{true: 200, false: http.StatusSeeOther}[m <= 60]; r.StatusCode != want {
			t.Fatalf("minute %d: status %d, want %d", m, r.StatusCode, want)
		}
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	p := oidctest.New(t)
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: "http://localhost/inloggen/callback"})
	e := newEnv(t, web.Config{LoginRate: 3}, web.Deps{CitizenRP: rp})
	for i := 0; i < 3; i++ {
		if r, _ := e.do("GET", "/inloggen", "", "", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("attempt %d: %d", i+1, r.StatusCode)
		}
	}
	r, body := e.do("GET", "/inloggen", "", "", nil)
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "te vaak") {
		t.Fatalf("fourth attempt in a minute: %d", r.StatusCode)
	}
	// Pages that are not a login are not limited by it.
	if r, _ := e.do("GET", "/", "", "", nil); r.StatusCode != 200 {
		t.Errorf("home page under the login limit: %d", r.StatusCode)
	}
}
