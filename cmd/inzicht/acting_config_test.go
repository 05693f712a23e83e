package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/internal/demo"
)

func TestActingConfig(t *testing.T) {
	env := prodEnv()
	cfg, err := loadConfig("serve", envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if cc := cfg.citizenClaims(); cc.ActingBSNClaim != "" || cc.ActingServiceClaim != "" || cc.ActingServices != nil {
		t.Errorf("acting on behalf of someone is on by default: %+v", cc)
	}
	env["INZICHT_OIDC_ACTING_BSN_CLAIM"] = "urn:nl-eid-gdi:1.0:LegalSubjectID"
	env["INZICHT_OIDC_ACTING_SERVICE_CLAIM"] = "urn:nl-eid-gdi:1.0:ServiceUUID"
	env["INZICHT_OIDC_ACTING_SERVICES"] = " inzicht, ,inzicht-gezag "
	cfg, err = loadConfig("serve", envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	cc := cfg.citizenClaims()
	if cc.ActingBSNClaim != "urn:nl-eid-gdi:1.0:LegalSubjectID" || cc.ActingServiceClaim != "urn:nl-eid-gdi:1.0:ServiceUUID" ||
		!slices.Equal(cc.ActingServices, []string{"inzicht", "inzicht-gezag"}) || cc.BSNClaim != "bsn" {
		t.Errorf("citizen claims %+v", cc)
	}
	for _, tc := range []struct {
		name    string
		change  map[string]string
		mention string
	}{
		{"service claim without BSN claim", map[string]string{"INZICHT_OIDC_ACTING_SERVICE_CLAIM": "svc"}, "INZICHT_OIDC_ACTING_BSN_CLAIM"},
		{"services without BSN claim", map[string]string{"INZICHT_OIDC_ACTING_SERVICES": "inzicht"}, "INZICHT_OIDC_ACTING_BSN_CLAIM"},
		{"services without service claim", map[string]string{"INZICHT_OIDC_ACTING_BSN_CLAIM": "rep", "INZICHT_OIDC_ACTING_SERVICES": "inzicht"}, "INZICHT_OIDC_ACTING_SERVICE_CLAIM"},
		{"acting claim is the own BSN claim", map[string]string{"INZICHT_OIDC_ACTING_BSN_CLAIM": "bsn"}, "INZICHT_OIDC_ACTING_BSN_CLAIM"},
		{"acting claim is sub", map[string]string{"INZICHT_OIDC_ACTING_BSN_CLAIM": "sub"}, "INZICHT_OIDC_ACTING_BSN_CLAIM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := prodEnv()
			for k, v := range tc.change {
				env[k] = v
			}
			if _, err := loadConfig("serve", envOf(env)); err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("err %v, want one naming %s", err, tc.mention)
			}
		})
	}

	// The demo reads the claims its simulator fills, unless told otherwise.
	d, err := loadConfig("demo", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	demoActingClaims(&d)
	if d.ActingBSNClaim != demo.ActingBSNClaim || d.ActingServiceClaim != demo.ActingServiceClaim {
		t.Errorf("demo acting claims %q %q", d.ActingBSNClaim, d.ActingServiceClaim)
	}
	d, _ = loadConfig("demo", envOf(map[string]string{"INZICHT_OIDC_ACTING_BSN_CLAIM": "namens"}))
	demoActingClaims(&d)
	if d.ActingBSNClaim != "namens" || d.ActingServiceClaim != "" {
		t.Errorf("demo overrides the configured claim: %q %q", d.ActingBSNClaim, d.ActingServiceClaim)
	}
}
