// Package oidcrp is the OpenID Connect relying party for DigiD (citizens) and the staff login:
// authorization code flow with PKCE S256, state and nonce, and every ID token check.
package oidcrp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/inzicht/inzicht/portal"
)

// Config configures one client at one provider.
//
// The client authenticates at the token endpoint with private_key_jwt (RFC 7523, as the NL GOV
// profile requires of confidential clients) when ClientKey is set, and with ClientSecret otherwise
// (for providers that offer nothing else). With ClientKey set the secret is never sent, even when
// given: the configuration refuses to have both.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Scopes       []string // besides "openid"
	HTTPClient   *http.Client

	// ClientKey is the private key that signs the client assertions (see LoadKey), with its kid.
	ClientKey *jose.JSONWebKey
	// AssertionAudience is the assertion's "aud": AudienceIssuer (default) or AudienceTokenEndpoint.
	AssertionAudience string
	// IDTokenDecryptionKey decrypts ID tokens the provider delivers as JWE. When set, an ID token
	// that is not encrypted is refused (ErrNotEncrypted); when nil, an encrypted one is (ErrEncrypted).
	IDTokenDecryptionKey *jose.JSONWebKey
}

// Audiences of a client assertion. The issuer identifier is the value the current specifications
// settle on (OpenID Connect Core errata and RFC 7523bis, after the 2025 audience-injection
// findings) and the one zitadel and most providers accept; some providers follow the older text
// ("SHOULD be the token endpoint URL") and accept only that.
const (
	AudienceIssuer        = "issuer"
	AudienceTokenEndpoint = "token_endpoint"
)

// AssertionType is the client_assertion_type of a private_key_jwt token request.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime bounds a client assertion: it is made for one token request, right before it.
const assertionLifetime = time.Minute

// RP is a relying party. Discovery happens on first use and is retried until it succeeds, so the
// portal can start before its provider (the demo serves both from one process).
type RP struct {
	cfg      Config
	sem      chan struct{} // one discovery at a time; waiting respects the caller's deadline
	mu       sync.Mutex    // guards provider and endSess
	provider *oidc.Provider
	endSess  string
}

// New returns a relying party for cfg.
func New(cfg Config) *RP { return &RP{cfg: cfg, sem: make(chan struct{}, 1)} }

func (r *RP) ctx(ctx context.Context) context.Context {
	if r.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, r.cfg.HTTPClient)
	}
	return ctx
}

func (r *RP) discover(ctx context.Context) (*oidc.Provider, error) {
	if p := r.known(); p != nil {
		return p, nil
	}
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		return nil, fmt.Errorf("oidcrp: waiting for discovery: %w", ctx.Err())
	}
	if p := r.known(); p != nil {
		return p, nil
	}
	p, err := oidc.NewProvider(r.ctx(ctx), r.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidcrp: discovery at %s: %w", r.cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta)
	r.mu.Lock()
	r.provider, r.endSess = p, meta.EndSession
	r.mu.Unlock()
	return p, nil
}

func (r *RP) known() *oidc.Provider {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.provider
}

func (r *RP) oauth(p *oidc.Provider) *oauth2.Config {
	c := &oauth2.Config{
		ClientID: r.cfg.ClientID, ClientSecret: r.cfg.ClientSecret, RedirectURL: r.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, r.cfg.Scopes...),
	}
	if r.cfg.ClientKey != nil {
		// client_id goes in the form next to the assertion; no secret, and no Basic header (a second
		// authentication method in one request is forbidden, RFC 6749 2.3).
		c.ClientSecret = ""
		c.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	return c
}

// clientAuth returns the token request parameters that authenticate the client: with a ClientKey a
// fresh private_key_jwt assertion (new jti, iat now, one minute to live) for every request, as the
// profile requires; nothing otherwise (the secret travels through oauth2.Config).
func (r *RP) clientAuth(p *oidc.Provider) ([]oauth2.AuthCodeOption, error) {
	if r.cfg.ClientKey == nil {
		return nil, nil
	}
	aud := r.cfg.Issuer
	if r.cfg.AssertionAudience == AudienceTokenEndpoint {
		aud = p.Endpoint().TokenURL
	}
	a, err := r.Assertion(aud, time.Now())
	if err != nil {
		return nil, err
	}
	return []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("client_assertion_type", AssertionType),
		oauth2.SetAuthURLParam("client_assertion", a),
	}, nil
}

// Assertion signs a client assertion for aud issued at now (RFC 7523 section 3): iss and sub are the
// client id, jti 256 random bits, exp one minute after iat. It fails when no ClientKey is set.
func (r *RP) Assertion(aud string, now time.Time) (string, error) {
	k := r.cfg.ClientKey
	if k == nil {
		return "", errors.New("oidcrp: no client key configured")
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: *k},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("oidcrp: client assertion signer: %w", err)
	}
	payload, err := json.Marshal(map[string]any{
		"iss": r.cfg.ClientID, "sub": r.cfg.ClientID, "aud": aud, "jti": Random(),
		"iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
	})
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("oidcrp: sign client assertion: %w", err)
	}
	return jws.CompactSerialize()
}

