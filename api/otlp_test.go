package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// otlpServer serves the OTLP receiver over real HTTP at /v1/traces, mounted as cmd's front app does,
// and returns its base URL.
func (e *env) otlpServer() string {
	e.t.Helper()
	top := fiber.New(fiber.Config{DisableStartupMessage: true, BodyLimit: 8 << 20})
	top.Mount(api.OTLPPath, api.NewOTLP(e.db, api.Config{}, nil, nil, slog.New(slog.DiscardHandler)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go top.Listener(ln) //nolint:errcheck // ends with Shutdown
	e.t.Cleanup(func() { _ = top.Shutdown() })
	return "http://" + ln.Addr().String()
}

// recordSpans records spans with the official SDK as a back-office system instrumented with
// OpenTelemetry would: one Wmo processing per BSN, the last one failed.
func recordSpans(t *testing.T, at time.Time, bsns ...string) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "zaaksysteem"), attribute.String("service.version", "4.2"))))
	defer tp.Shutdown(context.Background()) //nolint:errcheck
	tr := tp.Tracer("test")
	ctx, root := tr.Start(context.Background(), "intake", trace.WithTimestamp(at))
	for i, bsn := range bsns {
		_, s := tr.Start(ctx, "zaak bekijken", trace.WithTimestamp(at.Add(time.Duration(i)*time.Second)), trace.WithAttributes(
			attribute.String(api.AttrProcessingActivity, activityID),
			attribute.String(api.AttrDataSubjectID, bsn),
			attribute.String(api.AttrDataSubjectIDType, "BSN"),
			attribute.String(api.AttrRole, "Wmo-consulent"),
		))
		if i == len(bsns)-1 {
			s.SetStatus(otelcodes.Error, "timeout")
		}
		s.End()
	}
	root.End(trace.WithTimestamp(at.Add(time.Minute)))
	return rec.Ended()
}

// TestOTLPExportWithOfficialSDK sends spans through the official otlptracehttp exporter (protobuf,
// gzip) and finds them in each person's log; the same export retried stores nothing twice.
func TestOTLPExportWithOfficialSDK(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := e.otlpServer()
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(base+api.OTLPPath),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + e.eventKey}),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression), otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx) //nolint:errcheck
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	spans := recordSpans(t, at, bsnA, bsnB)
	for range 2 { // an exporter retries; the second export must store nothing new
		if err := exp.ExportSpans(ctx, spans); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.rows(); n != 2 {
		t.Fatalf("stored %d events, want 2 (the root span has no data subject)", n)
	}
	var chain int
	var name, system string
	if err := e.raw.QueryRow(ctx, `SELECT count(*), min(name), min(system) FROM otlp_chain_spans`).Scan(&chain, &name, &system); err != nil {
		t.Fatal(err)
	}
	if chain != 1 || name != "intake" || system != "zaaksysteem 4.2" {
		t.Errorf("kept %d chain spans (%q, %q), want the root span once", chain, name, system)
	}
	for _, c := range []struct {
		bsn    string
		failed bool
	}{{bsnA, false}, {bsnB, true}} {
		evs := e.logged(c.bsn)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events in the log, want 1", c.bsn, len(evs))
		}
		ev := evs[0]
		if ev.Activity.ID != activityID || ev.Actor.Organization != "Gemeente Voorbeeldstad" || ev.Actor.Role != "Wmo-consulent" ||
			ev.System != "zaaksysteem 4.2" || ev.Action != "" || ev.Level != "" || ev.AccessBasis != "" ||
			strings.Join(ev.DataCategories, ",") != "identity,care_needs,health" {
			t.Errorf("%s: event %+v", c.bsn, ev.Event)
		}
		if ev.Span == nil || ev.Span.Name != "zaak bekijken" || ev.Span.Failed != c.failed || ev.Span.ParentSpanID == "" {
			t.Fatalf("%s: span %+v", c.bsn, ev.Span)
		}
		tid, _ := hex.DecodeString(ev.Span.TraceID)
		sid, _ := hex.DecodeString(ev.Span.SpanID)
		if want := api.SpanEventID([16]byte(tid), [8]byte(sid)); ev.ID != want {
			t.Errorf("%s: id %s, want the span's derived id %s", c.bsn, ev.ID, want)
		}
		if !ev.OccurredAt.Equal(at) && !ev.OccurredAt.Equal(at.Add(time.Second)) {
			t.Errorf("%s: occurred_at %s, want the span's start", c.bsn, ev.OccurredAt)
		}
	}
}

