package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// FuzzDecodeBatch checks that DecodeBatch never panics, returns 1 to 1,000 events when it succeeds,
// and otherwise an EINVALID or ETOOLARGE error whose field errors point into the batch.
func FuzzDecodeBatch(f *testing.F) {
	valid, err := json.Marshal(map[string]any{"events": []any{validEvent(bsnA), validEvent(bsnB)}})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(valid),
		`{"events":[{"id":"0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10","occurred_at":"2026-11-28T10:15:00+01:00","subject_bsn":"999993653","activity":"wmo-onderzoek","action":"view","data_categories":["health"],"level":"what","actor":{"organization":"G","role":"r"},"access_basis":"assigned","confidential_until":"2027-01-01T00:00:00Z","confidential_reason":"x","against_will":{"decision_ref":"b","reason":"r","approved_by":"a"}}]}`,
		`{"events":[`,                                      // malformed JSON
		`{"events":[{"id":"x"}]`,                           // truncated
		`{"events":[{"colour":"blue"}]}`,                   // unknown field
		`{"events":[{"actor":{"nickname":"x"}}]}`,          // unknown nested field
		`{"events":[],"extra":1}`,                          // unknown envelope field
		`{"events":[{"action":5,"data_categories":"x"}]}`,  // wrong types
		`{"events":[{"actor":{"role":7}},{"level":true}]}`, // wrong nested types
		`{"events":[{"occurred_at":"yesterday"}]}`,         // bad date
		`{"events":[{"confidential_until":12}]}`,           // wrong type of a date
		`{"events":{"id":"x"}}`,                            // events not an array
		`{"events":["x",1,null,[],{}]}`,                    // events not objects
		`{"events":[]}`,                                    // empty batch
		`{"events":null}`,                                  // null batch
		`{}`,                                               // no batch
		`null`,                                             // not an object
		`[]`,                                               // not an object
		`{"events":[{}]} {"events":[{}]}`,                  // two values
		`{"events":[{}]}]`,                                 // trailing garbage
		``,                                                 // empty body
		"{\"events\":[{\"system\":\"\xff\xfe\"}]}",         // invalid UTF-8
		`{"events":[{"id":"\ud800"}]}`,                     // lone surrogate
		`{"events":[{"occurred_at":"2026-02-30T10:00:00Z"}]}`,           // impossible date
		`{"events":[` + strings.Repeat(`{},`, portal.MaxBatch) + `{}]}`, // 1001 events
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := api.DecodeBatch(body)
		if err == nil {
			if len(events) < 1 || len(events) > portal.MaxBatch {
				t.Fatalf("DecodeBatch(%q) returned %d events without error; want 1 to %d", body, len(events), portal.MaxBatch)
			}
			return
		}
		if events != nil {
			t.Errorf("DecodeBatch returned %d events with an error", len(events))
		}
		switch code := portal.ErrorCode(err); code {
		case portal.EINVALID, portal.ETOOLARGE:
		default:
			t.Fatalf("DecodeBatch(%q): error code %q (%v), want %q or %q", body, code, err, portal.EINVALID, portal.ETOOLARGE)
		}
		if portal.ErrorMessage(err) == "" {
			t.Errorf("error %v has no message", err)
		}
		for _, fe := range portal.ErrorFields(err) {
			if fe.Index < -1 || fe.Index >= portal.MaxBatch {
				t.Errorf("field error %+v: index out of range", fe)
			}
			if fe.Message == "" {
				t.Errorf("field error %+v has no message", fe)
			}
		}
	})
}

// BenchmarkDecodeBatch decodes a batch of 500 events (inzicht bench's size) as the ingest endpoint does.
func BenchmarkDecodeBatch(b *testing.B) {
	evs := make([]ev, 500)
	for i := range evs {
		evs[i] = validEvent(bsnA)
	}
	body := batch(b, evs...)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := api.DecodeBatch(body); err != nil {
			b.Fatal(err)
		}
	}
}
