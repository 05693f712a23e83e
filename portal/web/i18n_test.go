package web

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/portal/i18n"
)

// catalogue loads the embedded catalogue; the key and empty-text checks of the catalogue itself
// live in portal/i18n.
func catalogue(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTemplatesUseOnlyKnownKeys fails when a template asks for a message that does not exist.
func TestTemplatesUseOnlyKnownKeys(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`\{\{[^}]*\bt \$?\.Lang "([a-z0-9_.]+)"`)
	cat := catalogue(t)
	entries, err := os.ReadDir("../../views")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".html") {
			continue
		}
		b, err := os.ReadFile("../../views/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			found++
			for _, l := range cat.Languages() {
				if !cat.Has(l, m[1]) {
					t.Errorf("%s uses %q, missing in %s", e.Name(), m[1], l)
				}
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d message uses in the templates; the pattern is wrong", found)
	}
}

// TestCodeUsesOnlyKnownKeys fails when Go code asks for a literal message key that does not exist.
func TestCodeUsesOnlyKnownKeys(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`\bs\.t\([a-zA-Z().]+, "([a-z0-9_.]+)"[,)]`)
	cat := catalogue(t)
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			found++
			for _, l := range cat.Languages() {
				if !cat.Has(l, m[1]) {
					t.Errorf("%s uses %q, missing in %s", e.Name(), m[1], l)
				}
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d message uses in the code; the pattern is wrong", found)
	}
}
