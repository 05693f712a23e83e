// Package oidctest is a fake OpenID Provider for tests: discovery, JWKS, authorization (which
// redirects straight back with a code), token and end-session endpoints, with knobs that make it
// misbehave. It is for tests only.
package oidctest

import (
	"context"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Defaults of a well-behaved provider.
const (
	DefaultClientID     = "inzicht"
	DefaultClientSecret = "inzicht-test-secret-of-at-least-32-bytes"
	DefaultBSN          = "999993653"
	DefaultACR          = "urn:oasis:names:tc:saml:2.0:ac:classes:Smartcard" // DigiD Substantieel
	KeyID               = "oidctest-1"
)

// Knobs say how the provider (mis)behaves. Zero values mean "behave".
type Knobs struct {
	Claims        map[string]any // merged over the default ID-token claims; a nil value removes the claim
	Nonce         string         // nonce to put in the token; "" echoes the one sent to /authorize
	Issuer        string         // token "iss"; "" is the provider's URL
	Audience      []string       // token "aud"; nil is the client ID
	ExpiresIn     time.Duration  // token lifetime; 0 is 5 minutes, negative is already expired
	SignAlg       string         // "RS256" (default), "none", "HS256" (keyed with the client secret), "HS256-pubkey", "wrongkey"
	NoIDToken     bool           // token response without id_token
	NoPKCE        bool           // do not check code_verifier (RequirePKCE(false))
	StateOverride string         // state to return from /authorize instead of the one sent
	NoEndSession  bool           // do not advertise end_session_endpoint

	// EncryptTo, when set, delivers the ID token as a JWE encrypted to this public key with KeyAlg
	// (default RSA-OAEP-256 for RSA, ECDH-ES for EC) and Enc (default A256GCM).
	EncryptTo *jose.JSONWebKey
	KeyAlg    jose.KeyAlgorithm
	Enc       jose.ContentEncryption
}

// MaxAssertionLifetime is the longest exp - iat the provider accepts in a client assertion.
const MaxAssertionLifetime = 5 * time.Minute

// Option sets knobs or client credentials.
type Option func(*Provider)

// Provider is a running fake OpenID Provider. Its issuer is URL.
type Provider struct {
	URL                    string
	ClientID, ClientSecret string

	srv  *httptest.Server
	addr string
	key  *rsa.PrivateKey

	clientKey *jose.JSONWebKey // set: the client must authenticate with private_key_jwt

	mu        sync.Mutex
	k         Knobs
	lastAuth  url.Values
	lastEnd   url.Values
	lastToken *http.Request         // form parsed, body consumed
	codes     map[string]url.Values // code -> the /authorize request it answers
	jtis      map[string]time.Time  // client assertion ids seen, until they expire
}

// Knob options.
func WithKnobs(k Knobs) Option { return func(p *Provider) { p.k = k } }
func WithClaims(c map[string]any) Option {
	return func(p *Provider) { p.k.Claims = merge(p.k.Claims, c, true) }
}
func WithNonce(n string) Option             { return func(p *Provider) { p.k.Nonce = n } }
func WithIssuer(iss string) Option          { return func(p *Provider) { p.k.Issuer = iss } }
func WithAudience(aud ...string) Option     { return func(p *Provider) { p.k.Audience = aud } }
func WithExpiresIn(d time.Duration) Option  { return func(p *Provider) { p.k.ExpiresIn = d } }
func WithSignAlg(alg string) Option         { return func(p *Provider) { p.k.SignAlg = alg } }
func WithNoIDToken() Option                 { return func(p *Provider) { p.k.NoIDToken = true } }
func RequirePKCE(on bool) Option            { return func(p *Provider) { p.k.NoPKCE = !on } }
func WithStateOverride(state string) Option { return func(p *Provider) { p.k.StateOverride = state } }
func WithoutEndSession() Option             { return func(p *Provider) { p.k.NoEndSession = true } }

// WithClient sets the client credentials the provider accepts (default DefaultClientID/Secret).
// Give it to New only, not to Set or Reset.
func WithClient(id, secret string) Option {
	return func(p *Provider) { p.ClientID, p.ClientSecret = id, secret }
}

// WithClientKey makes the provider require private_key_jwt client authentication (RFC 7523) with
// assertions signed by the private half of pub; the client secret is then refused. An assertion must
// have iss = sub = client id, aud = the issuer or the token endpoint, exp in the future and at most
// MaxAssertionLifetime after iat, and a jti not seen before. Give it to New only.
func WithClientKey(pub jose.JSONWebKey) Option {
	return func(p *Provider) { p.clientKey = &pub }
}

// WithIDTokenEncryption delivers ID tokens as JWE encrypted to pub (see Knobs.EncryptTo).
func WithIDTokenEncryption(pub jose.JSONWebKey, alg jose.KeyAlgorithm, enc jose.ContentEncryption) Option {
	return func(p *Provider) { p.k.EncryptTo, p.k.KeyAlg, p.k.Enc = &pub, alg, enc }
}

// Unstarted reserves the provider's address but does not serve until Start: a provider that is not
// up yet (connections are refused).
func Unstarted() Option { return func(p *Provider) { p.addr = "unstarted" } }

// New starts a provider; it is closed when the test ends.
func New(t testing.TB, opts ...Option) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, key: key, codes: map[string]url.Values{},
		jtis: map[string]time.Time{}}
	for _, o := range opts {
		o(p)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /end-session", p.endSession)
	p.srv = httptest.NewUnstartedServer(mux)
	if p.addr == "unstarted" {
		p.addr = p.srv.Listener.Addr().String()
		p.srv.Listener.Close()
		p.URL = "http://" + p.addr
	} else {
		p.srv.Start()
		p.URL = p.srv.URL
	}
	t.Cleanup(p.srv.Close)
	return p
}

