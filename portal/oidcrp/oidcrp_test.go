package oidcrp_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/inzicht/inzicht/internal/oidctest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
)

const callback = "https://inzicht.example/inloggen/callback"

// browser does not follow redirects: the test reads the provider's answer from Location.
var browser = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func newRP(p *oidctest.Provider) *oidcrp.RP {
	return oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: callback})
}

// authorize starts a login as the web layer does and returns the auth URL and the code and state
// the provider sent back to the callback.
func authorize(t *testing.T, rp *oidcrp.RP, pend oidcrp.Pending) (auth *url.URL, code, state string) {
	t.Helper()
	u, err := rp.AuthURL(t.Context(), pend)
	if err != nil {
		t.Fatalf("AuthURL: %v", err)
	}
	auth, err = url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), callback+"?") {
		t.Fatalf("authorize redirected to %s, want %s", loc, callback)
	}
	return auth, loc.Query().Get("code"), loc.Query().Get("state")
}

// login runs a whole login; tamper, if not nil, changes the pending login and returned state
// between the provider's redirect and Exchange.
func login(t *testing.T, rp *oidcrp.RP, tamper func(p *oidcrp.Pending, state *string)) (map[string]any, error) {
	t.Helper()
	pend := oidcrp.NewPending()
	_, code, state := authorize(t, rp, pend)
	if tamper != nil {
		tamper(&pend, &state)
	}
	return rp.Exchange(t.Context(), pend, state, code)
}

var b64url = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// strong checks a random value is base64url of at least 128 bits.
func strong(t *testing.T, what, v string) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(v)
	if len(v) < 22 || !b64url.MatchString(v) || err != nil || len(b) < 16 {
		t.Errorf("%s = %q: want base64url of ≥128 bits", what, v)
	}
}

func TestHappyPath(t *testing.T) {
	p := oidctest.New(t)
	rp := newRP(p)
	pend := oidcrp.NewPending()
	auth, code, state := authorize(t, rp, pend)

	q := auth.Query()
	if got := auth.Scheme + "://" + auth.Host + auth.Path; got != p.URL+"/authorize" {
		t.Errorf("auth URL endpoint %s, want %s/authorize", got, p.URL)
	}
	for k, want := range map[string]string{"response_type": "code", "client_id": p.ClientID, "redirect_uri": callback,
		"code_challenge_method": "S256", "state": pend.State, "nonce": pend.Nonce} {
		if got := q.Get(k); got != want {
			t.Errorf("auth URL %s = %q, want %q", k, got, want)
		}
	}
	if !slices.Contains(strings.Fields(q.Get("scope")), "openid") {
		t.Errorf("scope %q lacks openid", q.Get("scope"))
	}
	sum := sha256.Sum256([]byte(pend.Verifier))
	if got, want := q.Get("code_challenge"), base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("code_challenge %q, want base64url(sha256(verifier)) %q", got, want)
	}
	if q.Has("code_verifier") || strings.Contains(auth.String(), pend.Verifier) {
		t.Error("the PKCE verifier leaks into the auth URL")
	}
	if diff := cmp.Diff(q, p.LastAuthorize()); diff != "" {
		t.Errorf("provider saw another request than the auth URL (-url +seen):\n%s", diff)
	}
	if state != pend.State {
		t.Fatalf("provider returned state %q, want %q", state, pend.State)
	}

	claims, err := rp.Exchange(t.Context(), pend, state, code)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	bsn, loa, err := oidcrp.CitizenClaims{}.Citizen(claims)
	if err != nil || bsn != oidctest.DefaultBSN || loa != portal.LoASubstantieel {
		t.Fatalf("Citizen = %q, %v, %v; want %s, substantieel, nil", bsn, loa, err, oidctest.DefaultBSN)
	}

	// A code is good for one login only.
	if _, err := rp.Exchange(t.Context(), pend, state, code); err == nil {
		t.Error("the same code was redeemed twice")
	}
}

func TestPendingFreshAndStrong(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := oidcrp.NewPending()
		strong(t, "state", p.State)
		strong(t, "nonce", p.Nonce)
		// RFC 7636: 43..128 unreserved characters.
		if n := len(p.Verifier); n < 43 || n > 128 || !b64url.MatchString(p.Verifier) {
			t.Errorf("verifier %q is not a good PKCE verifier", p.Verifier)
		}
		for _, v := range []string{p.State, p.Nonce, p.Verifier} {
			if seen[v] {
				t.Fatalf("value %q repeats across or within NewPending", v)
			}
			seen[v] = true
		}
	}
	strong(t, "Random()", oidcrp.Random())
}

