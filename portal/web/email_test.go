package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestConfirmationLinkSurvivesTheLogin: the link in a confirmation mail, opened without a session,
// asks for a login and comes back to itself afterwards, with the token; a crafted return address
// cannot lead elsewhere. The page itself changes nothing; confirming is a POST with the CSRF token.
func TestConfirmationLinkSurvivesTheLogin(t *testing.T) {
	t.Parallel()
	e, _ := loginEnv(t)
	resp, body := e.do("GET", "/email/bevestigen?token=abc123", "", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Log eerst in met DigiD") {
		t.Fatalf("without a session: %d", resp.StatusCode)
	}
	rc := cookieOf(resp, "__Host-inzicht_return")
	if rc == nil || rc.Value != "/email/bevestigen?token=abc123" || !rc.Secure || !rc.HttpOnly || rc.MaxAge <= 0 {
		t.Fatalf("return cookie: %+v", rc)
	}

	for _, c := range []struct{ cookie, want string }{
		{rc.Value, "/email/bevestigen?token=abc123"},
		{"//elders.example/x", "/overzicht"},
		{"https://elders.example/", "/overzicht"},
		{"/toezicht", "/overzicht"},
		{"", "/overzicht"},
	} {
		lc, q := startLogin(t, e)
		hdr := "__Host-inzicht_login=" + lc
		if c.cookie != "" {
			hdr += "; __Host-inzicht_return=" + c.cookie
		}
		resp, _ := e.do("GET", "/inloggen/callback?"+q.Encode(), "", "", nil, "Cookie", hdr)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != c.want {
			t.Errorf("return %q: %d to %s, want %s", c.cookie, resp.StatusCode, resp.Header.Get("Location"), c.want)
		}
		if c.cookie != "" {
			if cl := cookieOf(resp, "__Host-inzicht_return"); cl == nil || cl.Value != "" {
				t.Errorf("return %q: the cookie is not cleared: %+v", c.cookie, cl)
			}
		}
	}

	ca, csrf := e.citizen(bsnA)
	_, body = e.do("GET", "/email/bevestigen?token=abc123", ca, "", nil)
	d := doc(t, body)
	if v, _ := d.Find(`form[action="/email/bevestigen"] input[name="token"]`).Attr("value"); v != "abc123" {
		t.Fatalf("the confirm form does not carry the token: %q", v)
	}
	if status, _, _ := e.post("/email/bevestigen", ca, "token", "abc123"); status != 403 {
		t.Errorf("confirm without CSRF: %d", status)
	}
	if status, _, body := e.post("/email/bevestigen", ca, "csrf", csrf, "token", "abc123"); status != 404 || !strings.Contains(body, "Deze link werkt niet") {
		t.Errorf("confirm with an unknown token: %d", status)
	}
}
