package portal

import "strings"

// LoA is a DigiD assurance level, ordered from weakest to strongest.
type LoA int

// Assurance levels known to DigiD (and their eIDAS equivalents).
const (
	LoAUnknown LoA = iota
	LoABasis
	LoAMidden
	LoASubstantieel
	LoAHoog
)

var loaNames = map[LoA]string{LoABasis: "basis", LoAMidden: "midden", LoASubstantieel: "substantieel", LoAHoog: "hoog"}

func (l LoA) String() string {
	if n, ok := loaNames[l]; ok {
		return n
	}
	return "unknown"
}

// loaByClaim maps the values seen in an acr (or configured) claim: DigiD SAML authentication context
// class references, eIDAS level-of-assurance URIs, and the plain names.
var loaByClaim = map[string]LoA{
	"urn:oasis:names:tc:saml:2.0:ac:classes:passwordprotectedtransport": LoABasis,
	"urn:oasis:names:tc:saml:2.0:ac:classes:mobiletwofactorcontract":    LoAMidden,
	"urn:oasis:names:tc:saml:2.0:ac:classes:smartcard":                  LoASubstantieel,
	"urn:oasis:names:tc:saml:2.0:ac:classes:smartcardpki":               LoAHoog,
	"http://eidas.europa.eu/loa/low":                                    LoABasis,
	"http://eidas.europa.eu/loa/substantial":                            LoASubstantieel,
	"http://eidas.europa.eu/loa/high":                                   LoAHoog,
	"basis":                                                             LoABasis,
	"midden":                                                            LoAMidden,
	"substantieel":                                                      LoASubstantieel,
	"hoog":                                                              LoAHoog,
}

// ParseLoA maps a claim value to an assurance level; unknown values give LoAUnknown, which is below
// every minimum.
func ParseLoA(claim string) LoA {
	return loaByClaim[strings.ToLower(strings.TrimSpace(claim))]
}
