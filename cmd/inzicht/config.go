package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/bsnvault"
	"github.com/inzicht/inzicht/portal/mail"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/vlog"
)

// Config is every setting, read once from the environment and validated before anything starts.
// The README lists each variable.
type Config struct {
	Env          string // development, demo, production
	DatabaseURL  string
	Addr         string
	BaseURL      string
	Municipality string
	ShowEmployee bool

	// Contact is the team's phone, e-mail, address and opening hours, shown in the footer, on the
	// contact page and in the letters (INZICHT_CONTACT_*). The demo fills in fictitious values.
	Contact portal.Contact
	// Logo is the municipality's logo (INZICHT_LOGO_PATH, SVG or PNG), read once at start; nil: the
	// header shows the municipality's name as text.
	Logo     []byte
	LogoType string // image/svg+xml or image/png

	OIDC       OIDCConfig // citizens (DigiD)
	StaffOIDC  OIDCConfig // staff
	BSNClaim   string
	BSNPrefix  string
	LoAClaim   string
	MinLoA     portal.LoA
	RolesClaim string
	// Acting on behalf of someone else (DigiD Machtigen style): the claim with the represented
	// person's BSN ("" = off), the claim with the service, the services accepted (none = any).
	ActingBSNClaim     string
	ActingServiceClaim string
	ActingServices     []string

	BSNHMACKey []byte
	BSNKeyID   string
	BSNKeys    map[string][]byte
	// LogSigner signs the verifiable log's checkpoints (INZICHT_LOG_SIGNING_KEY; the demo's fixed key
	// outside production).
	LogSigner *vlog.Signer
	// LogCheckEvery is how often serve compares the database with the log (INZICHT_LOG_CHECK_EVERY).
	LogCheckEvery time.Duration
	// LogWitnesses cosign the log's checkpoints (INZICHT_LOG_WITNESSES).
	LogWitnesses []vlog.Witness
	// LogOff leaves the events out of the verifiable log (INZICHT_VERIFIABLE_LOG=off): the integrator
	// folds the outbox into the summaries and adds no leaves. Only for measuring what the log costs
	// (inzicht bench); refused in production.
	LogOff bool
	// LogMaxBacklog is how many events may wait in the outbox (taken in, not yet in a signed
	// checkpoint) before ingest answers 503 with Retry-After (INZICHT_LOG_MAX_BACKLOG; 0: never).
	LogMaxBacklog int

	TrustedProxies []string
	MetricsToken   string

	Signals       portal.SignalPolicy
	SuppressBelow int // published counts below it show as "< n"

	// Filing bounds what one logged-in person can file per period (requests, withdrawals,
	// confirmation mails); shared by every portal process through the database.
	Filing portal.FilingLimits

	SMTP       *mail.Config // nil: no e-mail
	ClerkEmail string       // receives the deadline reminders
	// TeamLeadEmail receives an alert at each emergency access by the municipality's staff.
	TeamLeadEmail string

	// Input the API accepts (see the block "API input bounds" in loadConfig).
	EventsNotBefore time.Time
	EventsMaxFuture time.Duration
	ConfidentialMax time.Duration

	SessionIdle time.Duration
	SessionMax  time.Duration
	APIRate     int
	LoginRate   int
	LogLevel    string

	// Several machines (issue 20; see r.scaling and docs/operations.md).
	ReplicaURL    string        // INZICHT_DATABASE_REPLICA_URL: a read replica; "" = none
	ReplicaMaxLag time.Duration // INZICHT_REPLICA_MAX_LAG: above it the primary is read
	JobsPollOnly  bool          // INZICHT_JOBS_POLL_ONLY: River without LISTEN (PgBouncer, transaction mode)
}

// OIDCConfig is one OpenID Connect client.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret, RedirectURL string

	// ClientKey signs private_key_jwt client assertions (NL GOV profile); nil: ClientSecret is used.
	ClientKey         *jose.JSONWebKey
	AssertionAudience string // oidcrp.AudienceIssuer or oidcrp.AudienceTokenEndpoint
	// DecryptionKey decrypts ID tokens delivered as JWE; nil: encrypted ID tokens are refused.
	DecryptionKey *jose.JSONWebKey
	// AllowSecret lets serve in production use ClientSecret (a provider that offers nothing else).
	AllowSecret bool
}

func (o OIDCConfig) set() bool { return o.Issuer != "" }

