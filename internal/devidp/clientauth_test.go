package devidp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// secureJar lets the test browser keep Secure cookies over the test server's plain http, as a
// browser does for http://localhost.
type secureJar struct{ *cookiejar.Jar }

func httpsURL(u *url.URL) *url.URL                           { c := *u; c.Scheme = "https"; return &c }
func (j secureJar) SetCookies(u *url.URL, cs []*http.Cookie) { j.Jar.SetCookies(httpsURL(u), cs) }
func (j secureJar) Cookies(u *url.URL) []*http.Cookie        { return j.Jar.Cookies(httpsURL(u)) }

// TestClientAuthentication: the simulator accepts a token request only with a valid private_key_jwt
// assertion of the client the code was issued to; secrets, bad or reused assertions are refused.
func TestClientAuthentication(t *testing.T) {
	e := newEnv(t)
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	assert := func(change func(c map[string]any, key **jose.JSONWebKey)) func(f *flow) []oauth2.AuthCodeOption {
		return func(f *flow) []oauth2.AuthCodeOption {
			return withAssertion(e.assertion(f.conf.ClientID, change))
		}
	}
	secret := func(style oauth2.AuthStyle) func(f *flow) []oauth2.AuthCodeOption {
		return func(f *flow) []oauth2.AuthCodeOption {
			f.conf.ClientSecret, f.conf.Endpoint.AuthStyle = "any-secret", style
			return nil
		}
	}
	var replayed string
	tests := []struct {
		name string
		auth func(f *flow) []oauth2.AuthCodeOption
		ok   bool
	}{
		{"valid assertion", assert(nil), true},
		{"valid assertion, aud a list with the issuer", assert(func(c map[string]any, _ **jose.JSONWebKey) { c["aud"] = []string{e.issuer, "x"} }), true},
		{"no client authentication", func(*flow) []oauth2.AuthCodeOption { return nil }, false},
		{"client_secret_basic", secret(oauth2.AuthStyleInHeader), false},
		{"client_secret_post", secret(oauth2.AuthStyleInParams), false},
		{"assertion and a secret", func(f *flow) []oauth2.AuthCodeOption {
			f.conf.ClientSecret = "any-secret"
			return assert(nil)(f)
		}, false},
		{"signed by another key, same kid", assert(func(_ map[string]any, k **jose.JSONWebKey) {
			*k = &jose.JSONWebKey{Key: otherKey, KeyID: (*k).KeyID, Algorithm: string(jose.ES256)}
		}), false},
		{"signed by the other client's key", assert(func(_ map[string]any, k **jose.JSONWebKey) { *k = e.keys[staffID] }), false},
		{"unknown kid", assert(func(_ map[string]any, k **jose.JSONWebKey) {
			c := **k
			c.KeyID = "unknown"
			*k = &c
		}), false},
		{"assertion of the other client", func(f *flow) []oauth2.AuthCodeOption { return withAssertion(e.assertion(staffID, nil)) }, false},
		{"expired", assert(func(c map[string]any, _ **jose.JSONWebKey) {
			c["iat"], c["exp"] = time.Now().Add(-3*time.Minute).Unix(), time.Now().Add(-2*time.Minute).Unix()
		}), false},
		{"no exp", assert(func(c map[string]any, _ **jose.JSONWebKey) { delete(c, "exp") }), false},
		{"issued in the future", assert(func(c map[string]any, _ **jose.JSONWebKey) { c["iat"] = time.Now().Add(time.Hour).Unix() }), false},
		{"issued over an hour ago", assert(func(c map[string]any, _ **jose.JSONWebKey) { c["iat"] = time.Now().Add(-2 * time.Hour).Unix() }), false},
		{"aud the token endpoint only", assert(func(c map[string]any, _ **jose.JSONWebKey) { c["aud"] = e.rp.Endpoint().TokenURL }), false},
		{"aud another provider", assert(func(c map[string]any, _ **jose.JSONWebKey) { c["aud"] = "https://evil.example" }), false},
		{"sub is not iss", assert(func(c map[string]any, _ **jose.JSONWebKey) { c["sub"] = "someone" }), false},
		{"no jti", assert(func(c map[string]any, _ **jose.JSONWebKey) { delete(c, "jti") }), false},
		{"wrong assertion type", func(f *flow) []oauth2.AuthCodeOption {
			return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("client_assertion_type", "urn:example:other"),
				oauth2.SetAuthURLParam("client_assertion", e.assertion(f.conf.ClientID, nil))}
		}, false},
		{"first use of an assertion", func(f *flow) []oauth2.AuthCodeOption {
			replayed = e.assertion(f.conf.ClientID, nil)
			return withAssertion(replayed)
		}, true},
		{"the same assertion again", func(*flow) []oauth2.AuthCodeOption { return withAssertion(replayed) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			f := e.start(citizenID)
			code := e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"hoog"}}))
			opts := append(tc.auth(f), oauth2.VerifierOption(f.verifier))
			tok, err := f.conf.Exchange(context.Background(), code, opts...)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if id, _ := tok.Extra("id_token").(string); id == "" {
					t.Error("no id_token")
				}
				return
			}
			if err == nil {
				t.Fatal("token request accepted")
			}
			// op answers invalid_client, unauthorized_client, invalid_request or (for a failed
			// assertion check) invalid_grant: any error from the token endpoint will do.
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode == "" {
				t.Errorf("err = %v, want an OAuth error from the token endpoint", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// TestNewRequiresClientKeys: a client without a public key with a kid is not registered.
func TestNewRequiresClientKeys(t *testing.T) {
	priv := clientKeys(t, "a")["a"]
	noKID := pub(priv)
	noKID.KeyID = ""
	for name, k := range map[string]*jose.JSONWebKey{"no key": nil, "private key": priv, "no kid": noKID} {
		if _, err := New(Config{Issuer: "http://localhost:8080/dev-idp", Env: "demo", Clients: []Client{
			{ID: "a", Key: k, Kind: CitizenClient, RedirectURIs: []string{"http://localhost/cb"}}}}); err == nil {
			t.Errorf("%s: New accepted the client", name)
		}
	}
}

// TestLoginCookie: the simulator's own cookie (the login form's CSRF token) is Secure, HttpOnly,
// SameSite=Lax and scoped to the login path, also over http (the demo), when set and when cleared.
func TestLoginCookie(t *testing.T) {
	e := newEnv(t) // an http issuer
	check := func(t *testing.T, resp *http.Response, clearing bool) {
		t.Helper()
		var found bool
		for _, c := range resp.Cookies() {
			if !strings.HasPrefix(c.Name, "devidp_login_") {
				continue
			}
			found = true
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/dev-idp/login" {
				t.Errorf("cookie %s: Secure %v HttpOnly %v SameSite %v Path %q; want Secure, HttpOnly, Lax, /dev-idp/login",
					c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path)
			}
			if clearing != (c.MaxAge < 0) {
				t.Errorf("cookie %s MaxAge %d (clearing: %v)", c.Name, c.MaxAge, clearing)
			}
		}
		if !found {
			t.Errorf("%s %s: %d, no login cookie in %v", resp.Request.Method, resp.Request.URL, resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
	}
	f := e.start(citizenID)
	page, err := f.browser.Get(e.issuer + "/login?authRequestID=" + url.QueryEscape(f.id))
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	check(t, page, false)
	noFollow := &http.Client{Jar: f.browser.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(e.issuer+"/login", url.Values{"authRequestID": {f.id}, "csrf": {f.csrf}, "bsn": {"999993653"}, "loa": {"hoog"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d, want 303 (the Secure cookie was not sent back?)", resp.StatusCode)
	}
	check(t, resp, true)
}
