package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"mime"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/internal/mailtest"
	"github.com/inzicht/inzicht/portal/mail"
)

const (
	from     = "Inzicht <noreply@gemeente.nl>"
	password = "Geheim-Wachtwoord-42"
	wait     = 10 * time.Second
)

var message = mail.Message{To: "jan.jansen@example.nl", Subject: "Test", Body: "Hallo"}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want mail.Config
	}{
		{
			name: "smtp with defaults",
			raw:  "smtp://mail.gemeente.nl?from=noreply%40gemeente.nl",
			want: mail.Config{Scheme: "smtp", Host: "mail.gemeente.nl", Port: "587", From: "noreply@gemeente.nl", StartTLS: "required", Timeout: 30 * time.Second},
		},
		{
			name: "smtps with defaults, user and encoded password",
			raw:  "smtps://inzicht%40gemeente.nl:Geheim%2FWachtwoord%3A42@mail.gemeente.nl?from=Inzicht+%3Cnoreply%40gemeente.nl%3E",
			want: mail.Config{Scheme: "smtps", Host: "mail.gemeente.nl", Port: "465", Username: "inzicht@gemeente.nl", Password: "Geheim/Wachtwoord:42", From: from, Timeout: 30 * time.Second},
		},
		{
			name: "explicit port, unencoded from",
			raw:  "smtp://user:" + password + "@mail.gemeente.nl:2525?from=noreply@gemeente.nl&starttls=required",
			want: mail.Config{Scheme: "smtp", Host: "mail.gemeente.nl", Port: "2525", Username: "user", Password: password, From: "noreply@gemeente.nl", StartTLS: "required", Timeout: 30 * time.Second},
		},
		{
			name: "plain to a local relay, trailing slash",
			raw:  "smtp://127.0.0.1:25/?from=noreply%40gemeente.nl&starttls=off",
			want: mail.Config{Scheme: "smtp", Host: "127.0.0.1", Port: "25", From: "noreply@gemeente.nl", StartTLS: "off", Timeout: 30 * time.Second},
		},
		{
			name: "AUTH over plain text to loopback",
			raw:  "smtp://user:" + password + "@localhost:1025?from=noreply%40gemeente.nl&starttls=off",
			want: mail.Config{Scheme: "smtp", Host: "localhost", Port: "1025", Username: "user", Password: password, From: "noreply@gemeente.nl", StartTLS: "off", Timeout: 30 * time.Second},
		},
		{
			name: "IPv6 host",
			raw:  "smtp://[::1]:25?from=noreply%40gemeente.nl&starttls=off",
			want: mail.Config{Scheme: "smtp", Host: "::1", Port: "25", From: "noreply@gemeente.nl", StartTLS: "off", Timeout: 30 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mail.ParseURL(tt.raw)
			if err != nil {
				t.Fatalf("ParseURL: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseURL (-want +got):\n%s", diff)
			}
			// String is parseable again and yields the same Config, except for the password.
			if s := got.String(); got.Password != "" && strings.Contains(s, got.Password) {
				t.Errorf("String() = %q contains the password", s)
			}
			again, err := mail.ParseURL(got.String())
			if err != nil {
				t.Fatalf("ParseURL(String()): %v", err)
			}
			want := tt.want
			if want.Password != "" {
				want.Password = "xxxxx"
			}
			if diff := cmp.Diff(want, again); diff != "" {
				t.Errorf("ParseURL(String()) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name, raw, wantErr string
	}{
		{"missing from", "smtp://user:" + password + "@mail.gemeente.nl", "no sender"},
		{"empty from", "smtp://user:" + password + "@mail.gemeente.nl?from=", "no sender"},
		{"invalid from", "smtp://user:" + password + "@mail.gemeente.nl?from=noreply", "from is not"},
		{"two froms", "smtp://mail.gemeente.nl?from=a%40b.nl&from=c%40d.nl", `"from" 2 times`},
		{"bad scheme", "http://user:" + password + "@mail.gemeente.nl?from=a%40b.nl", `scheme "http"`},
		{"no scheme", "mail.gemeente.nl?from=a%40b.nl", "no scheme"},
		{"no host", "smtp://user:" + password + "@?from=a%40b.nl", "no host"},
		{"opaque", "smtp:mail.gemeente.nl?from=a%40b.nl", "no host"},
		{"unknown key", "smtp://user:" + password + "@mail.gemeente.nl?from=a%40b.nl&tls=yes", `"tls"`},
		{"non-numeric port", "smtp://user:" + password + "@mail.gemeente.nl:smtp?from=a%40b.nl", "malformed"},
		{"port 0", "smtp://user:" + password + "@mail.gemeente.nl:0?from=a%40b.nl", "port"},
		{"port too big", "smtp://user:" + password + "@mail.gemeente.nl:65536?from=a%40b.nl", "port"},
		{"bad starttls", "smtp://mail.gemeente.nl?from=a%40b.nl&starttls=yes", "starttls"},
		{"starttls with smtps", "smtps://mail.gemeente.nl?from=a%40b.nl&starttls=off", "starttls"},
		{"path", "smtp://mail.gemeente.nl/inbox?from=a%40b.nl", "path"},
		{"password without user", "smtp://:" + password + "@mail.gemeente.nl?from=a%40b.nl", "no user name"},
		{"AUTH over plain text to a remote host", "smtp://user:" + password + "@mail.gemeente.nl?from=a%40b.nl&starttls=off", "AUTH over plain text"},
		{"bad escape in password", "smtp://user:" + password + "%zz@mail.gemeente.nl?from=a%40b.nl", "malformed"},
		// Unencoded '/', '?' and '#' end the authority early, so the password lands in host, port,
		// path, query or fragment; none of those may be quoted.
		{"slash in password", "smtp://user:" + password + "/x@mail.gemeente.nl?from=a%40b.nl", ""},
		{"question mark in password", "smtp://user:" + password + "?x@mail.gemeente.nl?from=a%40b.nl", ""},
		{"hash in password", "smtp://user:" + password + "#x@mail.gemeente.nl?from=a%40b.nl", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mail.ParseURL(tt.raw)
			if err == nil {
				t.Fatal("ParseURL succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			for _, secret := range []string{password, "Geheim", "Wachtwoord"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains (part of) the password", err)
				}
			}
		})
	}
}

func TestConfigString(t *testing.T) {
	tests := []struct {
		cfg  mail.Config
		want string
	}{
		{
			mail.Config{Scheme: "smtps", Host: "mail.gemeente.nl", Port: "465", Username: "inzicht", Password: password, From: from},
			"smtps://inzicht:xxxxx@mail.gemeente.nl:465?from=Inzicht+%3Cnoreply%40gemeente.nl%3E",
		},
		{
			mail.Config{Scheme: "smtp", Host: "127.0.0.1", Port: "25", From: "a@b.nl", StartTLS: "off"},
			"smtp://127.0.0.1:25?from=a%40b.nl&starttls=off",
		},
		{
			mail.Config{Scheme: "smtp", Host: "mail.gemeente.nl", Username: "inzicht", From: "a@b.nl"},
			"smtp://inzicht@mail.gemeente.nl?from=a%40b.nl",
		},
	}
	for _, tt := range tests {
		if got := tt.cfg.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if got := fmt.Sprint(tt.cfg); strings.Contains(got, password) {
			t.Errorf("fmt.Sprint(cfg) = %q contains the password", got)
		}
	}
}

// sender returns a Sender for srv with a fixed clock.
func sender(t *testing.T, srv *mailtest.Server, now time.Time) *mail.Sender {
	t.Helper()
	cfg, err := mail.ParseURL(srv.URL(from))
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", srv.URL(from), err)
	}
	return mail.NewWithClock(cfg, func() time.Time { return now })
}