// demoSecret seeds the demo's fixed keys. Demo data are fictitious; production refuses these keys.
const demoSecret = "inzicht-demo-only-not-for-production"

func demoKey(purpose string) []byte {
	h := sha256.Sum256([]byte(demoSecret + "/" + purpose))
	return h[:]
}

// loadConfig reads the environment. mode is "serve" or "demo" (or a tool command, which needs only
// the database and the keys).
func loadConfig(mode string, getenv func(string) string) (Config, error) {
	r := &envReader{getenv: getenv}
	c := r.base(mode)
	r.apiBounds(&c)
	r.scaling(&c)
	c.OIDC, c.StaffOIDC = r.oidcClient("INZICHT_OIDC_"), r.oidcClient("INZICHT_STAFF_OIDC_")
	r.keys(&c, mode)
	r.logKey(&c, mode)
	switch mode {
	case "demo":
		if c.Env == "production" {
			r.bad("INZICHT_ENV=production: the demo (with its DigiD simulator) refuses to run in production")
		}
	case "serve":
		r.serveChecks(&c)
	}
	if len(r.errs) > 0 {
		return c, errors.New("configuration:\n  - " + strings.Join(r.errs, "\n  - "))
	}
	return c, nil
}

// scaling reads the settings for more than one machine: a read replica and its lag bound, and River
// polling instead of listening (a pooler in transaction mode passes no LISTEN/NOTIFY).
func (r *envReader) scaling(c *Config) {
	c.ReplicaURL = r.get("INZICHT_DATABASE_REPLICA_URL", "")
	if u, err := url.Parse(c.ReplicaURL); c.ReplicaURL != "" && (err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql")) {
		r.bad("INZICHT_DATABASE_REPLICA_URL: want a postgres:// URL of the read replica")
	}
	c.ReplicaMaxLag = r.dur("INZICHT_REPLICA_MAX_LAG", 5*time.Second)
	if v := r.get("INZICHT_JOBS_POLL_ONLY", "false"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.bad("INZICHT_JOBS_POLL_ONLY: want true or false, got %q", v)
		}
		c.JobsPollOnly = b
	}
}

// envReader reads settings from the environment and collects every problem, so that one start
// reports all of them.
type envReader struct {
	getenv func(string) string
	errs   []string
}

