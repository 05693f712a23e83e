package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// DecodeBatch parses an ingest body {"events": [...]} strictly. Each event is decoded on its own, so
// a malformed event is reported by its index and field while the others are still checked. Unknown
// fields are refused: a typo must not silently drop data.
//
// A valid batch, which is almost every batch, is decoded in one pass (decodeWhole); only a batch
// that pass refuses is decoded again event by event (decodeEach) to name every fault. Both accept
// exactly the same batches with the same result (FuzzDecodeWholeMatchesEach); the one pass costs
// about half as much.
func DecodeBatch(body []byte) ([]portal.Event, error) {
	if events, ok := decodeWhole(body); ok {
		return events, nil
	}
	return decodeEach(body)
}

// decodeWhole decodes a batch that holds no fault, in one pass over body, or reports false: for
// a batch with any fault, decodeEach says which.
func decodeWhole(body []byte) ([]portal.Event, bool) {
	if mayNeedRepair(body) {
		return nil, false
	}
	var env struct {
		Events []wireEvent `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF || len(env.Events) == 0 || len(env.Events) > portal.MaxBatch {
		return nil, false
	}
	events := make([]portal.Event, len(env.Events))
	for i := range env.Events {
		var fe []portal.FieldError
		if events[i], fe = env.Events[i].event(i); len(fe) > 0 {
			return nil, false
		}
	}
	return events, true
}

// decodeEach decodes a batch event by event and reports every fault of every event.
func decodeEach(body []byte) ([]portal.Event, error) {
	var env struct {
		Events []json.RawMessage `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, &portal.Error{Code: portal.EINVALID, Message: "the body is not a JSON object {\"events\": [...]}",
			Fields: []portal.FieldError{{Index: -1, Field: "events", Message: jsonMessage(err)}}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, portal.Errorf(portal.EINVALID, "the body holds more than one JSON value")
	}
	if len(env.Events) == 0 {
		return nil, &portal.Error{Code: portal.EINVALID, Message: "the batch holds no events",
			Fields: []portal.FieldError{{Index: -1, Field: "events", Message: "required"}}}
	}
	if len(env.Events) > portal.MaxBatch {
		return nil, portal.Errorf(portal.ETOOLARGE, "a batch holds at most %d events, this one %d", portal.MaxBatch, len(env.Events))
	}
	events := make([]portal.Event, len(env.Events))
	var fe []portal.FieldError
	for i, raw := range env.Events {
		// json.RawMessage keeps the bytes as sent, so text that decoding would repair is found here.
		if bad := rawTextErrors(raw, i); len(bad) > 0 {
			fe = append(fe, bad...)
			continue
		}
		var w wireEvent
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&w); err != nil {
			// The wire type embeds portal.Event; report the JSON field name only.
			fe = append(fe, portal.FieldError{Index: i, Field: strings.TrimPrefix(jsonField(err), "Event."), Message: jsonMessage(err)})
			continue
		}
		var bad []portal.FieldError
		events[i], bad = w.event(i)
		fe = append(fe, bad...)
	}
	if len(fe) > 0 {
		return nil, &portal.Error{Code: portal.EINVALID, Message: fmt.Sprintf("%d event(s) are not valid JSON events; nothing was stored", len(fe)), Fields: fe}
	}
	return events, nil
}

// wireEvent reads the times as text so that a malformed one is reported with its field name.
type wireEvent struct {
	portal.Event
	OccurredAt        string  `json:"occurred_at"`
	ConfidentialUntil *string `json:"confidential_until"`
}

// event is the event w holds, with its times parsed; a time that is not RFC 3339 is reported as a
// fault of the event at index i.
func (w *wireEvent) event(i int) (portal.Event, []portal.FieldError) {
	e := w.Event
	var fe []portal.FieldError
	if w.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339Nano, w.OccurredAt)
		if err != nil {
			fe = append(fe, portal.FieldError{Index: i, Field: "occurred_at", Message: "must be a date-time in RFC 3339 format"})
		}
		e.OccurredAt = t
	}
	if w.ConfidentialUntil != nil {
		t, err := time.Parse(time.RFC3339Nano, *w.ConfidentialUntil)
		if err != nil {
			fe = append(fe, portal.FieldError{Index: i, Field: "confidential_until", Message: "must be a date-time in RFC 3339 format"})
		}
		e.ConfidentialUntil = &t
	}
	return e, fe
}

// decodeStrict decodes one JSON object into v, refusing unknown fields and text that is not
// valid UTF-8 (which encoding/json would replace with U+FFFD).
func decodeStrict(body []byte, v any) error {
	if fe := rawTextErrors(body, -1); len(fe) > 0 {
		return &portal.Error{Code: portal.EINVALID, Message: "the body holds text that is not valid UTF-8; nothing was stored", Fields: fe}
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return &portal.Error{Code: portal.EINVALID, Message: "the body is not valid JSON for this resource",
			Fields: []portal.FieldError{{Index: -1, Field: jsonField(err), Message: jsonMessage(err)}}}
	}
	return nil
}

func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(f, `"`)
	}
	return ""
}

func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("must be of JSON type %s", jsonType(te.Type.Kind().String()))
	case errors.As(err, &se):
		return "malformed JSON"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field"
	}
	return "malformed JSON"
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	case "bool":
		return "boolean"
	default:
		return "number"
	}
}