func TestRefused(t *testing.T) {
	with := func(o ...oidctest.Option) []oidctest.Option { return o }
	type check func(t *testing.T, err error)
	is := func(want error) check {
		return func(t *testing.T, err error) {
			if !errors.Is(err, want) {
				t.Errorf("err = %v, want %v", err, want)
			}
		}
	}
	contains := func(sub string) check {
		return func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), sub) {
				t.Errorf("err = %v, want one mentioning %q", err, sub)
			}
		}
	}
	tests := []struct {
		name   string
		opts   []oidctest.Option
		tamper func(p *oidcrp.Pending, state *string)
		check  check
	}{
		{name: "wrong state", tamper: func(_ *oidcrp.Pending, s *string) { *s = oidcrp.Random() }, check: is(oidcrp.ErrState)},
		{name: "state from another login", opts: with(oidctest.WithStateOverride(oidcrp.NewPending().State)), check: is(oidcrp.ErrState)},
		{name: "missing state", tamper: func(_ *oidcrp.Pending, s *string) { *s = "" }, check: is(oidcrp.ErrState)},
		{name: "pending without state", tamper: func(p *oidcrp.Pending, s *string) { p.State, *s = "", "" }, check: is(oidcrp.ErrState)},
		{name: "wrong nonce", opts: with(oidctest.WithNonce(oidcrp.Random())), check: is(oidcrp.ErrNonce)},
		{name: "missing nonce", opts: with(oidctest.WithClaims(map[string]any{"nonce": nil})), check: is(oidcrp.ErrNonce)},
		{name: "wrong issuer", opts: with(oidctest.WithIssuer("https://evil.example")), check: contains("different provider")},
		{name: "wrong audience", opts: with(oidctest.WithAudience("another-client")), check: contains("expected audience")},
		{name: "no audience", opts: with(oidctest.WithClaims(map[string]any{"aud": nil})), check: contains("expected audience")},
		{name: "expired", opts: with(oidctest.WithExpiresIn(-time.Minute)), check: func(t *testing.T, err error) {
			var exp *oidc.TokenExpiredError
			if !errors.As(err, &exp) {
				t.Errorf("err = %v, want a TokenExpiredError", err)
			}
		}},
		{name: "no expiry", opts: with(oidctest.WithClaims(map[string]any{"exp": nil})), check: contains("expired")},
		{name: "not yet valid", opts: with(oidctest.WithClaims(map[string]any{"nbf": time.Now().Add(time.Hour).Unix()})), check: contains("nbf")},
		{name: "unsigned alg none", opts: with(oidctest.WithSignAlg("none")), check: contains(`signature algorithm "none"`)},
		{name: "HS256 with client secret", opts: with(oidctest.WithSignAlg("HS256")), check: contains(`signature algorithm "HS256"`)},
		{name: "HS256 keyed with the public key", opts: with(oidctest.WithSignAlg("HS256-pubkey")), check: contains(`signature algorithm "HS256"`)},
		{name: "unknown key", opts: with(oidctest.WithSignAlg("wrongkey")), check: contains("verify signature")},
		{name: "no id_token", opts: with(oidctest.WithNoIDToken()), check: contains("no id_token")},
		{name: "wrong PKCE verifier", tamper: func(p *oidcrp.Pending, _ *string) { p.Verifier = oauth2.GenerateVerifier() }, check: func(t *testing.T, err error) {
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Errorf("err = %v, want the token endpoint's invalid_grant", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := oidctest.New(t, tc.opts...)
			claims, err := login(t, newRP(p), tc.tamper)
			if err == nil || claims != nil {
				t.Fatalf("login accepted: claims %v, err %v", claims, err)
			}
			t.Logf("refused: %v", err)
			tc.check(t, err)
		})
	}
}

// TestProviderChangesBetweenLogins: one RP, one provider whose behaviour changes between logins;
// a bad login leaves the RP able to log in again.
func TestProviderChangesBetweenLogins(t *testing.T) {
	p := oidctest.New(t)
	rp := newRP(p)
	for i, step := range []struct {
		opts []oidctest.Option
		ok   bool
	}{
		{nil, true},
		{[]oidctest.Option{oidctest.WithSignAlg("wrongkey")}, false},
		{nil, true},
		{[]oidctest.Option{oidctest.WithIssuer(p.URL + "/")}, false},
		{[]oidctest.Option{oidctest.WithClaims(map[string]any{"bsn": "111222333"})}, true},
	} {
		p.Reset(step.opts...)
		claims, err := login(t, rp, nil)
		if (err == nil) != step.ok {
			t.Fatalf("login %d: err = %v, want ok=%v", i, err, step.ok)
		}
		if i == 4 && claims["bsn"] != "111222333" {
			t.Errorf("login %d: bsn %v, want the reconfigured 111222333", i, claims["bsn"])
		}
	}
}

