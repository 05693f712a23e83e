package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// doWith sends a request with the given headers through the app and checks the exchange against
// the spec.
func (e *env) doWith(method, path, token string, body []byte, headers map[string]string) result {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, body: b}
	e.spec.checkResponse(e.t, method, path, r.status, r.header, r.body)
	return r
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestCompressedBodies: a compressed body is inflated through MaxBody; a bomb is a 413 problem and
// stores nothing, unknown or stacked codings a 415, and a well-formed gzip batch is stored.
func TestCompressedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ok := batch(t, validEvent(bsnA))
	bomb := bytes.Repeat(gz(t, make([]byte, 1<<20)), 64) // 64 MiB of zeros
	tests := []struct {
		name     string
		token    string
		encoding string
		body     []byte
		status   int
	}{
		{"gzip batch", e.eventKey, "gzip", gz(t, ok), 200},
		{"bomb", e.eventKey, "gzip", bomb, 413},
		{"just over MaxBody inflated", e.eventKey, "gzip", gz(t, append(ok, bytes.Repeat([]byte(" "), api.MaxBody)...)), 413},
		{"stacked", e.eventKey, "gzip, gzip", gz(t, gz(t, ok)), 415},
		{"unknown coding", e.eventKey, "zstd", ok, 415},
		{"not gzip", e.eventKey, "gzip", ok, 400},
		{"bomb without a key is not inflated", "nope", "gzip", bomb, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.rows()
			r := e.doWith("POST", "/processing-events", tt.token, tt.body, map[string]string{"Content-Encoding": tt.encoding})
			if tt.status == 200 {
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				return
			}
			r.problem(t, tt.status)
			if e.rows() != before {
				t.Errorf("stored %d events", e.rows()-before)
			}
		})
	}
}

// TestContentTypeRefused: every route that takes a body answers 415 for anything but
// application/json (with an optional charset=utf-8), before reading it.
func TestContentTypeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all := e.key("all", portal.Scopes...)
	routes := []struct{ method, path string }{
		{"PUT", "/processing-activities/" + activityID},
		{"POST", "/processing-events"},
		{"POST", "/processing-events/" + "0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10" + "/confidentiality-extensions"},
		{"POST", "/signals"},
		{"POST", "/consent-requests"},
	}
	for _, rt := range routes {
		for _, ct := range []string{"text/plain", "", "application/x-www-form-urlencoded", "application/json; charset=latin1",
			"application/merge-patch+json", "application/json; charset=utf-8; x=y"} {
			t.Run(rt.path+" "+ct, func(t *testing.T) {
				before := e.rows()
				r := e.doWith(rt.method, rt.path, all, batch(t, validEvent(bsnA)), map[string]string{"Content-Type": ct})
				r.problem(t, 415)
				if e.rows() != before {
					t.Error("stored")
				}
			})
		}
	}
	r := e.doWith("POST", "/processing-events", all, batch(t, validEvent(bsnA)), map[string]string{"Content-Type": "application/json; charset=UTF-8"})
	if r.status != 200 {
		t.Errorf("application/json; charset=UTF-8: %d %s", r.status, r.body)
	}
}

