package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestReadmeConnectExamples runs the README's "connect your system" VNG and read examples against
// the demo, with the key the demo prints (which must carry every scope, events:read too): a
// vertrouwelijk actie naming its register entry by URL is stored, hidden from reads until PATCH
// opgeheven, then the LDV read of the person returns it.
func TestReadmeConnectExamples(t *testing.T) {
	t.Parallel()
	base, key, _ := startDemo(t, io.Discard)
	const bsn = "999998456"
	actie := `{"actieId": "7a22eb38-bca6-463f-9955-54ab040287cb", "actieNaam": "Zoeken personen",
       "verwerkingId": "48086bf2-11b7-4603-9526-67d7c3bb6587",
       "verwerkingsactiviteitUrl": "https://gemeente.example/verwerkingsactiviteiten/wmo-onderzoek",
       "vertrouwelijkheid": "vertrouwelijk", "uitvoerder": "00000001821002193000",
       "systeem": "FooBarApp v2.1", "tijdstip": "2026-11-28T10:15:00+01:00",
       "verwerkteObjecten": [{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": "` + bsn + `"}]}`
	if st, body := apiDo(t, base, key, "POST", "/verwerkingsacties", actie); st != 201 {
		t.Fatalf("POST /verwerkingsacties: %d %s", st, body)
	}
	read := func() []map[string]any {
		t.Helper()
		st, body := apiDo(t, base, key, "POST", "/ldv/data-processing-operations",
			`{"attributes":{"dpl.core.data_subject_id":"`+bsn+`","dpl.core.data_subject_id_type":"BSN"}}`)
		if st != 200 {
			t.Fatalf("LDV read with the demo's key: %d %s", st, body)
		}
		var r struct {
			Ops []map[string]any `json:"dataProcessingOperations"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		var vng []map[string]any
		for _, op := range r.Ops {
			if res, _ := op["resource"].(map[string]any); res != nil {
				if attrs, _ := res["attributes"].(map[string]any); attrs != nil && strings.HasPrefix(attrs["service.name"].(string), "FooBarApp") {
					vng = append(vng, op)
				}
			}
		}
		return vng
	}
	if ops := read(); len(ops) != 0 {
		t.Errorf("the vertrouwelijk actie is read back before it is lifted: %v", ops)
	}
	if st, body := apiDo(t, base, key, "PATCH", "/verwerkingsacties?verwerkingId=48086bf2-11b7-4603-9526-67d7c3bb6587",
		`{"vertrouwelijkheid": "opgeheven"}`); st != 204 {
		t.Fatalf("PATCH opgeheven: %d %s", st, body)
	}
	if ops := read(); len(ops) != 1 {
		t.Errorf("after PATCH opgeheven the LDV read returns %d of the actie's operations, want 1", len(ops))
	}
}
