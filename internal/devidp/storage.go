package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const (
	authRequestTTL = 10 * time.Minute
	accessTokenTTL = 10 * time.Minute
	idTokenTTL     = 10 * time.Minute
)

var errNotFound = errors.New("devidp: not found or expired")

// user is who logged in on the simulator's form.
type user struct {
	Subject string
	Name    string   // staff only
	BSN     string   // citizens only
	Roles   []string // staff only
	ACR     string
	// Acting on behalf of someone else (citizens only): the claim names and the values to put in
	// them; both empty when the citizen acts for themselves.
	Acting []claim
}

// claim is one extra claim of the ID token.
type claim struct{ Name, Value string }

// authRequest implements op.AuthRequest. Values in the store are never mutated after they are
// returned (completing a login stores a modified copy), so readers need no lock.
type authRequest struct {
	id           string
	created      time.Time
	clientID     string
	redirectURI  string
	state, nonce string
	scopes       []string
	responseType oidc.ResponseType
	responseMode oidc.ResponseMode
	challenge    *oidc.CodeChallenge
	csrf         string // per-request token for the login form

	done     bool
	authTime time.Time
	user     user
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return a.user.ACR }
func (a *authRequest) GetAMR() []string                      { return nil }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.user.Subject }
func (a *authRequest) Done() bool                            { return a.done }

func (a *authRequest) expired(now time.Time) bool { return now.Sub(a.created) > authRequestTTL }

type accessToken struct {
	id         string
	clientID   string
	scopes     []string
	expiration time.Time
	user       user
}

// client implements op.Client: a confidential web client, code flow only.
type client struct {
	c         Client
	loginPath string
}

func (c *client) GetID() string                       { return c.c.ID }
func (c *client) RedirectURIs() []string              { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return c.c.PostLogoutRedirectURIs }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodPrivateKeyJWT }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string {
	return c.loginPath + "?authRequestID=" + url.QueryEscape(id)
}
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return idTokenTTL }
func (c *client) DevMode() bool                       { return false }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(string) bool           { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// storage is a trimmed in-memory op.Storage: code flow, bearer access tokens, no refresh tokens.
type storage struct {
	mu           sync.Mutex
	clients      map[string]*client // fixed after New
	authRequests map[string]*authRequest
	codes        map[string]string // code -> auth request id
	tokens       map[string]*accessToken
	jtis         map[string]time.Time // client assertion ids seen, until they can no longer be used
	key          *signingKey
	now          func() time.Time
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

func newStorage(key *rsa.PrivateKey) *storage {
	return &storage{
		clients:      map[string]*client{},
		authRequests: map[string]*authRequest{},
		codes:        map[string]string{},
		tokens:       map[string]*accessToken{},
		jtis:         map[string]time.Time{},
		key:          &signingKey{id: uuid.NewString(), key: key},
		now:          time.Now,
	}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("devidp: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// purge drops expired auth requests, their codes and expired tokens. Call with mu held.
func (s *storage) purge() {
	now := s.now()
	for id, r := range s.authRequests {
		if r.expired(now) {
			delete(s.authRequests, id)
		}
	}
	for code, id := range s.codes {
		if _, ok := s.authRequests[id]; !ok {
			delete(s.codes, code)
		}
	}
	for id, t := range s.tokens {
		if now.After(t.expiration) {
			delete(s.tokens, id)
		}
	}
}

// CreateAuthRequest stores a validated auth request; it insists on PKCE with S256.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("only the code flow is supported")
	}
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method S256 is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge()
	// Every string is copied: under Fiber's adaptor the request's strings share fasthttp buffers
	// that are reused once the handler returns.
	scopes := make([]string, len(req.Scopes))
	for i, sc := range req.Scopes {
		scopes[i] = strings.Clone(sc)
	}
	r := &authRequest{
		id:           uuid.NewString(),
		created:      s.now(),
		clientID:     strings.Clone(req.ClientID),
		redirectURI:  strings.Clone(req.RedirectURI),
		state:        strings.Clone(req.State),
		nonce:        strings.Clone(req.Nonce),
		scopes:       scopes,
		responseType: oidc.ResponseType(strings.Clone(string(req.ResponseType))),
		responseMode: oidc.ResponseMode(strings.Clone(string(req.ResponseMode))),
		challenge: &oidc.CodeChallenge{Challenge: strings.Clone(req.CodeChallenge),
			Method: oidc.CodeChallengeMethodS256},
		csrf: randomToken(),
	}
	s.authRequests[r.id] = r
	return r, nil
}

// authRequest returns an unexpired auth request.
func (s *storage) authRequest(id string) (*authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.authRequests[id]
	if !ok || r.expired(s.now()) {
		return nil, errNotFound
	}
	return r, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	return s.authRequest(id)
}

// completeLogin marks a pending auth request as done for u, if it is still pending and csrf matches.
func (s *storage) completeLogin(id, csrf string, u user) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.authRequests[id]
	if !ok || r.expired(s.now()) || r.done {
		return errNotFound
	}
	if subtle.ConstantTimeCompare([]byte(csrf), []byte(r.csrf)) != 1 {
		return errors.New("devidp: form token mismatch")
	}
	u.Subject, u.Name, u.BSN, u.ACR = strings.Clone(u.Subject), strings.Clone(u.Name), strings.Clone(u.BSN), strings.Clone(u.ACR)
	u.Acting = slices.Clone(u.Acting)
	done := *r
	done.done, done.authTime, done.user = true, s.now(), u
	s.authRequests[id] = &done
	return nil
}

// AuthRequestByCode consumes the code: each code works once, whatever the outcome of the exchange.
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	delete(s.codes, code)
	if !ok {
		return nil, errNotFound
	}
	r, ok := s.authRequests[id]
	if !ok || r.expired(s.now()) || !r.done {
		delete(s.authRequests, id)
		return nil, errNotFound
	}
	return r, nil
}

