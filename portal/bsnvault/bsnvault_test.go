package bsnvault_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal/bsnvault"
)

var (
	lookupKey = []byte(strings.Repeat("L", 32))
	keyA      = []byte(strings.Repeat("a", 32))
	keyB      = []byte(strings.Repeat("b", 32))
)

func mustNew(t *testing.T, lookup []byte, active string, keys map[string][]byte) *bsnvault.Vault {
	t.Helper()
	v, err := bsnvault.New(lookup, active, keys)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

func TestLookup(t *testing.T) {
	v := mustNew(t, lookupKey, "a", map[string][]byte{"a": keyA})
	same := mustNew(t, lookupKey, "b", map[string][]byte{"b": keyB}) // encryption keys do not matter
	other := mustNew(t, []byte(strings.Repeat("M", 32)), "a", map[string][]byte{"a": keyA})

	h := v.Lookup("999993653")
	if len(h) != 32 {
		t.Fatalf("len(Lookup) = %d, want 32", len(h))
	}
	tests := []struct {
		name      string
		got       []byte
		wantEqual bool
	}{
		{"same vault again", v.Lookup("999993653"), true},
		{"other vault, same look-up key", same.Lookup("999993653"), true},
		{"other look-up key", other.Lookup("999993653"), false},
		{"other BSN", v.Lookup("999990019"), false},
		{"BSN with whitespace is another input", v.Lookup(" 999993653"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(tt.got, h) != tt.wantEqual {
				t.Errorf("equal = %v, want %v", !tt.wantEqual, tt.wantEqual)
			}
		})
	}
	if bytes.Contains(h, []byte("999993653")) {
		t.Error("look-up contains the BSN")
	}
	// The caller's key slice may change afterwards without affecting the vault.
	k := bytes.Clone(lookupKey)
	w := mustNew(t, k, "a", map[string][]byte{"a": keyA})
	k[0] ^= 0xff
	if !bytes.Equal(w.Lookup("999993653"), h) {
		t.Error("vault depends on the caller's key slice after New")
	}
}

func TestSealOpen(t *testing.T) {
	v := mustNew(t, lookupKey, "a", map[string][]byte{"a": keyA})
	for _, bsn := range []string{"999993653", "999990019", "999991772", "111222333", "123456782"} {
		t.Run(bsn, func(t *testing.T) {
			kid, ct, err := v.Seal(bsn)
			if err != nil {
				t.Fatal(err)
			}
			if kid != "a" {
				t.Errorf("key id = %q, want a", kid)
			}
			if bytes.Contains(ct, []byte(bsn)) {
				t.Error("ciphertext contains the BSN in clear")
			}
			got, err := v.Open(kid, ct, v.Lookup(bsn))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got != bsn {
				t.Errorf("Open = %q, want %q", got, bsn)
			}
			_, ct2, err := v.Seal(bsn)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(ct, ct2) {
				t.Error("two seals of the same BSN are equal (nonce reused)")
			}
		})
	}
}

func TestOpenFails(t *testing.T) {
	v := mustNew(t, lookupKey, "a", map[string][]byte{"a": keyA, "b": keyB})
	const bsn = "999993653"
	kid, ct, err := v.Seal(bsn)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name   string
		keyID  string
		ct     []byte
		lookup []byte
	}{
		{"moved to another person's row", kid, ct, v.Lookup("999990019")},
		{"no look-up", kid, ct, nil},
		{"tampered nonce", kid, flip(0), v.Lookup(bsn)},
		{"tampered body", kid, flip(12), v.Lookup(bsn)},
		{"tampered tag", kid, flip(len(ct) - 1), v.Lookup(bsn)},
		{"truncated", kid, ct[:len(ct)-1], v.Lookup(bsn)},
		{"too short", kid, ct[:5], v.Lookup(bsn)},
		{"empty", kid, nil, v.Lookup(bsn)},
		{"other known key", "b", ct, v.Lookup(bsn)},
		{"unknown key id", "zz", ct, v.Lookup(bsn)},
		{"empty key id", "", ct, v.Lookup(bsn)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Open(tt.keyID, tt.ct, tt.lookup)
			if err == nil {
				t.Fatalf("Open succeeded with %q", got)
			}
			if got != "" {
				t.Errorf("Open returned %q with an error", got)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	old := mustNew(t, lookupKey, "a", map[string][]byte{"a": keyA})
	const bsn = "111222333"
	kidA, ctA, err := old.Seal(bsn)
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustNew(t, lookupKey, "b", map[string][]byte{"a": keyA, "b": keyB})
	got, err := rotated.Open(kidA, ctA, rotated.Lookup(bsn))
	if err != nil || got != bsn {
		t.Fatalf("rotated vault Open(old) = %q, %v; want %q", got, err, bsn)
	}
	kidB, ctB, err := rotated.Seal(bsn)
	if err != nil {
		t.Fatal(err)
	}
	if kidB != "b" {
		t.Errorf("rotated vault seals with %q, want b", kidB)
	}
	if got, err := rotated.Open(kidB, ctB, rotated.Lookup(bsn)); err != nil || got != bsn {
		t.Errorf("rotated Open(new) = %q, %v", got, err)
	}
	if _, err := old.Open(kidB, ctB, old.Lookup(bsn)); err == nil {
		t.Error("old vault opened data sealed under a key it does not hold")
	}
	onlyB := mustNew(t, lookupKey, "b", map[string][]byte{"b": keyB})
	if _, err := onlyB.Open(kidA, ctA, onlyB.Lookup(bsn)); err == nil {
		t.Error("vault without key a opened data sealed under a")
	}
	if !bytes.Equal(old.Lookup(bsn), rotated.Lookup(bsn)) {
		t.Error("rotating encryption keys changed the look-up")
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name   string
		lookup []byte
		active string
		keys   map[string][]byte
	}{
		{"look-up key 31 bytes", lookupKey[:31], "a", map[string][]byte{"a": keyA}},
		{"no look-up key", nil, "a", map[string][]byte{"a": keyA}},
		{"encryption key 16 bytes", lookupKey, "a", map[string][]byte{"a": keyA[:16]}},
		{"encryption key 31 bytes", lookupKey, "a", map[string][]byte{"a": keyA[:31]}},
		{"encryption key 33 bytes", lookupKey, "a", map[string][]byte{"a": append(bytes.Clone(keyA), 'x')}},
		{"short inactive key", lookupKey, "a", map[string][]byte{"a": keyA, "b": keyB[:24]}},
		{"empty key id", lookupKey, "", map[string][]byte{"": keyA}},
		{"key id with colon", lookupKey, "a:b", map[string][]byte{"a:b": keyA}},
		{"key id with comma", lookupKey, "a,b", map[string][]byte{"a,b": keyA}},
		{"active has no key", lookupKey, "c", map[string][]byte{"a": keyA}},
		{"no keys", lookupKey, "a", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := bsnvault.New(tt.lookup, tt.active, tt.keys); err == nil || v != nil {
				t.Errorf("New = %v, %v; want an error", v, err)
			}
		})
	}
	if _, err := bsnvault.New(append(bytes.Clone(lookupKey), "longer is fine"...), "a", map[string][]byte{"a": keyA}); err != nil {
		t.Errorf("New with a 46-byte look-up key: %v", err)
	}
}

func TestParseKeys(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:32] // encodes with '+', '/' (std) or '-', '_' (url)
	std := base64.StdEncoding.EncodeToString(raw)
	url := base64.RawURLEncoding.EncodeToString(raw)
	if !strings.ContainsAny(std, "+/") || !strings.ContainsAny(url, "-_") {
		t.Fatalf("test key does not exercise both alphabets: %s %s", std, url)
	}
	tests := []struct {
		name       string
		in         string
		wantActive string
		wantKeys   map[string][]byte
		wantErr    bool
	}{
		{name: "one std padded", in: "k1:" + std, wantActive: "k1", wantKeys: map[string][]byte{"k1": raw}},
		{name: "url unpadded", in: "k1:" + url, wantActive: "k1", wantKeys: map[string][]byte{"k1": raw}},
		{name: "first is active", in: "new:" + url + ", old:" + std, wantActive: "new",
			wantKeys: map[string][]byte{"new": raw, "old": raw}},
		{name: "whitespace", in: "  a:" + std + " ,\tb:" + url + "\n", wantActive: "a",
			wantKeys: map[string][]byte{"a": raw, "b": raw}},
		{name: "empty", in: "", wantErr: true},
		{name: "no colon", in: "k1" + std, wantErr: true},
		{name: "second without colon", in: "a:" + std + ",b", wantErr: true},
		{name: "trailing comma", in: "a:" + std + ",", wantErr: true},
		{name: "not base64", in: "a:!!!not-base64!!!", wantErr: true},
		{name: "mixed alphabets", in: "a:" + url[:4] + "+/" + url[6:], wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			active, keys, err := bsnvault.ParseKeys(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseKeys error = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if active != tt.wantActive {
				t.Errorf("active = %q, want %q", active, tt.wantActive)
			}
			if diff := cmp.Diff(tt.wantKeys, keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if _, err := bsnvault.New(lookupKey, active, keys); err != nil {
				t.Errorf("New with parsed keys: %v", err)
			}
		})
	}
	// A key that parses but is not 32 bytes is refused by New.
	active, keys, err := bsnvault.ParseKeys("a:" + base64.StdEncoding.EncodeToString(raw[:16]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bsnvault.New(lookupKey, active, keys); err == nil {
		t.Error("New accepted a 16-byte key from ParseKeys")
	}
}
