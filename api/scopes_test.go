package api_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDocumentedScopesAreEnforced reads the scope every operation of the OpenAPI description names
// (x-required-scopes) and checks the API against it: a key with every other scope is refused with 403,
// a key with only that scope gets past the check. A scope changed in the code but not in the
// description (or the other way round) fails here.
func TestDocumentedScopesAreEnforced(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Scopes []string `json:"x-required-scopes"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, ops := range doc.Paths {
		for _, op := range ops {
			for _, s := range op.Scopes {
				all[s] = true
			}
		}
	}
	if len(all) < 5 {
		t.Fatalf("the description names only %d scopes", len(all))
	}
	e := newEnv(t)
	checked := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if len(op.Scopes) != 1 {
				continue
			}
			want := op.Scopes[0]
			var others []string
			for s := range all {
				if s != want {
					others = append(others, s)
				}
			}
			slices.Sort(others)
			url := "/" + strings.TrimPrefix(strings.ReplaceAll(path, "{id}", "0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10"), "/")
			var body []byte
			if m := strings.ToUpper(method); m == "POST" || m == "PUT" || m == "PATCH" {
				body = []byte(`{}`)
			}
			without, err := send(e.app, strings.ToUpper(method), url, e.key("without-"+want, others...), body)
			if err != nil {
				t.Fatal(err)
			}
			if without.status != 403 {
				t.Errorf("%s %s with every scope but %s: %d, want 403", method, path, want, without.status)
			}
			with, err := send(e.app, strings.ToUpper(method), url, e.key("only-"+want, want), body)
			if err != nil {
				t.Fatal(err)
			}
			if with.status == 401 || with.status == 403 {
				t.Errorf("%s %s with only %s: %d", method, path, want, with.status)
			}
			checked++
		}
	}
	if checked < 8 {
		t.Errorf("only %d operations name a scope", checked)
	}
}