// SaveAuthCode issues at most one code per auth request.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.authRequests[id]
	if !ok || !r.done {
		return errNotFound
	}
	for _, other := range s.codes {
		if other == id {
			return oidc.ErrInvalidRequest().WithDescription("a code was already issued for this login")
		}
	}
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.authRequests, id)
	for code, other := range s.codes {
		if other == id {
			delete(s.codes, code)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	r, ok := req.(*authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &accessToken{id: uuid.NewString(), clientID: r.clientID, scopes: r.scopes,
		expiration: s.now().Add(accessTokenTTL), user: r.user}
	s.tokens[t.id] = t
	return t.id, t.expiration, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType().WithDescription("refresh tokens are not supported")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.clientID == clientID && t.user.Subject == userID {
			delete(s.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tokenID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenID]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		delete(s.tokens, tokenID)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.key}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, errors.New("devidp: unknown client")
	}
	return c, nil
}

// AuthorizeClientIDSecret refuses every secret: clients authenticate with private_key_jwt only.
func (s *storage) AuthorizeClientIDSecret(context.Context, string, string) error {
	return errors.New("devidp: client secrets are not accepted; use private_key_jwt")
}

// setUserinfo puts the simulated user's claims on ui (ID token and userinfo alike).
func setUserinfo(ui *oidc.UserInfo, u user) {
	ui.Subject = u.Subject
	if u.Name != "" {
		ui.Name = u.Name
	}
	if u.BSN != "" {
		ui.AppendClaims("bsn", u.BSN)
	}
	if len(u.Roles) > 0 {
		ui.AppendClaims("roles", slices.Clone(u.Roles))
	}
	for _, c := range u.Acting {
		ui.AppendClaims(c.Name, c.Value)
	}
}

// SetUserinfoFromRequest puts the custom claims (bsn, roles, name, acting on behalf of someone) into
// the ID token.
func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	r, ok := req.(*authRequest)
	if !ok {
		return errors.New("devidp: unexpected token request")
	}
	setUserinfo(ui, r.user)
	return nil
}

// SetUserinfoFromScopes is deprecated in op; SetUserinfoFromRequest does the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) token(id string) (*accessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok || s.now().After(t.expiration) {
		return nil, errNotFound
	}
	return t, nil
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.token(tokenID)
	if err != nil {
		return err
	}
	if t.user.Subject != subject {
		return errNotFound
	}
	setUserinfo(ui, t.user)
	return nil
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.token(tokenID)
	if err != nil {
		return err
	}
	if t.user.Subject != subject || t.clientID != clientID {
		return errors.New("devidp: token is not valid for this client")
	}
	ui := new(oidc.UserInfo)
	setUserinfo(ui, t.user)
	resp.SetUserInfo(ui)
	resp.Scope = t.scopes
	resp.ClientID = t.clientID
	resp.Expiration = oidc.FromTime(t.expiration)
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID returns the registered public key that verifies a client's assertions; the
// assertion's kid must name it.
func (s *storage) GetKeyByIDAndClientID(_ context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, ok := s.clients[clientID]
	if !ok || c.c.Key == nil || keyID != c.c.Key.KeyID {
		return nil, errors.New("devidp: no such key for this client")
	}
	k := *c.c.Key
	return &k, nil
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("devidp: JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// maxAssertionAge is how old (iat) a client assertion op still accepts (op.Provider.JWTProfileVerifier).
const maxAssertionAge = time.Hour

// replayGuard refuses a client assertion whose jti was seen before (RFC 7523 3 item 7; op checks
// signature, iss, sub, aud, exp and iat, but not this). The jti is recorded before op verifies the
// assertion: a forged one only burns its own random jti. Records are kept until the assertion can
// no longer pass op's checks (exp passed, or iat older than maxAssertionAge).
func (s *storage) replayGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "cannot parse the form")
			return
		}
		a := r.PostForm.Get("client_assertion")
		if a == "" {
			next.ServeHTTP(w, r)
			return
		}
		var c struct {
			JTI string `json:"jti"`
			Exp int64  `json:"exp"`
		}
		parts := strings.Split(a, ".")
		if len(parts) == 3 {
			if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
				_ = json.Unmarshal(b, &c)
			}
		}
		if c.JTI == "" {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client_assertion needs a jti")
			return
		}
		now := s.now()
		until := now.Add(maxAssertionAge + time.Minute)
		if exp := time.Unix(c.Exp, 0).Add(time.Minute); exp.Before(until) {
			until = exp
		}
		s.mu.Lock()
		for j, t := range s.jtis {
			if now.After(t) {
				delete(s.jtis, j)
			}
		}
		_, seen := s.jtis[c.JTI]
		if !seen {
			// handlercheck:shared — the replay record must outlive the request; s.mu guards it.
			s.jtis[strings.Clone(c.JTI)] = until
		}
		s.mu.Unlock()
		if seen {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client_assertion was used before (jti)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