func TestCitizen(t *testing.T) {
	const (
		urnBasis  = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
		urnMidden = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
		urnHoog   = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
	)
	sub := oidcrp.CitizenClaims{MinLoA: portal.LoASubstantieel}
	tests := []struct {
		name    string
		cc      oidcrp.CitizenClaims
		claims  map[string]any // over the provider's defaults (bsn 999993653, acr Smartcard, sub 999993653)
		wantBSN string
		wantLoA portal.LoA
		wantErr error
	}{
		{"default substantieel", oidcrp.CitizenClaims{}, nil, "999993653", portal.LoASubstantieel, nil},
		{"basis name", sub, map[string]any{"acr": "basis"}, "", portal.LoABasis, oidcrp.ErrLowLoA},
		{"basis urn", sub, map[string]any{"acr": urnBasis}, "", portal.LoABasis, oidcrp.ErrLowLoA},
		{"basis under default min", oidcrp.CitizenClaims{}, map[string]any{"acr": "basis"}, "", portal.LoABasis, oidcrp.ErrLowLoA},
		{"eidas low", sub, map[string]any{"acr": "http://eidas.europa.eu/LoA/low"}, "", portal.LoABasis, oidcrp.ErrLowLoA},
		{"midden name", sub, map[string]any{"acr": "midden"}, "", portal.LoAMidden, oidcrp.ErrLowLoA},
		{"midden urn", sub, map[string]any{"acr": urnMidden}, "", portal.LoAMidden, oidcrp.ErrLowLoA},
		{"midden under default min", oidcrp.CitizenClaims{}, map[string]any{"acr": urnMidden}, "", portal.LoAMidden, oidcrp.ErrLowLoA},
		{"midden when min is midden", oidcrp.CitizenClaims{MinLoA: portal.LoAMidden}, map[string]any{"acr": "midden"}, "999993653", portal.LoAMidden, nil},
		{"hoog name", sub, map[string]any{"acr": "hoog"}, "999993653", portal.LoAHoog, nil},
		{"hoog urn", sub, map[string]any{"acr": urnHoog}, "999993653", portal.LoAHoog, nil},
		{"eidas substantial", sub, map[string]any{"acr": "http://eidas.europa.eu/LoA/substantial"}, "999993653", portal.LoASubstantieel, nil},
		{"eidas high", sub, map[string]any{"acr": "http://eidas.europa.eu/LoA/high"}, "999993653", portal.LoAHoog, nil},
		{"substantieel when min is hoog", oidcrp.CitizenClaims{MinLoA: portal.LoAHoog}, nil, "", portal.LoASubstantieel, oidcrp.ErrLowLoA},
		{"unknown acr", sub, map[string]any{"acr": "urn:example:superstrong"}, "", portal.LoAUnknown, oidcrp.ErrLowLoA},
		{"acr missing", sub, map[string]any{"acr": nil}, "", portal.LoAUnknown, oidcrp.ErrLowLoA},
		{"acr not a string", sub, map[string]any{"acr": 4}, "", portal.LoAUnknown, oidcrp.ErrLowLoA},
		{"custom loa claim", oidcrp.CitizenClaims{LoAClaim: "loa"}, map[string]any{"loa": "hoog", "acr": "basis"}, "999993653", portal.LoAHoog, nil},
		{"custom loa claim ignores acr", oidcrp.CitizenClaims{LoAClaim: "loa"}, map[string]any{"acr": "hoog"}, "", portal.LoAUnknown, oidcrp.ErrLowLoA},

		{"other valid bsn", sub, map[string]any{"bsn": "111222333"}, "111222333", portal.LoASubstantieel, nil},
		{"bsn fails 11-proef", sub, map[string]any{"bsn": "999993654"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"8-digit bsn", sub, map[string]any{"bsn": "12345672"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"same bsn zero-padded", sub, map[string]any{"bsn": "012345672"}, "012345672", portal.LoASubstantieel, nil},
		{"10-digit bsn", sub, map[string]any{"bsn": "9999936530"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"all zeros", sub, map[string]any{"bsn": "000000000"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"bsn with space", sub, map[string]any{"bsn": " 999993653"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"invalid bsn does not fall back to sub", sub, map[string]any{"bsn": "999993654", "sub": "111222333"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"bad bsn refused before loa", sub, map[string]any{"bsn": "999993654", "acr": "basis"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"sector prefix stripped", oidcrp.CitizenClaims{SectorPrefix: "s00000000:"}, map[string]any{"bsn": "s00000000:999993653"}, "999993653", portal.LoASubstantieel, nil},
		{"sector prefix configured, absent", oidcrp.CitizenClaims{SectorPrefix: "s00000000:"}, map[string]any{"bsn": "111222333"}, "111222333", portal.LoASubstantieel, nil},
		{"sector prefix not configured", sub, map[string]any{"bsn": "s00000000:999993653"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"other sector prefix", oidcrp.CitizenClaims{SectorPrefix: "s00000000:"}, map[string]any{"bsn": "s00000001:999993653"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"sector prefix on sub", oidcrp.CitizenClaims{SectorPrefix: "s00000000:"}, map[string]any{"bsn": nil, "sub": "s00000000:111222333"}, "111222333", portal.LoASubstantieel, nil},
		{"bsn missing falls back to sub", sub, map[string]any{"bsn": nil, "sub": "111222333"}, "111222333", portal.LoASubstantieel, nil},
		{"bsn empty falls back to sub", sub, map[string]any{"bsn": "", "sub": "111222333"}, "111222333", portal.LoASubstantieel, nil},
		{"bsn missing, sub no bsn", sub, map[string]any{"bsn": nil, "sub": "a1b2c3"}, "", portal.LoAUnknown, oidcrp.ErrBSN},
		{"custom bsn claim", oidcrp.CitizenClaims{BSNClaim: "urn:nl:bsn"}, map[string]any{"urn:nl:bsn": "111222333"}, "111222333", portal.LoASubstantieel, nil},
		{"custom bsn claim missing falls back to sub", oidcrp.CitizenClaims{BSNClaim: "urn:nl:bsn"}, map[string]any{"sub": "111222333"}, "111222333", portal.LoASubstantieel, nil},
	}
	p := oidctest.New(t)
	rp := newRP(p)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.Reset(oidctest.WithClaims(tc.claims))
			claims, err := login(t, rp, nil)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			bsn, loa, err := tc.cc.Citizen(claims)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if bsn != tc.wantBSN {
				t.Errorf("bsn = %q, want %q", bsn, tc.wantBSN)
			}
			if loa != tc.wantLoA {
				t.Errorf("loa = %v, want %v", loa, tc.wantLoA)
			}
		})
	}
}

func TestStaff(t *testing.T) {
	tests := []struct {
		name       string
		claims     map[string]any
		rolesClaim string
		want       []string
	}{
		{"roles list", map[string]any{"roles": []any{"medewerker", "beheerder"}}, "", []string{"medewerker", "beheerder"}},
		{"roles list skips non-strings", map[string]any{"roles": []any{"medewerker", 7, nil, "beheerder"}}, "", []string{"medewerker", "beheerder"}},
		{"single role string", map[string]any{"roles": "beheerder"}, "", []string{"beheerder"}},
		{"roles missing", nil, "", nil},
		{"roles wrong type", map[string]any{"roles": 1}, "", nil},
		{"custom claim", map[string]any{"groups": []any{"team-a"}, "roles": "ignored"}, "groups", []string{"team-a"}},
	}
	p := oidctest.New(t)
	rp := newRP(p)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.Reset(oidctest.WithClaims(map[string]any{"sub": "staff-42", "name": "A. Jansen", "bsn": nil}), oidctest.WithClaims(tc.claims))
			claims, err := login(t, rp, nil)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			sub, name, roles := oidcrp.Staff(claims, tc.rolesClaim)
			if sub != "staff-42" || name != "A. Jansen" {
				t.Errorf("sub, name = %q, %q; want staff-42, A. Jansen", sub, name)
			}
			if diff := cmp.Diff(tc.want, roles); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
		})
	}
	if sub, name, roles := oidcrp.Staff(map[string]any{}, ""); sub != "" || name != "" || roles != nil {
		t.Errorf("Staff(empty) = %q, %q, %v", sub, name, roles)
	}
}

func TestEndSessionURL(t *testing.T) {
	const back = "https://inzicht.example/uitgelogd?x=1&y=2"
	t.Run("advertised", func(t *testing.T) {
		p := oidctest.New(t)
		got := newRP(p).EndSessionURL(t.Context(), back, "")
		u, err := url.Parse(got)
		if err != nil || got == "" {
			t.Fatalf("EndSessionURL = %q, %v", got, err)
		}
		if base := u.Scheme + "://" + u.Host + u.Path; base != p.URL+"/end-session" {
			t.Errorf("endpoint %s, want %s/end-session", base, p.URL)
		}
		if q := u.Query(); q.Get("client_id") != p.ClientID || q.Get("post_logout_redirect_uri") != back {
			t.Errorf("query %v: want client_id %s and post_logout_redirect_uri %s", q, p.ClientID, back)
		}
		resp, err := browser.Get(got)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != back {
			t.Errorf("end-session answered %d to %q, want 302 to %s", resp.StatusCode, loc, back)
		}
		if p.LastEndSession().Get("client_id") != p.ClientID {
			t.Errorf("provider saw %v", p.LastEndSession())
		}
	})
	t.Run("not advertised", func(t *testing.T) {
		p := oidctest.New(t, oidctest.WithoutEndSession())
		if got := newRP(p).EndSessionURL(t.Context(), back, ""); got != "" {
			t.Errorf("EndSessionURL = %q, want \"\"", got)
		}
	})
	t.Run("provider down", func(t *testing.T) {
		p := oidctest.New(t, oidctest.Unstarted())
		if got := newRP(p).EndSessionURL(t.Context(), back, ""); got != "" {
			t.Errorf("EndSessionURL = %q, want \"\"", got)
		}
	})
}

// TestLazyDiscovery: the RP is made before its provider is up; it fails until the provider is
// up, then works, without being made again.
func TestLazyDiscovery(t *testing.T) {
	p := oidctest.New(t, oidctest.Unstarted())
	rp := newRP(p)
	for range 2 {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		u, err := rp.AuthURL(ctx, oidcrp.NewPending())
		cancel()
		if err == nil || u != "" {
			t.Fatalf("AuthURL with the provider down = %q, %v; want an error", u, err)
		}
	}
	pend := oidcrp.NewPending()
	if _, err := rp.Exchange(t.Context(), pend, pend.State, "code"); err == nil {
		t.Fatal("Exchange with the provider down succeeded")
	}
	p.Start(t)
	claims, err := login(t, rp, nil)
	if err != nil {
		t.Fatalf("login once the provider is up: %v", err)
	}
	if claims["bsn"] != oidctest.DefaultBSN {
		t.Errorf("claims %v", claims)
	}
}

// TestIssuerMustMatchDiscovery: an RP configured with an issuer other than the one the provider
// states in its discovery document refuses to use it.
func TestIssuerMustMatchDiscovery(t *testing.T) {
	p := oidctest.New(t)
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL + "/", ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: callback})
	if u, err := rp.AuthURL(t.Context(), oidcrp.NewPending()); err == nil {
		t.Fatalf("AuthURL = %q with a mismatched issuer", u)
	}
}

type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestConfiguredHTTPClient: discovery, token and JWKS requests all go through Config.HTTPClient
// (production sets its timeout there).
func TestConfiguredHTTPClient(t *testing.T) {
	p := oidctest.New(t)
	tr := &countingTransport{}
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: callback, HTTPClient: &http.Client{Transport: tr}})
	if _, err := login(t, rp, nil); err != nil {
		t.Fatal(err)
	}
	if n := tr.n.Load(); n != 3 { // discovery, token, jwks
		t.Errorf("%d requests through the configured client, want 3", n)
	}
}