// Start serves a provider made with Unstarted at its reserved address.
func (p *Provider) Start(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.srv.Listener = l
	p.srv.Start()
}

// Set applies options on top of the current knobs (for the next login).
func (p *Provider) Set(opts ...Option) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range opts {
		o(p)
	}
}

// Reset restores well-behaved knobs, then applies opts.
func (p *Provider) Reset(opts ...Option) {
	p.mu.Lock()
	p.k = Knobs{}
	p.mu.Unlock()
	p.Set(opts...)
}

// LastAuthorize returns the query of the last /authorize request (client_id, redirect_uri, state,
// nonce, code_challenge, code_challenge_method, ...), or nil.
func (p *Provider) LastAuthorize() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return clone(p.lastAuth)
}

// LastEndSession returns the query of the last /end-session request, or nil.
func (p *Provider) LastEndSession() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return clone(p.lastEnd)
}

// LastTokenRequest returns the last request to the token endpoint (its form parsed), or nil.
func (p *Provider) LastTokenRequest() *http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastToken
}

func (p *Provider) knobs() Knobs {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.k
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	k := p.knobs()
	algs := []string{"RS256"}
	if k.SignAlg == "none" || strings.HasPrefix(k.SignAlg, "HS256") {
		// claim to use it: the RP must refuse all the same
		algs = append(algs, strings.TrimSuffix(k.SignAlg, "-pubkey"))
	}
	doc := map[string]any{
		"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
		"jwks_uri": p.URL + "/jwks", "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": algs,
		"code_challenge_methods_supported": []string{"S256"},
	}
	if !k.NoEndSession {
		doc["end_session_endpoint"] = p.URL + "/end-session"
	}
	writeJSON(w, http.StatusOK, doc)
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: KeyID, Algorithm: "RS256", Use: "sig"}}})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	red, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("client_id") != p.ClientID || err != nil || !red.IsAbs() {
		http.Error(w, "unknown client or bad redirect_uri", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	p.mu.Lock()
	p.lastAuth, p.codes[code] = clone(q), clone(q)
	state := q.Get("state")
	if p.k.StateOverride != "" {
		state = p.k.StateOverride
	}
	p.mu.Unlock()
	rq := red.Query()
	rq.Set("code", code)
	if state != "" {
		rq.Set("state", state)
	}
	red.RawQuery = rq.Encode()
	http.Redirect(w, r, red.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	p.mu.Lock()
	p.lastToken = r.Clone(context.WithoutCancel(r.Context()))
	p.mu.Unlock()
	if p.clientKey != nil {
		if why := p.checkAssertion(r); why != "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": why})
			return
		}
	} else {
		id, secret, ok := r.BasicAuth()
		if ok {
			id, _ = url.QueryUnescape(id)
			secret, _ = url.QueryUnescape(secret)
		} else {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if id != p.ClientID || !hmac.Equal([]byte(secret), []byte(p.ClientSecret)) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
			return
		}
	}
	code := r.PostFormValue("code")
	p.mu.Lock()
	auth, k := p.codes[code], p.k
	delete(p.codes, code) // single use
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case r.PostFormValue("grant_type") != "authorization_code" || auth == nil ||
		auth.Get("redirect_uri") != r.PostFormValue("redirect_uri"):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case !k.NoPKCE && (auth.Get("code_challenge_method") != "S256" ||
		auth.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:])):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
		return
	}
	resp := map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300}
	if !k.NoIDToken {
		resp["id_token"] = p.idToken(k, auth)
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkAssertion verifies a private_key_jwt client authentication; it returns why it fails, or "".
func (p *Provider) checkAssertion(r *http.Request) string {
	if _, _, basic := r.BasicAuth(); basic || r.PostForm.Has("client_secret") {
		return "more than one client authentication method, or a secret where private_key_jwt is required"
	}
	if r.PostFormValue("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return "private_key_jwt required: client_assertion_type missing or wrong"
	}
	tok, err := jwt.ParseSigned(r.PostFormValue("client_assertion"),
		[]jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.ES384, jose.ES512})
	if err != nil {
		return "client_assertion: " + err.Error()
	}
	var c jwt.Claims
	if err := tok.Claims(p.clientKey.Public(), &c); err != nil {
		return "client_assertion signature: " + err.Error()
	}
	now := time.Now()
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: p.ClientID, Subject: p.ClientID,
		AnyAudience: jwt.Audience{p.URL, p.URL + "/token"}, Time: now}, 5*time.Second); err != nil {
		return "client_assertion claims: " + err.Error()
	}
	if c.Expiry == nil || c.IssuedAt == nil || c.Expiry.Time().Sub(c.IssuedAt.Time()) > MaxAssertionLifetime {
		return "client_assertion: exp and iat required, at most 5 minutes apart"
	}
	if id := r.PostFormValue("client_id"); id != "" && id != p.ClientID {
		return "client_id is not the assertion's subject"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for j, until := range p.jtis {
		if now.After(until) {
			delete(p.jtis, j)
		}
	}
	if c.ID == "" {
		return "client_assertion: jti required"
	}
	if _, seen := p.jtis[c.ID]; seen {
		return "client_assertion: jti already used"
	}
	p.jtis[c.ID] = c.Expiry.Time().Add(5 * time.Second)
	return ""
}

