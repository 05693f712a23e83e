package mail

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults and the accepted values of Config.StartTLS.
const (
	SchemeSMTP  = "smtp"  // submission, upgraded with STARTTLS unless StartTLS is "off"
	SchemeSMTPS = "smtps" // implicit TLS

	DefaultSMTPPort  = "587"
	DefaultSMTPSPort = "465"
	DefaultTimeout   = 30 * time.Second

	StartTLSRequired = "required"
	StartTLSOff      = "off" // plain text: only for a local relay or tests

	redacted = "xxxxx"
)

// Config is where and how to send, parsed from a URL.
type Config struct {
	Scheme             string // "smtp" or "smtps"
	Host               string // host name
	Port               string
	Username, Password string        // may be empty: no AUTH
	From               string        // envelope and header sender, e.g. "Inzicht <noreply@gemeente.nl>"; required
	StartTLS           string        // for smtp://: "required" (default), "off" (plain, only for a local relay / tests)
	Timeout            time.Duration // per connection attempt + whole send; default 30s
	TLSConfig          *tls.Config   // optional (tests); nil = system roots, ServerName = Host, MinVersion TLS1.2
}

// ParseURL parses smtp://[user:pass@]host[:port]?from=...&starttls=required|off and
// smtps://[user:pass@]host[:port]?from=... (implicit TLS). The default port is 587 for smtp and
// 465 for smtps. from is required; unknown query keys are an error. User name and password are
// URL-decoded. AUTH over plain text (a user with starttls=off) is only accepted for a loopback host.
//
// Error messages never contain the password: they describe what is wrong without quoting the URL.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the URL, or the part after a stray '/', '?' or '#' in a password.
		return Config{}, errors.New("mail: malformed SMTP URL (check the host and port, and percent-encode special characters in user name and password)")
	}
	c := Config{Scheme: u.Scheme, Host: u.Hostname(), Port: u.Port(), Timeout: DefaultTimeout}
	switch c.Scheme {
	case SchemeSMTP, SchemeSMTPS:
	case "":
		return Config{}, errors.New("mail: SMTP URL has no scheme; want smtp:// or smtps://")
	default:
		return Config{}, fmt.Errorf("mail: unsupported SMTP URL scheme %q; want smtp or smtps", safeToQuote(c.Scheme))
	}
	if u.Opaque != "" || c.Host == "" {
		return Config{}, errors.New("mail: SMTP URL has no host; want smtp://host[:port]?from=...")
	}
	if u.Path != "" && u.Path != "/" {
		return Config{}, errors.New("mail: SMTP URL must not have a path")
	}
	if u.Fragment != "" {
		return Config{}, errors.New("mail: SMTP URL must not have a fragment")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" && c.Password != "" {
			return Config{}, errors.New("mail: SMTP URL has a password but no user name")
		}
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, errors.New("mail: malformed query in SMTP URL")
	}
	for key, vals := range q {
		switch key {
		case "from", "starttls":
			if len(vals) != 1 {
				return Config{}, fmt.Errorf("mail: SMTP URL has %q %d times, want once", key, len(vals))
			}
		default:
			return Config{}, fmt.Errorf("mail: unknown query parameter %q in SMTP URL; known are from and starttls", safeToQuote(key))
		}
	}
	c.From = q.Get("from")
	if q.Has("starttls") {
		if c.Scheme != SchemeSMTP {
			return Config{}, errors.New("mail: starttls only applies to smtp://; smtps:// always uses TLS")
		}
		c.StartTLS = q.Get("starttls")
	}
	c = c.withDefaults()
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// String returns the URL with the password replaced by "xxxxx" (for logs).
func (c Config) String() string {
	u := url.URL{Scheme: c.Scheme, Host: c.Host}
	if c.Port != "" {
		u.Host = net.JoinHostPort(c.Host, c.Port)
	} else if strings.Contains(c.Host, ":") {
		u.Host = "[" + c.Host + "]"
	}
	switch {
	case c.Password != "":
		u.User = url.UserPassword(c.Username, redacted)
	case c.Username != "":
		u.User = url.User(c.Username)
	}
	q := url.Values{}
	if c.From != "" {
		q.Set("from", c.From)
	}
	if c.StartTLS != "" {
		q.Set("starttls", c.StartTLS)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// withDefaults fills in the port, StartTLS and Timeout where they are empty.
func (c Config) withDefaults() Config {
	if c.Port == "" {
		switch c.Scheme {
		case SchemeSMTP:
			c.Port = DefaultSMTPPort
		case SchemeSMTPS:
			c.Port = DefaultSMTPSPort
		}
	}
	if c.StartTLS == "" && c.Scheme == SchemeSMTP {
		c.StartTLS = StartTLSRequired
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// validate checks a Config with defaults applied. Its messages quote neither the password nor
// other parts of the URL.
func (c Config) validate() error {
	if c.Scheme != SchemeSMTP && c.Scheme != SchemeSMTPS {
		return fmt.Errorf("mail: unsupported scheme %q; want smtp or smtps", safeToQuote(c.Scheme))
	}
	if c.Host == "" {
		return errors.New("mail: no SMTP host")
	}
	if p, err := strconv.Atoi(c.Port); err != nil || p < 1 || p > 65535 {
		return errors.New("mail: invalid SMTP port; want 1-65535")
	}
	switch {
	case c.Scheme == SchemeSMTPS && c.StartTLS != "":
		return errors.New("mail: starttls only applies to smtp://; smtps:// always uses TLS")
	case c.Scheme == SchemeSMTP && c.StartTLS != StartTLSRequired && c.StartTLS != StartTLSOff:
		return errors.New(`mail: invalid starttls; want "required" or "off"`)
	}
	if c.From == "" {
		return errors.New(`mail: no sender; set from, e.g. from=Inzicht+%3Cnoreply%40gemeente.nl%3E`)
	}
	if _, err := parseAddress(c.From); err != nil {
		return errors.New(`mail: from is not a single valid ASCII e-mail address, e.g. "Inzicht <noreply@gemeente.nl>"`)
	}
	if c.Username == "" && c.Password != "" {
		return errors.New("mail: a password but no user name")
	}
	if c.Username != "" && c.plainText() && !isLoopback(c.Host) {
		return errors.New("mail: refusing AUTH over plain text to a non-loopback host; use starttls=required or smtps://")
	}
	return nil
}

// plainText reports whether the connection stays unencrypted.
func (c Config) plainText() bool {
	return c.Scheme == SchemeSMTP && c.StartTLS == StartTLSOff
}

// tlsConfig returns the TLS configuration to use: a copy of TLSConfig or a fresh one, with
// ServerName and a minimum of TLS 1.2 filled in.
func (c Config) tlsConfig() *tls.Config {
	t := &tls.Config{}
	if c.TLSConfig != nil {
		t = c.TLSConfig.Clone()
	}
	if t.ServerName == "" {
		t.ServerName = c.Host
	}
	if t.MinVersion < tls.VersionTLS12 {
		t.MinVersion = tls.VersionTLS12
	}
	return t
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// safeToQuote returns s if it is short and made of letters, digits, '-', '_' and '.' only, so that
// quoting it cannot reveal (part of) a password; otherwise a placeholder.
func safeToQuote(s string) string {
	if len(s) > 32 {
		return "(not shown)"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "(not shown)"
		}
	}
	return s
}

// parseAddress parses one address that can go into an SMTP envelope as it is: no CR or LF, ASCII
// only (no SMTPUTF8), and a local part that needs no quoting.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("contains CR or LF")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(a.Address); i++ {
		if a.Address[i] > 127 {
			return nil, errors.New("non-ASCII addresses are not supported")
		}
	}
	if (&mail.Address{Address: a.Address}).String() != "<"+a.Address+">" {
		return nil, errors.New("addresses with a quoted local part are not supported")
	}
	return a, nil
}