func (r *envReader) bad(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// get returns the trimmed value of k, or def when it is unset or blank.
func (r *envReader) get(k, def string) string {
	if v := strings.TrimSpace(r.getenv(k)); v != "" {
		return v
	}
	return def
}

// dur reads a positive duration such as 15m.
func (r *envReader) dur(k string, def time.Duration) time.Duration {
	v := r.get(k, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.bad("%s: want a duration such as 15m, got %q", k, v)
	}
	return d
}

// num reads a positive whole number.
func (r *envReader) num(k string, def int) int {
	v := r.get(k, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		r.bad("%s: want a positive number, got %q", k, v)
	}
	return n
}

// base reads the general settings: addresses, sessions, rates, mail, signals, filing limits.
func (r *envReader) base(mode string) Config {
	c := Config{
		Env:          r.get("INZICHT_ENV", map[bool]string{true: "demo", false: "production"}[mode == "demo"]),
		DatabaseURL:  r.get("DATABASE_URL", ""),
		Addr:         r.get("INZICHT_ADDR", ":8080"),
		BaseURL:      strings.TrimRight(r.get("INZICHT_BASE_URL", ""), "/"),
		Municipality: r.get("INZICHT_MUNICIPALITY", "Gemeente Voorbeeldstad"),
		BSNClaim:     r.get("INZICHT_OIDC_BSN_CLAIM", "bsn"),
		BSNPrefix:    r.get("INZICHT_OIDC_BSN_PREFIX", ""),
		LoAClaim:     r.get("INZICHT_OIDC_LOA_CLAIM", "acr"),
		RolesClaim:   r.get("INZICHT_STAFF_ROLES_CLAIM", "roles"),

		ActingBSNClaim:     r.get("INZICHT_OIDC_ACTING_BSN_CLAIM", ""),
		ActingServiceClaim: r.get("INZICHT_OIDC_ACTING_SERVICE_CLAIM", ""),
		SessionIdle:        r.dur("INZICHT_SESSION_IDLE", 15*time.Minute),
		SessionMax:         r.dur("INZICHT_SESSION_MAX", 12*time.Hour),
		APIRate:            r.num("INZICHT_API_RATE", 6000),
		LoginRate:          r.num("INZICHT_LOGIN_RATE", 30),
		LogLevel:           r.get("INZICHT_LOG_LEVEL", "info"),
		MetricsToken:       r.get("INZICHT_METRICS_TOKEN", ""),
	}
	for _, p := range strings.Split(r.get("INZICHT_TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				r.bad("INZICHT_TRUSTED_PROXIES: %q is not an IP address or CIDR range", p)
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if raw := r.get("INZICHT_SMTP_URL", ""); raw != "" {
		mc, err := mail.ParseURL(raw)
		if err != nil {
			r.bad("INZICHT_SMTP_URL: %v", err)
		} else {
			c.SMTP = &mc
		}
	}
	c.Signals = portal.SignalPolicy{
		ApprovalDays:   r.num("INZICHT_SIGNAL_APPROVAL_DAYS", 2),
		MaxDeferral:    r.dur("INZICHT_SIGNAL_MAX_DEFERRAL", 92*24*time.Hour),
		DecisionWithin: r.dur("INZICHT_SIGNAL_DECISION_WITHIN", 28*24*time.Hour),
		MaxKeep:        r.dur("INZICHT_SIGNAL_MAX_KEEP", 366*24*time.Hour),
	}
	c.SuppressBelow = r.num("INZICHT_SUPPRESS_BELOW", portal.DefaultSuppressBelow)
	// Filing limits per person, in a sliding window (generous for real use; see README).
	def := portal.DefaultFilingLimits()
	window := r.dur("INZICHT_FILING_WINDOW", def.Request.Window)
	c.Filing = portal.FilingLimits{
		Request:      portal.FilingLimit{Max: r.num("INZICHT_FILING_LIMIT_REQUESTS", def.Request.Max), Window: window},
		Withdrawal:   portal.FilingLimit{Max: r.num("INZICHT_FILING_LIMIT_WITHDRAWALS", def.Withdrawal.Max), Window: window},
		Confirmation: portal.FilingLimit{Max: r.num("INZICHT_FILING_LIMIT_CONFIRMATIONS", def.Confirmation.Max), Window: window},
	}
	c.ClerkEmail = r.get("INZICHT_CLERK_EMAIL", "")
	if c.ClerkEmail != "" {
		if a, err := netmail.ParseAddress(c.ClerkEmail); err != nil || a.Address != c.ClerkEmail {
			r.bad("INZICHT_CLERK_EMAIL: want one plain address such as privacy@gemeente.nl")
		}
	}
	c.TeamLeadEmail = r.get("INZICHT_TEAM_LEAD_EMAIL", "")
	if c.TeamLeadEmail != "" {
		if a, err := netmail.ParseAddress(c.TeamLeadEmail); err != nil || a.Address != c.TeamLeadEmail {
			r.bad("INZICHT_TEAM_LEAD_EMAIL: want one plain address such as teamleiders@gemeente.nl")
		}
	}
	switch c.Env {
	case "development", "demo", "production":
	default:
		r.bad("INZICHT_ENV: want development, demo or production, got %q", c.Env)
	}
	switch v := r.get("INZICHT_SHOW_EMPLOYEE", "role"); v {
	case "name":
		c.ShowEmployee = true
	case "role":
	default:
		r.bad("INZICHT_SHOW_EMPLOYEE: want role or name, got %q", v)
	}
	r.acting(&c)
	r.contact(&c, mode)
	c.MinLoA = portal.ParseLoA(r.get("INZICHT_MIN_LOA", "substantieel"))
	if c.MinLoA == portal.LoAUnknown {
		r.bad("INZICHT_MIN_LOA: want basis, midden, substantieel or hoog")
	}
	if c.SessionIdle > 15*time.Minute && c.Env == "production" {
		r.bad("INZICHT_SESSION_IDLE: at most 15m in production")
	}
	return c
}

// acting reads the services accepted for acting on behalf of someone else and refuses settings that
// would have no effect or mix up whose BSN is whose.
func (r *envReader) acting(c *Config) {
	for _, s := range strings.Split(r.get("INZICHT_OIDC_ACTING_SERVICES", ""), ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.ActingServices = append(c.ActingServices, s)
		}
	}
	switch {
	case c.ActingBSNClaim == "" && (c.ActingServiceClaim != "" || len(c.ActingServices) > 0):
		r.bad("INZICHT_OIDC_ACTING_SERVICE_CLAIM and INZICHT_OIDC_ACTING_SERVICES need INZICHT_OIDC_ACTING_BSN_CLAIM (the claim with the represented person's BSN)")
	case c.ActingBSNClaim != "" && (c.ActingBSNClaim == c.BSNClaim || c.ActingBSNClaim == "sub"):
		r.bad("INZICHT_OIDC_ACTING_BSN_CLAIM: must name another claim than the citizen's own BSN (%q, or sub)", c.BSNClaim)
	case len(c.ActingServices) > 0 && c.ActingServiceClaim == "":
		r.bad("INZICHT_OIDC_ACTING_SERVICES: set INZICHT_OIDC_ACTING_SERVICE_CLAIM too (the claim with the service id)")
	}
}

// Limits of the contact settings and the logo.
const (
	maxContactText = 200
	maxLogoBytes   = 256 << 10
)

// contact reads the team's contact details and the logo. The demo shows fictitious values where none
// are set, so that every page and letter can be seen with them.
func (r *envReader) contact(c *Config, mode string) {
	def := portal.Contact{}
	if mode == "demo" {
		def = portal.Contact{Phone: "14 0XX", Email: "privacy@voorbeeldstad.nl",
			Address: "Postbus 100, 1234 AB Voorbeeldstad", Hours: "maandag tot en met vrijdag van 9.00 tot 17.00 uur",
			HoursEN: "Monday to Friday, 9.00 to 17.00"}
	}
	c.Contact = portal.Contact{
		Phone:   r.get("INZICHT_CONTACT_PHONE", def.Phone),
		Email:   r.get("INZICHT_CONTACT_EMAIL", def.Email),
		Address: r.get("INZICHT_CONTACT_ADDRESS", def.Address),
		Hours:   r.get("INZICHT_CONTACT_HOURS", def.Hours),
		HoursEN: r.get("INZICHT_CONTACT_HOURS_EN", def.HoursEN),
	}
	if p := c.Contact.Phone; p != "" {
		digits := 0
		for _, ch := range p {
			switch {
			case ch >= '0' && ch <= '9':
				digits++
			case strings.ContainsRune(" +-().X", ch):
			default:
				digits = -100
			}
		}
		if digits < 2 || len(p) > 30 {
			r.bad("INZICHT_CONTACT_PHONE: want a phone number such as 14 020 or +31 20 123 4567, got %q", p)
		}
	}
	if e := c.Contact.Email; e != "" {
		if a, err := netmail.ParseAddress(e); err != nil || a.Address != e {
			r.bad("INZICHT_CONTACT_EMAIL: want one plain address such as privacy@gemeente.nl, got %q", e)
		}
	}
	for k, v := range map[string]string{"INZICHT_CONTACT_ADDRESS": c.Contact.Address, "INZICHT_CONTACT_HOURS": c.Contact.Hours,
		"INZICHT_CONTACT_HOURS_EN": c.Contact.HoursEN} {
		if len([]rune(v)) > maxContactText || strings.ContainsFunc(v, func(ch rune) bool { return ch < ' ' || ch == 0x7f }) {
			r.bad("%s: want one line of at most %d characters", k, maxContactText)
		}
	}
	path := r.get("INZICHT_LOGO_PATH", "")
	if path == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		r.bad("INZICHT_LOGO_PATH: cannot read the logo: %v", err)
		return
	}
	typ, problem := logoType(path, b)
	if problem != "" {
		r.bad("INZICHT_LOGO_PATH: %s", problem)
		return
	}
	c.Logo, c.LogoType = b, typ
}

// logoType checks a logo file: an SVG or PNG image (by name and content) of at most 256 KiB,
// an SVG without scripts.
func logoType(path string, b []byte) (typ, problem string) {
	if len(b) == 0 || len(b) > maxLogoBytes {
		return "", fmt.Sprintf("want a file of at most %d KiB, not empty", maxLogoBytes>>10)
	}
	lower := strings.ToLower(string(b))
	switch ext := strings.ToLower(path[strings.LastIndexByte(path, '.')+1:]); {
	case ext == "png" && strings.HasPrefix(string(b), "\x89PNG\r\n\x1a\n"):
		return "image/png", ""
	case ext == "svg" && strings.Contains(lower, "<svg"):
		if strings.Contains(lower, "<script") || strings.Contains(lower, "<foreignobject") {
			return "", "an SVG logo must not contain scripts or foreignObject"
		}
		return "image/svg+xml", ""
	}
	return "", "want an SVG (.svg) or PNG (.png) image"
}

// apiBounds reads the API's input bounds: the plausible window of an event's occurred_at, and the
// longest confidentiality an event may carry without a recorded extension.
func (r *envReader) apiBounds(c *Config) {
	c.EventsNotBefore = api.DefaultEventsNotBefore
	if v := r.get("INZICHT_EVENTS_NOT_BEFORE", ""); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			t, err = time.Parse(time.RFC3339, v)
		}
		if err != nil || t.Year() < 1970 || t.After(time.Now()) {
			r.bad("INZICHT_EVENTS_NOT_BEFORE: want a past date from 1970 on such as 1990-01-01, got %q", v)
		} else {
			c.EventsNotBefore = t.UTC()
		}
	}
	c.EventsMaxFuture = r.dur("INZICHT_EVENTS_MAX_FUTURE", portal.MaxFuture)
	if c.EventsMaxFuture > time.Hour {
		r.bad("INZICHT_EVENTS_MAX_FUTURE: at most 1h (it allows for clock skew, not for planned events)")
	}
	c.ConfidentialMax = r.dur("INZICHT_CONFIDENTIAL_MAX", api.DefaultConfidentialMax)
	if c.ConfidentialMax > 5*366*24*time.Hour {
		r.bad("INZICHT_CONFIDENTIAL_MAX: at most 5 years (43920h); longer confidentiality is extended, with a reason, per period")
	}

}