// ldvSpan adds a span with the LDV attributes to ss.
func ldvSpan(ss ptrace.SpanSlice, traceID byte, spanID byte, activity, bsn string, at time.Time) ptrace.Span {
	s := ss.AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1, 2, 3, traceID})
	s.SetSpanID(pcommon.SpanID{9, spanID})
	s.SetName("besluit")
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(at))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(at.Add(time.Second)))
	s.Attributes().PutStr(api.AttrProcessingActivity, activity)
	s.Attributes().PutStr(api.AttrDataSubjectID, bsn)
	s.Attributes().PutStr(api.AttrDataSubjectIDType, "BSN")
	return s
}

// postOTLP sends td to the receiver in enc ("proto" or "json") and returns the status and the
// decoded response.
func postOTLP(t *testing.T, base, token, enc string, td ptrace.Traces, gz bool) (int, http.Header, ptraceotlp.ExportResponse) {
	t.Helper()
	req := ptraceotlp.NewExportRequestFromTraces(td)
	body, ct := []byte(nil), "application/x-protobuf"
	var err error
	if enc == "json" {
		body, err = req.MarshalJSON()
		ct = "application/json"
	} else {
		body, err = req.MarshalProto()
	}
	if err != nil {
		t.Fatal(err)
	}
	return postRaw(t, base, token, ct, body, gz)
}

func postRaw(t *testing.T, base, token, ct string, body []byte, gz bool) (int, http.Header, ptraceotlp.ExportResponse) {
	t.Helper()
	if gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(body) //nolint:errcheck
		w.Close()     //nolint:errcheck
		body = b.Bytes()
	}
	hr, _ := http.NewRequest("POST", base+api.OTLPPath, bytes.NewReader(body))
	hr.Header.Set("Content-Type", ct)
	if gz {
		hr.Header.Set("Content-Encoding", "gzip")
	}
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body) //nolint:errcheck
	resp := ptraceotlp.NewExportResponse()
	if res.StatusCode == 200 {
		if got := res.Header.Get("Content-Type"); got != ct {
			t.Errorf("response Content-Type %q, want %q", got, ct)
		}
		if ct == "application/json" {
			err = resp.UnmarshalJSON(b.Bytes())
		} else {
			err = resp.UnmarshalProto(b.Bytes())
		}
		if err != nil {
			t.Fatalf("response does not decode: %v", err)
		}
	}
	return res.StatusCode, res.Header, resp
}

// TestOTLPPartialSuccess sends, in both encodings, a request in which some spans cannot be stored:
// those are counted in partial_success with their reasons and store nothing, the rest is stored.
func TestOTLPPartialSuccess(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"proto", "json"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			base := e.otlpServer()
			at := time.Now().Add(-time.Hour)
			td := ptrace.NewTraces()
			ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
			ldvSpan(ss, 1, 1, activityID, bsnA, at)                                                  // stored
			ldvSpan(ss, 1, 2, "no-such-activity", bsnA, at)                                          // unknown activity
			ldvSpan(ss, 1, 3, activityID, "123456789", at)                                           // fails the 11-proef
			ldvSpan(ss, 0, 0, activityID, bsnA, at).SetTraceID(pcommon.TraceID{})                    // all-zero ids
			ldvSpan(ss, 1, 5, activityID, bsnB, at).Attributes().PutStr(api.AttrLevel, "everything") // invalid extension value
			chain := ss.AppendEmpty()                                                                // no data subject: acknowledged, part of the chain only
			chain.SetTraceID(pcommon.TraceID{1, 2, 3, 1})
			chain.SetSpanID(pcommon.SpanID{9, 6})
			chain.SetName("intake")
			chain.SetStartTimestamp(pcommon.NewTimestampFromTime(at))

			status, _, resp := postOTLP(t, base, e.eventKey, enc, td, enc == "json")
			if status != 200 {
				t.Fatalf("status %d, want 200", status)
			}
			ps := resp.PartialSuccess()
			if ps.RejectedSpans() != 4 {
				t.Errorf("rejected_spans %d, want 4 (%s)", ps.RejectedSpans(), ps.ErrorMessage())
			}
			for _, want := range []string{"unknown processing activity", "not a valid BSN", "trace_id must be 16 bytes", "level"} {
				if !strings.Contains(ps.ErrorMessage(), want) {
					t.Errorf("error_message %q lacks %q", ps.ErrorMessage(), want)
				}
			}
			if strings.Contains(ps.ErrorMessage(), "123456789") {
				t.Error("error_message repeats a data subject id")
			}
			if n := e.rows(); n != 1 {
				t.Errorf("stored %d events, want 1", n)
			}

			// The same span again with other content: rejected, nothing changes; a new one beside it is stored.
			td2 := ptrace.NewTraces()
			ss2 := td2.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
			ldvSpan(ss2, 1, 1, activityID, bsnA, at).SetName("besluit herzien")
			ldvSpan(ss2, 1, 7, activityID, bsnB, at)
			status, _, resp = postOTLP(t, base, e.eventKey, enc, td2, false)
			if status != 200 || resp.PartialSuccess().RejectedSpans() != 1 {
				t.Fatalf("status %d, rejected %d (%s), want 200 and 1", status, resp.PartialSuccess().RejectedSpans(), resp.PartialSuccess().ErrorMessage())
			}
			if n := e.rows(); n != 2 {
				t.Errorf("stored %d events, want 2", n)
			}
			if ev := e.logged(bsnA); len(ev) != 1 || ev[0].Span.Name != "besluit" {
				t.Errorf("the stored span changed: %+v", ev)
			}
		})
	}
}

