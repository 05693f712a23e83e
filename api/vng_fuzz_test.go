package api

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/inzicht/inzicht/portal"
)

// FuzzVNGBody feeds VNG verwerkingsactie bodies through the decoding, validation and mapping the
// POST handler uses. None may panic; a refusal is always EINVALID with at least one field named;
// whatever is accepted holds only valid UTF-8 and maps to events that pass the ingest rules, so an
// accepted actie is never refused later by the event checks.
func FuzzVNGBody(f *testing.F) {
	for _, seed := range []string{
		`{"actieNaam":"Zoeken personen","verwerkingId":"48086bf2-11b7-4603-9526-67d7c3bb6587","verwerkingsactiviteitId":"5f0bef4c-f66f-4311-84a5-19e8bf359eaf","vertrouwelijkheid":"normaal","bewaartermijn":"P10Y","uitvoerder":"00000001821002193000","systeem":"FooBarApp v2.1","gebruiker":"123456789","soortAfnemerId":"OIN","afnemerId":"00000001821002193000","tijdstip":"2024-04-05T14:35:42+01:00","verwerkteObjecten":[{"objecttype":"persoon","soortObjectId":"BSN","objectId":"479580261","betrokkenheid":"Getuige","verwerkteSoortenGegevens":[{"soortGegeven":"BSN"}]}]}`,
		`{"verwerkingsactiviteitUrl":"https://var.example/v/5f0bef4c-f66f-4311-84a5-19e8bf359eaf/","vertrouwelijkheid":"vertrouwelijk","tijdstip":"2026-11-30T10:00:00Z","soortAfnemerId":"BSN","afnemerId":"999993653","verwerkteObjecten":[{"objecttype":"persoon","soortObjectId":"bsn","objectId":" 999990019 "},{"objecttype":"persoon","soortObjectId":"A-nummer","objectId":"1"}]}`,
		`{"vertrouwelijkheid":"opgeheven","tijdstip":"2026-11-30T10:00:00Z","verwerkteObjecten":[]}`,
		`{"vertrouwelijkheid":"Normaal","tijdstip":"x","verwerkteObjecten":null}`,
		`{"systeem":"\udc00"}`, "{\"systeem\":\"\xff\"}", `{"url":"u","tijdstipRegistratie":"t","verwerkteObjecten":[{"url":"u","verwerktObjectId":"v"}]}`,
		`{"unknown":1}`, `[]`, `null`, ``, `{"actieId":`, `{} {}`,
	} {
		f.Add([]byte(seed))
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rules := portal.EventRules{Now: now, NotBefore: DefaultEventsNotBefore, MaxAhead: portal.MaxFuture, MaxConfidential: DefaultConfidentialMax}
	act := portal.Activity{ID: "5f0bef4c-f66f-4311-84a5-19e8bf359eaf", DataCategories: []string{"identity"}, Controller: "Gemeente Voorbeeldstad"}
	register := map[string]portal.Activity{act.ID: act}
	f.Fuzz(func(t *testing.T, body []byte) {
		va, err := DecodeVerwerkingsactie(body)
		if err == nil {
			va.Normalize()
			if va.ActieID == "" {
				va.ActieID = "7a22eb38-bca6-463f-9955-54ab040287cb"
			}
			err = va.Validate(rules)
		}
		if err != nil {
			if portal.ErrorCode(err) != portal.EINVALID || len(portal.ErrorFields(err)) == 0 {
				t.Fatalf("refused without a named field: %v", err)
			}
			return
		}
		for _, s := range []string{va.ActieID, va.ActieNaam, va.HandelingNaam, va.VerwerkingNaam, va.Systeem, va.Gebruiker,
			va.Gegevensbron, va.SoortAfnemerID, va.AfnemerID, va.Uitvoerder, va.Bewaartermijn, va.VerwerkingsactiviteitURL} {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted text that is not UTF-8: %q", s)
			}
		}
		a, fe := va.ResolveActivity(register)
		if fe != nil {
			if fe.Field == "" {
				t.Fatalf("register refusal without a field: %+v", fe)
			}
			return
		}
		for i := range va.VerwerkteObjecten {
			va.VerwerkteObjecten[i].VerwerktObjectID = VerwerktObjectID(va.ActieID, i)
		}
		known := func(id string) bool { _, ok := register[id]; return ok }
		for i, ev := range va.Events(a, map[string]string{}, rules) {
			ev.Normalize()
			if bad := ev.Validate(i, rules, known); len(bad) > 0 {
				t.Fatalf("accepted actie maps to an event the ingest refuses: %+v", bad)
			}
		}
	})
}