// oidcClient reads one OpenID Connect client (citizens: INZICHT_OIDC_, staff: INZICHT_STAFF_OIDC_).
func (r *envReader) oidcClient(prefix string) OIDCConfig {
	o := OIDCConfig{Issuer: r.get(prefix+"ISSUER", ""), ClientID: r.get(prefix+"CLIENT_ID", ""),
		ClientSecret: r.get(prefix+"CLIENT_SECRET", ""), RedirectURL: r.get(prefix+"REDIRECT_URL", ""),
		AssertionAudience: r.get(prefix+"CLIENT_ASSERTION_AUD", oidcrp.AudienceIssuer)}
	key := func(name, kid, use string) *jose.JSONWebKey {
		path := r.get(name, "")
		if path == "" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			r.bad("%s: cannot read the key file: %v", name, err)
			return nil
		}
		k, err := oidcrp.LoadKey(b, kid, use)
		if err != nil {
			r.bad("%s: want one PEM private key, RSA of at least 2048 bits or EC P-256/P-384/P-521 (%v)", name, err)
			return nil
		}
		return k
	}
	o.ClientKey = key(prefix+"CLIENT_KEY_FILE", r.get(prefix+"CLIENT_KEY_ID", ""), oidcrp.UseSignature)
	o.DecryptionKey = key(prefix+"ID_TOKEN_DECRYPTION_KEY_FILE", "", oidcrp.UseEncryption)
	if o.AssertionAudience != oidcrp.AudienceIssuer && o.AssertionAudience != oidcrp.AudienceTokenEndpoint {
		r.bad("%sCLIENT_ASSERTION_AUD: want issuer or token_endpoint, got %q", prefix, o.AssertionAudience)
	}
	switch v := r.get(prefix+"ALLOW_CLIENT_SECRET", "false"); v {
	case "true":
		o.AllowSecret = true
	case "false":
	default:
		r.bad("%sALLOW_CLIENT_SECRET: want true or false, got %q", prefix, v)
	}
	return o
}

