package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// readEnv is an env whose register holds Inzicht's own entries (as serve ensures at start), with a
// key for the read APIs.
func readEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnvWith(t, api.Config{Municipality: "Gemeente Voorbeeldstad", LogbookID: "https://inzicht.example/api/v1/ldv/data-processing-operations"},
		slog.New(slog.DiscardHandler))
	if err := e.db.EnsureInternalActivities(context.Background(), "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	return e, e.key("MijnOverheid", "events:read")
}

// sendWith sends a request with extra headers and checks the exchange against the OpenAPI
// description.
func (e *env) sendWith(method, path, token string, body []byte, headers map[string]string) result {
	e.t.Helper()
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
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, body: b}
	e.spec.checkExchange(e.t, method, path, body, r)
	return r
}

type ldvResponse struct {
	Metadata struct {
		LogbookID        string `json:"logbookId"`
		OrganizationName string `json:"organizationName"`
	} `json:"metadata"`
	Records []struct {
		TraceID      string         `json:"traceId"`
		SpanID       string         `json:"spanId"`
		ParentSpanID string         `json:"parentSpanId"`
		Status       string         `json:"status"`
		Name         string         `json:"name"`
		StartTime    time.Time      `json:"startTime"`
		Attributes   map[string]any `json:"attributes"`
	} `json:"dataProcessingOperations"`
}

func (e *env) ldvRead(token string, query map[string]any, headers map[string]string) (result, ldvResponse) {
	e.t.Helper()
	b, err := json.Marshal(query)
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.sendWith("POST", "/ldv/data-processing-operations", token, b, headers)
	var out ldvResponse
	if r.status == 200 {
		r.json(e.t, &out)
	}
	return r, out
}

// confidentialEvent is a valid event for bsn that stays hidden from the citizen for a month.
func confidentialEvent(bsn string) ev {
	x := validEvent(bsn)
	x["confidential_until"] = time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	x["confidential_reason"] = "fraudeonderzoek"
	return x
}

// storedSpan is the trace columns of one stored event.
type storedSpan struct {
	TraceID, SpanID, Parent, Name string
}

// reads returns the read events in bsn's log (as the citizen sees them) with their stored spans.
func (e *env) reads(bsn string) ([]portal.LoggedEvent, []storedSpan) {
	e.t.Helper()
	var evs []portal.LoggedEvent
	var spans []storedSpan
	for _, le := range e.logged(bsn) {
		if le.Activity.ID != portal.APIReadActivity {
			continue
		}
		evs = append(evs, le)
		var s storedSpan
		var parent *string
		if err := e.raw.QueryRow(context.Background(), `SELECT trace_id, span_id, parent_span_id, span_name FROM processing_events WHERE id = $1`,
			le.ID).Scan(&s.TraceID, &s.SpanID, &parent, &s.Name); err != nil {
			e.t.Fatal(err)
		}
		if parent != nil {
			s.Parent = *parent
		}
		spans = append(spans, s)
	}
	return evs, spans
}