// Pending is what a started login must remember, bound to the browser, to finish it.
type Pending struct {
	State, Nonce, Verifier string
}

// NewPending makes fresh random state and nonce (256 bits each) and a PKCE verifier.
func NewPending() Pending {
	return Pending{State: Random(), Nonce: Random(), Verifier: oauth2.GenerateVerifier()}
}

// Random returns 256 random bits, URL-safe encoded.
func Random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("oidcrp: crypto/rand failed: " + err.Error()) // the platform is broken; nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuthURL returns the provider's authorization URL for a code flow with PKCE S256, state and nonce.
func (r *RP) AuthURL(ctx context.Context, p Pending) (string, error) {
	prov, err := r.discover(ctx)
	if err != nil {
		return "", err
	}
	return r.oauth(prov).AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier)), nil
}

// Errors of a finished login.
var (
	ErrState        = errors.New("oidcrp: state missing or not the one this browser started with")
	ErrNonce        = errors.New("oidcrp: nonce in the ID token is not the one this login sent")
	ErrEncrypted    = errors.New("oidcrp: the ID token is encrypted (JWE) but no decryption key is configured")
	ErrNotEncrypted = errors.New("oidcrp: the ID token is not encrypted although a decryption key is configured")
	ErrDecrypt      = errors.New("oidcrp: the encrypted ID token cannot be decrypted with the configured key")
)

// Exchange finishes a login: it checks the returned state against the pending one, redeems the code
// with the PKCE verifier, verifies the ID token (signature, exact issuer, audience, expiry) and its
// nonce, and returns the token's claims.
func (r *RP) Exchange(ctx context.Context, p Pending, gotState, code string) (map[string]any, error) {
	claims, _, err := r.ExchangeToken(ctx, p, gotState, code)
	return claims, err
}

// ExchangeToken is Exchange that also returns the raw ID token, to send as id_token_hint at logout.
// For an encrypted ID token that is the signed token inside, as RP-Initiated Logout requires.
func (r *RP) ExchangeToken(ctx context.Context, p Pending, gotState, code string) (map[string]any, string, error) {
	if gotState == "" || subtle.ConstantTimeCompare([]byte(gotState), []byte(p.State)) != 1 {
		return nil, "", ErrState
	}
	prov, err := r.discover(ctx)
	if err != nil {
		return nil, "", err
	}
	auth, err := r.clientAuth(prov)
	if err != nil {
		return nil, "", err
	}
	tok, err := r.oauth(prov).Exchange(r.ctx(ctx), code, append(auth, oauth2.VerifierOption(p.Verifier))...)
	if err != nil {
		return nil, "", fmt.Errorf("oidcrp: code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, "", errors.New("oidcrp: the token response holds no id_token")
	}
	// An encrypted ID token is opened first; the signed token inside goes through the same checks.
	if raw, err = r.decrypt(raw); err != nil {
		return nil, "", err
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: r.cfg.ClientID}).Verify(r.ctx(ctx), raw)
	if err != nil {
		return nil, "", fmt.Errorf("oidcrp: id token: %w", err)
	}
	if p.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		return nil, "", ErrNonce
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, "", fmt.Errorf("oidcrp: id token claims: %w", err)
	}
	// OIDC Core 3.1.3.7: with several audiences, or an azp at all, azp must be this client.
	if azp, _ := claims["azp"].(string); azp != "" || len(idt.Audience) > 1 {
		if azp != r.cfg.ClientID {
			return nil, "", fmt.Errorf("oidcrp: id token authorized party %q is not this client", azp)
		}
	}
	return claims, raw, nil
}

// decrypt returns the signed JWT inside an ID token delivered as a JWE (compact serialization: five
// parts), decrypted with the configured key and only with the algorithms that key allows. A plain
// token is returned as is when no key is configured.
func (r *RP) decrypt(raw string) (string, error) {
	key := r.cfg.IDTokenDecryptionKey
	if strings.Count(raw, ".") != 4 {
		if key != nil {
			return "", ErrNotEncrypted
		}
		return raw, nil
	}
	if key == nil {
		return "", ErrEncrypted
	}
	jwe, err := jose.ParseEncryptedCompact(raw, keyAlgsFor(key), contentEnc)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	inner, err := jwe.Decrypt(key.Key)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return string(inner), nil
}

