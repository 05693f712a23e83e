package web

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestCataloguesHaveTheSameKeys fails when a text exists in one language and not in the other.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{{"nl", "en"}, {"en", "nl"}} {
		for k := range messages[pair[0]] {
			if _, ok := messages[pair[1]][k]; !ok {
				t.Errorf("message %q is in %s but not in %s", k, pair[0], pair[1])
			}
		}
		for k := range categoryLabels[pair[0]] {
			if _, ok := categoryLabels[pair[1]][k]; !ok {
				t.Errorf("category %q is in %s but not in %s", k, pair[0], pair[1])
			}
		}
	}
}

// TestTemplatesUseOnlyKnownKeys fails when a template asks for a message that does not exist.
func TestTemplatesUseOnlyKnownKeys(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`\{\{[^}]*\bt \$?\.Lang "([a-z0-9_.]+)"`)
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
			for _, l := range Languages {
				if _, ok := messages[l][m[1]]; !ok {
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
	re := regexp.MustCompile(`\bT\([a-zA-Z().]+, "([a-z0-9_.]+)"[,)]`)
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
			for _, l := range Languages {
				if _, ok := messages[l][m[1]]; !ok {
					t.Errorf("%s uses %q, missing in %s", e.Name(), m[1], l)
				}
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d message uses in the code; the pattern is wrong", found)
	}
}
