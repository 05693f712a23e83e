package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

// Test BSNs that pass the 11-proef.
const (
	bsnA = "999993653"
	bsnB = "999990019"
	bsnC = "999991772"
	bsnD = "111222333"
)

const activityID = "wmo-onderzoek"

// env is an API on a fresh migrated PostgreSQL database, with keys for every role.
type env struct {
	t        *testing.T
	db       *postgres.DB
	raw      *pgxpool.Pool // direct access for counting rows and breaking the database
	app      *fiber.App
	spec     *spec
	eventKey string // events:write
	regKey   string // register:write
	readKey  string // no scopes
}

func newEnv(t *testing.T) *env {
	return newEnvWith(t, api.Config{}, slog.New(slog.DiscardHandler))
}

func newEnvWith(t *testing.T, cfg api.Config, log *slog.Logger) *env {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	db, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	raw, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	e := &env{t: t, db: db, raw: raw, spec: loadSpec(t), app: api.New(db, cfg, nil, nil, log)}
	e.eventKey = e.key("suite", "events:write")
	e.regKey = e.key("register-admin", "register:write")
	e.readKey = e.key("reader")
	if _, err := db.PutActivity(ctx, testActivity(activityID)); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) key(system string, scopes ...string) string {
	e.t.Helper()
	_, tok, err := e.db.CreateAPIKey(context.Background(), system, scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func testActivity(id string) portal.Activity {
	return portal.Activity{
		ID:             id,
		Name:           portal.Text{NL: "Wmo: onderzoek naar uw hulpvraag", EN: "Wmo: looking into your request for support"},
		Purpose:        portal.Text{NL: "We bekijken welke hulp u nodig heeft.", EN: "We look at what support you need."},
		LegalBasis:     portal.Text{NL: "Wmo 2015, artikel 2.3.2", EN: "Social Support Act 2015, article 2.3.2"},
		DataCategories: []string{"identity", "care_needs", "health"},
		Retention:      "P15Y",
		Controller:     "Gemeente Voorbeeldstad",
	}
}

// result is a response as the tests see it.
type result struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request through app.Test and checks the exchange against the OpenAPI description: the
// response must match the schema the spec declares for its status and content type, and a request
// the API accepted must match the spec's request schema.
func (e *env) do(method, path, token string, body []byte) result {
	e.t.Helper()
	return do(e.t, e.app, e.spec, method, path, token, body)
}

func do(t testing.TB, app *fiber.App, s *spec, method, path, token string, body []byte) result {
	t.Helper()
	r, err := send(app, method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	s.checkExchange(t, method, path, body, r)
	return r
}

// send makes one request without checking it; it is safe to call from any goroutine.
func send(app *fiber.App, method, path, token string, body []byte) (result, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// checkExchange checks a request and its response against the spec.
func (s *spec) checkExchange(t testing.TB, method, path string, reqBody []byte, r result) {
	t.Helper()
	s.checkResponse(t, method, path, r.status, r.header, r.body)
	if r.status < 300 && reqBody != nil {
		s.checkRequest(t, method, path, reqBody)
	}
}

func (r result) json(t testing.TB, v any) {
	t.Helper()
	if ct := mediaType(r.header.Get("Content-Type")); ct != "application/json" {
		t.Fatalf("content type %q, want application/json; body %s", ct, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem asserts an RFC 9457 problem response with the given status and returns it.
func (r result) problem(t testing.TB, status int) api.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := mediaType(r.header.Get("Content-Type")); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.body, err)
	}
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Errorf("problem %+v: status, title and type must be set", p)
	}
	return p
}

type ev = map[string]any

// validEvent returns a valid event for bsn with a fresh id.
func validEvent(bsn string) ev {
	return ev{
		"id":              uuid.NewString(),
		"occurred_at":     time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano),
		"subject_bsn":     bsn,
		"activity":        activityID,
		"action":          "view",
		"data_categories": []any{"care_needs", "health"},
		"level":           "what",
		"actor":           ev{"organization": "Gemeente Voorbeeldstad", "team": "Wijkteam Noord", "role": "Wmo-consulent"},
		"system":          "Suite Sociaal Domein",
		"case_ref":        "Z-2026-01234",
		"access_basis":    "assigned",
	}
}

func batch(t testing.TB, events ...ev) []byte {
	t.Helper()
	if events == nil {
		events = []ev{}
	}
	b, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) ingest(body []byte) result {
	e.t.Helper()
	return e.do("POST", "/processing-events", e.eventKey, body)
}

func (e *env) ingestOK(body []byte) portal.IngestResult {
	e.t.Helper()
	r := e.ingest(body)
	if r.status != 200 {
		e.t.Fatalf("ingest: status %d, want 200; body %s", r.status, r.body)
	}
	var res portal.IngestResult
	r.json(e.t, &res)
	return res
}

// rows counts every stored processing event.
func (e *env) rows() int {
	e.t.Helper()
	var n int
	if err := e.raw.QueryRow(context.Background(), `SELECT count(*) FROM processing_events`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// logged returns what the citizen with bsn sees in the log.
func (e *env) logged(bsn string) []portal.LoggedEvent {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.db.EnsureSubject(ctx, bsn)
	if err != nil {
		e.t.Fatal(err)
	}
	evs, _, err := e.db.Events(ctx, id, portal.EventFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

type fieldRef struct {
	Index int
	Field string
}

func fieldRefs(fe []portal.FieldError) []fieldRef {
	var out []fieldRef
	for _, f := range fe {
		out = append(out, fieldRef{f.Index, f.Field})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Index != out[j].Index {
			return out[i].Index < out[j].Index
		}
		return out[i].Field < out[j].Field
	})
	return out
}

func TestIngestValidBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	disclose := validEvent(bsnA)
	disclose["action"] = "disclose"
	disclose["recipient"] = "Zorgaanbieder De Linde"
	breakGlass := validEvent(bsnA)
	breakGlass["access_basis"] = "break_glass"
	breakGlass["break_glass_reason"] = "acute crisis, on-call worker"
	againstWill := validEvent(bsnB)
	againstWill["access_basis"] = "against_will"
	againstWill["against_will"] = ev{"decision_ref": "B-2026-7", "reason": "veiligheid kind", "approved_by": "teamleider J. Jansen"}
	consent := validEvent(bsnB)
	consent["access_basis"] = "consent"
	consent["consent_ref"] = "TOES-12"
	consent["level"] = "that"
	consent["confidential_until"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	consent["confidential_reason"] = "lopend onderzoek (afgerond)"
	consent["id"] = strings.ToUpper(uuid.NewString())
	hidden := validEvent(bsnC)
	hidden["confidential_until"] = time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	hidden["confidential_reason"] = "fraudeonderzoek"
	plain := validEvent(bsnD)
	plain["occurred_at"] = time.Now().Add(2 * time.Minute).Format(time.RFC3339) // clock skew is tolerated
	events := []ev{validEvent(bsnA), disclose, breakGlass, againstWill, consent, hidden, plain}

	res := e.ingestOK(batch(t, events...))
	if want := (portal.IngestResult{Accepted: len(events), Duplicates: 0}); res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}
	if n := e.rows(); n != len(events) {
		t.Fatalf("%d rows stored, want %d", n, len(events))
	}

	byID := map[string]portal.LoggedEvent{}
	for bsn, want := range map[string]int{bsnA: 3, bsnB: 2, bsnC: 0, bsnD: 1} {
		got := e.logged(bsn)
		if len(got) != want {
			t.Errorf("subject %s sees %d events, want %d", bsn, len(got), want)
		}
		for _, g := range got {
			byID[g.ID] = g
		}
	}
	g, ok := byID[disclose["id"].(string)]
	if !ok {
		t.Fatal("the disclose event is not in the citizen's log")
	}
	if g.Action != "disclose" || g.Recipient != "Zorgaanbieder De Linde" || g.Actor.Role != "Wmo-consulent" ||
		g.Activity.ID != activityID || !slices.Equal(g.DataCategories, []string{"care_needs", "health"}) {
		t.Errorf("stored disclose event %+v differs from the one sent", g.Event)
	}
	if g, ok := byID[againstWill["id"].(string)]; !ok || g.AgainstWill == nil || g.AgainstWill.ApprovedBy != "teamleider J. Jansen" {
		t.Errorf("against-will event stored as %+v", g.Event)
	}
	if _, ok := byID[strings.ToLower(consent["id"].(string))]; !ok {
		t.Errorf("an upper-case UUID must be stored in lower case")
	}
}

func TestIngestInvalidBatchListsEveryEventAndStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	badBSN := validEvent(bsnB)
	badBSN["subject_bsn"] = "123456789" // fails the 11-proef
	badMore := validEvent(bsnC)
	badMore["action"] = "peek"
	badMore["actor"] = ev{"organization": "Gemeente Voorbeeldstad"}
	body := batch(t, validEvent(bsnA), badBSN, badMore)

	r := e.ingest(body)
	p := r.problem(t, 422)
	want := []fieldRef{{1, "subject_bsn"}, {2, "action"}, {2, "actor.role"}}
	if diff := cmp.Diff(want, fieldRefs(p.Errors)); diff != "" {
		t.Errorf("field errors (-want +got):\n%s", diff)
	}
	for _, f := range p.Errors {
		if f.Message == "" {
			t.Errorf("field error %+v has no message", f)
		}
	}
	if n := e.rows(); n != 0 {
		t.Fatalf("%d rows stored after an invalid batch, want 0 (also the valid event #0 must not be stored)", n)
	}
	if got := e.logged(bsnA); len(got) != 0 {
		t.Errorf("the valid event of an invalid batch is visible: %+v", got)
	}
	if !e.spec.rejectsRequest(t, "POST", "/processing-events", body) {
		t.Errorf("openapi.json accepts a batch the API refuses for its structure")
	}
}

// TestIngestRules breaks one rule at a time: each must give 422 naming exactly that event's field.
func TestIngestRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("x", 501)
	tests := []struct {
		name string
		edit func(ev)
		want fieldRef
		// schemaTells is false for rules JSON Schema cannot express (the 11-proef, the register, the
		// clock); the spec describes them in words.
		schemaTells bool
	}{
		{"id not a UUID", func(v ev) { v["id"] = "evt-1" }, fieldRef{1, "id"}, true},
		{"id missing", func(v ev) { delete(v, "id") }, fieldRef{1, "id"}, true},
		{"occurred_at missing", func(v ev) { delete(v, "occurred_at") }, fieldRef{1, "occurred_at"}, true},
		{"occurred_at 10 minutes ahead", func(v ev) { v["occurred_at"] = time.Now().Add(10 * time.Minute).Format(time.RFC3339) }, fieldRef{1, "occurred_at"}, false},
		{"subject_bsn fails 11-proef", func(v ev) { v["subject_bsn"] = "123456789" }, fieldRef{1, "subject_bsn"}, false},
		{"subject_bsn too short", func(v ev) { v["subject_bsn"] = "99999365" }, fieldRef{1, "subject_bsn"}, true},
		{"subject_bsn missing", func(v ev) { delete(v, "subject_bsn") }, fieldRef{1, "subject_bsn"}, true},
		{"activity unknown", func(v ev) { v["activity"] = "parkeervergunning" }, fieldRef{1, "activity"}, false},
		{"activity missing", func(v ev) { delete(v, "activity") }, fieldRef{1, "activity"}, true},
		{"action unknown", func(v ev) { v["action"] = "peek" }, fieldRef{1, "action"}, true},
		{"data_categories empty", func(v ev) { v["data_categories"] = []any{} }, fieldRef{1, "data_categories"}, true},
		{"data_categories missing", func(v ev) { delete(v, "data_categories") }, fieldRef{1, "data_categories"}, true},
		{"data category malformed", func(v ev) { v["data_categories"] = []any{"health", "Care Needs"} }, fieldRef{1, "data_categories[1]"}, true},
		{"level unknown", func(v ev) { v["level"] = "how" }, fieldRef{1, "level"}, true},
		{"actor.organization missing", func(v ev) { v["actor"] = ev{"role": "consulent"} }, fieldRef{1, "actor.organization"}, true},
		{"actor.role blank", func(v ev) { v["actor"] = ev{"organization": "Gemeente", "role": "   "} }, fieldRef{1, "actor.role"}, true},
		{"actor.team too long", func(v ev) { v["actor"] = ev{"organization": "Gemeente", "role": "r", "team": long} }, fieldRef{1, "actor.team"}, true},
		{"system too long", func(v ev) { v["system"] = long }, fieldRef{1, "system"}, true},
		{"disclose without recipient", func(v ev) { v["action"] = "disclose" }, fieldRef{1, "recipient"}, true},
		{"access_basis unknown", func(v ev) { v["access_basis"] = "curiosity" }, fieldRef{1, "access_basis"}, true},
		{"access_basis missing", func(v ev) { delete(v, "access_basis") }, fieldRef{1, "access_basis"}, true},
		{"break_glass without reason", func(v ev) { v["access_basis"] = "break_glass" }, fieldRef{1, "break_glass_reason"}, true},
		{"consent without ref", func(v ev) { v["access_basis"] = "consent"; v["consent_ref"] = " " }, fieldRef{1, "consent_ref"}, true},
		{"against_will without decision", func(v ev) { v["access_basis"] = "against_will" }, fieldRef{1, "against_will"}, true},
		{"against_will without approver", func(v ev) {
			v["access_basis"] = "against_will"
			v["against_will"] = ev{"decision_ref": "B-1", "reason": "veiligheid"}
		}, fieldRef{1, "against_will.approved_by"}, true},
		{"confidential_until without reason", func(v ev) { v["confidential_until"] = time.Now().Add(time.Hour).Format(time.RFC3339) }, fieldRef{1, "confidential_reason"}, true},
		{"confidential_reason without until", func(v ev) { v["confidential_reason"] = "onderzoek" }, fieldRef{1, "confidential_until"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := validEvent(bsnB)
			tc.edit(bad)
			body := batch(t, validEvent(bsnA), bad, validEvent(bsnC))
			r := do(t, e.app, e.spec, "POST", "/processing-events", e.eventKey, body)
			p := r.problem(t, 422)
			if diff := cmp.Diff([]fieldRef{tc.want}, fieldRefs(p.Errors)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
			if n := e.rows(); n != 0 {
				t.Fatalf("%d rows stored, want 0", n)
			}
			if tc.schemaTells && !e.spec.rejectsRequest(t, "POST", "/processing-events", body) {
				t.Errorf("openapi.json accepts this invalid event; the spec must encode the rule")
			}
		})
	}

	t.Run("same id twice with other content", func(t *testing.T) {
		a := validEvent(bsnA)
		b := validEvent(bsnA)
		b["id"] = a["id"]
		b["action"] = "update"
		r := do(t, e.app, e.spec, "POST", "/processing-events", e.eventKey, batch(t, a, b))
		p := r.problem(t, 422)
		if diff := cmp.Diff([]fieldRef{{1, "id"}}, fieldRefs(p.Errors)); diff != "" {
			t.Errorf("field errors (-want +got):\n%s", diff)
		}
	})
	t.Run("no events", func(t *testing.T) {
		for _, body := range []string{`{"events":[]}`, `{"events":null}`, `{}`} {
			r := do(t, e.app, e.spec, "POST", "/processing-events", e.eventKey, []byte(body))
			p := r.problem(t, 422)
			if diff := cmp.Diff([]fieldRef{{-1, "events"}}, fieldRefs(p.Errors)); diff != "" {
				t.Errorf("%s: field errors (-want +got):\n%s", body, diff)
			}
			if !e.spec.rejectsRequest(t, "POST", "/processing-events", []byte(body)) {
				t.Errorf("openapi.json accepts %s", body)
			}
		}
	})
	t.Run("valid after all", func(t *testing.T) {
		// The same env stores a valid batch: the failures above were the rules, not the setup.
		res := e.ingestOK(batch(t, validEvent(bsnA), validEvent(bsnB), validEvent(bsnC)))
		if res.Accepted != 3 {
			t.Errorf("accepted %d, want 3", res.Accepted)
		}
	})
}

// TestIngestMalformedEvent sends events that are not JSON of the right shape: each must give 422
// naming the event's index and the field, and store nothing.
func TestIngestMalformedEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	valid, err := json.Marshal(validEvent(bsnA))
	if err != nil {
		t.Fatal(err)
	}
	// with returns the JSON of a valid event with one member replaced by raw JSON (or added).
	with := func(field, raw string) string {
		m := validEvent(bsnB)
		m[field] = json.RawMessage(raw)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name string
		body string
		want []fieldRef
	}{
		{"wrong type: action number", `{"events":[` + string(valid) + `,` + with("action", `5`) + `]}`, []fieldRef{{1, "action"}}},
		{"wrong type: data_categories string", `{"events":[` + with("data_categories", `"health"`) + `]}`, []fieldRef{{0, "data_categories"}}},
		{"wrong type: nested actor.role", `{"events":[` + string(valid) + `,` + string(valid) + `,` + with("actor", `{"organization":"G","role":7}`) + `]}`, []fieldRef{{2, "actor.role"}}},
		{"wrong type: occurred_at number", `{"events":[` + with("occurred_at", `1700000000`) + `]}`, []fieldRef{{0, "occurred_at"}}},
		{"unknown field", `{"events":[` + string(valid) + `,` + with("colour", `"blue"`) + `]}`, []fieldRef{{1, "colour"}}},
		{"bad date", `{"events":[` + string(valid) + `,` + string(valid) + `,` + with("occurred_at", `"28-11-2026 10:15"`) + `]}`, []fieldRef{{2, "occurred_at"}}},
		{"bad confidential_until", `{"events":[` + with("confidential_until", `"next year"`) + `]}`, []fieldRef{{0, "confidential_until"}}},
		{"two malformed events", `{"events":[` + with("level", `true`) + `,` + string(valid) + `,` + with("extra", `1`) + `]}`, []fieldRef{{0, "level"}, {2, "extra"}}},
		{"event not an object", `{"events":[` + string(valid) + `,"oops"]}`, []fieldRef{{1, ""}}},
		{"not JSON", `{"events":[`, []fieldRef{{-1, "events"}}},
		{"events not an array", `{"events":{}}`, []fieldRef{{-1, "events"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, e.app, e.spec, "POST", "/processing-events", e.eventKey, []byte(tc.body))
			p := r.problem(t, 422)
			if diff := cmp.Diff(tc.want, fieldRefs(p.Errors)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
			if n := e.rows(); n != 0 {
				t.Fatalf("%d rows stored, want 0", n)
			}
			if !e.spec.rejectsRequest(t, "POST", "/processing-events", []byte(tc.body)) {
				t.Errorf("openapi.json accepts this malformed body")
			}
		})
	}
	for _, tc := range []struct{ name, body string }{
		{"unknown envelope field", `{"events":[` + string(valid) + `],"evnets":[]}`},
		{"two JSON values", `{"events":[` + string(valid) + `]} {"events":[]}`},
		{"trailing bracket", `{"events":[` + string(valid) + `]}]`},
		{"trailing brace", `{"events":[` + string(valid) + `]}}`},
		{"bare array", `[` + string(valid) + `]`},
		{"empty body", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.rows()
			r := do(t, e.app, e.spec, "POST", "/processing-events", e.eventKey, []byte(tc.body))
			r.problem(t, 422)
			if n := e.rows(); n != before {
				t.Fatalf("%d rows stored, want none", n-before)
			}
		})
	}
}

func TestIngestIdempotentAndConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 5
	var events []ev
	for i := range n {
		events = append(events, validEvent([]string{bsnA, bsnB, bsnC, bsnD}[i%4]))
	}
	body := batch(t, events...)
	if res := e.ingestOK(body); res != (portal.IngestResult{Accepted: n}) {
		t.Fatalf("first: %+v, want %d accepted", res, n)
	}
	if res := e.ingestOK(body); res != (portal.IngestResult{Accepted: 0, Duplicates: n}) {
		t.Fatalf("retry: %+v, want 0 accepted, %d duplicates", res, n)
	}
	if got := e.rows(); got != n {
		t.Fatalf("%d rows after the retry, want %d", got, n)
	}

	// Part old, part new; the same event twice within one batch is a duplicate too.
	fresh := validEvent(bsnA)
	if res := e.ingestOK(batch(t, events[0], fresh, events[1], fresh)); res != (portal.IngestResult{Accepted: 1, Duplicates: 3}) {
		t.Fatalf("mixed: %+v, want 1 accepted, 3 duplicates", res)
	}
	if got := e.rows(); got != n+1 {
		t.Fatalf("%d rows, want %d", got, n+1)
	}

	// The same id with other content: 409 naming it, and nothing of that batch stored.
	changed := map[string]any{}
	for k, v := range events[2] {
		changed[k] = v
	}
	changed["action"] = "update"
	newOne := validEvent(bsnB)
	r := e.ingest(batch(t, newOne, changed, events[3]))
	p := r.problem(t, 409)
	if diff := cmp.Diff([]fieldRef{{1, "id"}}, fieldRefs(p.Errors)); diff != "" {
		t.Errorf("conflict fields (-want +got):\n%s", diff)
	}
	if got := e.rows(); got != n+1 {
		t.Fatalf("%d rows after a conflicting batch, want %d: nothing of it may be stored", got, n+1)
	}
	for _, g := range e.logged(bsnB) {
		if g.ID == newOne["id"] {
			t.Errorf("the new event of a conflicting batch was stored")
		}
	}
	// A changed free text is other content as well; surrounding white space is not.
	spaced := map[string]any{}
	for k, v := range events[4] {
		spaced[k] = v
	}
	spaced["case_ref"] = "  " + spaced["case_ref"].(string) + " "
	if res := e.ingestOK(batch(t, spaced)); res != (portal.IngestResult{Duplicates: 1}) {
		t.Errorf("same content with extra white space: %+v, want a duplicate", res)
	}
	spaced["case_ref"] = "Z-2026-99999"
	e.ingest(batch(t, spaced)).problem(t, 409)
}

// TestIngestConcurrentDuplicates sends the same batch from several clients at once: each gets 200,
// the batch is stored once.
func TestIngestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n, clients = 25, 6
	var events []ev
	for i := range n {
		events = append(events, validEvent([]string{bsnA, bsnB, bsnC, bsnD}[i%4]))
	}
	body := batch(t, events...)
	results := make([]result, clients)
	errs := make([]error, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = send(e.app, "POST", "/processing-events", e.eventKey, body)
		}()
	}
	close(start)
	wg.Wait()
	var total portal.IngestResult
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("client %d: %v", i, errs[i])
		}
		e.spec.checkExchange(t, "POST", "/processing-events", body, r)
		if r.status != 200 {
			t.Fatalf("client %d: status %d; body %s", i, r.status, r.body)
		}
		var res portal.IngestResult
		r.json(t, &res)
		if res.Accepted+res.Duplicates != n {
			t.Errorf("client %d: %+v does not add up to %d", i, res, n)
		}
		total.Accepted += res.Accepted
		total.Duplicates += res.Duplicates
	}
	if total.Accepted != n || total.Duplicates != n*(clients-1) {
		t.Errorf("total %+v, want %d accepted and %d duplicates", total, n, n*(clients-1))
	}
	if got := e.rows(); got != n {
		t.Errorf("%d rows, want %d", got, n)
	}
}

func TestIngestTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("1001 events", func(t *testing.T) {
		events := make([]ev, portal.MaxBatch+1)
		for i := range events {
			events[i] = validEvent(bsnA)
		}
		body := batch(t, events...)
		if len(body) > api.MaxBody {
			t.Fatalf("test batch is %d bytes; it must be refused for its count, not its size", len(body))
		}
		do(t, e.app, e.spec, "POST", "/processing-events", e.eventKey, body).problem(t, 413)
		if !e.spec.rejectsRequest(t, "POST", "/processing-events", body) {
			t.Errorf("openapi.json accepts 1001 events")
		}
		if ok := e.ingestOK(batch(t, events[:portal.MaxBatch]...)); ok.Accepted != portal.MaxBatch {
			t.Errorf("1000 events: accepted %d", ok.Accepted)
		}
		if _, err := e.raw.Exec(context.Background(), `DELETE FROM processing_events`); err != nil {
			t.Fatal(err)
		}
	})
	for _, size := range []int{api.MaxBody + 1, 3 * api.MaxBody} {
		t.Run(fmt.Sprintf("body of %d bytes", size), func(t *testing.T) {
			// A valid batch padded with white space: only its size is wrong.
			head := batch(t, validEvent(bsnA))
			body := append(head[:len(head)-1:len(head)-1], bytes.Repeat([]byte(" "), size-len(head))...)
			body = append(body, '}')
			if len(body) != size {
				t.Fatalf("body is %d bytes, want %d", len(body), size)
			}
			do(t, e.app, e.spec, "POST", "/processing-events", e.eventKey, body).problem(t, 413)
			do(t, e.app, e.spec, "PUT", "/processing-activities/"+activityID, e.regKey, body).problem(t, 413)
			if n := e.rows(); n != 0 {
				t.Fatalf("%d rows stored, want 0", n)
			}
		})
	}
}