func FuzzCitizenClaims(f *testing.F) {
	f.Add("999993653", "substantieel", "", "", uint8(0), uint8(0))
	f.Add("111222333", "http://eidas.europa.eu/LoA/substantial", "x", "", uint8(3), uint8(0))
	f.Add("999993654", "hoog", "999993653", "", uint8(4), uint8(0))
	f.Add("s00000000:999993653", "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard", "", "s00000000:", uint8(0), uint8(0))
	f.Add("", "midden", "111222333", "", uint8(2), uint8(1))
	f.Add("99999365", " HOOG ", "", "9", uint8(1), uint8(6))
	f.Fuzz(func(t *testing.T, bsn, acr, sub, prefix string, min, shape uint8) {
		claims := map[string]any{"bsn": bsn, "acr": acr, "sub": sub}
		if shape&1 != 0 {
			delete(claims, "bsn")
		}
		if shape&2 != 0 {
			claims["acr"] = []any{acr}
		}
		if shape&4 != 0 {
			delete(claims, "sub")
		}
		cc := oidcrp.CitizenClaims{SectorPrefix: prefix, MinLoA: portal.LoA(min % 5)}
		got, loa, err := cc.Citizen(claims)
		if err != nil {
			if !errors.Is(err, oidcrp.ErrBSN) && !errors.Is(err, oidcrp.ErrLowLoA) {
				t.Fatalf("unexpected error %v", err)
			}
			if got != "" {
				t.Fatalf("refused login still returns bsn %q", got)
			}
			return
		}
		want := cc.MinLoA
		if want == portal.LoAUnknown {
			want = portal.LoASubstantieel
		}
		if !portal.ValidBSN(got) {
			t.Fatalf("accepted invalid BSN %q", got)
		}
		if loa < want || loa == portal.LoAUnknown {
			t.Fatalf("accepted loa %v below minimum %v", loa, want)
		}
		if s, _ := claims["acr"].(string); portal.ParseLoA(s) != loa {
			t.Fatalf("loa %v is not what acr %q says", loa, s)
		}
		src, _ := claims["bsn"].(string)
		if src == "" {
			src, _ = claims["sub"].(string)
		}
		if got != src && prefix+got != src {
			t.Fatalf("bsn %q does not come from the token (%q)", got, src)
		}
	})
}