func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.lastEnd = clone(r.URL.Query())
	p.mu.Unlock()
	if to := r.URL.Query().Get("post_logout_redirect_uri"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	w.Write([]byte("logged out"))
}

func (p *Provider) idToken(k Knobs, auth url.Values) string {
	now := time.Now()
	life := k.ExpiresIn
	if life == 0 {
		life = 5 * time.Minute
	}
	c := map[string]any{"iss": p.URL, "sub": DefaultBSN, "aud": p.ClientID, "iat": now.Unix(),
		"exp": now.Add(life).Unix(), "auth_time": now.Unix(), "bsn": DefaultBSN, "acr": DefaultACR}
	if n := auth.Get("nonce"); n != "" {
		c["nonce"] = n
	}
	if k.Nonce != "" {
		c["nonce"] = k.Nonce
	}
	if k.Issuer != "" {
		c["iss"] = k.Issuer
	}
	if len(k.Audience) == 1 {
		c["aud"] = k.Audience[0]
	} else if k.Audience != nil {
		c["aud"] = k.Audience
	}
	c = merge(c, k.Claims, false)
	payload, _ := json.Marshal(c)
	return p.encrypt(k, p.sign(k, payload))
}

// encrypt wraps a token in a JWE when the knobs ask for it.
func (p *Provider) encrypt(k Knobs, token string) string {
	if k.EncryptTo == nil {
		return token
	}
	alg, enc := k.KeyAlg, k.Enc
	if alg == "" {
		alg = jose.RSA_OAEP_256
		if _, ok := k.EncryptTo.Key.(*ecdsa.PublicKey); ok {
			alg = jose.ECDH_ES
		}
	}
	if enc == "" {
		enc = jose.A256GCM
	}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: *k.EncryptTo},
		(&jose.EncrypterOptions{}).WithContentType("JWT").WithType("JWT"))
	if err != nil {
		panic(err)
	}
	obj, err := e.Encrypt([]byte(token))
	if err != nil {
		panic(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

func (p *Provider) sign(k Knobs, payload []byte) string {
	enc := base64.RawURLEncoding.EncodeToString
	switch k.SignAlg {
	case "none":
		return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "."
	case "HS256", "HS256-pubkey":
		// HS256-pubkey is the key-confusion attack: an HMAC keyed with the provider's public RSA key,
		// which a verifier that trusts the token's alg would check against that same public key.
		secret := []byte(p.ClientSecret)
		if k.SignAlg == "HS256-pubkey" {
			secret = x509.MarshalPKCS1PublicKey(&p.key.PublicKey)
		}
		in := enc([]byte(`{"alg":"HS256","typ":"JWT","kid":"`+KeyID+`"}`)) + "." + enc(payload)
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(in))
		return in + "." + enc(m.Sum(nil))
	}
	key := p.key
	if k.SignAlg == "wrongkey" {
		key = wrongKey() // same kid, different key
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

var wrongKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// merge returns dst overlaid with src; a nil in src removes the claim unless keepNil.
func merge(dst, src map[string]any, keepNil bool) map[string]any {
	out := map[string]any{}
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if v == nil && !keepNil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func clone(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
