package api

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/inzicht/inzicht/portal"
)

// FuzzResourceBodies feeds the signal, consent-request and register-entry bodies through the same
// decoding and domain validation the handlers use. Neither may panic; a refusal is always EINVALID
// with at least one field named; and whatever both accept holds only valid UTF-8 (the raw-text check
// runs before encoding/json could repair it).
func FuzzResourceBodies(f *testing.F) {
	for _, seed := range []string{
		`{"id":"0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10","subject_bsn":"999993653","received_at":"2026-11-28T10:15:00Z","reporter_kind":"gp","nature":{"category":"health","summary":"Zorgen"},"urgency":"normal","handling_team":"Wijkteam"}`,
		`{"id":"0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10","subject_bsn":"999993653","case_ref":"Z-1","requested_by":{"organization":"G","role":"R"},"data_item":"Medische informatie","data_holder":"Uw huisarts","purpose":"p","necessity":"n","legal_ground":"l","if_refused":"r","valid_until":"2027-01-01"}`,
		`{"id":"wmo-onderzoek","name":{"nl":"Wmo","en":"Wmo"},"purpose":{"nl":"p","en":"p"},"legal_basis":{"nl":"l","en":"l"},"data_categories":["health","health"],"retention":"P5Y","controller":"G"}`,
		`{"id":"x","nature":{"summary":"\udc00"}}`,
		"{\"data_item\":\"\xff\"}",
		`{"unknown":1}`, `[]`, `null`, ``, `{"id":`,
	} {
		f.Add([]byte(seed))
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(kind string, decodeErr error, validate func() error, texts func() []string) {
			if decodeErr == nil {
				decodeErr = validate()
				if decodeErr == nil {
					for _, s := range texts() {
						if !utf8.ValidString(s) {
							t.Fatalf("%s: accepted text that is not UTF-8: %q", kind, s)
						}
					}
					return
				}
			}
			if portal.ErrorCode(decodeErr) != portal.EINVALID || len(portal.ErrorFields(decodeErr)) == 0 {
				t.Fatalf("%s: refused without a named field: %v", kind, decodeErr)
			}
		}
		var ns portal.NewSignal
		check("signal", decodeStrict(body, &ns), func() error { return ns.Validate(now) }, func() []string {
			return []string{ns.ID, ns.SubjectBSN, ns.ReporterKind, ns.Nature.Category, ns.Nature.Summary, ns.Urgency, ns.HandlingTeam}
		})
		var nc portal.NewConsent
		check("consent", decodeStrict(body, &nc), func() error { return nc.Validate(now) }, func() []string {
			return []string{nc.ID, nc.CaseRef, nc.DataItem, nc.DataHolder, nc.Purpose, nc.Necessity, nc.LegalGround, nc.IfRefused}
		})
		var a portal.Activity
		check("activity", decodeStrict(body, &a), a.Validate, func() []string {
			return append([]string{a.ID, a.Name.NL, a.Name.EN, a.Purpose.NL, a.LegalBasis.NL, a.Controller}, a.DataCategories...)
		})
	})
}
