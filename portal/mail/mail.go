// Package mail sends plain-text notification e-mails over SMTP (submission with STARTTLS, implicit
// TLS, or plain text to a local relay), with AUTH PLAIN when a user name is configured. It uses
// go-smtp's client and classifies failures as permanent or temporary for the caller's retry logic.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	// helloName is what the client calls itself in EHLO (go-smtp's default, also before STARTTLS).
	helloName = "localhost"
	// maxLine is the longest header line RFC 5322 allows, without CRLF.
	maxLine = 998
)

// Message is one plain-text e-mail to one recipient.
type Message struct {
	To      string // one address, validated with net/mail.ParseAddress
	Subject string
	Body    string // plain text, UTF-8
}

// Sender sends messages as configured. It is safe for concurrent use; every Send uses its own
// connection.
type Sender struct {
	cfg    Config
	cfgErr error // permanent: the configuration cannot work
	from   *mail.Address
	now    func() time.Time
}

// New returns a Sender for cfg, with defaults filled in where cfg leaves them empty. A Config
// that cannot work makes every Send fail with a permanent error.
func New(cfg Config) *Sender { return NewWithClock(cfg, time.Now) }

// NewWithClock is New with the clock that dates the messages.
func NewWithClock(cfg Config, now func() time.Time) *Sender {
	s := &Sender{cfg: cfg.withDefaults(), now: now}
	if err := s.cfg.validate(); err != nil {
		s.cfgErr = permanent(err)
		return s
	}
	s.from, _ = parseAddress(s.cfg.From) // validate parsed it already
	return s
}

// Send delivers one message. It honours ctx (deadline, cancellation) and the configured Timeout
// for the whole send. It refuses header injection (CR or LF in To or Subject) and invalid
// addresses with an error that IsPermanent reports as permanent. Send reports success only when
// the server accepted the message.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if s.cfgErr != nil {
		return s.cfgErr
	}
	to, data, err := s.compose(m)
	if err != nil {
		return permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: not sent: %w", err)
	}
	err = s.deliver(ctx, to.Address, data)
	if err != nil && ctx.Err() != nil {
		// Closing the connection to honour ctx shows up as a network error; say why.
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}

// IsPermanent reports whether retrying cannot help: a 5xx SMTP reply, an invalid message or
// address, or a configuration that cannot work. Refused connections, timeouts, cancellation, TLS
// failures and 4xx replies are temporary (false).
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 500 && se.Code <= 599
	}
	return false
}

// permanentError marks errors that retrying cannot fix.
type permanentError struct{ err error }

func permanent(err error) error { return &permanentError{err: err} }

func (e *permanentError) Error() string { return e.err.Error() }

func (e *permanentError) Unwrap() error { return e.err }

// compose validates m and renders it with CRLF line endings.
func (s *Sender) compose(m Message) (*mail.Address, []byte, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, nil, errors.New("mail: recipient contains CR or LF (header injection)")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, nil, errors.New("mail: subject contains CR or LF (header injection)")
	}
	to, err := parseAddress(m.To)
	if err != nil {
		return nil, nil, fmt.Errorf("mail: invalid recipient address: %w", err)
	}
	id, err := messageID(s.from.Address)
	if err != nil {
		return nil, nil, err
	}
	// Fold a long encoded subject between its encoded-words, which are split at 75 characters.
	subject := strings.ReplaceAll(mime.QEncoding.Encode("utf-8", m.Subject), "?= =?", "?=\r\n =?")

	var b bytes.Buffer
	for _, h := range [][2]string{
		{"Date", s.now().Format(time.RFC1123Z)},
		{"From", s.from.String()},
		{"To", to.String()},
		{"Subject", subject},
		{"Message-ID", id},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
	} {
		line := h[0] + ": " + h[1]
		for _, l := range strings.Split(line, "\r\n") {
			if len(l) > maxLine {
				return nil, nil, fmt.Errorf("mail: %s header longer than %d characters", h[0], maxLine)
			}
		}
		b.WriteString(line + "\r\n")
	}
	b.WriteString("\r\n")

	body := m.Body
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	qp := quotedprintable.NewWriter(&b) // text mode: every line break becomes CRLF
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, nil, fmt.Errorf("mail: encode body: %w", err)
	}
	return to, b.Bytes(), nil
}

// messageID returns a random Message-ID in the sender's domain.
func messageID(from string) (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("mail: Message-ID: %w", err)
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + from[strings.LastIndex(from, "@")+1:] + ">", nil
}

// deliver runs one SMTP transaction. Cancelling ctx closes the connection, which ends any
// command in progress: go-smtp sets its own deadline per command, so a deadline on the
// connection would not last.
func (s *Sender) deliver(ctx context.Context, to string, data []byte) error {
	addr := net.JoinHostPort(s.cfg.Host, s.cfg.Port)
	d := net.Dialer{Timeout: s.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	c, err := s.client(ctx, conn, addr)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	// go-smtp's own per-command timeouts (minutes) stay: ctx, bounded by Config.Timeout, ends the
	// whole send first, and then the error says so.

	if err := c.Hello(helloName); err != nil {
		return fmt.Errorf("mail: EHLO with %s: %w", addr, err)
	}
	if s.cfg.Username != "" {
		if err := s.auth(c, addr); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address, nil); err != nil {
		return fmt.Errorf("mail: MAIL FROM refused by %s: %w", addr, err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		return fmt.Errorf("mail: RCPT TO refused by %s: %w", addr, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA refused by %s: %w", addr, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("mail: write message to %s: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: message not accepted by %s: %w", addr, err)
	}
	_ = c.Quit() // the message is accepted; a failing QUIT changes nothing
	return nil
}

// client sets up TLS as configured and returns a go-smtp client on conn.
func (s *Sender) client(ctx context.Context, conn net.Conn, addr string) (*smtp.Client, error) {
	switch {
	case s.cfg.Scheme == SchemeSMTPS:
		tc := tls.Client(conn, s.cfg.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("mail: TLS handshake with %s: %w", addr, err)
		}
		return smtp.NewClient(tc), nil
	case s.cfg.StartTLS == StartTLSOff:
		return smtp.NewClient(conn), nil
	default:
		c, err := smtp.NewClientStartTLS(conn, s.cfg.tlsConfig())
		if err != nil {
			return nil, fmt.Errorf("mail: starttls=required, but STARTTLS with %s failed; not sending in plain text: %w", addr, err)
		}
		return c, nil
	}
}

// auth authenticates with AUTH PLAIN. go-sasl's PLAIN client sends the password whatever the
// connection; Config.validate (see New) allows plain text only to a loopback host.
func (s *Sender) auth(c *smtp.Client, addr string) error {
	if !c.SupportsAuth(sasl.Plain) {
		return fmt.Errorf("mail: %s does not offer AUTH PLAIN", addr)
	}
	if err := c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
		return fmt.Errorf("mail: AUTH PLAIN as %q with %s: %w", s.cfg.Username, addr, err)
	}
	return nil
}
