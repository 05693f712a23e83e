// Package bsnvault keeps BSNs out of the database in clear: a keyed HMAC-SHA256 for look-up and
// AES-256-GCM ciphertext, tagged with a key id so keys can be rotated, where a BSN must be shown again.
// Keys come from configuration, never from the database.
package bsnvault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Vault holds the look-up key and the encryption keys; the first encryption key encrypts.
type Vault struct {
	lookup  []byte
	active  string
	ciphers map[string]cipher.AEAD
}

// New makes a Vault. lookupKey must be at least 32 bytes; encKeys maps key ids to 32-byte AES keys and
// active names the one that encrypts.
func New(lookupKey []byte, active string, encKeys map[string][]byte) (*Vault, error) {
	if len(lookupKey) < 32 {
		return nil, errors.New("bsnvault: the look-up (HMAC) key must be at least 32 bytes")
	}
	v := &Vault{lookup: append([]byte(nil), lookupKey...), active: active, ciphers: map[string]cipher.AEAD{}}
	for id, k := range encKeys {
		if len(k) != 32 {
			return nil, fmt.Errorf("bsnvault: encryption key %q must be 32 bytes (AES-256), got %d", id, len(k))
		}
		if id == "" || strings.ContainsAny(id, ":,") {
			return nil, fmt.Errorf("bsnvault: key id %q must be non-empty without ':' or ','", id)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("bsnvault: key %q: %w", id, err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("bsnvault: key %q: %w", id, err)
		}
		v.ciphers[id] = gcm
	}
	if _, ok := v.ciphers[active]; !ok {
		return nil, fmt.Errorf("bsnvault: active key id %q has no key", active)
	}
	return v, nil
}

// ParseKeys parses "id1:base64key,id2:base64key" (standard or URL-safe base64); the first id is active.
func ParseKeys(s string) (active string, keys map[string][]byte, err error) {
	keys = map[string][]byte{}
	for i, part := range strings.Split(s, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return "", nil, fmt.Errorf("bsnvault: key %d: want id:base64", i+1)
		}
		k, err := DecodeKey(b64)
		if err != nil {
			return "", nil, fmt.Errorf("bsnvault: key %q: %w", id, err)
		}
		if _, dup := keys[id]; dup {
			return "", nil, fmt.Errorf("bsnvault: key id %q given twice", id)
		}
		if i == 0 {
			active = id
		}
		keys[id] = k
	}
	return active, keys, nil
}

// DecodeKey decodes a base64 key in standard or URL-safe alphabet, padded or not.
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if k, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return k, nil
	}
	k, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not valid base64")
	}
	return k, nil
}

// Lookup returns the keyed HMAC-SHA256 of a BSN: stable, so it can be indexed and joined on.
func (v *Vault) Lookup(bsn string) []byte {
	m := hmac.New(sha256.New, v.lookup)
	m.Write([]byte(bsn))
	return m.Sum(nil)
}

// Seal encrypts a BSN with the active key. The lookup HMAC is bound as additional data, so a
// ciphertext cannot be moved to another person's row unnoticed.
func (v *Vault) Seal(bsn string) (keyID string, ciphertext []byte, err error) {
	return v.SealWith([]byte(bsn), v.Lookup(bsn))
}

// SealWith encrypts other personal data (such as an ID token, which carries the BSN) with the active
// key, bound to the additional data ad.
func (v *Vault) SealWith(plaintext, ad []byte) (keyID string, ciphertext []byte, err error) {
	gcm := v.ciphers[v.active]
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("bsnvault: nonce: %w", err)
	}
	return v.active, gcm.Seal(nonce, nonce, plaintext, ad), nil
}

// Open decrypts a ciphertext made by Seal with key keyID, checking it belongs to lookup.
func (v *Vault) Open(keyID string, ciphertext, lookup []byte) (string, error) {
	b, err := v.OpenWith(keyID, ciphertext, lookup)
	return string(b), err
}

// OpenWith decrypts a ciphertext made by SealWith, checking the additional data.
func (v *Vault) OpenWith(keyID string, ciphertext, ad []byte) ([]byte, error) {
	gcm, ok := v.ciphers[keyID]
	if !ok {
		return nil, fmt.Errorf("bsnvault: unknown key id %q", keyID)
	}
	if len(ciphertext) < gcm.NonceSize() {
		return nil, errors.New("bsnvault: ciphertext too short")
	}
	n := gcm.NonceSize()
	pt, err := gcm.Open(nil, ciphertext[:n], ciphertext[n:], ad)
	if err != nil {
		return nil, errors.New("bsnvault: ciphertext does not authenticate")
	}
	return pt, nil
}

// Pseudonym returns a short code for the person whose BSN has look-up HMAC lookup (from Lookup), for
// staff pages that must tell people apart without naming them: "P-" and six hex digits of an HMAC
// under the look-up key, in a domain of its own. It is the same for the same person and cannot be
// traced back without the key; being short, two people may rarely share a code.
func (v *Vault) Pseudonym(lookup []byte) string {
	m := hmac.New(sha256.New, v.lookup)
	m.Write([]byte("inzicht oversight pseudonym\x00"))
	m.Write(lookup)
	return fmt.Sprintf("P-%X", m.Sum(nil)[:3])
}
