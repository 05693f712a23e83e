// Package devidp is the built-in DigiD simulator: a real OpenID Provider (zitadel/oidc op) with an
// in-memory store and a login page where anyone can type any BSN (citizens) or pick a demo account
// (staff). It is for demo and test only; New refuses to start in production.
package devidp

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// ClientKind tells the login page which form to show.
type ClientKind string

const (
	CitizenClient ClientKind = "citizen" // form: text field `bsn`, choice `loa` (basis, midden, substantieel, hoog), optional `acting_bsn` and `acting_service`
	StaffClient   ClientKind = "staff"   // form: field `username` (medewerker, teamleider, privacy, raad)
)

// Client is a relying party registered with the simulator: confidential, authenticating with
// private_key_jwt only (RFC 7523, as the NL GOV profile requires; client secrets are refused),
// authorization code flow with PKCE S256 only.
type Client struct {
	ID string
	// Key is the client's public key (with its kid) that verifies its client assertions.
	Key                    *jose.JSONWebKey
	Kind                   ClientKind
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// Config configures the simulator.
type Config struct {
	Issuer  string // e.g. "http://localhost:8080/dev-idp" (http allowed: dev only)
	Env     string // New refuses with an error when Env == "production"
	Clients []Client
	Logger  *slog.Logger

	// Acting on behalf of someone else (DigiD Machtigen style). With ActingBSNClaim set, the citizen
	// form offers an optional field for the BSN of the person the citizen acts for, put into the ID
	// token under that claim; with ActingServiceClaim set too, a field for the service the
	// authorisation is for. The portal must be configured with the same claim names.
	ActingBSNClaim     string
	ActingServiceClaim string
}

// StaffAccount is a demo staff log-in.
type StaffAccount struct {
	Username, Name, Role string
}

var staffAccounts = []StaffAccount{
	{Username: "medewerker", Name: "Mila Medewerker", Role: "clerk"},
	{Username: "teamleider", Name: "Tom Teamleider", Role: "team_lead"},
	{Username: "privacy", Name: "Priya Privacy", Role: "privacy_officer"},
	{Username: "raad", Name: "Ruben Raadslid", Role: "council"},
}

// StaffAccounts lists the demo staff log-ins and their roles (for printing at demo start-up).
func StaffAccounts() []StaffAccount { return slices.Clone(staffAccounts) }

func staffByUsername(u string) (StaffAccount, bool) {
	for _, s := range staffAccounts {
		if s.Username == u {
			return s, true
		}
	}
	return StaffAccount{}, false
}

// levels of assurance offered on the citizen form, weakest first, with their DigiD acr values.
var loaLevels = []struct{ Name, Label, ACR string }{
	{"basis", "Basis (gebruikersnaam en wachtwoord)", "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
	{"midden", "Midden (sms-controle of app)", "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"},
	{"substantieel", "Substantieel (app met identiteitsbewijs)", "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"},
	{"hoog", "Hoog (identiteitskaart met chip)", "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"},
}

func acrFor(loa string) (string, bool) {
	for _, l := range loaLevels {
		if l.Name == loa {
			return l.ACR, true
		}
	}
	return "", false
}

// Provider is the running simulator.
type Provider struct {
	op      *op.Provider
	store   *storage
	log     *slog.Logger
	prefix  string // the issuer's path, e.g. "/dev-idp" ("" when the issuer has no path)
	handler http.Handler

	actingBSN, actingService string // claim names for acting on behalf of someone else ("" = not offered)
}

// New builds the provider: it generates an RSA signing key and a token encryption key in memory.
func New(cfg Config) (*Provider, error) {
	if strings.EqualFold(strings.TrimSpace(cfg.Env), "production") {
		return nil, errors.New("devidp: the DigiD simulator must not run in production")
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("devidp: issuer %q is not an absolute http(s) URL", cfg.Issuer)
	}
	if len(cfg.Clients) == 0 {
		return nil, errors.New("devidp: no clients configured")
	}
	if cfg.ActingServiceClaim != "" && cfg.ActingBSNClaim == "" {
		return nil, errors.New("devidp: an acting service claim needs an acting BSN claim")
	}
	if reserved := append(slices.Clone(op.DefaultSupportedClaims), "bsn", "roles"); slices.Contains(reserved, cfg.ActingBSNClaim) ||
		slices.Contains(reserved, cfg.ActingServiceClaim) || (cfg.ActingBSNClaim != "" && cfg.ActingBSNClaim == cfg.ActingServiceClaim) {
		return nil, errors.New("devidp: the acting claims must be two other claims than the standard ones, bsn and roles")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	prefix := strings.TrimSuffix(u.EscapedPath(), "/")

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devidp: signing key: %w", err)
	}
	store := newStorage(key)
	for _, c := range cfg.Clients {
		if c.ID == "" || len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("devidp: client %q needs an id and a redirect URI", c.ID)
		}
		if c.Key == nil || !c.Key.IsPublic() || !c.Key.Valid() || c.Key.KeyID == "" {
			return nil, fmt.Errorf("devidp: client %q needs a public key with a kid (private_key_jwt)", c.ID)
		}
		if c.Kind != CitizenClient && c.Kind != StaffClient {
			return nil, fmt.Errorf("devidp: client %q has unknown kind %q", c.ID, c.Kind)
		}
		if _, dup := store.clients[c.ID]; dup {
			return nil, fmt.Errorf("devidp: client %q registered twice", c.ID)
		}
		store.clients[c.ID] = &client{c: c, loginPath: prefix + "/login"}
	}

	conf := &op.Config{
		CryptoKey:                randomKey(),
		CryptoKeyId:              randomToken()[:8],
		DefaultLogoutRedirectURI: issuer + "/uitgelogd",
		CodeMethodS256:           true,
		AuthMethodPrivateKeyJWT:  true, // and only that: every client is registered with it
		SupportedUILocales:       []language.Tag{language.Dutch, language.English},
		SupportedClaims:          supportedClaims(cfg),
		SupportedScopes:          []string{"openid", "profile"},
	}
	prov, err := op.NewProvider(conf, store, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}
	p := &Provider{op: prov, store: store, log: log, prefix: prefix, actingBSN: cfg.ActingBSNClaim,
		actingService: cfg.ActingServiceClaim}

	issuerCtx := op.NewIssuerInterceptor(prov.IssuerFromRequest)
	mux := http.NewServeMux()
	mux.Handle("/login", issuerCtx.HandlerFunc(p.login))
	mux.HandleFunc("/uitgelogd", p.loggedOut)
	mux.Handle("/", store.replayGuard(prov))
	p.handler = mux
	if prefix != "" {
		p.handler = http.StripPrefix(prefix, mux)
	}
	return p, nil
}

// supportedClaims lists the claims the discovery document advertises.
func supportedClaims(cfg Config) []string {
	out := append(slices.Clone(op.DefaultSupportedClaims), "bsn", "roles")
	for _, c := range []string{cfg.ActingBSNClaim, cfg.ActingServiceClaim} {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Handler serves the whole provider. It expects the full request path including the issuer's path
// prefix (e.g. /dev-idp/.well-known/openid-configuration, /dev-idp/authorize, /dev-idp/login?...), so
// that it can be mounted as-is on a mux at "/dev-idp/" or under Fiber with
// app.Use("/dev-idp", adaptor.HTTPHandler(p.Handler())).
func (p *Provider) Handler() http.Handler { return p.handler }

func randomKey() [32]byte {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		panic("devidp: crypto/rand failed: " + err.Error())
	}
	return k
}