// TestOTLPErrors checks the answers the OTLP/HTTP specification asks for when nothing is stored.
func TestOTLPErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := e.otlpServer()
	td := ptrace.NewTraces()
	ldvSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), 1, 1, activityID, bsnA, time.Now())
	good, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	for _, c := range []struct {
		name, token, ct string
		body            []byte
		want            int
	}{
		{"no key", "", "application/x-protobuf", good, 401},
		{"wrong scope", e.regKey, "application/x-protobuf", good, 403},
		{"other content type", e.eventKey, "text/plain", good, 415},
		{"undecodable protobuf", e.eventKey, "application/x-protobuf", []byte{0xff, 0xff, 0xff}, 400},
		{"undecodable JSON", e.eventKey, "application/json", []byte(`{"resourceSpans":[{`), 400},
		{"JSON that is not OTLP", e.eventKey, "application/json", []byte(`{"resourceSpans":[{"scopeSpans":7}]}`), 400},
		{"too large", e.eventKey, "application/x-protobuf", bytes.Repeat([]byte{0}, api.MaxBody+1), 413},
	} {
		status, _, _ := postRaw(t, base, c.token, c.ct, c.body, false)
		if status != c.want {
			t.Errorf("%s: status %d, want %d", c.name, status, c.want)
		}
	}
	if n := e.rows(); n != 0 {
		t.Errorf("stored %d events, want 0", n)
	}

	// The error body is a google.rpc.Status in the request's encoding.
	for _, ct := range []string{"application/x-protobuf", "application/json"} {
		req, _ := http.NewRequest("POST", base+api.OTLPPath, bytes.NewReader(nil))
		req.Header.Set("Content-Type", ct)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var st rpcstatus.Status
		if ct == "application/json" {
			err = protojson.Unmarshal(b, &st)
		} else {
			err = proto.Unmarshal(b, &st)
		}
		if err != nil || res.StatusCode != 401 || res.Header.Get("Content-Type") != ct || st.Code != int32(codes.Unauthenticated) || st.Message == "" {
			t.Errorf("%s: %d %q %v %+v, want 401 with a google.rpc.Status", ct, res.StatusCode, res.Header.Get("Content-Type"), err, &st)
		}
	}
}

