package devidp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	oidc4 "github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"
)

const (
	citizenID = "inzicht-portal"
	staffID   = "inzicht-staff"
)

type env struct {
	t         *testing.T
	srv       *httptest.Server
	idp       *Provider
	issuer    string
	rp        *oidc.Provider
	redirect  string
	loggedOut string
	keys      map[string]*jose.JSONWebKey // client id -> private key
}

// clientKeys makes a P-256 key per demo client (private; the simulator gets the public halves).
func clientKeys(t *testing.T, ids ...string) map[string]*jose.JSONWebKey {
	t.Helper()
	out := map[string]*jose.JSONWebKey{}
	for _, id := range ids {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = &jose.JSONWebKey{Key: k, KeyID: id + "-key", Algorithm: string(jose.ES256), Use: "sig"}
	}
	return out
}

func pub(k *jose.JSONWebKey) *jose.JSONWebKey { p := k.Public(); return &p }

func newEnv(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, issuer: srv.URL + "/dev-idp", redirect: srv.URL + "/rp/callback", loggedOut: srv.URL + "/uitgelogd",
		keys: clientKeys(t, citizenID, staffID)}
	cfg := Config{Issuer: e.issuer, Env: "development", Clients: []Client{
		{ID: citizenID, Key: pub(e.keys[citizenID]), Kind: CitizenClient, RedirectURIs: []string{e.redirect}, PostLogoutRedirectURIs: []string{e.loggedOut}},
		{ID: staffID, Key: pub(e.keys[staffID]), Kind: StaffClient, RedirectURIs: []string{e.redirect}, PostLogoutRedirectURIs: []string{e.loggedOut}},
	}}
	for _, o := range opts {
		o(&cfg)
	}
	idp, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.idp = idp
	mux.Handle("/dev-idp/", idp.Handler())
	e.rp, err = oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return e
}

func (e *env) oauth(clientID string) *oauth2.Config {
	c := &oauth2.Config{ClientID: clientID, Endpoint: e.rp.Endpoint(),
		RedirectURL: e.redirect, Scopes: []string{oidc.ScopeOpenID, "profile"}}
	c.Endpoint.AuthStyle = oauth2.AuthStyleInParams // no Basic header next to the assertion
	return c
}