// TestIngestHugeBody announces a body beyond the server's hard limit (4 × MaxBody) through a real
// listener, which app.Test cannot do: the server answers 413 with a problem document before reading
// the body.
func TestIngestHugeBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.Shutdown() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	size := 5 * api.MaxBody
	fmt.Fprintf(conn, "POST /processing-events HTTP/1.1\r\nHost: inzicht\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"events\":[", e.eventKey, size)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, body: b}
	e.spec.checkResponse(t, "POST", "/processing-events", r.status, r.header, r.body)
	r.problem(t, 413)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := batch(t, validEvent(bsnA))
	t.Run("no key", func(t *testing.T) {
		for _, path := range []string{"/processing-events", "/processing-activities"} {
			method := map[string]string{"/processing-events": "POST", "/processing-activities": "GET"}[path]
			var b []byte
			if method == "POST" {
				b = body
			}
			r := do(t, e.app, e.spec, method, path, "", b)
			r.problem(t, 401)
			if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("%s %s: WWW-Authenticate = %q, want a Bearer challenge", method, path, h)
			}
		}
	})
	t.Run("not a bearer token", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/processing-activities", nil)
		req.Header.Set("Authorization", "Basic "+e.readKey)
		resp, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Basic auth: %d, WWW-Authenticate %q; want 401 with a challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
	revoked := e.key("old-suite", "events:write")
	prefix := strings.SplitN(strings.TrimPrefix(revoked, "inz_"), "_", 2)[0]
	if err := e.db.RevokeAPIKey(context.Background(), prefix); err != nil {
		t.Fatal(err)
	}
	last := e.eventKey[len(e.eventKey)-1]
	tampered := e.eventKey[:len(e.eventKey)-1] + map[bool]string{true: "A", false: "B"}[last != 'A']
	for name, key := range map[string]string{
		"unknown key":     "inz_0123456789ab_c2VjcmV0c2VjcmV0c2VjcmV0",
		"garbage":         "hunter2",
		"revoked key":     revoked,
		"tampered secret": tampered,
	} {
		t.Run(name, func(t *testing.T) {
			r := do(t, e.app, e.spec, "POST", "/processing-events", key, body)
			r.problem(t, 401)
			if h := r.header.Get("WWW-Authenticate"); !strings.Contains(h, "invalid_token") {
				t.Errorf("WWW-Authenticate = %q, want error=\"invalid_token\"", h)
			}
		})
	}
	t.Run("key without events:write", func(t *testing.T) {
		for _, key := range []string{e.readKey, e.regKey} {
			p := do(t, e.app, e.spec, "POST", "/processing-events", key, body).problem(t, 403)
			if !strings.Contains(p.Detail, "events:write") {
				t.Errorf("403 detail %q does not name the missing scope", p.Detail)
			}
		}
		if n := e.rows(); n != 0 {
			t.Errorf("%d rows stored without the scope", n)
		}
	})
	t.Run("VNG and organisation routes", func(t *testing.T) {
		id := uuid.NewString()
		for _, rt := range []struct {
			method, path, scope string
			body                []byte
		}{
			{"POST", "/verwerkingsacties", "events:write", []byte(vngExample)},
			{"PATCH", "/verwerkingsacties?verwerkingId=" + id, "events:write", []byte(`{"vertrouwelijkheid":"opgeheven"}`)},
			{"GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId=" + bsnA, "events:read", nil},
			{"GET", "/verwerkingsacties/" + id, "events:read", nil},
			{"PUT", "/verwerkingsacties/" + id, "events:write", []byte(vngExample)},
			{"DELETE", "/verwerkingsacties/" + id, "events:write", nil},
			{"PUT", "/organisations/00000001821002193000", "register:write", []byte(`{"name":"Gemeente Voorbeeldstad"}`)},
			{"PUT", "/representations/" + id, "representations:write", representationBody(t, nil)},
			{"DELETE", "/representations/" + id, "representations:write", nil},
			{"GET", "/representations?subject_bsn=" + bsnB, "representations:read", nil},
		} {
			r := do(t, e.app, e.spec, rt.method, rt.path, "", rt.body)
			r.problem(t, 401)
			if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("%s %s: WWW-Authenticate = %q", rt.method, rt.path, h)
			}
			var others []string
			for _, s := range portal.Scopes {
				if s != rt.scope {
					others = append(others, s)
				}
			}
			p := do(t, e.app, e.spec, rt.method, rt.path, e.key("all-but-"+rt.scope, others...), rt.body).problem(t, 403)
			if !strings.Contains(p.Detail, rt.scope) {
				t.Errorf("%s %s: 403 detail %q does not name %s", rt.method, rt.path, p.Detail, rt.scope)
			}
		}
		if n := e.rows(); n != 0 {
			t.Errorf("%d rows stored without the scope", n)
		}
	})
	t.Run("any valid key reads the register", func(t *testing.T) {
		for _, key := range []string{e.readKey, e.regKey, e.eventKey} {
			r := do(t, e.app, e.spec, "GET", "/processing-activities", key, nil)
			if r.status != 200 {
				t.Fatalf("status %d, want 200; %s", r.status, r.body)
			}
			var list struct{ Activities []portal.Activity }
			r.json(t, &list)
			if diff := cmp.Diff([]portal.Activity{testActivity(activityID)}, list.Activities); diff != "" {
				t.Errorf("register (-want +got):\n%s", diff)
			}
		}
	})
	t.Run("a key with events:write stores", func(t *testing.T) {
		if res := e.ingestOK(body); res.Accepted != 1 {
			t.Errorf("%+v", res)
		}
	})
	t.Run("read routes need events:read", func(t *testing.T) {
		ldv := []byte(`{"dpl.core.data_subject_id":"` + bsnA + `"}`)
		vng := "/verwerkte-objecten?objecttype=persoon&soortObjectId=BSN&objectId=" + bsnA + "&beginDatum=2020-01-01&eindDatum=2030-01-01"
		for _, c := range []struct {
			method, path string
			body         []byte
		}{{"POST", "/ldv/data-processing-operations", ldv}, {"GET", vng, nil}} {
			do(t, e.app, e.spec, c.method, c.path, "", c.body).problem(t, 401)
			for _, key := range []string{e.readKey, e.eventKey, e.regKey, e.key("requests", "requests:read", "consent:read")} {
				p := do(t, e.app, e.spec, c.method, c.path, key, c.body).problem(t, 403)
				if !strings.Contains(p.Detail, "events:read") {
					t.Errorf("403 detail %q does not name the missing scope", p.Detail)
				}
			}
			if r := do(t, e.app, e.spec, c.method, c.path, e.key("portal", "events:read"), c.body); r.status != 200 {
				t.Errorf("%s %s with events:read: %d %s", c.method, c.path, r.status, r.body)
			}
		}
	})
}

