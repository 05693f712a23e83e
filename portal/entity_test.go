package portal_test

import (
	"testing"

	"github.com/inzicht/inzicht/portal"
)

// TestEntityOIN: an LDV entity names an OIN as the bare 20 digits, as urn:nl:oin:<OIN>, or as the last
// path segment of an http(s) URL; anything else names none.
func TestEntityOIN(t *testing.T) {
	const oin = "00000001003214345000"
	for entity, want := range map[string]string{
		oin:                                      oin,
		" " + oin + " ":                          oin,
		"urn:nl:oin:" + oin:                      oin,
		"URN:NL:OIN:" + oin:                      oin,
		"https://example.nl/oin/" + oin:          oin,
		"https://example.nl/oin/" + oin + "/":    oin,
		"HTTP://example.nl/" + oin + "?x=1#y":    oin,
		"https://" + oin:                         "", // a host, not a path segment
		"https://example.nl/oin/" + oin[:19]:     "", // 19 digits
		"urn:nl:oin:" + oin + "1":                "",
		"urn:nl:oin:":                            "",
		"urn:oid:2.16.528.1.1003.1.3.5.5." + oin: "",
		"ftp://example.nl/" + oin:                "",
		"https://svb.example":                    "",
		"":                                       "",
	} {
		if got := portal.EntityOIN(entity); got != want {
			t.Errorf("EntityOIN(%q) = %q, want %q", entity, got, want)
		}
	}
}