// assertion signs a client assertion for clientID with its key; change, if set, edits the claims
// (or the key) first.
func (e *env) assertion(clientID string, change func(c map[string]any, key **jose.JSONWebKey)) string {
	e.t.Helper()
	now := time.Now()
	c := map[string]any{"iss": clientID, "sub": clientID, "aud": e.issuer, "jti": randomToken(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	key := e.keys[clientID]
	if change != nil {
		change(c, &key)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: *key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		e.t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := s.Sign(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func withAssertion(a string) []oauth2.AuthCodeOption {
	return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("client_assertion_type", oidc4.ClientAssertionTypeJWTAssertion),
		oauth2.SetAuthURLParam("client_assertion", a)}
}

// exchange redeems a code as the portal does: private_key_jwt with a fresh assertion.
func (e *env) exchange(f *flow, code string, opts ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	return f.conf.Exchange(context.Background(), code, append(withAssertion(e.assertion(f.conf.ClientID, nil)), opts...)...)
}

// browser follows redirects inside the IdP but stops at the RP's redirect_uri.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: secureJar{jar}, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), e.redirect) || strings.HasPrefix(req.URL.String(), e.loggedOut) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

type flow struct {
	state, nonce, verifier string
	conf                   *oauth2.Config
	browser                *http.Client
	id, csrf               string // from the login page
	page                   string
}

var (
	reCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	reID   = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)
)

// start sends the browser to the authorization endpoint and returns the flow at the login page.
func (e *env) start(clientID string) *flow {
	e.t.Helper()
	f := &flow{state: oauth2.GenerateVerifier(), nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier(),
		conf: e.oauth(clientID), browser: e.browser()}
	resp, err := f.browser.Get(f.conf.AuthCodeURL(f.state, oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier)))
	if err != nil {
		e.t.Fatalf("authorize: %v", err)
	}
	body := readBody(e.t, resp)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/dev-idp/login" {
		e.t.Fatalf("login page: status %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}
	f.page = body
	if m := reCSRF.FindStringSubmatch(body); m != nil {
		f.csrf = m[1]
	}
	if m := reID.FindStringSubmatch(body); m != nil {
		f.id = m[1]
	}
	if f.csrf == "" || f.id == "" || f.id != resp.Request.URL.Query().Get("authRequestID") {
		e.t.Fatalf("login page lacks the hidden fields: %s", body)
	}
	return f
}

// submit posts the login form (with the page's hidden fields unless set in v).
func (e *env) submit(f *flow, v url.Values) *http.Response {
	e.t.Helper()
	if !v.Has("authRequestID") {
		v.Set("authRequestID", f.id)
	}
	if !v.Has("csrf") {
		v.Set("csrf", f.csrf)
	}
	resp, err := f.browser.PostForm(e.issuer+"/login", v)
	if err != nil {
		e.t.Fatalf("post login: %v", err)
	}
	return resp
}

// code takes the code from the redirect to the RP, checking state.
func (e *env) code(f *flow, resp *http.Response) string {
	e.t.Helper()
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), e.redirect) {
		e.t.Fatalf("want redirect to the RP, got %d %v: %s", resp.StatusCode, loc, readBody(e.t, resp))
	}
	resp.Body.Close()
	if got := loc.Query().Get("state"); got != f.state {
		e.t.Fatalf("state %q, want %q", got, f.state)
	}
	c := loc.Query().Get("code")
	if c == "" {
		e.t.Fatalf("no code in %s", loc)
	}
	return c
}

// verify exchanges the code and verifies the ID token like the portal does; it returns the claims.
func (e *env) verify(f *flow, code string) (map[string]any, *oidc.IDToken, *oauth2.Token) {
	e.t.Helper()
	ctx := context.Background()
	tok, err := e.exchange(f, code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.rp.Verifier(&oidc.Config{ClientID: f.conf.ClientID}).Verify(ctx, raw)
	if err != nil {
		e.t.Fatalf("verify id token: %v", err)
	}
	if idt.Nonce != f.nonce {
		e.t.Errorf("nonce %q, want %q", idt.Nonce, f.nonce)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		e.t.Fatal(err)
	}
	return claims, idt, tok
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCitizenCodeFlow(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		bsn, loa, acr string
	}{
		{"999993653", "basis", "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
		{"123456789", "midden", "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"}, // fails the 11-proef: passed on as typed
		{"999990019", "substantieel", "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"},
		{"0012", "hoog", "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"},
	}
	for _, c := range cases {
		t.Run(c.loa, func(t *testing.T) {
			e.t = t
			f := e.start(citizenID)
			before := time.Now().Add(-2 * time.Second)
			code := e.code(f, e.submit(f, url.Values{"bsn": {c.bsn}, "loa": {c.loa}}))
			claims, idt, tok := e.verify(f, code)
			if claims["bsn"] != c.bsn || idt.Subject != c.bsn {
				t.Errorf("bsn %v sub %q, want %q", claims["bsn"], idt.Subject, c.bsn)
			}
			if claims["acr"] != c.acr {
				t.Errorf("acr %v, want %s", claims["acr"], c.acr)
			}
			if !slices.Equal(idt.Audience, []string{citizenID}) {
				t.Errorf("aud %v", idt.Audience)
			}
			if idt.Issuer != e.issuer {
				t.Errorf("iss %q", idt.Issuer)
			}
			at, _ := claims["auth_time"].(float64)
			if authTime := time.Unix(int64(at), 0); authTime.Before(before) || authTime.After(time.Now().Add(time.Second)) {
				t.Errorf("auth_time %v not around now", authTime)
			}
			if _, ok := claims["roles"]; ok {
				t.Errorf("citizen token has roles: %v", claims["roles"])
			}

			// userinfo agrees
			ui, err := e.rp.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var uic map[string]any
			_ = ui.Claims(&uic)
			if ui.Subject != c.bsn || uic["bsn"] != c.bsn {
				t.Errorf("userinfo sub %q bsn %v", ui.Subject, uic["bsn"])
			}

			// codes are single use
			if _, err := e.exchange(f, code, oauth2.VerifierOption(f.verifier)); err == nil {
				t.Error("second exchange of the same code succeeded")
			}
		})
	}
}

func TestStaffCodeFlow(t *testing.T) {
	e := newEnv(t)
	f := e.start(staffID)
	if !strings.Contains(f.page, `<select id="username" name="username"`) || strings.Contains(f.page, `name="bsn"`) {
		t.Fatalf("staff form expected: %s", f.page)
	}
	// The staff log-in is titled as what it is, not as DigiD.
	if !strings.Contains(f.page, "<title>Inloggen voor medewerkers") || strings.Contains(f.page, "DigiD") {
		t.Errorf("the staff log-in page is not titled as the staff log-in: %.400s", f.page)
	}
	code := e.code(f, e.submit(f, url.Values{"username": {"teamleider"}}))
	claims, idt, _ := e.verify(f, code)
	roles, _ := claims["roles"].([]any)
	if len(roles) != 1 || roles[0] != "team_lead" {
		t.Errorf("roles %v, want [team_lead]", claims["roles"])
	}
	if idt.Subject != "teamleider" || claims["name"] != "Tom Teamleider" {
		t.Errorf("sub %q name %v", idt.Subject, claims["name"])
	}
	if claims["acr"] != "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard" {
		t.Errorf("acr %v", claims["acr"])
	}
	if _, ok := claims["bsn"]; ok {
		t.Error("staff token has a bsn")
	}
	if !slices.Equal(idt.Audience, []string{staffID}) {
		t.Errorf("aud %v", idt.Audience)
	}

	want := map[string]string{"medewerker": "clerk", "teamleider": "team_lead", "privacy": "privacy_officer", "raad": "council"}
	got := map[string]string{}
	for _, s := range StaffAccounts() {
		got[s.Username] = s.Role
	}
	if len(got) != len(want) {
		t.Errorf("StaffAccounts %v", got)
	}
	for u, r := range want {
		if got[u] != r {
			t.Errorf("StaffAccounts[%s] = %q, want %q", u, got[u], r)
		}
	}
}

func TestLoginPage(t *testing.T) {
	e := newEnv(t)
	f := e.start(citizenID)
	for _, want := range []string{`lang="nl"`, "DigiD-simulator (alleen voor demo en test)", `<label for="bsn">`, `<label for="loa">`,
		`<input id="bsn" name="bsn"`, `<select id="loa" name="loa">`, `<option value="substantieel" selected>`, `href="/static/app.css"`} {
		if !strings.Contains(f.page, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<style", "style="} {
		if strings.Contains(f.page, bad) {
			t.Errorf("login page has %q (CSP)", bad)
		}
	}

	for _, bsn := range []string{"", "12a456789", "123456789012345678901", "1234 5678"} {
		resp := e.submit(f, url.Values{"bsn": {bsn}, "loa": {"hoog"}})
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `name="bsn"`) {
			t.Errorf("bsn %q: status %d, want the form again with an error", bsn, resp.StatusCode)
		}
		if !strings.Contains(body, `<option value="hoog" selected>`) {
			t.Errorf("bsn %q: chosen loa not kept", bsn)
		}
	}
	resp := e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"extreem"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown loa: status %d", resp.StatusCode)
	}
	resp.Body.Close()

	// CSRF: a wrong form token, or a browser without the cookie, is refused.
	resp = e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"hoog"}, "csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged token: status %d", resp.StatusCode)
	}
	resp.Body.Close()
	other := e.browser()
	resp, err := other.PostForm(e.issuer+"/login", url.Values{"authRequestID": {f.id}, "csrf": {f.csrf}, "bsn": {"999993653"}, "loa": {"hoog"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no cookie: status %d", resp.StatusCode)
	}
	resp.Body.Close()

	// after the errors a correct submission still works
	claims, _, _ := e.verify(f, e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"hoog"}})))
	if claims["bsn"] != "999993653" {
		t.Errorf("bsn %v", claims["bsn"])
	}

	// the used auth request is gone
	resp = e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"hoog"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("reused auth request: status %d", resp.StatusCode)
	}
	resp.Body.Close()

	// staff: unknown username
	s := e.start(staffID)
	resp = e.submit(s, url.Values{"username": {"admin"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) {
		t.Errorf("unknown username: status %d", resp.StatusCode)
	}
}

func TestAuthRequestExpires(t *testing.T) {
	e := newEnv(t)
	f := e.start(citizenID)
	e.idp.store.mu.Lock()
	e.idp.store.now = func() time.Time { return time.Now().Add(authRequestTTL + time.Minute) }
	e.idp.store.mu.Unlock()
	resp := e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"hoog"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "verlopen") {
		t.Errorf("expired auth request: status %d", resp.StatusCode)
	}
}

