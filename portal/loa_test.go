package portal_test

import (
	"testing"

	"github.com/inzicht/inzicht/portal"
)

func TestParseLoA(t *testing.T) {
	tests := []struct {
		claim string
		want  portal.LoA
	}{
		{"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport", portal.LoABasis},
		{"urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract", portal.LoAMidden},
		{"urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard", portal.LoASubstantieel},
		{"urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI", portal.LoAHoog},
		{"URN:OASIS:NAMES:TC:SAML:2.0:AC:CLASSES:PASSWORDPROTECTEDTRANSPORT", portal.LoABasis},
		{"urn:oasis:names:tc:saml:2.0:ac:classes:mobiletwofactorcontract", portal.LoAMidden},
		{"urn:oasis:names:tc:saml:2.0:ac:classes:smartcard", portal.LoASubstantieel},
		{"urn:oasis:names:tc:saml:2.0:ac:classes:smartcardpki", portal.LoAHoog},
		{"  urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI\n", portal.LoAHoog},
		{"http://eidas.europa.eu/LoA/low", portal.LoABasis},
		{"http://eidas.europa.eu/LoA/substantial", portal.LoASubstantieel},
		{"http://eidas.europa.eu/LoA/high", portal.LoAHoog},
		{"HTTP://EIDAS.EUROPA.EU/LOA/HIGH", portal.LoAHoog},
		{"basis", portal.LoABasis},
		{"Midden", portal.LoAMidden},
		{"SUBSTANTIEEL", portal.LoASubstantieel},
		{"hoog", portal.LoAHoog},
		{"", portal.LoAUnknown},
		{"unknown", portal.LoAUnknown},
		{"urn:oasis:names:tc:SAML:2.0:ac:classes:Password", portal.LoAUnknown},
		{"urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKIx", portal.LoAUnknown},
		{"http://eidas.europa.eu/LoA/medium", portal.LoAUnknown},
		{"https://eidas.europa.eu/LoA/high", portal.LoAUnknown},
		{"10", portal.LoAUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.claim, func(t *testing.T) {
			if got := portal.ParseLoA(tt.claim); got != tt.want {
				t.Errorf("ParseLoA(%q) = %v, want %v", tt.claim, got, tt.want)
			}
		})
	}
}

func TestLoAOrderAndNames(t *testing.T) {
	order := []portal.LoA{portal.LoAUnknown, portal.LoABasis, portal.LoAMidden, portal.LoASubstantieel, portal.LoAHoog}
	names := []string{"unknown", "basis", "midden", "substantieel", "hoog"}
	for i, l := range order {
		if i > 0 && !(order[i-1] < l) {
			t.Errorf("%v is not stronger than %v", l, order[i-1])
		}
		if l.String() != names[i] {
			t.Errorf("LoA(%d).String() = %q, want %q", int(l), l.String(), names[i])
		}
		if i > 0 && portal.ParseLoA(l.String()) != l {
			t.Errorf("ParseLoA(%q) = %v, want %v", l.String(), portal.ParseLoA(l.String()), l)
		}
	}
	if portal.LoA(99).String() != "unknown" {
		t.Errorf("LoA(99).String() = %q", portal.LoA(99).String())
	}
}
