package handlercheck_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/internal/handlercheck"
)

// TestFixture proves the check finds each kind of write that outlives a request (the round-one
// consent bug among them) and leaves request-local state alone.
func TestFixture(t *testing.T) {
	fs, err := handlercheck.File("testdata/handlers.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Name)
	}
	want := []string{"decision", "s", "s", "s", "hits", "n", "cache", "hits"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s\n%v", d, fs)
	}
}

// TestNoHandlerKeepsState runs the check over every product package: no HTTP handler of Inzicht
// writes a captured variable, a receiver field or a package variable.
func TestNoHandlerKeepsState(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(self), "..", "..")
	fs, err := handlercheck.Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Error(f)
	}
}