// TestFakeProviderKnobs covers the oidctest knobs other tests rely on but the RP tests above do
// not exercise.
func TestFakeProviderKnobs(t *testing.T) {
	wrongVerifier := func(p *oidcrp.Pending, _ *string) { p.Verifier = oauth2.GenerateVerifier() }
	p := oidctest.New(t, oidctest.RequirePKCE(false))
	if _, err := login(t, newRP(p), wrongVerifier); err != nil {
		t.Errorf("RequirePKCE(false): login with a wrong verifier refused: %v", err)
	}
	p.Reset()
	if _, err := login(t, newRP(p), wrongVerifier); err == nil {
		t.Error("Reset did not restore the PKCE check")
	}
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: "wrong", RedirectURL: callback})
	var re *oauth2.RetrieveError
	if _, err := login(t, rp, nil); !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Errorf("wrong client secret: err = %v, want invalid_client", err)
	}
	p2 := oidctest.New(t, oidctest.WithClient("portal", "s3cret"))
	if _, err := login(t, newRP(p2), nil); err != nil {
		t.Errorf("WithClient: %v", err)
	}
}

// Regression tests for hardening found in review.

// A pending login whose nonce was lost (empty) must not accept an ID token without a nonce.
func TestEmptyPendingNonceRefused(t *testing.T) {
	p := oidctest.New(t)
	rp := newRP(p)
	pend := oidcrp.NewPending()
	pend.Nonce = ""
	_, code, state := authorize(t, rp, pend)
	if _, err := rp.Exchange(t.Context(), pend, state, code); !errors.Is(err, oidcrp.ErrNonce) {
		t.Errorf("err = %v, want ErrNonce", err)
	}
}