// keys reads the BSN keys. Serve always needs its own; the demo (and the tools outside production)
// fall back to fixed, published demo keys.
func (r *envReader) keys(c *Config, mode string) {
	hk, ek := r.get("INZICHT_BSN_HMAC_KEY", ""), r.get("INZICHT_BSN_ENC_KEYS", "")
	switch {
	case hk == "" && ek == "" && (mode == "demo" || (mode != "serve" && c.Env != "production")):
		c.BSNHMACKey, c.BSNKeyID, c.BSNKeys = demoKey("hmac"), "demo", map[string][]byte{"demo": demoKey("aes")}
	default:
		k, err := bsnvault.DecodeKey(hk)
		if hk == "" || err != nil || len(k) < 32 {
			r.bad("INZICHT_BSN_HMAC_KEY: want at least 32 random bytes, base64 (e.g. `openssl rand -base64 32`)")
		}
		c.BSNHMACKey = k
		id, keys, err := bsnvault.ParseKeys(ek)
		if ek == "" || err != nil {
			r.bad("INZICHT_BSN_ENC_KEYS: want id:base64-of-32-bytes[,id2:…], the first encrypts (%v)", err)
		}
		c.BSNKeyID, c.BSNKeys = id, keys
		if string(c.BSNHMACKey) == string(demoKey("hmac")) {
			r.bad("INZICHT_BSN_HMAC_KEY: the demo key must not be used")
		}
	}

}

