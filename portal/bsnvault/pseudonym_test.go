package bsnvault_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestPseudonym: the same person gets the same short code, another person another, and a vault with
// another look-up key gives other codes (the code depends on the key, not only on the BSN).
func TestPseudonym(t *testing.T) {
	v := mustNew(t, lookupKey, "a", map[string][]byte{"a": keyA})
	other := mustNew(t, []byte(strings.Repeat("M", 32)), "a", map[string][]byte{"a": keyA})
	format := regexp.MustCompile(`^P-[0-9A-F]{6}$`)
	a, b := v.Pseudonym(v.Lookup("999993653")), v.Pseudonym(v.Lookup("999990019"))
	if !format.MatchString(a) || !format.MatchString(b) {
		t.Fatalf("codes %q %q", a, b)
	}
	if a != v.Pseudonym(v.Lookup("999993653")) {
		t.Error("the same person has two codes")
	}
	if a == b {
		t.Error("two people share a code")
	}
	if a == other.Pseudonym(other.Lookup("999993653")) {
		t.Error("the code does not depend on the key")
	}
	if strings.Contains(a, "999993653"[:6]) {
		t.Error("the code shows the BSN")
	}
}
