package oidcrp_test

import (
	"errors"
	"testing"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
)

// TestLoginActing covers the acting-on-behalf claims (DigiD Machtigen style): the represented
// person's BSN and the service the authorisation is for.
func TestLoginActing(t *testing.T) {
	const (
		own   = "999993653"
		child = "111222333"
		acr   = "urn:oasis:names:tc:saml:2.0:ac:classes:Smartcard"
	)
	on := oidcrp.CitizenClaims{ActingBSNClaim: "represented_bsn", ActingServiceClaim: "mandate_service"}
	only := on
	only.ActingServices = []string{"inzicht", "inzicht-gezag"}
	prefixed := on
	prefixed.SectorPrefix = "s00000000:"
	base := func(extra map[string]any) map[string]any {
		c := map[string]any{"sub": own, "bsn": own, "acr": acr}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	for _, tc := range []struct {
		name                string
		cc                  oidcrp.CitizenClaims
		claims              map[string]any
		wantActing, wantSvc string
		wantErr             error
	}{
		{"good", on, base(map[string]any{"represented_bsn": child, "mandate_service": "inzicht"}), child, "inzicht", nil},
		{"good without service", on, base(map[string]any{"represented_bsn": child}), child, "", nil},
		{"service trimmed", only, base(map[string]any{"represented_bsn": child, "mandate_service": " inzicht-gezag "}), child, "inzicht-gezag", nil},
		{"sector prefix stripped", prefixed, base(map[string]any{"represented_bsn": "s00000000:" + child}), child, "", nil},
		{"no acting claim: for oneself", on, base(nil), "", "", nil},
		{"empty acting claim: for oneself", on, base(map[string]any{"represented_bsn": ""}), "", "", nil},
		{"feature off: claim ignored", oidcrp.CitizenClaims{}, base(map[string]any{"represented_bsn": child}), "", "", nil},
		{"feature off: bad claim ignored", oidcrp.CitizenClaims{}, base(map[string]any{"represented_bsn": "123"}), "", "", nil},
		{"same BSN as own ignored", only, base(map[string]any{"represented_bsn": own, "mandate_service": "elsewhere"}), "", "", nil},
		{"bad BSN (11-proef)", on, base(map[string]any{"represented_bsn": "999993654"}), "", "", oidcrp.ErrActingBSN},
		{"bad BSN (8 digits)", on, base(map[string]any{"represented_bsn": "12345672"}), "", "", oidcrp.ErrActingBSN},
		{"BSN as a number", on, base(map[string]any{"represented_bsn": 111222333.0}), "", "", oidcrp.ErrActingBSN},
		{"BSN as a list", on, base(map[string]any{"represented_bsn": []any{child}}), "", "", oidcrp.ErrActingBSN},
		{"service not accepted", only, base(map[string]any{"represented_bsn": child, "mandate_service": "belastingen"}), "", "", oidcrp.ErrActingService},
		{"service missing where a list is set", only, base(map[string]any{"represented_bsn": child}), "", "", oidcrp.ErrActingService},
		{"own BSN bad comes first", on, map[string]any{"bsn": "999993654", "acr": acr, "represented_bsn": child}, "", "", oidcrp.ErrBSN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := tc.cc.Login(tc.claims)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if l.ActingBSN != tc.wantActing || l.ActingService != tc.wantSvc {
				t.Errorf("acting = %q/%q, want %q/%q", l.ActingBSN, l.ActingService, tc.wantActing, tc.wantSvc)
			}
			if err != nil {
				if l.BSN != "" {
					t.Errorf("a refused login returns BSN %q", l.BSN)
				}
				return
			}
			if l.BSN != own || l.LoA != portal.LoASubstantieel {
				t.Errorf("own = %q %v", l.BSN, l.LoA)
			}
			// Citizen agrees with Login.
			if bsn, loa, err := tc.cc.Citizen(tc.claims); err != nil || bsn != own || loa != l.LoA {
				t.Errorf("Citizen = %q %v %v", bsn, loa, err)
			}
		})
	}
	// A refused acting claim also fails Citizen (the login is refused, not silently made for oneself).
	if _, _, err := on.Citizen(base(map[string]any{"represented_bsn": "999993654"})); !errors.Is(err, oidcrp.ErrActingBSN) {
		t.Errorf("Citizen with a bad acting BSN: %v", err)
	}
}
