package portal_test

import (
	"testing"

	"github.com/inzicht/inzicht/portal"
)

// refValidBSN is an independent implementation of the 11-proef: weights 9..2 and -1, the weighted sum
// must be a multiple of 11, and the number must not be zero.
func refValidBSN(s string) bool {
	if len(s) != 9 {
		return false
	}
	weights := [9]int{9, 8, 7, 6, 5, 4, 3, 2, -1}
	total, nonzero := 0, false
	for i, r := range []byte(s) {
		if r < '0' || r > '9' {
			return false
		}
		if r != '0' {
			nonzero = true
		}
		total += weights[i] * int(r-'0')
	}
	return nonzero && ((total%11)+11)%11 == 0
}

func TestValidBSN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"999993653", true},
		{"999990019", true},
		{"999991772", true},
		{"111222333", true},
		{"123456782", true},
		{"999999990", true},
		{"123456789", false}, // wrong check digit
		{"999993654", false},
		{"999993652", false},
		{"111222334", false},
		{"12345678", false},   // 8 digits
		{"1234567820", false}, // 10 digits
		{"99999365", false},
		{"9999936530", false},
		{"", false},
		{"00000000a", false},
		{"abcdefghi", false},
		{"12345678a", false},
		{"a23456782", false},
		{" 23456782", false},
		{"12345 782", false},
		{"-23456782", false},
		{"+23456782", false},
		{"000000000", false}, // passes the sum but is all zeros
		{"12345678２", false}, // full-width digit
		{"١٢٣٤٥٦٧٨٢", false}, // Arabic-Indic digits
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := portal.ValidBSN(tt.in); got != tt.want {
				t.Errorf("ValidBSN(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got := refValidBSN(tt.in); got != tt.want {
				t.Errorf("reference(%q) = %v, want %v (test table wrong)", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidBSNExhaustiveCheckDigit(t *testing.T) {
	// For every 8-digit stem in a sample, at most one check digit makes a valid BSN, and it is the one
	// the reference finds.
	for _, stem := range []string{"99999365", "99999001", "99999177", "11122233", "12345678", "00000001", "87654321"} {
		valid := 0
		for d := byte('0'); d <= '9'; d++ {
			s := stem + string(d)
			got, want := portal.ValidBSN(s), refValidBSN(s)
			if got != want {
				t.Errorf("ValidBSN(%q) = %v, reference %v", s, got, want)
			}
			if got {
				valid++
			}
		}
		if valid > 1 {
			t.Errorf("stem %s: %d valid check digits, want at most 1", stem, valid)
		}
	}
}

func TestMaskBSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"999993653", "*****3653"},
		{"123456782", "*****6782"},
		{"12345678", "*********"},
		{"1234567820", "*********"},
		{"", "*********"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := portal.MaskBSN(tt.in); got != tt.want {
				t.Errorf("MaskBSN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzValidBSN(f *testing.F) {
	for _, s := range []string{"999993653", "999990019", "999991772", "111222333", "123456782", "123456789",
		"000000000", "", "12345678", "1234567820", "abcdefghi", "99999365\x00", "١٢٣٤٥٦٧٨٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := portal.ValidBSN(s)
		if want := refValidBSN(s); got != want {
			t.Fatalf("ValidBSN(%q) = %v, reference says %v", s, got, want)
		}
		m := portal.MaskBSN(s)
		if len(s) == 9 && m != "*****"+s[5:] || len(s) != 9 && m != "*********" {
			t.Fatalf("MaskBSN(%q) = %q", s, m)
		}
	})
}

func TestHoldsBSN(t *testing.T) {
	// 999993653 and 111222333 pass the 11-proef; 999993654 does not.
	for _, c := range []struct {
		text string
		want bool
	}{
		{"Mijn BSN is 999993653.", true},
		{"bsn: 999 993 653", true},
		{"BSN 9999.93.653, graag aanpassen", true},
		{"999-99-3653", true},
		{"(111222333)", true},
		{"dossier 2026-999 993 653", true},
		{"999993653", true},
		{"BSN999993653", true},
		{"Mijn BSN is 999993654.", false},                 // fails the 11-proef
		{"IBAN NL91ABNA0417164300 klopt niet", false},     // a bank account: ten digits
		{"Bel mij op 06 12345678 of 020 123 4567", false}, // phone numbers: ten digits
		{"Zaak Z-2026-000193 van 1-12-2026", false},       // a case reference and a date
		{"nummer 1999993653", false},                      // nine digits inside a longer number
		{"", false},
	} {
		if got := portal.HoldsBSN(c.text); got != c.want {
			t.Errorf("HoldsBSN(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	// Short identifying texts (an internal note) are stricter: a window inside a longer number counts
	// too, and the grouped forms are caught as well.
	for text, want := range map[string]bool{"nummer 1999993653": true, "BSN 999 993 653": true, "bel 06 12345678": false} {
		n := portal.NewNote{Text: text, Token: "0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10"}
		if err := n.Validate(); (err != nil) != want {
			t.Errorf("note %q: error %v, want an error: %v", text, err, want)
		}
	}
}