func TestSend(t *testing.T) {
	srv := mailtest.Start(t)
	now := time.Date(2026, 3, 9, 14, 30, 0, 0, time.FixedZone("CET", 3600))
	body := "Beste heer Jansen,\n\n" +
		"Er is een nieuw bericht over uw verzoek. Wij hebben uw aanvraag in behandeling genomen en nemen zo snel mogelijk contact op.\n" +
		".Deze regel begint met een punt.\r\n" +
		"Met vriendelijke groet, \n" +
		"Team Inzicht, café de Gemeente"
	m := mail.Message{To: "J. Jansen <jan.jansen@example.nl>", Subject: "Nieuw bericht – uw verzoek", Body: body}

	if err := sender(t, srv, now).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.WaitFor(t, 1, wait)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	got := msgs[0]

	if got.From != "noreply@gemeente.nl" || !cmp.Equal(got.To, []string{"jan.jansen@example.nl"}) {
		t.Errorf("envelope = %q -> %q, want noreply@gemeente.nl -> [jan.jansen@example.nl]", got.From, got.To)
	}
	id := got.Header.Get("Message-Id")
	if !regexp.MustCompile(`^<[0-9a-f]{32}@gemeente\.nl>$`).MatchString(id) {
		t.Errorf("Message-ID = %q, want <32 hex digits@gemeente.nl>", id)
	}
	wantHeader := map[string][]string{
		"Date":                      {"Mon, 09 Mar 2026 14:30:00 +0100"},
		"From":                      {`"Inzicht" <noreply@gemeente.nl>`},
		"To":                        {`"J. Jansen" <jan.jansen@example.nl>`},
		"Subject":                   {"=?utf-8?q?Nieuw_bericht_=E2=80=93_uw_verzoek?="},
		"Message-Id":                {id},
		"Mime-Version":              {"1.0"},
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	}
	if diff := cmp.Diff(wantHeader, map[string][]string(got.Header)); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(got.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("decoded Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	wantBody := strings.ReplaceAll(body, "\r\n", "\n") + "\n"
	if got.Body != wantBody {
		t.Errorf("body (-want +got):\n%s", cmp.Diff(wantBody, got.Body))
	}

	// On the wire: CRLF only, lines within the limits of RFC 5322 and quoted-printable, ASCII only.
	data := string(got.Data)
	if !strings.HasSuffix(data, "\r\n") {
		t.Error("message does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d %q has a bare CR or LF", i+1, line)
		}
		if len(line) > 76 {
			t.Errorf("line %d %q is longer than 76 characters", i+1, line)
		}
	}
	for i := 0; i < len(data); i++ {
		if data[i] > 127 {
			t.Fatalf("non-ASCII byte %#x at %d on the wire", data[i], i)
		}
	}
	if !strings.Contains(data, "\r\n\r\nBeste heer Jansen,\r\n\r\n") {
		t.Errorf("headers and body not separated by an empty line, or body not CRLF:\n%s", data)
	}
}

func TestSendFoldsLongSubject(t *testing.T) {
	srv := mailtest.Start(t)
	m := message
	m.Subject = strings.Repeat("Ŝtraatnaamwijziging ", 20)
	if err := sender(t, srv, time.Now()).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, 1, wait)[0]
	subject, err := new(mime.WordDecoder).DecodeHeader(got.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("decoded Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	// Encoded-words are at most 75 characters; each goes on its own line after "Subject: ".
	lines := strings.Split(string(got.Data), "\r\n")
	for _, line := range lines {
		if len(line) > len("Subject: ")+75 {
			t.Errorf("line %q is longer than %d characters", line, len("Subject: ")+75)
		}
	}
	if len(lines) < 10+1+1 {
		t.Errorf("message has %d lines; the subject was not folded", len(lines))
	}
}

func TestSendRefusesInvalidMessages(t *testing.T) {
	srv := mailtest.Start(t)
	s := sender(t, srv, time.Now())
	tests := []struct {
		name string
		m    mail.Message
	}{
		{"LF in To", mail.Message{To: "jan@example.nl\nBcc: all@example.nl", Subject: "x"}},
		{"CR in To", mail.Message{To: "jan@example.nl\rBcc: all@example.nl", Subject: "x"}},
		{"CRLF in Subject", mail.Message{To: "jan@example.nl", Subject: "Hallo\r\nBcc: all@example.nl"}},
		{"LF in Subject", mail.Message{To: "jan@example.nl", Subject: "Hallo\nBcc: all@example.nl"}},
		{"empty To", mail.Message{To: "", Subject: "x"}},
		{"no @", mail.Message{To: "jan.example.nl", Subject: "x"}},
		{"two addresses", mail.Message{To: "jan@example.nl, piet@example.nl", Subject: "x"}},
		{"non-ASCII address", mail.Message{To: "jöran@example.nl", Subject: "x"}},
		{"quoted local part", mail.Message{To: `"jan jansen"@example.nl`, Subject: "x"}},
		{"too long ASCII subject", mail.Message{To: "jan@example.nl", Subject: strings.Repeat("x", 1000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Send(context.Background(), tt.m)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if !mail.IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false, want true", err)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestSendInvalidConfigIsPermanent(t *testing.T) {
	for _, cfg := range []mail.Config{
		{Scheme: "smtp", Host: "127.0.0.1", Port: "25", StartTLS: "off"},                                               // no From
		{Scheme: "smtp", Host: "127.0.0.1", Port: "25", StartTLS: "maybe", From: "a@b.nl"},                             // bad StartTLS
		{Scheme: "smtp", Host: "mail.gemeente.nl", StartTLS: "off", From: "a@b.nl", Username: "u", Password: password}, // AUTH in plain text
	} {
		err := mail.New(cfg).Send(context.Background(), message)
		if err == nil || !mail.IsPermanent(err) {
			t.Errorf("Send with %v: err = %v, want a permanent error", cfg, err)
		}
		if err != nil && strings.Contains(err.Error(), password) {
			t.Errorf("error %q contains the password", err)
		}
	}
}

func TestOutage(t *testing.T) {
	srv := mailtest.Start(t)
	s := sender(t, srv, time.Now())

	srv.Stop()
	err := s.Send(context.Background(), message)
	if err == nil {
		t.Fatal("Send during outage succeeded")
	}
	if mail.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true during an outage, want false", err)
	}

	srv.Restart(t)
	if err := s.Send(context.Background(), message); err != nil {
		t.Fatalf("Send after Restart: %v", err)
	}
	srv.WaitFor(t, 1, wait)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages, want exactly 1", n)
	}
}

func TestServerReplies(t *testing.T) {
	tests := []struct {
		code          int
		wantPermanent bool
	}{
		{421, false},
		{451, false},
		{452, false},
		{550, true},
		{554, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			srv := mailtest.Start(t)
			s := sender(t, srv, time.Now())
			srv.FailNext(1, tt.code)

			err := s.Send(context.Background(), message)
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tt.code {
				t.Fatalf("Send: err = %v, want an SMTP error %d", err, tt.code)
			}
			if got := mail.IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPermanent)
			}
			// Only the next message failed.
			if err := s.Send(context.Background(), message); err != nil {
				t.Fatalf("second Send: %v", err)
			}
			if n := len(srv.WaitFor(t, 1, wait)); n != 1 {
				t.Errorf("server received %d messages, want 1", n)
			}
		})
	}
}

func TestStartTLSRequiredButNotOffered(t *testing.T) {
	srv := mailtest.Start(t) // offers no STARTTLS
	cfg, err := mail.ParseURL(strings.Replace(srv.URL(from), "starttls=off", "starttls=required", 1))
	if err != nil {
		t.Fatal(err)
	}
	err = mail.New(cfg).Send(context.Background(), message)
	if err == nil {
		t.Fatal("Send succeeded without STARTTLS")
	}
	if !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("error %q does not mention STARTTLS", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestSendCancelledContext(t *testing.T) {
	srv := mailtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := sender(t, srv, time.Now()).Send(ctx, message)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
	if mail.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true, want false", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

// silentServer accepts connections and never says a word.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func TestSendStalledServer(t *testing.T) {
	host, port, _ := net.SplitHostPort(silentServer(t))
	cfg := mail.Config{Scheme: "smtp", Host: host, Port: port, StartTLS: "off", From: from}

	t.Run("context deadline", func(t *testing.T) {
		cfg := cfg
		cfg.Timeout = time.Hour // the test times out if ctx is not honoured
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := mail.New(cfg).Send(ctx, message)
		if !errors.Is(err, context.DeadlineExceeded) || mail.IsPermanent(err) {
			t.Errorf("Send = %v (permanent %v), want a temporary context.DeadlineExceeded", err, mail.IsPermanent(err))
		}
	})
	t.Run("context cancelled during send", func(t *testing.T) {
		cfg := cfg
		cfg.Timeout = time.Hour
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := mail.New(cfg).Send(ctx, message)
		if !errors.Is(err, context.Canceled) || mail.IsPermanent(err) {
			t.Errorf("Send = %v (permanent %v), want a temporary context.Canceled", err, mail.IsPermanent(err))
		}
	})
	t.Run("Config.Timeout", func(t *testing.T) {
		cfg := cfg
		cfg.Timeout = 100 * time.Millisecond
		err := mail.New(cfg).Send(context.Background(), message)
		if !errors.Is(err, context.DeadlineExceeded) || mail.IsPermanent(err) {
			t.Errorf("Send = %v (permanent %v), want a temporary context.DeadlineExceeded", err, mail.IsPermanent(err))
		}
	})
}

// tlsConfigs returns a server configuration with a fresh self-signed certificate for 127.0.0.1
// and a client configuration that trusts it.
func tlsConfigs(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: roots}
}

func TestSendTLSWithAuth(t *testing.T) {
	serverTLS, clientTLS := tlsConfigs(t)
	tests := []struct {
		name string
		opt  mailtest.Option
	}{
		{"STARTTLS", mailtest.WithStartTLS(serverTLS)},
		{"implicit TLS", mailtest.WithImplicitTLS(serverTLS)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opt, mailtest.WithAuth("inzicht", password))
			cfg, err := mail.ParseURL(srv.URL(from))
			if err != nil {
				t.Fatal(err)
			}
			cfg.TLSConfig = clientTLS

			if err := mail.New(cfg).Send(context.Background(), message); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(t, 1, wait)[0]
			if !got.TLS || got.Username != "inzicht" {
				t.Errorf("received with TLS %v as %q, want TLS as inzicht", got.TLS, got.Username)
			}

			bad := cfg
			bad.Password = "wrong"
			err = mail.New(bad).Send(context.Background(), message)
			if err == nil || !mail.IsPermanent(err) {
				t.Errorf("Send with a wrong password: err = %v, want a permanent error", err)
			}

			untrusted := cfg
			untrusted.TLSConfig = nil // system roots do not know the test certificate
			err = mail.New(untrusted).Send(context.Background(), message)
			if err == nil || mail.IsPermanent(err) {
				t.Errorf("Send to an untrusted certificate: err = %v, want a temporary error", err)
			}
			if err != nil && strings.Contains(err.Error(), password) {
				t.Errorf("error %q contains the password", err)
			}
			if n := len(srv.Messages()); n != 1 {
				t.Errorf("server received %d messages, want 1", n)
			}
		})
	}
}

