package main

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// TestLogLinesCannotBeForged: a value with CR/LF (a crafted header, a form field) stays inside its own
// JSON log record, so nobody can add a fake line to the operators' logs.
func TestLogLinesCannotBeForged(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, "info")
	forged := "x\r\n{\"level\":\"ERROR\",\"msg\":\"forged\"}\n"
	log.Info("request", "path", forged, "agent", "a\u2028b")
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("one record became %d lines: %q", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec["path"] != forged {
		t.Fatalf("the record does not keep the value as data: %v %v", err, rec)
	}
}

// TestDependenciesPastAdvisories fails when a dependency with a known advisory is built at a version
// older than the fixed one (security.md property 25).
func TestDependenciesPastAdvisories(t *testing.T) {
	minimum := map[string]string{
		"github.com/gofiber/fiber/v2":   "v2.52.11", // the floor docs/security.md sets for Fiber v2's advisories
		"golang.org/x/oauth2":           "v0.27.0",  // CVE-2025-22868 (jws parsing)
		"github.com/go-jose/go-jose/v4": "v4.0.5",   // CVE-2025-27144 (compact parsing memory)
	}
	for _, c := range []struct {
		v, w  string
		older bool
	}{{"v2.52.10", "v2.52.11", true}, {"v2.52.11", "v2.52.11", false}, {"v2.52.15", "v2.52.11", false},
		{"v2.53.0", "v2.52.11", false}, {"v2.52.11-rc1", "v2.52.11", true}, {"v1.99.99", "v2.0.0", true}} {
		if got := olderThan(c.v, c.w); got != c.older {
			t.Errorf("olderThan(%s, %s) = %v", c.v, c.w, got)
		}
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	seen := map[string]bool{}
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		want, ok := minimum[d.Path]
		if !ok {
			continue
		}
		seen[d.Path] = true
		if olderThan(d.Version, want) {
			t.Errorf("%s is %s; %s or newer fixes known advisories", d.Path, d.Version, want)
		}
	}
	for p := range minimum {
		if !seen[p] {
			t.Errorf("%s is not in the build; update this test", p)
		}
	}
}

// olderThan compares vMAJOR.MINOR.PATCH versions (pre-release suffixes count as the release before).
func olderThan(v, w string) bool {
	parse := func(s string) [3]int {
		var out [3]int
		s, pre, _ := strings.Cut(strings.TrimPrefix(s, "v"), "-")
		for i, p := range strings.SplitN(s, ".", 3) {
			out[i], _ = strconv.Atoi(p)
		}
		if pre != "" && out[2] > 0 {
			out[2]--
		}
		return out
	}
	a, b := parse(v), parse(w)
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