func TestWrongVerifierFails(t *testing.T) {
	e := newEnv(t)
	f := e.start(citizenID)
	code := e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"substantieel"}}))
	_, err := e.exchange(f, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("exchange with a wrong verifier: %v, want invalid_grant", err)
	}
	// no verifier at all
	f2 := e.start(citizenID)
	code = e.code(f2, e.submit(f2, url.Values{"bsn": {"999993653"}, "loa": {"substantieel"}}))
	if _, err := e.exchange(f2, code); err == nil {
		t.Fatal("exchange without a verifier succeeded")
	}

}

func TestPKCERequired(t *testing.T) {
	e := newEnv(t)
	conf := e.oauth(citizenID)
	for name, opts := range map[string][]oauth2.AuthCodeOption{
		"none":  {oidc.Nonce("n")},
		"plain": {oidc.Nonce("n"), oauth2.SetAuthURLParam("code_challenge", "abcdefghijabcdefghijabcdefghijabcdefghij123"), oauth2.SetAuthURLParam("code_challenge_method", "plain")},
	} {
		resp, err := e.browser().Get(conf.AuthCodeURL("st", opts...))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), e.redirect) || loc.Query().Get("error") != "invalid_request" {
			t.Errorf("%s: want an invalid_request redirect to the RP, got %d %v", name, resp.StatusCode, loc)
		}
	}
	// implicit flow is refused
	resp, err := e.browser().Get(conf.AuthCodeURL("st", oidc.Nonce("n"), oauth2.SetAuthURLParam("response_type", "id_token")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if refused := resp.StatusCode == http.StatusBadRequest || (loc != nil && loc.Query().Get("error") != ""); !refused {
		t.Errorf("implicit: got %d %v, want it refused", resp.StatusCode, loc)
	}
}

func TestDiscoveryAndEndSession(t *testing.T) {
	e := newEnv(t)
	var d struct {
		Issuer      string   `json:"issuer"`
		EndSession  string   `json:"end_session_endpoint"`
		Methods     []string `json:"code_challenge_methods_supported"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
		JWKS        string   `json:"jwks_uri"`
	}
	if err := e.rp.Claims(&d); err != nil {
		t.Fatal(err)
	}
	if d.Issuer != e.issuer || d.EndSession != e.issuer+"/end_session" || d.JWKS != e.issuer+"/keys" {
		t.Errorf("discovery: %+v", d)
	}
	if !slices.Contains(d.Methods, "S256") || !slices.Contains(d.AuthMethods, "private_key_jwt") || slices.Contains(d.AuthMethods, "client_secret_post") {
		t.Errorf("discovery: %+v", d)
	}
	resp, err := http.Get(d.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct {
		Keys []struct{ Kty, Alg, Use string } `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil || len(jwks.Keys) != 1 || jwks.Keys[0].Kty != "RSA" {
		t.Errorf("jwks: %+v %v", jwks, err)
	}
	resp.Body.Close()

	// logout with an ID token hint and a registered post_logout_redirect_uri
	f := e.start(citizenID)
	_, _, tok := e.verify(f, e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"hoog"}})))
	q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {e.loggedOut}, "state": {"xyz"}}
	resp, err = f.browser.Get(d.EndSession + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := resp.Location(); resp.StatusCode != http.StatusFound || loc == nil || loc.String() != e.loggedOut+"?state=xyz" {
		t.Errorf("end_session: %d %v", resp.StatusCode, loc)
	}
	// an unregistered post_logout_redirect_uri is not followed
	q = url.Values{"client_id": {citizenID}, "post_logout_redirect_uri": {"https://evil.example/"}}
	resp, err = e.browser().Get(d.EndSession + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := resp.Location(); loc != nil && strings.HasPrefix(loc.String(), "https://evil.example") {
		t.Errorf("end_session redirected to an unregistered URI: %v", loc)
	}
	// without a redirect URI the simulator's own page is shown
	resp, err = e.browser().Get(d.EndSession)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "uitgelogd") {
		t.Errorf("end_session without redirect: %d", resp.StatusCode)
	}
}

func TestNewRefusesProduction(t *testing.T) {
	cl := []Client{{ID: "a", Key: pub(clientKeys(t, "a")["a"]), Kind: CitizenClient, RedirectURIs: []string{"http://localhost/cb"}}}
	if p, err := New(Config{Issuer: "http://localhost:8080/dev-idp", Env: "production", Clients: cl}); err == nil || p != nil {
		t.Fatal("New accepted Env production")
	}
	if _, err := New(Config{Issuer: "http://localhost:8080/dev-idp", Env: "demo", Clients: cl}); err != nil {
		t.Fatalf("New in demo: %v", err)
	}
	if _, err := New(Config{Issuer: "not a url", Env: "demo", Clients: cl}); err == nil {
		t.Fatal("New accepted a bad issuer")
	}
}