// OIDC Core 3.1.3.7 (4, 5): a token for several audiences must name this client as azp.
func TestAuthorizedPartyChecked(t *testing.T) {
	for _, opts := range [][]oidctest.Option{
		{oidctest.WithAudience("inzicht-staff", oidctest.DefaultClientID)},
		{oidctest.WithAudience("inzicht-staff", oidctest.DefaultClientID), oidctest.WithClaims(map[string]any{"azp": "inzicht-staff"})},
	} {
		p := oidctest.New(t, opts...)
		if _, err := login(t, newRP(p), nil); err == nil {
			t.Error("token for several audiences without azp = this client accepted")
		}
	}
}

// A login must not wait for another login's discovery beyond its own deadline.
func TestDiscoveryWaitRespectsDeadline(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	// No client timeout: the first login's discovery hangs until the test ends.
	rp := oidcrp.New(oidcrp.Config{Issuer: hang.URL, ClientID: "x", RedirectURL: callback, HTTPClient: &http.Client{}})
	go rp.AuthURL(context.Background(), oidcrp.NewPending())
	time.Sleep(100 * time.Millisecond) // let the first login start its discovery
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := rp.AuthURL(ctx, oidcrp.NewPending()); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second login: %v, want its own deadline to end it", err)
		}
	case <-time.After(30 * time.Second): // a watchdog, not a speed check: without the fix it never returns
		t.Fatal("the second login waited on the first one's hanging discovery past its own deadline")
	}
}
