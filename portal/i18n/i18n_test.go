package i18n

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryKeyInEveryLanguage fails when a text exists in one language and not in the other, or is
// empty. Load checks the same; this test says which keys.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	raw := map[string]map[string]string{}
	for _, l := range languages() {
		b, err := files.ReadFile(l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		raw[l] = m
	}
	for _, a := range languages() {
		for k, v := range raw[a] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%q is empty in %s", k, a)
			}
			for _, b := range languages() {
				if _, ok := raw[b][k]; !ok {
					t.Errorf("%q is in %s but not in %s", k, a, b)
				}
			}
		}
	}
	if n := len(raw["nl"]); n < 500 {
		t.Errorf("only %d keys in nl.json; the catalogue did not load", n)
	}
	load(t)
}

// TestPlaceholdersMatch fails when a translation has other fmt verbs than the Dutch text, so that
// T with args would print %!(EXTRA …) or %!s(MISSING) in one language only.
func TestPlaceholdersMatch(t *testing.T) {
	c := load(t)
	for _, k := range c.Keys("nl") {
		want := verbs(c.T("nl", k))
		for _, l := range languages()[1:] {
			if diff := cmp.Diff(want, verbs(c.T(l, k))); diff != "" {
				t.Errorf("%q: verbs differ between nl and %s (-nl +%s):\n%s", k, l, l, diff)
			}
		}
	}
}

// verbs lists the fmt verbs of s in order, ignoring "%%".
func verbs(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 >= len(s) {
			continue
		}
		i++
		if s[i] == '%' {
			continue
		}
		j := i
		for j < len(s) && strings.IndexByte("+-# 0123456789.[]", s[j]) >= 0 {
			j++
		}
		if j < len(s) {
			out = append(out, s[i-1:j+1])
		}
		i = j
	}
	return out
}

func TestT(t *testing.T) {
	c := load(t)
	tests := []struct {
		name, lang, key string
		args            []any
		want            string
	}{
		{"dutch", "nl", "nav.logout", nil, "Uitloggen"},
		{"english", "en", "nav.logout", nil, "Log out"},
		{"unknown language falls back to Dutch", "de", "nav.logout", nil, "Uitloggen"},
		{"missing key shows the key", "nl", "no.such.key", nil, "no.such.key"},
		{"args are formatted", "nl", "period.from", []any{"1 mei 2025"}, "vanaf 1 mei 2025"},
		{"no args: text as is", "nl", "period.from", nil, "vanaf %s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
			}
		})
	}
}

func TestCategory(t *testing.T) {
	c := load(t)
	tests := []struct{ lang, id, want string }{
		{"nl", "health", "Gezondheid"},
		{"en", "health", "Health"},
		{"nl", "signals", "Meldingen over u"},
		{"en", "rights_request", "Your privacy request"},
		{"nl", "unknown_cat", "unknown_cat"},
		{"de", "health", "health"}, // as before: an unknown language shows the id
	}
	for _, tt := range tests {
		if got := c.Category(tt.lang, tt.id); got != tt.want {
			t.Errorf("Category(%q, %q) = %q, want %q", tt.lang, tt.id, got, tt.want)
		}
	}
}