// EndSessionURL returns the provider's end-session URL with the given return address and, when
// known, the login's ID token as id_token_hint; "" when the provider offers none.
func (r *RP) EndSessionURL(ctx context.Context, postLogout, idTokenHint string) string {
	if _, err := r.discover(ctx); err != nil {
		return ""
	}
	r.mu.Lock()
	end := r.endSess
	r.mu.Unlock()
	if end == "" {
		return ""
	}
	u, err := url.Parse(end)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", r.cfg.ClientID)
	q.Set("post_logout_redirect_uri", postLogout)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// CitizenClaims says where a citizen's identity is in the ID token.
type CitizenClaims struct {
	BSNClaim     string     // default "bsn"; falls back to "sub"
	SectorPrefix string     // stripped when present, e.g. "s00000000:"
	LoAClaim     string     // default "acr"
	MinLoA       portal.LoA // default Substantieel

	// Acting on behalf of someone else, DigiD Machtigen style (issue 16). ActingBSNClaim names the
	// claim holding the BSN of the person the citizen logged in to act for; "" turns the feature off
	// (such claims are then ignored). ActingServiceClaim names the claim holding the service the
	// authorisation is for; ActingServices lists the service ids accepted (empty: any, also none).
	ActingBSNClaim     string
	ActingServiceClaim string
	ActingServices     []string
}

// CitizenLogin is what a citizen's ID token says: who logged in, how strongly, and, when they logged
// in to act for someone else, that person's BSN and the service the authorisation is for.
type CitizenLogin struct {
	BSN string
	LoA portal.LoA
	// ActingBSN is the represented person's BSN, "" when the citizen acts for themselves.
	ActingBSN string
	// ActingService is the service the authorisation is for ("" when not given or not acting).
	ActingService string
}

// Login errors a citizen is told about.
var (
	ErrLowLoA        = errors.New("oidcrp: assurance level below the minimum")
	ErrBSN           = errors.New("oidcrp: no valid BSN in the ID token")
	ErrActingBSN     = errors.New("oidcrp: the acting-on-behalf claim holds no valid BSN")
	ErrActingService = errors.New("oidcrp: the acting-on-behalf authorisation is for a service not accepted here")
)

// Citizen extracts the BSN and assurance level. It refuses a BSN that is not nine digits passing the
// 11-proef (ErrBSN) and an assurance level below the minimum (ErrLowLoA), and fails as Login does on
// bad acting-on-behalf claims.
func (cc CitizenClaims) Citizen(claims map[string]any) (bsn string, loa portal.LoA, err error) {
	l, err := cc.Login(claims)
	return l.BSN, l.LoA, err
}

// Login extracts the citizen's BSN and assurance level and, when configured, whom they act for. It
// refuses a BSN that is not nine digits passing the 11-proef (ErrBSN), an assurance level below the
// minimum (ErrLowLoA, with the level found), an acting claim that is present but holds no valid BSN
// (ErrActingBSN) and an authorisation for a service not in ActingServices (ErrActingService). An
// acting BSN equal to the citizen's own is ignored. On error only LoA may be set.
func (cc CitizenClaims) Login(claims map[string]any) (CitizenLogin, error) {
	bc, lc, min := cc.BSNClaim, cc.LoAClaim, cc.MinLoA
	if bc == "" {
		bc = "bsn"
	}
	if lc == "" {
		lc = "acr"
	}
	if min == portal.LoAUnknown {
		min = portal.LoASubstantieel
	}
	v, _ := claims[bc].(string)
	if v == "" {
		v, _ = claims["sub"].(string)
	}
	if cc.SectorPrefix != "" {
		v = strings.TrimPrefix(v, cc.SectorPrefix)
	}
	if !portal.ValidBSN(v) {
		return CitizenLogin{}, ErrBSN
	}
	a, _ := claims[lc].(string)
	loa := portal.ParseLoA(a)
	if loa < min {
		return CitizenLogin{LoA: loa}, ErrLowLoA
	}
	out := CitizenLogin{BSN: v, LoA: loa}
	if cc.ActingBSNClaim == "" {
		return out, nil
	}
	raw, present := claims[cc.ActingBSNClaim]
	if !present || raw == nil || raw == "" {
		return out, nil
	}
	acting, _ := raw.(string)
	if cc.SectorPrefix != "" {
		acting = strings.TrimPrefix(acting, cc.SectorPrefix)
	}
	if !portal.ValidBSN(acting) {
		return CitizenLogin{}, ErrActingBSN
	}
	if acting == v {
		return out, nil // acting for oneself is simply logging in
	}
	var service string
	if cc.ActingServiceClaim != "" {
		service, _ = claims[cc.ActingServiceClaim].(string)
		service = strings.TrimSpace(service)
	}
	if len(cc.ActingServices) > 0 && !slices.Contains(cc.ActingServices, service) {
		return CitizenLogin{}, ErrActingService
	}
	out.ActingBSN, out.ActingService = acting, service
	return out, nil
}

// Staff extracts a staff member's subject, name and roles (claim "roles", a list or a single string).
func Staff(claims map[string]any, rolesClaim string) (sub, name string, roles []string) {
	if rolesClaim == "" {
		rolesClaim = "roles"
	}
	sub, _ = claims["sub"].(string)
	name, _ = claims["name"].(string)
	switch v := claims[rolesClaim].(type) {
	case string:
		roles = []string{v}
	case []any:
		for _, r := range v {
			if s, ok := r.(string); ok {
				roles = append(roles, s)
			}
		}
	}
	return sub, name, roles
}