// TestInvalidUTF8Refused: text that encoding/json would silently repair into U+FFFD is refused with
// 422 naming the field (and the event's index), and nothing is stored.
func TestInvalidUTF8Refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all := e.key("all", portal.Scopes...)
	// bad replaces the marker in a marshalled body with raw bytes.
	bad := func(body []byte, raw string) []byte { return bytes.Replace(body, []byte("@BAD@"), []byte(raw), 1) }
	withBad := func(mod func(ev)) []byte {
		second := validEvent(bsnB)
		mod(second)
		return batch(t, validEvent(bsnA), second)
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		want   []portal.FieldError
	}{
		{"event case_ref", "POST", "/processing-events", bad(withBad(func(v ev) { v["case_ref"] = "Z-@BAD@" }), "\xff"),
			[]portal.FieldError{{Index: 1, Field: "case_ref", Message: "is not valid UTF-8"}}},
		{"event actor.role", "POST", "/processing-events", bad(withBad(func(v ev) { v["actor"].(ev)["role"] = "@BAD@" }), "Wmo\xc3\x28"),
			[]portal.FieldError{{Index: 1, Field: "actor.role", Message: "is not valid UTF-8"}}},
		{"event data category", "POST", "/processing-events", bad(withBad(func(v ev) { v["data_categories"] = []any{"health", "@BAD@"} }), "\xed\xa0\x80"),
			[]portal.FieldError{{Index: 1, Field: "data_categories[1]", Message: "is not valid UTF-8"}}},
		{"event lone surrogate escape", "POST", "/processing-events", bad(withBad(func(v ev) { v["system"] = "@BAD@" }), `Suite \udc00`),
			[]portal.FieldError{{Index: 1, Field: "system", Message: "holds an unpaired UTF-16 surrogate escape"}}},
		{"event high surrogate without its pair", "POST", "/processing-events", bad(withBad(func(v ev) { v["system"] = "@BAD@" }), `\ud83dx`),
			[]portal.FieldError{{Index: 1, Field: "system", Message: "holds an unpaired UTF-16 surrogate escape"}}},
		{"activity name", "PUT", "/processing-activities/" + activityID, bad(mustJSON(t, ev{"name": ev{"nl": "@BAD@", "en": "x"}}), "\xfe"),
			[]portal.FieldError{{Index: -1, Field: "name.nl", Message: "is not valid UTF-8"}}},
		{"signal team", "POST", "/signals", bad(mustJSON(t, ev{"handling_team": "Team @BAD@"}), "\x80"),
			[]portal.FieldError{{Index: -1, Field: "handling_team", Message: "is not valid UTF-8"}}},
		{"consent purpose", "POST", "/consent-requests", bad(mustJSON(t, ev{"purpose": "@BAD@"}), "\xc0\xaf"),
			[]portal.FieldError{{Index: -1, Field: "purpose", Message: "is not valid UTF-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.rows()
			r := e.doWith(tt.method, tt.path, all, tt.body, nil)
			p := r.problem(t, 422)
			if diff := cmp.Diff(tt.want, p.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if e.rows() != before {
				t.Error("stored")
			}
		})
	}
	// Correct escapes and real non-ASCII text are fine.
	good := validEvent(bsnA)
	good["system"] = "Suite \U0001F600 é \\ud83d\\ude00"
	body := bytes.Replace(batch(t, good), []byte(`\\ud83d\\ude00`), []byte(`\ud83d\ude00`), 1)
	if r := e.doWith("POST", "/processing-events", all, body, nil); r.status != 200 {
		t.Errorf("valid text: %d %s", r.status, r.body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImplausibleInputRefused: times outside the configured window, unbounded lists and unbounded
// confidentiality are refused by field; nothing is stored. Repeated categories are stored once.
func TestImplausibleInputRefused(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, api.Config{EventsNotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), EventsMaxFuture: time.Minute,
		ConfidentialMax: 30 * 24 * time.Hour}, nil)
	many := make([]any, 10000)
	for i := range many {
		many[i] = fmt.Sprintf("c%d", i)
	}
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	tests := []struct {
		name  string
		mod   func(ev)
		field string
	}{
		{"year 1", func(v ev) { v["occurred_at"] = "0001-01-01T00:00:00Z" }, "occurred_at"},
		{"year 1900", func(v ev) { v["occurred_at"] = "1900-06-01T00:00:00Z" }, "occurred_at"},
		{"before the configured floor", func(v ev) { v["occurred_at"] = "1999-12-31T23:59:59Z" }, "occurred_at"},
		{"beyond the configured skew", func(v ev) { v["occurred_at"] = rfc(time.Now().Add(2 * time.Minute)) }, "occurred_at"},
		{"10,000 categories", func(v ev) { v["data_categories"] = many }, "data_categories"},
		{"51 categories", func(v ev) { v["data_categories"] = many[:51] }, "data_categories"},
		{"confidential until 9999", func(v ev) {
			v["confidential_until"], v["confidential_reason"] = "9999-01-01T00:00:00Z", "inquiry"
		}, "confidential_until"},
		{"confidential past the configured cap", func(v ev) {
			v["confidential_until"], v["confidential_reason"] = rfc(time.Now().Add(31*24*time.Hour)), "inquiry"
		}, "confidential_until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validEvent(bsnB)
			tt.mod(v)
			r := e.ingest(batch(t, validEvent(bsnA), v))
			p := r.problem(t, 422)
			if diff := cmp.Diff([]fieldRef{{1, tt.field}}, fieldRefs(p.Errors)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if e.rows() != 0 {
				t.Error("stored")
			}
		})
	}
	v := validEvent(bsnA)
	v["data_categories"] = []any{"health", "care_needs", "health", "identity", "care_needs"}
	v["occurred_at"] = "2000-01-01T00:00:00Z"
	e.ingestOK(batch(t, v))
	got := e.logged(bsnA)
	if len(got) != 1 {
		t.Fatalf("%d events logged", len(got))
	}
	if diff := cmp.Diff([]string{"health", "care_needs", "identity"}, got[0].DataCategories); diff != "" {
		t.Errorf("stored categories (-want +got):\n%s", diff)
	}

	act := testActivity("te-veel")
	act.DataCategories = nil
	for i := range 51 {
		act.DataCategories = append(act.DataCategories, fmt.Sprintf("c%d", i))
	}
	r := e.do("PUT", "/processing-activities/te-veel", e.regKey, mustJSON(t, act))
	if diff := cmp.Diff([]fieldRef{{-1, "data_categories"}}, fieldRefs(r.problem(t, 422).Errors)); diff != "" {
		t.Errorf("activity errors (-want +got):\n%s", diff)
	}
	act.DataCategories = []string{"health", "identity", "health"}
	if r := e.do("PUT", "/processing-activities/te-veel", e.regKey, mustJSON(t, act)); r.status != 201 {
		t.Fatalf("activity: %d %s", r.status, r.body)
	}
	as, err := e.db.Activities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.ID == "te-veel" && !cmp.Equal(a.DataCategories, []string{"health", "identity"}) {
			t.Errorf("activity categories stored as %v", a.DataCategories)
		}
	}
}

// TestConfidentialityExtension: the reporting system extends a still confidential event with a
// reason, within the cap; each extension is recorded; other systems, visible events, shortenings
// and ends past the cap are refused; the citizen's log and summary keep the event hidden.
func TestConfidentialityExtension(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, api.Config{ConfidentialMax: 30 * 24 * time.Hour}, nil)
	ctx := context.Background()
	other := e.key("other-system", "events:write")
	sameSystemNewKey := e.key("suite", "events:write")
	noScope := e.key("suite")
	now := time.Now().UTC().Truncate(time.Second)
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }

	hidden := validEvent(bsnA)
	hidden["confidential_until"], hidden["confidential_reason"] = rfc(now.Add(10*24*time.Hour)), "fraud inquiry"
	visible := validEvent(bsnA)
	lapsed := validEvent(bsnA)
	lapsed["confidential_until"], lapsed["confidential_reason"] = rfc(now.Add(-time.Hour)), "inquiry done"
	e.ingestOK(batch(t, hidden, visible, lapsed))
	subject, err := e.db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	summaryBefore, err := e.db.Summary(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}

	path := func(id any) string { return fmt.Sprintf("/processing-events/%s/confidentiality-extensions", id) }
	ext := func(until time.Time, reason string) []byte {
		return mustJSON(t, ev{"until": rfc(until), "reason": reason})
	}
	tests := []struct {
		name   string
		token  string
		id     any
		body   []byte
		status int
		field  string
	}{
		{"no scope", noScope, hidden["id"], ext(now.Add(20*24*time.Hour), "still going"), 403, ""},
		{"other system", other, hidden["id"], ext(now.Add(20*24*time.Hour), "still going"), 404, ""},
		{"unknown event", e.eventKey, "0b7e6c1e-3f5a-4a51-9a52-2f0c1d7e9b10", ext(now.Add(20*24*time.Hour), "x"), 404, ""},
		{"not a uuid", e.eventKey, "nope", ext(now.Add(20*24*time.Hour), "x"), 404, ""},
		{"never confidential", e.eventKey, visible["id"], ext(now.Add(20*24*time.Hour), "x"), 409, ""},
		{"no longer confidential", e.eventKey, lapsed["id"], ext(now.Add(20*24*time.Hour), "x"), 409, ""},
		{"past the cap", e.eventKey, hidden["id"], ext(now.Add(31*24*time.Hour), "x"), 422, "until"},
		{"9999", e.eventKey, hidden["id"], mustJSON(t, ev{"until": "9999-01-01T00:00:00Z", "reason": "x"}), 422, "until"},
		{"a shortening", e.eventKey, hidden["id"], ext(now.Add(5*24*time.Hour), "x"), 422, "until"},
		{"no reason", e.eventKey, hidden["id"], ext(now.Add(20*24*time.Hour), " "), 422, "reason"},
		{"bad date", e.eventKey, hidden["id"], mustJSON(t, ev{"until": "soon", "reason": "x"}), 422, "until"},
		{"unknown field", e.eventKey, hidden["id"], mustJSON(t, ev{"until": rfc(now.Add(20 * 24 * time.Hour)), "reason": "x", "by": "me"}), 422, "by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", path(tt.id), tt.token, tt.body)
			p := r.problem(t, tt.status)
			if tt.field != "" {
				if diff := cmp.Diff([]fieldRef{{-1, tt.field}}, fieldRefs(p.Errors)); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
			}
		})
	}
	var n int
	if err := e.raw.QueryRow(ctx, `SELECT count(*) FROM confidentiality_extensions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused extensions recorded: %d (%v)", n, err)
	}

	// Two extensions: by the reporting key, then by a new key of the same system.
	for i, tok := range []string{e.eventKey, sameSystemNewKey} {
		until := now.Add(time.Duration(20+5*i) * 24 * time.Hour)
		r := e.do("POST", path(hidden["id"]), tok, ext(until, fmt.Sprintf("inquiry still running (%d)", i)))
		if r.status != 201 {
			t.Fatalf("extension %d: %d %s", i, r.status, r.body)
		}
		var got portal.ExtensionReceipt
		r.json(t, &got)
		if !got.Until.Equal(until) || got.EventID != hidden["id"] {
			t.Errorf("receipt %+v, want until %v", got, until)
		}
	}
	rows, err := e.raw.Query(ctx, `SELECT k.system, x.previous_until, x.new_until, x.reason FROM confidentiality_extensions x
JOIN api_keys k ON k.id = x.api_key_id WHERE x.event_id = $1 ORDER BY x.id`, hidden["id"])
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		System         string
		Previous, Next time.Time
		Reason         string
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.System, &r.Previous, &r.Next, &r.Reason); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec{r.System, r.Previous.UTC(), r.Next.UTC(), r.Reason})
	}
	want := []rec{
		{"suite", now.Add(10 * 24 * time.Hour), now.Add(20 * 24 * time.Hour), "inquiry still running (0)"},
		{"suite", now.Add(20 * 24 * time.Hour), now.Add(25 * 24 * time.Hour), "inquiry still running (1)"},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("recorded extensions (-want +got):\n%s", diff)
	}
	var until time.Time
	if err := e.raw.QueryRow(ctx, `SELECT confidential_until FROM processing_events WHERE id = $1`, hidden["id"]).Scan(&until); err != nil {
		t.Fatal(err)
	}
	if !until.Equal(now.Add(25 * 24 * time.Hour)) {
		t.Errorf("confidential_until %v", until)
	}
	// The citizen still sees the visible and the lapsed event only, and the same summary.
	if got := e.logged(bsnA); len(got) != 2 {
		t.Errorf("the citizen sees %d events, want 2", len(got))
	}
	summaryAfter, err := e.db.Summary(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summaryBefore, summaryAfter); diff != "" || summaryAfter.Total != 2 {
		t.Errorf("summary changed by the extension (total %d; -before +after):\n%s", summaryAfter.Total, diff)
	}
	// A retry of the original report is still a harmless duplicate.
	if res := e.ingestOK(batch(t, hidden)); res.Duplicates != 1 {
		t.Errorf("retry of the original report: %+v", res)
	}
}
