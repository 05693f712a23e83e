// Package mailtest is a real SMTP server for tests, built on go-smtp's server. It records every
// message it accepts, can be stopped and restarted on the same port to simulate an outage, and can
// be told to refuse the next messages with a given SMTP code. It is for tests only.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	// domain is what the server calls itself in its greeting.
	domain = "mailtest.invalid"
	// ioTimeout bounds every read and write of the server, so a stuck client cannot hang a test.
	ioTimeout = 30 * time.Second
	// restartFor is how long Restart keeps trying to listen on the old port.
	restartFor = 5 * time.Second
	// pollEvery is how often WaitFor and Restart look again.
	pollEvery = 10 * time.Millisecond
)

// Received is one message the server accepted.
type Received struct {
	From     string      // MAIL FROM address
	To       []string    // RCPT TO addresses, in order
	Data     []byte      // the message exactly as received (CRLF line endings, dot-stuffing removed)
	Header   mail.Header // parsed from Data
	Body     string      // the body, decoded from quoted-printable when so labelled, CRLF turned into LF
	TLS      bool        // the message came over TLS (implicit or STARTTLS)
	Username string      // the user that authenticated with AUTH PLAIN; "" without AUTH
}

// Option changes how Start sets up the server.
type Option func(*options)

type options struct {
	tls         *tls.Config
	implicitTLS bool
	user, pass  string
}

// WithStartTLS makes the server offer STARTTLS with cfg.
func WithStartTLS(cfg *tls.Config) Option {
	return func(o *options) { o.tls, o.implicitTLS = cfg, false }
}

// WithImplicitTLS makes the server speak TLS from the first byte (smtps) with cfg.
func WithImplicitTLS(cfg *tls.Config) Option {
	return func(o *options) { o.tls, o.implicitTLS = cfg, true }
}

// WithAuth makes the server offer AUTH PLAIN (also without TLS) and require it before MAIL FROM;
// only user with pass is accepted, anything else gets 535.
func WithAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// Server is a running SMTP server on 127.0.0.1. It is safe for concurrent use.
type Server struct {
	opts options
	addr string
	log  *testLogger

	mu       sync.Mutex
	srv      *smtp.Server          // nil while stopped
	ln       net.Listener          // nil while stopped
	served   chan struct{}         // closed when the current Serve returns
	conns    map[net.Conn]struct{} // open connections, closed by Stop
	msgs     []Received
	failN    int
	failCode int
}

// Start listens on 127.0.0.1:0 and serves until the test ends. Without options the server speaks
// plain SMTP, offers no STARTTLS and requires no AUTH.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{log: &testLogger{t: t}, conns: map[net.Conn]struct{}{}}
	for _, o := range opts {
		o(&s.opts)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(func() {
		s.Stop()
		s.log.close()
	})
	return s
}

// Addr returns the host:port the server listens on; it stays the same across Restart.
func (s *Server) Addr() string { return s.addr }

// URL returns a URL for the mail package that sends from the given address to this server:
// "smtp://127.0.0.1:PORT?from=...&starttls=off" for a plain server, starttls=required with
// WithStartTLS, smtps:// with WithImplicitTLS, and user:pass@ with WithAuth.
func (s *Server) URL(from string) string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	q := url.Values{}
	q.Set("from", from)
	switch {
	case s.opts.tls != nil && s.opts.implicitTLS:
		u.Scheme = "smtps"
	case s.opts.tls != nil:
		q.Set("starttls", "required")
	default:
		q.Set("starttls", "off")
	}
	if s.opts.user != "" {
		u.User = url.UserPassword(s.opts.user, s.opts.pass)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Messages returns copies of the accepted messages, in arrival order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = m.clone()
	}
	return out
}

// WaitFor polls until at least n messages arrived and returns them all; it fails the test when
// that takes longer than timeout. Call it from the test's goroutine.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: %d message(s) after %v, want at least %d", len(msgs), timeout, n)
		}
		time.Sleep(pollEvery)
	}
}

// FailNext makes the next n DATA commands answer with code (e.g. 451 or 550) instead of
// accepting the message. Refused messages are not recorded.
func (s *Server) FailNext(n int, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode = n, code
}