func TestSendRefusesOldTLS(t *testing.T) {
	serverTLS, clientTLS := tlsConfigs(t)
	serverTLS.MinVersion, serverTLS.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	srv := mailtest.Start(t, mailtest.WithImplicitTLS(serverTLS))
	cfg, err := mail.ParseURL(srv.URL(from))
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig = clientTLS.Clone()
	cfg.TLSConfig.MinVersion = tls.VersionTLS10 // the Sender raises it to TLS 1.2
	err = mail.New(cfg).Send(context.Background(), message)
	if err == nil || mail.IsPermanent(err) {
		t.Errorf("Send over TLS 1.1: err = %v, want a temporary error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestAuthOverPlainTextOnlyToLoopback(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("inzicht", password)) // offers AUTH without TLS
	cfg, err := mail.ParseURL(srv.URL(from))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StartTLS != "off" || cfg.Username != "inzicht" {
		t.Fatalf("URL %q gave %+v", srv.URL(from), cfg)
	}
	if err := mail.New(cfg).Send(context.Background(), message); err != nil {
		t.Fatalf("Send to loopback: %v", err)
	}
	if got := srv.WaitFor(t, 1, wait)[0]; got.Username != "inzicht" {
		t.Errorf("received as %q, want inzicht", got.Username)
	}

	// Under a name that is not loopback, the Sender refuses before it dials.
	remote := cfg
	remote.Host = "127.0.0.1.nip.io"
	err = mail.New(remote).Send(context.Background(), message)
	if err == nil || !mail.IsPermanent(err) {
		t.Errorf("Send with AUTH in plain text to %s: err = %v, want a permanent error", remote.Host, err)
	}
}

func TestIsPermanent(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("boom"), false},
		{context.DeadlineExceeded, false},
		{fmt.Errorf("wrapped: %w", &smtp.SMTPError{Code: 450}), false},
		{fmt.Errorf("wrapped: %w", &smtp.SMTPError{Code: 535}), true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, false},
	}
	for _, tt := range tests {
		if got := mail.IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