func TestPutActivity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const id = "jeugdhulp.toegang"
	act := func() map[string]any {
		return map[string]any{
			"name":            ev{"nl": "Jeugdhulp: toegang", "en": "Youth care: access"},
			"purpose":         ev{"nl": "We bepalen welke jeugdhulp nodig is.", "en": "We decide which youth care is needed."},
			"legal_basis":     ev{"nl": "Jeugdwet, artikel 2.3", "en": "Youth Act, article 2.3"},
			"data_categories": []any{"identity", "family_situation"},
			"retention":       "P1Y6M",
			"controller":      "Gemeente Voorbeeldstad",
		}
	}
	put := func(key string, body map[string]any, path string) result {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return e.do("PUT", "/processing-activities/"+path, key, b)
	}
	register := func() []portal.Activity {
		var list struct{ Activities []portal.Activity }
		e.do("GET", "/processing-activities", e.readKey, nil).json(t, &list)
		return list.Activities
	}

	if r := put("", act(), id); r.status != 401 {
		t.Fatalf("no key: %d, want 401", r.status)
	}
	put(e.eventKey, act(), id).problem(t, 403)
	put(e.readKey, act(), id).problem(t, 403)
	if got := len(register()); got != 1 {
		t.Fatalf("register holds %d entries after refused PUTs, want 1", got)
	}

	r := put(e.regKey, act(), id)
	if r.status != 201 {
		t.Fatalf("create: %d, want 201; %s", r.status, r.body)
	}
	var got portal.Activity
	r.json(t, &got)
	want := portal.Activity{ID: id, Name: portal.Text{NL: "Jeugdhulp: toegang", EN: "Youth care: access"},
		Purpose:        portal.Text{NL: "We bepalen welke jeugdhulp nodig is.", EN: "We decide which youth care is needed."},
		LegalBasis:     portal.Text{NL: "Jeugdwet, artikel 2.3", EN: "Youth Act, article 2.3"},
		DataCategories: []string{"identity", "family_situation"}, Retention: "P1Y6M", Controller: "Gemeente Voorbeeldstad"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}

	upd := act()
	upd["id"] = id // allowed when equal to the path
	upd["retention"] = "P2Y"
	r = put(e.regKey, upd, id)
	if r.status != 200 {
		t.Fatalf("update: %d, want 200; %s", r.status, r.body)
	}
	want.Retention = "P2Y"
	if diff := cmp.Diff([]portal.Activity{want, testActivity(activityID)}, register()); diff != "" {
		t.Errorf("register after update (-want +got):\n%s", diff)
	}

	invalid := act()
	invalid["name"] = ev{"nl": "Jeugdhulp", "en": "  "}
	invalid["data_categories"] = []any{}
	invalid["retention"] = "P0Y"
	invalid["controller"] = ""
	for _, tc := range []struct {
		name        string
		body        map[string]any
		path        string
		want        []fieldRef
		schemaTells bool // false when the rule involves the path, which the body schema cannot see
	}{
		{"invalid fields", invalid, id, []fieldRef{{-1, "controller"}, {-1, "data_categories"}, {-1, "name.en"}, {-1, "retention"}}, true},
		{"id differs from path", func() map[string]any { a := act(); a["id"] = "iets-anders"; return a }(), id, []fieldRef{{-1, "id"}}, false},
		{"path id invalid", act(), "Jeugd_Hulp", []fieldRef{{-1, "id"}}, false},
		{"unknown field", func() map[string]any { a := act(); a["owner"] = "x"; return a }(), id, []fieldRef{{-1, "owner"}}, true},
		{"time in retention", func() map[string]any { a := act(); a["retention"] = "PT5H"; return a }(), id, []fieldRef{{-1, "retention"}}, true},
		{"text missing", func() map[string]any { a := act(); delete(a, "purpose"); return a }(), id, []fieldRef{{-1, "purpose.en"}, {-1, "purpose.nl"}}, true},
		{"text blank", func() map[string]any { a := act(); a["legal_basis"] = ev{"nl": " ", "en": "Youth Act"}; return a }(), id, []fieldRef{{-1, "legal_basis.nl"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := put(e.regKey, tc.body, tc.path).problem(t, 422)
			if diff := cmp.Diff(tc.want, fieldRefs(p.Errors)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
			b, _ := json.Marshal(tc.body)
			if tc.schemaTells && !e.spec.rejectsRequest(t, "PUT", "/processing-activities/{id}", b) {
				t.Errorf("openapi.json accepts this invalid activity")
			}
		})
	}
	if diff := cmp.Diff([]portal.Activity{want, testActivity(activityID)}, register()); diff != "" {
		t.Errorf("register changed by refused PUTs (-want +got):\n%s", diff)
	}
	e.do("PUT", "/processing-activities/"+id, e.regKey, []byte(`{"name":`)).problem(t, 422)

	// Events may refer to the new activity now.
	v := validEvent(bsnA)
	v["activity"] = id
	if res := e.ingestOK(batch(t, v)); res.Accepted != 1 {
		t.Errorf("event for the new activity: %+v", res)
	}
}

// TestIngestDatabaseFailure breaks the database in the middle of a batch: the answer is a 500
// problem that reveals nothing of the internals, the error is logged, and nothing is stored.
func TestIngestDatabaseFailure(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newEnvWith(t, api.Config{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := context.Background()
	_, err := e.raw.Exec(ctx, `
CREATE FUNCTION fail_on_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.case_ref = 'boom' THEN
    RAISE EXCEPTION 'secret-detail-4711 in processing_events';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER fail_on_boom BEFORE INSERT ON processing_events FOR EACH ROW EXECUTE FUNCTION fail_on_boom()`)
	if err != nil {
		t.Fatal(err)
	}
	boom := validEvent(bsnB)
	boom["case_ref"] = "boom"
	r := e.ingest(batch(t, validEvent(bsnA), validEvent(bsnA), boom, validEvent(bsnC)))
	p := r.problem(t, 500)
	assertNoInternals(t, r.body)
	if len(p.Errors) != 0 {
		t.Errorf("500 lists fields: %+v", p.Errors)
	}
	if n := e.rows(); n != 0 {
		t.Errorf("%d rows stored by a failed batch, want 0", n)
	}
	if !strings.Contains(logs.String(), "secret-detail-4711") {
		t.Errorf("the internal error was not logged: %q", logs.String())
	}

	t.Run("database gone", func(t *testing.T) {
		e.db.Close()
		for _, req := range []struct {
			method, path string
			body         []byte
		}{
			{"GET", "/processing-activities", nil},
			{"POST", "/processing-events", batch(t, validEvent(bsnA))},
		} {
			r := e.do(req.method, req.path, e.eventKey, req.body)
			r.problem(t, 500)
			assertNoInternals(t, r.body)
		}
	})
}

func assertNoInternals(t *testing.T, body []byte) {
	t.Helper()
	lower := strings.ToLower(string(body))
	for _, s := range []string{"secret-detail", "processing_events", "postgres", "sqlstate", "insert", "select", "pgx", "p0001", "closed", "pool", "copy"} {
		if strings.Contains(lower, s) {
			t.Errorf("the 500 body reveals %q: %s", s, body)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, api.Config{RatePerMinute: 2}, slog.New(slog.DiscardHandler))
	for i := range 2 {
		if r := e.do("GET", "/processing-activities", e.readKey, nil); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := e.do("GET", "/processing-activities", e.readKey, nil)
	r.problem(t, 429)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	// Another key has its own budget.
	if r := e.do("GET", "/processing-activities", e.regKey, nil); r.status != 200 {
		t.Errorf("another key: %d, want 200", r.status)
	}
	// The description stays reachable.
	if r := e.do("GET", "/openapi.json", "", nil); r.status != 200 {
		t.Errorf("openapi.json under rate limit: %d", r.status)
	}
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "/openapi.json", "", nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	var doc map[string]any
	r.json(t, &doc)
	if !bytes.Equal(r.body, api.OpenAPI) {
		t.Errorf("served document differs from api.OpenAPI")
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi %q", v)
	}
}

func TestUnknownResource(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, path := range []string{"/processing-events/x", "/nope"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+e.readKey)
		resp, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		(result{status: resp.StatusCode, header: resp.Header, body: b}).problem(t, 404)
	}
}