// TestOTLPRateLimit checks that a client over its rate gets 429 with Retry-After.
func TestOTLPRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	top := fiber.New(fiber.Config{DisableStartupMessage: true})
	top.Mount(api.OTLPPath, api.NewOTLP(e.db, api.Config{RatePerMinute: 1}, nil, nil, slog.New(slog.DiscardHandler)))
	td := ptrace.NewTraces()
	body, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	var last *http.Response
	for range 2 {
		last = exportTo(t, top, e.eventKey, body)
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Errorf("status %d, Retry-After %q; want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

// exportTo sends an OTLP/HTTP protobuf export request with the key token through app.Test.
func exportTo(t *testing.T, app *fiber.App, token string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", api.OTLPPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// FuzzDecodeOTLPJSON feeds arbitrary bodies to the OTLP/JSON decoding and the span mapping: neither
// may panic, and a body that decodes yields spans whose ids are well formed.
func FuzzDecodeOTLPJSON(f *testing.F) {
	td := ptrace.NewTraces()
	ldvSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), 1, 1, activityID, bsnA, time.Now())
	seed, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalJSON()
	f.Add(seed)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102","spanId":"zz"}]}]}]}`))
	f.Add([]byte(`{}`))
	reg := map[string]portal.Activity{activityID: testActivity(activityID)}
	f.Fuzz(func(t *testing.T, body []byte) {
		td, _, err := api.DecodeTraces(body, "json")
		if err != nil {
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("decode error %v is not EINVALID", err)
			}
			return
		}
		for _, ev := range api.SpanEventsForTest(td, reg) {
			if ev.Span != nil && (len(ev.Span.TraceID) != 32 || len(ev.Span.SpanID) != 16) {
				t.Fatalf("span ids %q/%q", ev.Span.TraceID, ev.Span.SpanID)
			}
		}
	})
}

// TestOTLPAuthorization is the authorization matrix of POST /v1/traces: only a key with the scope
// events:write may write; the receiver is not part of the portal app that TestAuthorizationMatrix
// in portal/web builds, so its row lives here.
func TestOTLPAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := e.otlpServer()
	td := ptrace.NewTraces()
	ldvSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), 1, 1, activityID, bsnA, time.Now().Add(-time.Minute))
	body, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	for _, c := range []struct {
		caller, token string
		want          int
	}{
		{"anonymous", "", 401},
		{"unknown key", "inz_not-a-key", 401},
		{"key without scopes", e.readKey, 403},
		{"register:write", e.regKey, 403},
		{"signals:write", e.key("signals", "signals:write"), 403},
		{"events:write", e.eventKey, 200},
	} {
		if status, _, _ := postRaw(t, base, c.token, "application/x-protobuf", body, false); status != c.want {
			t.Errorf("%s: status %d, want %d", c.caller, status, c.want)
		}
	}
	if n := e.rows(); n != 1 {
		t.Errorf("stored %d events, want 1", n)
	}
}

// TestRateLimitSharedAcrossAPIAndOTLP: the API and the OTLP receiver built with one gate give a key
// its rate once: after the key used its budget on /api/v1, its next request to /v1/traces is 429.
func TestRateLimitSharedAcrossAPIAndOTLP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := api.Config{RatePerMinute: 3}
	gate := api.NewGate(cfg)
	log := slog.New(slog.DiscardHandler)
	top := fiber.New(fiber.Config{DisableStartupMessage: true})
	top.Mount(api.OTLPPath, api.NewOTLP(e.db, cfg, gate, nil, log))
	top.Mount("/api/v1", api.New(e.db, cfg, gate, nil, log))
	body, _ := ptraceotlp.NewExportRequestFromTraces(ptrace.NewTraces()).MarshalProto()
	send := func(path, token string) *http.Response {
		t.Helper()
		var req *http.Request
		if path == api.OTLPPath {
			req, _ = http.NewRequest("POST", path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-protobuf")
		} else {
			req, _ = http.NewRequest("GET", path, nil)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := top.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Budget 3: one export, two API requests.
	if res := send(api.OTLPPath, e.eventKey); res.StatusCode != 200 {
		t.Fatalf("first export: %d", res.StatusCode)
	}
	for i := range 2 {
		if res := send("/api/v1/processing-activities", e.eventKey); res.StatusCode != 200 {
			t.Fatalf("API request %d: %d", i, res.StatusCode)
		}
	}
	if res := send(api.OTLPPath, e.eventKey); res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Errorf("export after the budget was used: %d, Retry-After %q; want 429", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if res := send("/api/v1/processing-activities", e.eventKey); res.StatusCode != 429 {
		t.Errorf("API request after the budget was used: %d, want 429", res.StatusCode)
	}
	// Another key has its own budget, on both.
	other := e.key("other", "events:write")
	if res := send(api.OTLPPath, other); res.StatusCode != 200 {
		t.Errorf("another key's export: %d, want 200", res.StatusCode)
	}
}
