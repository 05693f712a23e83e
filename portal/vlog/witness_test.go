package vlog

import (
	"strings"
	"testing"
)

func TestParseWitnesses(t *testing.T) {
	s, err := NewSignerFromSeed("witness.example", []byte(strings.Repeat("w", 32)))
	if err != nil {
		t.Fatal(err)
	}
	k := s.VerifierKey()
	ws, err := ParseWitnesses(" " + k + "  https://witness.example/w/ ;\n\n")
	if err != nil || len(ws) != 1 || ws[0].URL != "https://witness.example/w" || ws[0].Name() != "witness.example" {
		t.Fatalf("one witness: %+v %v", ws, err)
	}
	if ws, err := ParseWitnesses(""); err != nil || len(ws) != 0 {
		t.Fatalf("none: %+v %v", ws, err)
	}
	for _, bad := range []string{k, "https://witness.example " + k, k + " ftp://witness.example", k + " https://a " + "x",
		"nokey https://witness.example", k + " https://a; " + k + " https://b"} {
		if _, err := ParseWitnesses(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestCosigned(t *testing.T) {
	cp := []byte("o\n1\nAAAA\n\n— o abc=\n")
	got := Cosigned(cp, []byte("— w1 def=\n— o xyz=\n"))
	if string(got) != "o\n1\nAAAA\n\n— o abc=\n— w1 def=\n" {
		t.Fatalf("cosigned:\n%s", got)
	}
	if again := Cosigned(got, []byte("— w1 ghi=\n")); string(again) != string(got) {
		t.Fatalf("a second line of w1 was added:\n%s", again)
	}
}