// TestLDVReadOfOnePerson reads person A's log by BSN through the LDV read extension: A's visible
// events come back (not B's, not A's confidential one), and the read lands in A's log — naming the
// reading system, in the trace of the response's traceparent — and not in B's.
func TestLDVReadOfOnePerson(t *testing.T) {
	t.Parallel()
	e, key := readEnv(t)
	a1, a2, hidden, b1 := validEvent(bsnA), validEvent(bsnA), confidentialEvent(bsnA), validEvent(bsnB)
	e.ingestOK(batch(t, a1, a2, hidden, b1))

	r, got := e.ldvRead(key, map[string]any{"attributes": map[string]any{
		"dpl.core.data_subject_id": bsnA, "dpl.core.data_subject_id_type": "BSN"}}, nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var ids []string
	for _, rec := range got.Records {
		ids = append(ids, rec.Attributes["inzicht.event_id"].(string))
		if rec.Attributes["dpl.core.data_subject_id"] != bsnA || rec.Attributes["dpl.core.processing_activity_id"] != activityID {
			t.Errorf("record attributes %v", rec.Attributes)
		}
		// Native events have ids derived from their event id.
		if id := rec.Attributes["inzicht.event_id"].(string); rec.TraceID != strings.ReplaceAll(id, "-", "") || rec.SpanID != rec.TraceID[:16] {
			t.Errorf("record %s: trace %s span %s", id, rec.TraceID, rec.SpanID)
		}
	}
	slices.Sort(ids)
	want := []string{a1["id"].(string), a2["id"].(string)}
	slices.Sort(want)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	// A derived trace id finds its event, and only that one.
	derived := strings.ReplaceAll(a1["id"].(string), "-", "")
	if _, one := e.ldvRead(key, map[string]any{"traceId": derived}, nil); len(one.Records) != 1 ||
		one.Records[0].Attributes["inzicht.event_id"] != a1["id"] {
		t.Errorf("by derived trace id: %+v", one.Records)
	}
	if got.Metadata.OrganizationName == "" || got.Metadata.LogbookID == "" {
		t.Errorf("metadata %+v", got.Metadata)
	}

	readsA, spansA := e.reads(bsnA)
	if len(readsA) != 2 {
		t.Fatalf("%d reads in A's log, want 2", len(readsA))
	}
	// The citizen's log is newest first: the first read is the older one.
	rd, first := readsA[1], spansA[1]
	if rd.Recipient != "MijnOverheid" || rd.Action != "disclose" || rd.System != "Inzicht" || rd.Actor.Organization != "Gemeente Voorbeeldstad" {
		t.Errorf("read event %+v", rd.Event)
	}
	if !slices.Contains(rd.DataCategories, "identity") || !slices.Contains(rd.DataCategories, "care_needs") {
		t.Errorf("read event categories %v", rd.DataCategories)
	}
	tp := r.header.Get("traceparent")
	if want := "00-" + first.TraceID + "-" + first.SpanID + "-01"; tp != want {
		t.Errorf("traceparent %q, stored span %+v (want %q)", tp, first, want)
	}
	if first.Parent != "" {
		t.Errorf("a read without traceparent has parent span %q", first.Parent)
	}
	if readsB, _ := e.reads(bsnB); len(readsB) != 0 {
		t.Errorf("B's log holds %d reads of A's data", len(readsB))
	}

	// The confidential event is not in the read, and not once released either until it is: lift it
	// and it comes back.
	if _, err := e.raw.Exec(context.Background(), `UPDATE processing_events SET confidential_until = now() - interval '1 minute' WHERE id = $1`,
		hidden["id"]); err != nil {
		t.Fatal(err)
	}
	_, again := e.ldvRead(key, map[string]any{"dpl.core.data_subject_id": bsnA}, nil)
	found := false
	for _, rec := range again.Records {
		found = found || rec.Attributes["inzicht.event_id"] == hidden["id"]
	}
	if !found {
		t.Error("a released event is missing from the read")
	}
}

// TestReadsHonourTraceparent: a valid traceparent makes Inzicht's span a child in the caller's
// trace (stored and answered); an invalid one is ignored and a new trace started.
func TestReadsHonourTraceparent(t *testing.T) {
	t.Parallel()
	e, key := readEnv(t)
	e.ingestOK(batch(t, validEvent(bsnA), validEvent(bsnB)))
	const caller = "4bf92f3577b34da6a3ce929d0e0e4736"
	const callerSpan = "00f067aa0ba902b7"

	r, _ := e.ldvRead(key, map[string]any{"dpl.core.data_subject_id": bsnA},
		map[string]string{"traceparent": "00-" + caller + "-" + callerSpan + "-01", "tracestate": "mo=1"})
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	_, spans := e.reads(bsnA)
	if len(spans) != 1 {
		t.Fatalf("%d reads", len(spans))
	}
	s := spans[0]
	if s.TraceID != caller || s.Parent != callerSpan || s.SpanID == callerSpan || len(s.SpanID) != 16 {
		t.Errorf("stored span %+v, want trace %s and parent %s", s, caller, callerSpan)
	}
	if tp := r.header.Get("traceparent"); tp != "00-"+caller+"-"+s.SpanID+"-01" {
		t.Errorf("traceparent %q, stored %+v", tp, s)
	}
	if ts := r.header.Get("tracestate"); ts != "mo=1" {
		t.Errorf("tracestate %q", ts)
	}

	for _, bad := range []string{
		"00-" + strings.ToUpper(caller) + "-" + callerSpan + "-01",  // upper-case hex
		"00-00000000000000000000000000000000-" + callerSpan + "-01", // all-zero trace id
		"00-" + caller + "-0000000000000000-01",                     // all-zero span id
		"ff-" + caller + "-" + callerSpan + "-01",                   // version ff
		"not a traceparent",
	} {
		r := e.sendWith("GET", "/verwerkte-objecten?"+vngQuery(bsnB), key, nil, map[string]string{"traceparent": bad})
		if r.status != 200 {
			t.Fatalf("traceparent %q: status %d: %s", bad, r.status, r.body)
		}
		tp := r.header.Get("traceparent")
		if strings.Contains(tp, caller) || len(tp) != 55 {
			t.Errorf("traceparent %q answered with %q, want a new trace", bad, tp)
		}
	}
	_, spansB := e.reads(bsnB)
	if len(spansB) != 5 {
		t.Fatalf("%d reads in B's log, want 5", len(spansB))
	}
	for _, s := range spansB {
		if s.Parent != "" || s.TraceID == caller {
			t.Errorf("read after an invalid traceparent: %+v", s)
		}
	}
}

func vngQuery(bsn string) string {
	v := url.Values{"objecttype": {"persoon"}, "soortObjectId": {"BSN"}, "objectId": {bsn},
		"beginDatum": {time.Now().AddDate(0, 0, -7).Format(time.DateOnly)}, "eindDatum": {time.Now().AddDate(0, 0, 2).Format(time.DateOnly)}}
	return v.Encode()
}

type vngList struct {
	Count   int `json:"count"`
	Results []struct {
		VerwerktObjectID string `json:"verwerktObjectId"`
		ObjectID         string `json:"objectId"`
		Soorten          []struct {
			SoortGegeven string `json:"soortGegeven"`
		} `json:"verwerkteSoortenGegevens"`
		Actie struct {
			ActieID           string `json:"actieId"`
			Vertrouwelijkheid string `json:"vertrouwelijkheid"`
			Systeem           string `json:"systeem"`
			Activiteit        string `json:"verwerkingsactiviteitId"`
		} `json:"verwerkingsactie"`
	} `json:"results"`
}

// TestVerwerkteObjecten reads a person's processing through VNG's inzage query: the visible events
// in the period, confidential ones left out; an unknown BSN answers an empty list and leaves no trace
// of the person; the read is recorded in the person's log.
func TestVerwerkteObjecten(t *testing.T) {
	t.Parallel()
	e, key := readEnv(t)
	old := validEvent(bsnA)
	old["occurred_at"] = time.Now().AddDate(0, -2, 0).UTC().Format(time.RFC3339)
	recent, hidden := validEvent(bsnA), confidentialEvent(bsnA)
	e.ingestOK(batch(t, old, recent, hidden, validEvent(bsnB)))

	r := e.sendWith("GET", "/verwerkte-objecten?"+vngQuery(bsnA), key, nil, nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var got vngList
	r.json(t, &got)
	if got.Count != 1 || len(got.Results) != 1 || got.Results[0].VerwerktObjectID != recent["id"] {
		t.Fatalf("results %s, want only the recent visible event", r.body)
	}
	o := got.Results[0]
	if o.ObjectID != bsnA || o.Actie.Vertrouwelijkheid != "normaal" || o.Actie.Systeem != "" || o.Actie.Activiteit != activityID ||
		len(o.Soorten) != 2 {
		t.Errorf("object %+v", o)
	}
	if reads, _ := e.reads(bsnA); len(reads) != 1 || reads[0].Recipient != "MijnOverheid" {
		t.Errorf("reads in A's log: %+v", reads)
	}

	full := e.sendWith("GET", "/verwerkte-objecten?"+vngQuery(bsnA)+"&beperkteSet=false&vertrouwelijkheid=normaal,opgeheven", key, nil, nil)
	var all vngList
	full.json(t, &all)
	// The first read is in A's log now too; beperkteSet=false adds the system.
	if all.Count != 2 || all.Results[0].Actie.Systeem == "" {
		t.Errorf("full set: %s", full.body)
	}
	conf := e.sendWith("GET", "/verwerkte-objecten?"+vngQuery(bsnA)+"&vertrouwelijkheid=vertrouwelijk", key, nil, nil)
	var none vngList
	conf.json(t, &none)
	if none.Count != 0 {
		t.Errorf("vertrouwelijk answered %s", conf.body)
	}
	if reads, _ := e.reads(bsnA); len(reads) != 2 {
		t.Errorf("%d reads in A's log after two reads and a query that can return nothing, want 2", len(reads))
	}
	// Released: the hidden event comes back as opgeheven, and only it.
	if _, err := e.raw.Exec(context.Background(), `UPDATE processing_events SET confidential_until = now() - interval '1 minute' WHERE id = $1`,
		hidden["id"]); err != nil {
		t.Fatal(err)
	}
	lifted := e.sendWith("GET", "/verwerkte-objecten?"+vngQuery(bsnA)+"&vertrouwelijkheid=opgeheven", key, nil, nil)
	var rel vngList
	lifted.json(t, &rel)
	if rel.Count != 1 || rel.Results[0].VerwerktObjectID != hidden["id"] || rel.Results[0].Actie.Vertrouwelijkheid != "opgeheven" {
		t.Errorf("opgeheven answered %s", lifted.body)
	}

	var before, after int
	count := func(n *int) {
		if err := e.raw.QueryRow(context.Background(), `SELECT count(*) FROM subjects`).Scan(n); err != nil {
			t.Fatal(err)
		}
	}
	count(&before)
	unknown := e.sendWith("GET", "/verwerkte-objecten?"+vngQuery(bsnC), key, nil, nil)
	var empty vngList
	unknown.json(t, &empty)
	count(&after)
	if unknown.status != 200 || empty.Count != 0 || len(empty.Results) != 0 || after != before {
		t.Errorf("unknown BSN: %d %s; subjects %d → %d", unknown.status, unknown.body, before, after)
	}
}

// TestReadQueriesRefused: both read APIs answer a query without a target or with a malformed part
// with 400 and record nothing.
func TestReadQueriesRefused(t *testing.T) {
	t.Parallel()
	e, key := readEnv(t)
	e.ingestOK(batch(t, validEvent(bsnA)))
	for name, q := range map[string]map[string]any{
		"no target":          {"startTime": "2026-01-01T00:00:00Z"},
		"empty":              {},
		"bad trace id":       {"traceId": "xyz"},
		"zero trace id":      {"traceId": strings.Repeat("0", 32)},
		"bad BSN":            {"dpl.core.data_subject_id": "123456789"},
		"other id type":      {"dpl.core.data_subject_id": bsnA, "dpl.core.data_subject_id_type": "pseudonym"},
		"unknown attribute":  {"attributes": map[string]any{"dpl.core.other": "x"}, "dpl.core.data_subject_id": bsnA},
		"conflicting values": {"dpl.core.data_subject_id": bsnA, "attributes": map[string]any{"dpl.core.data_subject_id": bsnB}},
		"bad time":           {"dpl.core.data_subject_id": bsnA, "startTime": "yesterday"},
		"end before start":   {"dpl.core.data_subject_id": bsnA, "startTime": "2026-02-01T00:00:00Z", "endTime": "2026-01-01T00:00:00Z"},
		"unknown field":      {"dpl.core.data_subject_id": bsnA, "limit": 5},
	} {
		t.Run("ldv "+name, func(t *testing.T) {
			r, _ := e.ldvRead(key, q, nil)
			r.problem(t, 400)
		})
	}
	for name, q := range map[string]string{
		"no objecttype":    strings.Replace(vngQuery(bsnA), "objecttype=persoon", "", 1),
		"other objecttype": strings.Replace(vngQuery(bsnA), "objecttype=persoon", "objecttype=zaak", 1),
		"other id kind":    strings.Replace(vngQuery(bsnA), "soortObjectId=BSN", "soortObjectId=A-nummer", 1),
		"bad BSN":          strings.Replace(vngQuery(bsnA), bsnA, "123456789", 1),
		"no beginDatum":    url.Values{"objecttype": {"persoon"}, "soortObjectId": {"BSN"}, "objectId": {bsnA}, "eindDatum": {"2030-01-01"}}.Encode(),
		"bad date":         url.Values{"objecttype": {"persoon"}, "soortObjectId": {"BSN"}, "objectId": {bsnA}, "beginDatum": {"gisteren"}, "eindDatum": {"2030-01-01"}}.Encode(),
		"end before begin": url.Values{"objecttype": {"persoon"}, "soortObjectId": {"BSN"}, "objectId": {bsnA}, "beginDatum": {"2030-01-02"}, "eindDatum": {"2030-01-01"}}.Encode(),
		"bad beperkteSet":  vngQuery(bsnA) + "&beperkteSet=misschien",
		"bad confidential": vngQuery(bsnA) + "&vertrouwelijkheid=geheim",
	} {
		t.Run("vng "+name, func(t *testing.T) {
			e.sendWith("GET", "/verwerkte-objecten?"+q, key, nil, nil).problem(t, 400)
		})
	}
	if reads, _ := e.reads(bsnA); len(reads) != 0 {
		t.Errorf("%d reads recorded for refused queries", len(reads))
	}
}

// TestLDVReadByTraceAndActivity reads a trace that touched two people (and a step without a person):
// every record comes back, and each person gets the read in their own log, in one span.
func TestLDVReadByTraceAndActivity(t *testing.T) {
	t.Parallel()
	e, key := readEnv(t)
	base := e.otlpServer()
	now := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	spans := recordSpans(t, now, bsnA, bsnB)
	exportSpans(t, base, e.eventKey, spans)
	traceID := spans[0].SpanContext().TraceID().String()

	r, got := e.ldvRead(key, map[string]any{"traceId": traceID}, nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var want, have []string
	for _, s := range spans {
		want = append(want, s.SpanContext().SpanID().String())
	}
	subjects := map[string]bool{}
	failed := 0
	for _, rec := range got.Records {
		have = append(have, rec.SpanID)
		if rec.TraceID != traceID {
			t.Errorf("record of trace %s", rec.TraceID)
		}
		if b, ok := rec.Attributes["dpl.core.data_subject_id"].(string); ok {
			subjects[b] = true
		}
		if rec.Status == "Error" {
			failed++
		}
	}
	slices.Sort(want)
	slices.Sort(have)
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("span ids (-exported +read):\n%s", diff)
	}
	if !subjects[bsnA] || !subjects[bsnB] || failed != 1 {
		t.Errorf("subjects %v, failed %d", subjects, failed)
	}
	_, sa := e.reads(bsnA)
	_, sb := e.reads(bsnB)
	if len(sa) != 1 || len(sb) != 1 || sa[0] != sb[0] {
		t.Errorf("reads: A %+v, B %+v; want one each, in one span", sa, sb)
	}

	// The same trace UUID-written finds the same records; by register entry too.
	uuidForm := traceID[:8] + "-" + traceID[8:12] + "-" + traceID[12:16] + "-" + traceID[16:20] + "-" + traceID[20:]
	if _, again := e.ldvRead(key, map[string]any{"traceId": uuidForm}, nil); len(again.Records) != len(got.Records) {
		t.Errorf("UUID form: %d records, want %d", len(again.Records), len(got.Records))
	}
	_, byActivity := e.ldvRead(key, map[string]any{"dpl.core.processing_activity_id": activityID,
		"startTime": now.Add(-time.Minute).UnixMilli(), "endTime": now.Add(time.Hour).Format(time.RFC3339)}, nil)
	if len(byActivity.Records) != 2 {
		t.Errorf("by activity: %d records, want 2", len(byActivity.Records))
	}
}

// exportSpans sends spans through the official otlptracehttp exporter.
func exportSpans(t *testing.T, base, token string, spans []sdktrace.ReadOnlySpan) {
	t.Helper()
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(base+api.OTLPPath),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + token}),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx) //nolint:errcheck
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
}
