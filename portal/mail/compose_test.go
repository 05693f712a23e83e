package mail

import (
	"strings"
	"testing"
	"time"
)

// The wire format must not depend on go-smtp's DATA writer, which turns bare LF into CRLF.
func TestComposeUsesCRLF(t *testing.T) {
	s := NewWithClock(Config{Scheme: "smtp", Host: "127.0.0.1", StartTLS: "off", From: "a@b.nl"}, time.Now)
	_, data, err := s.compose(Message{To: "c@d.nl", Subject: strings.Repeat("Één ", 30), Body: "regel 1\nregel 2\r\nregel 3\rregel 4"})
	if err != nil {
		t.Fatalf("compose: %v", err)
	}
	msg := string(data)
	if strings.Count(msg, "\n") != strings.Count(msg, "\r\n") || strings.Count(msg, "\r") != strings.Count(msg, "\r\n") {
		t.Errorf("bare CR or LF in:\n%q", msg)
	}
	if !strings.HasSuffix(msg, "regel 4\r\n") {
		t.Errorf("message does not end with the last line and CRLF:\n%q", msg)
	}
}