// serveChecks holds what `serve` needs beyond the rest: a database, its public URL, the providers.
func (r *envReader) serveChecks(c *Config) {
	if c.DatabaseURL == "" {
		r.bad("DATABASE_URL: required, e.g. postgres://inzicht@db:5432/inzicht")
	}
	if c.BaseURL == "" {
		r.bad("INZICHT_BASE_URL: required, the public URL, e.g. https://inzicht.gemeente.nl")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		r.bad("INZICHT_ADDR: want host:port such as :8080")
	}
	if u, err := url.Parse(c.BaseURL); c.BaseURL != "" && (err != nil || u.Host == "" || (c.Env == "production" && u.Scheme != "https")) {
		r.bad("INZICHT_BASE_URL: want an absolute URL (https in production), got %q", c.BaseURL)
	}
	for _, o := range []struct {
		prefix string
		cfg    *OIDCConfig
		need   bool
	}{{"INZICHT_OIDC_", &c.OIDC, true}, {"INZICHT_STAFF_OIDC_", &c.StaffOIDC, false}} {
		if !o.need && !o.cfg.set() {
			continue
		}
		if o.cfg.Issuer == "" || o.cfg.ClientID == "" {
			r.bad("%sISSUER and %sCLIENT_ID: both required", o.prefix, o.prefix)
		}
		// The NL GOV profile: confidential clients MUST authenticate with private_key_jwt (or
		// mTLS). A client secret remains for providers that offer nothing else; in production only
		// when that is said explicitly.
		switch k, s := o.cfg.ClientKey != nil, o.cfg.ClientSecret != ""; {
		case k && s:
			r.bad("%sCLIENT_KEY_FILE and %sCLIENT_SECRET: set only one (one client authentication method)", o.prefix, o.prefix)
		case !k && !s:
			r.bad("%sCLIENT_KEY_FILE (private_key_jwt) or, for a provider that offers only secrets, %sCLIENT_SECRET: one is required", o.prefix, o.prefix)
		case s && c.Env == "production" && !o.cfg.AllowSecret:
			r.bad("%sCLIENT_SECRET: production requires private_key_jwt (NL GOV profile): set %sCLIENT_KEY_FILE, "+
				"or %sALLOW_CLIENT_SECRET=true for a provider that offers only client secrets", o.prefix, o.prefix, o.prefix)
		}
		if o.cfg.RedirectURL == "" {
			r.bad("%sREDIRECT_URL: required (the exact redirect URI registered at the provider)", o.prefix)
		}
		if c.BaseURL != "" && strings.HasPrefix(o.cfg.Issuer, c.BaseURL+"/dev-idp") {
			r.bad("%sISSUER: serve refuses the built-in DigiD simulator; use `inzicht demo` for that", o.prefix)
		}
		if c.Env == "production" && !strings.HasPrefix(o.cfg.Issuer, "https://") {
			r.bad("%sISSUER: must be https in production", o.prefix)
		}
	}
	if string(c.BSNHMACKey) == string(demoKey("hmac")) {
		r.bad("INZICHT_BSN_HMAC_KEY: the published demo key cannot serve")
	}
}

// citizenClaims says where the portal finds a citizen's identity, and whom they act for, in the ID token.
func (c Config) citizenClaims() oidcrp.CitizenClaims {
	return oidcrp.CitizenClaims{BSNClaim: c.BSNClaim, SectorPrefix: c.BSNPrefix, LoAClaim: c.LoAClaim, MinLoA: c.MinLoA,
		ActingBSNClaim: c.ActingBSNClaim, ActingServiceClaim: c.ActingServiceClaim, ActingServices: c.ActingServices}
}

// vault builds the BSN vault from the keys.
func (c Config) vault() (*bsnvault.Vault, error) {
	return bsnvault.New(c.BSNHMACKey, c.BSNKeyID, c.BSNKeys)
}
