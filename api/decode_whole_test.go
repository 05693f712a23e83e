package api

import (
	"reflect"
	"testing"
)

// FuzzDecodeWholeMatchesEach checks the one-pass decoding of a batch against the event-by-event
// decoding that reports faults: whatever decodeWhole accepts, decodeEach accepts with the very same
// events, so taking the fast path can never let through what the careful path refuses.
func FuzzDecodeWholeMatchesEach(f *testing.F) {
	const ev = `{"id":"0b5d0c55-0e4f-4a43-9a4c-7b1d8e9d1a01","occurred_at":"2026-11-30T10:00:00.123Z",` +
		`"subject_bsn":"111222333","activity":"wmo-aanvraag","action":"view","data_categories":["care_needs","health"],` +
		`"level":"what","actor":{"organization":"Gemeente Voorbeeldstad","team":"Wijkteam","role":"Wmo-consulent"},` +
		`"system":"Suite","case_ref":"Z-1","access_basis":"assigned"}`
	for _, seed := range []string{
		`{"events":[` + ev + `]}`,
		`{"events":[` + ev + `,` + ev + `]}`,
		`{"events":[` + ev + `,null]}`,
		`{"Events":[` + ev + `]}`,
		`{"events":[{"ID":"x","Occurred_At":"2026-11-30T10:00:00Z"}]}`,
		`{"events":[{"id":"x","occurred_at":"yesterday"}]}`,
		`{"events":[{"id":"x","confidential_until":"2027-01-01T00:00:00+01:00"}]}`,
		`{"events":[{"id":"x","confidential_until":null}]}`,
		`{"events":[{"id":"x","colour":"red"}]}`,
		`{"events":[{"id":"x","actor":{"organization":"A","shoe":1}}]}`,
		`{"events":[{"id":1}]}`,
		`{"events":[{"id":"x","data_categories":"health"}]}`,
		`{"events":[{"id":"x","id":"y"}]}`,
		`{"events":[{"id":"caf\u00e9 \ud83d\ude00"}]}`,
		`{"events":[{"id":"\ud800"}]}`,
		"{\"events\":[{\"id\":\"\xff\"}]}",
		`{"events":[]}`,
		`{"events":[` + ev + `]} {}`,
		`{"events":[` + ev + `],"extra":1}`,
		`{"events":null}`,
		`null`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		whole, ok := decodeWhole(body)
		if !ok {
			return
		}
		each, err := decodeEach(body)
		if err != nil {
			t.Fatalf("decodeWhole accepted %q, decodeEach refused it: %v", body, err)
		}
		if !reflect.DeepEqual(whole, each) {
			t.Fatalf("%q decoded differently:\nwhole %+v\neach  %+v", body, whole, each)
		}
	})
}

// TestValidBatchTakesOnePass guards the fast path: a valid batch, with escapes (not of a surrogate)
// and text outside ASCII, is decoded by decodeWhole (a change that sent every batch down the slow path would still
// pass every other test, at a third of the speed).
func TestValidBatchTakesOnePass(t *testing.T) {
	body := []byte(`{"events":[{"id":"0b5d0c55-0e4f-4a43-9a4c-7b1d8e9d1a01","system":"Zaak\u0073ysteem \"Noord\" – één",` +
		`"actor":{"role":"Jeugd\u00e9consulent 😀"},"occurred_at":"2026-11-30T10:00:00Z"}]}`)
	evs, ok := decodeWhole(body)
	if !ok || len(evs) != 1 || evs[0].System != `Zaaksysteem "Noord" – één` || evs[0].Actor.Role != "Jeugdéconsulent 😀" {
		t.Fatalf("decodeWhole = %+v, %v; want the one event", evs, ok)
	}
	for _, bad := range []string{`{"events":[{"id":"\udc00"}]}`, "{\"events\":[{\"id\":\"\xc3\"}]}", `{"events":[{"id":"x","color":1}]}`} {
		if _, ok := decodeWhole([]byte(bad)); ok {
			t.Errorf("decodeWhole accepted %q", bad)
		}
	}
}
