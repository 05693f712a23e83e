package mailtest_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/inzicht/inzicht/internal/mailtest"
)

const wait = 10 * time.Second

// send delivers a raw message with go-smtp's client.
func send(srv *mailtest.Server, to, data string) error {
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail("sender@example.nl", []string{to}, strings.NewReader(data)); err != nil {
		return err
	}
	return c.Quit()
}

const raw = "From: <sender@example.nl>\r\nSubject: test\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nau lait\r\n"

func TestRecordsAndDecodes(t *testing.T) {
	srv := mailtest.Start(t)
	if err := send(srv, "a@example.nl", raw); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.WaitFor(t, 1, wait)[0]
	if got.From != "sender@example.nl" || len(got.To) != 1 || got.To[0] != "a@example.nl" {
		t.Errorf("envelope %q -> %q", got.From, got.To)
	}
	if string(got.Data) != raw {
		t.Errorf("Data = %q, want %q", got.Data, raw)
	}
	if got.Header.Get("Subject") != "test" || got.Body != "café au lait\n" {
		t.Errorf("Subject %q, Body %q", got.Header.Get("Subject"), got.Body)
	}

	// Messages returns copies.
	got.To[0], got.Data[0] = "changed", 'X'
	got.Header["Subject"][0] = "changed"
	again := srv.Messages()[0]
	if again.To[0] != "a@example.nl" || again.Data[0] != 'F' || again.Header.Get("Subject") != "test" {
		t.Error("changing a returned message changed the server's copy")
	}
}

func TestURL(t *testing.T) {
	srv := mailtest.Start(t)
	u, err := url.Parse(srv.URL("Inzicht <noreply@gemeente.nl>"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "smtp" || u.Host != srv.Addr() || q.Get("from") != "Inzicht <noreply@gemeente.nl>" || q.Get("starttls") != "off" {
		t.Errorf("URL = %s", u)
	}
}

func TestFailNextStopRestart(t *testing.T) {
	srv := mailtest.Start(t)
	addr := srv.Addr()

	srv.FailNext(2, 451)
	for i := range 2 {
		if err := send(srv, "a@example.nl", raw); err == nil || !strings.Contains(err.Error(), "451") {
			t.Errorf("send %d: err = %v, want 451", i, err)
		}
	}
	if err := send(srv, "a@example.nl", raw); err != nil {
		t.Errorf("third send: %v", err)
	}

	srv.Stop()
	srv.Stop() // stopping twice is fine
	if err := send(srv, "a@example.nl", raw); err == nil {
		t.Error("send while stopped succeeded")
	}
	srv.Restart(t)
	if srv.Addr() != addr {
		t.Errorf("Addr after Restart = %s, want %s", srv.Addr(), addr)
	}
	if err := send(srv, "b@example.nl", raw); err != nil {
		t.Errorf("send after Restart: %v", err)
	}
	if n := len(srv.WaitFor(t, 2, wait)); n != 2 {
		t.Errorf("got %d messages, want 2", n)
	}
}

func TestStopClosesOpenConnections(t *testing.T) {
	srv := mailtest.Start(t)
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Noop(); err != nil {
		t.Fatalf("NOOP: %v", err)
	}
	srv.Stop()
	if err := c.Noop(); err == nil {
		t.Error("NOOP on a connection that Stop should have closed succeeded")
	}
}

func TestConcurrent(t *testing.T) {
	srv := mailtest.Start(t)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := send(srv, fmt.Sprintf("r%d@example.nl", i), raw); err != nil {
				t.Errorf("send %d: %v", i, err)
			}
			_ = srv.Messages()
		})
	}
	wg.Wait()
	if got := len(srv.WaitFor(t, n, wait)); got != n {
		t.Errorf("got %d messages, want %d", got, n)
	}
}