// Stop closes the listener and every open connection, so that connecting is refused: an outage.
// It waits until the server stopped accepting. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln, served := s.srv, s.ln, s.served
	conns := s.conns
	s.srv, s.ln, s.served = nil, nil, nil
	s.conns = map[net.Conn]struct{}{}
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close() // closes what go-smtp knows of
	_ = ln.Close()  // in case Serve has not registered the listener yet
	for c := range conns {
		_ = c.Close() // in case go-smtp has not registered the connection yet
	}
	<-served
}

// Restart listens again on the same port after Stop, retrying briefly while the port is busy.
// Call it from the test's goroutine.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		t.Fatal("mailtest: Restart of a running server; call Stop first")
	}
	deadline := time.Now().Add(restartFor)
	for {
		ln, err := net.Listen("tcp", s.addr)
		if err == nil {
			s.serve(ln)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: listen again on %s: %v", s.addr, err)
		}
		time.Sleep(pollEvery)
	}
}

// serve starts a new go-smtp server on ln; a go-smtp server cannot serve again once closed.
func (s *Server) serve(ln net.Listener) {
	tl := &trackingListener{Listener: ln, s: s}
	var l net.Listener = tl
	if s.opts.tls != nil && s.opts.implicitTLS {
		l = tls.NewListener(tl, s.opts.tls)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = domain
	srv.ReadTimeout = ioTimeout
	srv.WriteTimeout = ioTimeout
	srv.ErrorLog = s.log
	if s.opts.tls != nil && !s.opts.implicitTLS {
		srv.TLSConfig = s.opts.tls
	}
	// Offer AUTH over plain connections too, so that clients must refuse it themselves.
	srv.AllowInsecureAuth = true

	served := make(chan struct{})
	s.mu.Lock()
	s.srv, s.ln, s.served = srv, ln, served
	s.mu.Unlock()
	go func() {
		defer close(served)
		_ = srv.Serve(l) // returns when closed
	}()
}

// track records an accepted connection; it reports false if the server was stopped meanwhile.
func (s *Server) track(c net.Conn, ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != ln {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// deliver records a message or returns the failure FailNext asked for.
func (s *Server) deliver(m Received) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failN > 0 {
		s.failN--
		return &smtp.SMTPError{
			Code:         s.failCode,
			EnhancedCode: smtp.EnhancedCodeNotSet,
			Message:      "mailtest: refused as asked by FailNext",
		}
	}
	s.msgs = append(s.msgs, m)
	return nil
}

// parse fills Header and Body from Data.
func parse(m *Received) error {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding")), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	m.Header = msg.Header
	m.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	return nil
}

func (m Received) clone() Received {
	c := m
	c.To = append([]string(nil), m.To...)
	c.Data = append([]byte(nil), m.Data...)
	if m.Header != nil {
		c.Header = make(mail.Header, len(m.Header))
		for k, v := range m.Header {
			c.Header[k] = append([]string(nil), v...)
		}
	}
	return c
}

// backend hands out one session per SMTP connection.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: b.s, tls: isTLS}, nil
}

// session is one SMTP connection's state; go-smtp calls it from one goroutine.
type session struct {
	s    *Server
	tls  bool
	user string // authenticated user
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.opts.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if (identity != "" && identity != user) || user != ss.s.opts.user || pass != ss.s.opts.pass {
			return smtp.ErrAuthFailed // a plain error would become a temporary 454
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("mailtest: read DATA: %w", err)
	}
	m := Received{From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: ss.tls, Username: ss.user}
	if err := parse(&m); err != nil {
		ss.s.log.Printf("mailtest: refusing a message that does not parse: %v", err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: " + err.Error()}
	}
	return ss.s.deliver(m)
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// trackingListener remembers accepted connections so that Stop can close them all.
type trackingListener struct {
	net.Listener
	s *Server
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, s: l.s}
	if !l.s.track(tc, l.Listener) {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	return tc, nil
}

type trackedConn struct {
	net.Conn
	s *Server
}

func (c *trackedConn) Close() error {
	c.s.untrack(c)
	err := c.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil // Stop may have closed it already
	}
	return err
}

// testLogger sends go-smtp's complaints to the test log until the test is over.
type testLogger struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (l *testLogger) Printf(format string, v ...any) { l.logf(format, v...) }

func (l *testLogger) Println(v ...any) { l.logf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }

func (l *testLogger) logf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf(format, v...)
	}
}

func (l *testLogger) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
}
