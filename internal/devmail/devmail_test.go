package devmail_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/devmail"
	"github.com/inzicht/inzicht/portal/mail"
)

// TestCatchesAndLists: mails sent through the portal's own mail client arrive, newest first, and the
// page lists them with their links clickable and their text escaped.
func TestCatchesAndLists(t *testing.T) {
	c, err := devmail.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg, err := mail.ParseURL("smtp://" + c.Addr() + "?starttls=off&from=noreply@inzicht.invalid")
	if err != nil {
		t.Fatal(err)
	}
	m := mail.New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, msg := range []mail.Message{
		{To: "een@example.nl", Subject: "Eerste", Body: "Open http://localhost/email/bevestigen?token=abc\n"},
		{To: "twee@example.nl", Subject: "Tweede <b>", Body: "Geen link & <script>\n"},
	} {
		if err := m.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	got := c.Mails()
	if len(got) != 2 || got[0].Subject != "Tweede <b>" || got[1].To[0] != "een@example.nl" {
		t.Fatalf("caught: %+v", got)
	}
	rec := httptest.NewRecorder()
	c.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/dev-mail", nil))
	body, _ := io.ReadAll(rec.Body)
	page := string(body)
	if rec.Code != http.StatusOK || !strings.Contains(page, `<a href="http://localhost/email/bevestigen?token=abc">`) {
		t.Fatalf("the link is not clickable: %d\n%s", rec.Code, page)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "Tweede <b>") {
		t.Error("the page does not escape the mails' text")
	}
	if strings.Index(page, "Tweede") > strings.Index(page, "Eerste") {
		t.Error("the newest mail is not first")
	}
	rec = httptest.NewRecorder()
	c.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/dev-mail", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}
