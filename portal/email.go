package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/mail"
	"strings"
	"time"
)

// A person's notification address is kept once per person, encrypted. Nothing but the confirmation
// mail goes to it until its owner opens the link in that mail while logged in as the same person.

// EmailConfirmationTTL is how long the link in a confirmation mail works.
const EmailConfirmationTTL = 48 * time.Hour

// EmailStatus is what a person may know about their notification address.
type EmailStatus struct {
	HasAddress  bool
	Confirmed   bool
	ConfirmedAt *time.Time
}

// CheckEmail trims s and reports whether it is one plain e-mail address (no display name, no list),
// at most MaxEmailLength long, with a dot in its domain.
func CheckEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > MaxEmailLength {
		return s, false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return s, strings.Contains(domain, ".")
}

// NewEmailToken returns a fresh confirmation token (256 random bits, URL-safe) and its SHA-256, the
// only form in which it is stored.
func NewEmailToken() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashEmailToken(token)
}

// HashEmailToken is the stored form of a confirmation token.
func HashEmailToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ValidEmailToken reports whether s has the shape of a token from NewEmailToken.
func ValidEmailToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// ConfirmEmailJob sends the confirmation mail of a person's address. Version is the address row's
// version when the mail was queued; a newer address (or a newer mail for it) makes it moot. It holds
// ids only, never the address or the token.
type ConfirmEmailJob struct {
	SubjectID int64 `json:"subject_id"`
	Version   int64 `json:"version"`
}

// Kind names the job.
func (ConfirmEmailJob) Kind() string { return "confirm_email" }
