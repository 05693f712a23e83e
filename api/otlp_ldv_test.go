package api_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// badIDs overrides the ids of one span of a request as the wire carries them; nil leaves an id.
type badIDs struct {
	trace, span, parent, linkTrace []byte
	traceText                      string // JSON only: a trace id that is not hex at all
}

// withBadIDs encodes td in enc and then gives spans (by their position in the first scope) the ids
// of bad, as a sender with a broken id generator would: pdata itself cannot hold such ids, so the
// body is edited with the generated protobuf types, or as generic JSON.
func withBadIDs(t *testing.T, td ptrace.Traces, enc string, bad map[int]badIDs) []byte {
	t.Helper()
	req := ptraceotlp.NewExportRequestFromTraces(td)
	if enc == "proto" {
		b, err := req.MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		var m coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		spans := m.ResourceSpans[0].ScopeSpans[0].Spans
		for k, ids := range bad {
			s := spans[k]
			if ids.trace != nil {
				s.TraceId = ids.trace
			}
			if ids.span != nil {
				s.SpanId = ids.span
			}
			if ids.parent != nil {
				s.ParentSpanId = ids.parent
			}
			if ids.linkTrace != nil {
				s.Links[0].TraceId = ids.linkTrace
			}
		}
		if b, err = proto.Marshal(&m); err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, err := req.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	spans := m["resourceSpans"].([]any)[0].(map[string]any)["scopeSpans"].([]any)[0].(map[string]any)["spans"].([]any)
	for k, ids := range bad {
		s := spans[k].(map[string]any)
		for key, v := range map[string][]byte{"traceId": ids.trace, "spanId": ids.span, "parentSpanId": ids.parent} {
			if v != nil {
				s[key] = hex.EncodeToString(v)
			}
		}
		if ids.traceText != "" {
			s["traceId"] = ids.traceText
		}
		if ids.linkTrace != nil {
			s["links"].([]any)[0].(map[string]any)["traceId"] = hex.EncodeToString(ids.linkTrace)
		}
	}
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOTLPBadIDLengths sends, in both encodings, a request in which some spans have a trace, span,
// parent or link id of the wrong length (which the pdata types refuse for the whole request): each
// such span comes back in partial_success and stores nothing, beside a span with an unknown
// activity, while the rest of the request is stored.
func TestOTLPBadIDLengths(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"proto", "json"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			base := e.otlpServer()
			at := time.Now().Add(-time.Hour).Truncate(time.Second)
			td := ptrace.NewTraces()
			ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
			ldvSpan(ss, 1, 1, activityID, bsnA, at) // 0: stored
			ldvSpan(ss, 1, 2, activityID, bsnA, at) // 1: span id of 2 bytes
			ldvSpan(ss, 1, 3, activityID, bsnA, at) // 2: trace id of 17 bytes
			ldvSpan(ss, 1, 4, activityID, bsnA, at) // 3: parent span id of 3 bytes
			l := ldvSpan(ss, 1, 5, activityID, bsnA, at).Links().AppendEmpty()
			l.SetTraceID(pcommon.TraceID{7, 7})
			l.SetSpanID(pcommon.SpanID{7})                  // 4: its link's trace id of 4 bytes
			ldvSpan(ss, 1, 6, "no-such-activity", bsnA, at) // 5: unknown activity (pdata decodes it)
			ldvSpan(ss, 1, 7, activityID, bsnB, at)         // 6: stored
			bad := map[int]badIDs{
				1: {span: []byte{1, 2}},
				2: {trace: bytes.Repeat([]byte{1}, 17)},
				3: {parent: []byte{1, 2, 3}},
				4: {linkTrace: []byte{1, 2, 3, 4}},
			}
			want := []string{"spans[1]: span_id must be 8 bytes", "spans[2]: trace_id must be 16 bytes",
				"spans[3]: parent_span_id must be 8 bytes", "spans[4]: links[0].trace_id must be 16 bytes",
				"unknown processing activity no-such-activity"}
			rejected := int64(5)
			if enc == "json" {
				ldvSpan(ss, 1, 8, activityID, bsnA, at) // 7: a trace id that is not hex
				bad[7] = badIDs{traceText: strings.Repeat("zz", 16)}
				rejected++
			}
			body := withBadIDs(t, td, enc, bad)
			if _, _, err := api.DecodeTraces(body, enc); err != nil {
				t.Fatalf("the receiver's decoding refuses the body: %v", err)
			}
			ct := map[string]string{"proto": "application/x-protobuf", "json": "application/json"}[enc]
			status, _, resp := postRaw(t, base, e.eventKey, ct, body, enc == "proto")
			if status != 200 {
				t.Fatalf("status %d, want 200", status)
			}
			ps := resp.PartialSuccess()
			if ps.RejectedSpans() != rejected {
				t.Errorf("rejected_spans %d, want %d (%s)", ps.RejectedSpans(), rejected, ps.ErrorMessage())
			}
			for _, w := range want {
				if !strings.Contains(ps.ErrorMessage(), w) {
					t.Errorf("error_message %q lacks %q", ps.ErrorMessage(), w)
				}
			}
			if n := e.rows(); n != 2 {
				t.Errorf("stored %d events, want 2", n)
			}
			if evs := e.logged(bsnA); len(evs) != 1 || evs[0].Span.SpanID != "0901000000000000" {
				t.Errorf("%s's log: %+v, want only the well-formed span", bsnA, evs)
			}

			// A body that is not an OTLP request at all is still refused whole.
			for _, b := range [][]byte{[]byte(`[1,2]`), []byte(`{"resourceSpans":"x"}`), []byte{0x0a, 0xff}} {
				ct := "application/json"
				if b[0] == 0x0a {
					ct = "application/x-protobuf"
				}
				if status, _, _ := postRaw(t, base, e.eventKey, ct, b, false); status != 400 {
					t.Errorf("%q: status %d, want 400", b, status)
				}
			}
		})
	}
}

// TestOTLPDuplicatesInOneRequest: the same span twice in one request is stored once and not
// rejected; the same ids with other content are rejected; this holds for spans kept for the chain
// too, and for ids used once for each.
func TestOTLPDuplicatesInOneRequest(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"proto", "json"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			base := e.otlpServer()
			at := time.Now().Add(-time.Hour).Truncate(time.Second)
			td := ptrace.NewTraces()
			ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
			ldvSpan(ss, 1, 1, activityID, bsnA, at)
			ldvSpan(ss, 1, 1, activityID, bsnA, at)                          // the same again: stored once
			ldvSpan(ss, 1, 1, activityID, bsnA, at).SetName("ander besluit") // other content: rejected
			chain := func(name string) {
				s := ss.AppendEmpty()
				s.SetTraceID(pcommon.TraceID{1, 2, 3, 1})
				s.SetSpanID(pcommon.SpanID{9, 9})
				s.SetName(name)
				s.SetStartTimestamp(pcommon.NewTimestampFromTime(at))
			}
			chain("intake")
			chain("intake")                                                         // the same chain span again: kept once
			chain("other")                                                          // other content: rejected
			ldvSpan(ss, 1, 9, activityID, bsnA, at).SetSpanID(pcommon.SpanID{9, 9}) // a chain span's ids with a subject: rejected
			status, _, resp := postOTLP(t, base, e.eventKey, enc, td, false)
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			ps := resp.PartialSuccess()
			if ps.RejectedSpans() != 3 || strings.Count(ps.ErrorMessage(), "sent twice in this request with other content") != 3 {
				t.Errorf("rejected %d (%s), want the 3 repeats with other content", ps.RejectedSpans(), ps.ErrorMessage())
			}
			if n := e.rows(); n != 1 {
				t.Errorf("stored %d events, want 1", n)
			}
			var n int
			var name string
			if err := e.raw.QueryRow(context.Background(), `SELECT count(*), min(name) FROM otlp_chain_spans`).Scan(&n, &name); err != nil {
				t.Fatal(err)
			}
			if n != 1 || name != "intake" {
				t.Errorf("kept %d chain spans (%q), want the first once", n, name)
			}
			if evs := e.logged(bsnA); len(evs) != 1 || evs[0].Span.Name != "besluit" {
				t.Errorf("log %+v, want the first span", evs)
			}

			// Across requests: a chain span sent again (its start to the nanosecond) is acknowledged;
			// with other content it is rejected and the kept one stays.
			ns := time.Now().Add(-time.Minute) // more precise than the database keeps
			again := func(name string) int64 {
				td := ptrace.NewTraces()
				s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
				s.SetTraceID(pcommon.TraceID{4, 4})
				s.SetSpanID(pcommon.SpanID{4, 4})
				s.SetName(name)
				s.SetStartTimestamp(pcommon.NewTimestampFromTime(ns))
				s.Links().AppendEmpty().SetTraceID(pcommon.TraceID{5, 5})
				s.Links().At(0).SetSpanID(pcommon.SpanID{5, 5})
				status, _, resp := postOTLP(t, base, e.eventKey, enc, td, false)
				if status != 200 {
					t.Fatalf("status %d", status)
				}
				return resp.PartialSuccess().RejectedSpans()
			}
			if r := again("intake"); r != 0 {
				t.Errorf("first: %d rejected", r)
			}
			if r := again("intake"); r != 0 {
				t.Errorf("retry: %d rejected, want 0", r)
			}
			if r := again("other"); r != 1 {
				t.Errorf("other content: %d rejected, want 1", r)
			}
			if err := e.raw.QueryRow(context.Background(), `SELECT name FROM otlp_chain_spans WHERE span_id = '0404000000000000'`).Scan(&name); err != nil || name != "intake" {
				t.Errorf("kept %q (%v), want the first", name, err)
			}
		})
	}
}

// TestOTLPForeignOperation records, with the official SDK, spans done for an operation of another
// organisation: as a link (entity on the link), as span attributes, and on the root of the chain
// only. Each event keeps the foreign trace and span id and the entity; the detail read finds the
// origin through the chain and names the organisation when the register knows its URI.
func TestOTLPForeignOperation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	svb := testActivity("svb-aow")
	svb.Controller, svb.URI = "Sociale Verzekeringsbank", "https://svb.example/register/aow"
	if _, err := e.db.PutActivity(ctx, svb); err != nil {
		t.Fatal(err)
	}
	base := e.otlpServer()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(base+api.OTLPPath),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + e.eventKey}),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx) //nolint:errcheck

	foreign := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0xaa, 1}, SpanID: trace.SpanID{0xbb, 1}, Remote: true})
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "zaaksysteem"))))
	tr := tp.Tracer("test")
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	subject := func(bsn string) trace.SpanStartEventOption {
		return trace.WithAttributes(attribute.String(api.AttrProcessingActivity, activityID),
			attribute.String(api.AttrDataSubjectID, bsn), attribute.String(api.AttrDataSubjectIDType, "BSN"))
	}
	// 1. A link, its entity on the link.
	_, s := tr.Start(ctx, "gegevens leveren", trace.WithTimestamp(at), subject(bsnA), trace.WithLinks(trace.Link{
		SpanContext: foreign, Attributes: []attribute.KeyValue{attribute.String(api.AttrForeignEntity, "https://svb.example")}}))
	s.End()
	// 2. Span attributes (these win over a link).
	_, s = tr.Start(ctx, "gegevens leveren", trace.WithTimestamp(at), subject(bsnB), trace.WithAttributes(
		attribute.String(api.AttrForeignTraceID, "CC"+strings.Repeat("0", 29)+"2"), attribute.String(api.AttrForeignSpanID, "dd00000000000002"),
		attribute.String(api.AttrForeignEntity, "https://belastingdienst.example")),
		trace.WithLinks(trace.Link{SpanContext: foreign}))
	s.End()
	// 3. On the root of the chain only (a span without a data subject); the child has none.
	rctx, root := tr.Start(ctx, "verzoek ontvangen", trace.WithTimestamp(at), trace.WithLinks(trace.Link{SpanContext: foreign,
		Attributes: []attribute.KeyValue{attribute.String(api.AttrForeignEntity, "https://svb.example")}}))
	_, s = tr.Start(rctx, "dossier bekijken", trace.WithTimestamp(at), subject(bsnC))
	s.End()
	root.End()
	// 4. An entity without ids: refused.
	_, s = tr.Start(ctx, "x", trace.WithTimestamp(at), subject(bsnD), trace.WithAttributes(attribute.String(api.AttrForeignEntity, "https://x.example")))
	s.End()
	_ = tp.Shutdown(ctx)
	if err := exp.ExportSpans(ctx, rec.Ended()); err == nil || !strings.Contains(err.Error(), "needs the foreign operation") {
		t.Errorf("export: %v, want the partial success naming the entity without ids", err)
	}
	if n := e.rows(); n != 3 {
		t.Fatalf("stored %d events, want 3", n)
	}
	detail := func(bsn string) portal.LoggedEvent {
		t.Helper()
		evs := e.logged(bsn)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", bsn, len(evs))
		}
		sid, _ := e.db.EnsureSubject(ctx, bsn)
		ev, err := e.db.Event(ctx, sid, evs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	viaLink := &portal.ForeignOperation{TraceID: "aa01" + strings.Repeat("0", 28), SpanID: "bb01" + strings.Repeat("0", 12), Entity: "https://svb.example"}
	for _, c := range []struct {
		bsn          string
		own, origin  *portal.ForeignOperation
		organisation string
	}{
		{bsnA, viaLink, viaLink, "Sociale Verzekeringsbank"},
		{bsnB, &portal.ForeignOperation{TraceID: "cc" + strings.Repeat("0", 29) + "2", SpanID: "dd00000000000002", Entity: "https://belastingdienst.example"},
			&portal.ForeignOperation{TraceID: "cc" + strings.Repeat("0", 29) + "2", SpanID: "dd00000000000002", Entity: "https://belastingdienst.example"}, ""},
		{bsnC, nil, viaLink, "Sociale Verzekeringsbank"},
	} {
		ev := detail(c.bsn)
		if !sameForeign(ev.Span.Foreign, c.own) || !sameForeign(ev.Origin, c.origin) || ev.OriginOrganization != c.organisation {
			t.Errorf("%s: foreign %+v, origin %+v (%q); want %+v, %+v (%q)", c.bsn, ev.Span.Foreign, ev.Origin, ev.OriginOrganization,
				c.own, c.origin, c.organisation)
		}
	}
}

func sameForeign(a, b *portal.ForeignOperation) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// TestActivityURI: a register entry's optional URI is set through PUT, listed by GET, unique across
// entries (409), removed by a PUT without it, and cited by a span in place of the entry's id.
func TestActivityURI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const uri = "https://voorbeeldstad.example/register/wmo-onderzoek"
	body := func(id, uri string) []byte {
		a := testActivity(id)
		a.URI = uri
		b, _ := json.Marshal(a)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		delete(m, "id")
		b, _ = json.Marshal(m)
		return b
	}
	list := func() map[string]string {
		var l struct{ Activities []portal.Activity }
		e.do("GET", "/processing-activities", e.readKey, nil).json(t, &l)
		m := map[string]string{}
		for _, a := range l.Activities {
			m[a.ID] = a.URI
		}
		return m
	}
	r := e.do("PUT", "/processing-activities/"+activityID, e.regKey, body(activityID, uri))
	var got portal.Activity
	if r.json(t, &got); r.status != 200 || got.URI != uri {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	if l := list(); l[activityID] != uri {
		t.Errorf("listed %v", l)
	}
	p := e.do("PUT", "/processing-activities/jeugd", e.regKey, body("jeugd", uri)).problem(t, 409)
	if len(p.Errors) != 1 || p.Errors[0].Field != "uri" {
		t.Errorf("409 errors %+v", p.Errors)
	}
	for _, bad := range []string{"urn:nl:wmo", "/register/wmo", "ftp://x.example/a", "HTTPS://x.example/a", "https:///a"} {
		p := e.do("PUT", "/processing-activities/jeugd", e.regKey, body("jeugd", bad)).problem(t, 422)
		if len(p.Errors) != 1 || p.Errors[0].Field != "uri" {
			t.Errorf("%q: errors %+v", bad, p.Errors)
		}
	}
	if l := list(); len(l) != 1 {
		t.Errorf("refused PUTs changed the register: %v", l)
	}

	// A span citing the URI is stored under the entry's id.
	base := e.otlpServer()
	td := ptrace.NewTraces()
	ldvSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), 1, 1, uri, bsnA, time.Now().Add(-time.Hour))
	if status, _, resp := postOTLP(t, base, e.eventKey, "proto", td, false); status != 200 || resp.PartialSuccess().RejectedSpans() != 0 {
		t.Fatalf("status %d, %s", status, resp.PartialSuccess().ErrorMessage())
	}
	if evs := e.logged(bsnA); len(evs) != 1 || evs[0].Activity.ID != activityID || evs[0].Actor.Organization != "Gemeente Voorbeeldstad" {
		t.Errorf("log %+v", evs)
	}

	// PUT replaces the whole entry: without uri, the URI is gone and free for another entry.
	e.do("PUT", "/processing-activities/"+activityID, e.regKey, body(activityID, ""))
	if l := list(); l[activityID] != "" {
		t.Errorf("uri kept: %v", l)
	}
	if r := e.do("PUT", "/processing-activities/jeugd", e.regKey, body("jeugd", uri)); r.status != 201 {
		t.Errorf("uri of a removed entry: %d %s", r.status, r.body)
	}
}

// TestLDVReadReturnsForeignOperation: the foreign operation a span was done for, stored with the event
// (or the chain span without a person), comes back in the LDV read's record attributes under the
// names it was written with.
func TestLDVReadReturnsForeignOperation(t *testing.T) {
	t.Parallel()
	e, key := readEnv(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "zaaksysteem"))))
	tr := tp.Tracer("test")
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	foreign := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0xaa, 2}, SpanID: trace.SpanID{0xbb, 2}, Remote: true})
	ctx, root := tr.Start(context.Background(), "verzoek ontvangen", trace.WithTimestamp(at), trace.WithLinks(trace.Link{
		SpanContext: foreign, Attributes: []attribute.KeyValue{attribute.String(api.AttrForeignEntity, "https://svb.example")}}))
	_, s := tr.Start(ctx, "gegevens leveren", trace.WithTimestamp(at.Add(time.Second)), trace.WithAttributes(
		attribute.String(api.AttrProcessingActivity, activityID), attribute.String(api.AttrDataSubjectID, bsnA),
		attribute.String(api.AttrDataSubjectIDType, "BSN"),
		attribute.String(api.AttrForeignTraceID, "cc"+strings.Repeat("0", 29)+"3"), attribute.String(api.AttrForeignSpanID, "dd00000000000003"),
		attribute.String(api.AttrForeignEntity, "urn:nl:oin:00000001003214345000")))
	s.End()
	root.End(trace.WithTimestamp(at.Add(time.Minute)))
	exportSpans(t, e.otlpServer(), e.eventKey, rec.Ended())

	r, got := e.ldvRead(key, map[string]any{"traceId": root.SpanContext().TraceID().String()}, nil)
	if r.status != 200 || len(got.Records) != 2 {
		t.Fatalf("status %d, %d records: %s", r.status, len(got.Records), r.body)
	}
	want := map[string][3]string{
		root.SpanContext().SpanID().String(): {"aa02" + strings.Repeat("0", 28), "bb02" + strings.Repeat("0", 12), "https://svb.example"},
		s.SpanContext().SpanID().String():    {"cc" + strings.Repeat("0", 29) + "3", "dd00000000000003", "urn:nl:oin:00000001003214345000"},
	}
	for _, rec := range got.Records {
		var have [3]string
		for i, k := range []string{api.AttrForeignTraceID, api.AttrForeignSpanID, api.AttrForeignEntity} {
			have[i], _ = rec.Attributes[k].(string)
		}
		if have != want[rec.SpanID] {
			t.Errorf("span %s (%s): foreign operation %v, want %v", rec.SpanID, rec.Name, have, want[rec.SpanID])
		}
	}
	// A processing done for no other organisation has none.
	e.ingestOK(batch(t, validEvent(bsnB)))
	if _, got := e.ldvRead(key, map[string]any{"dpl.core.data_subject_id": bsnB}, nil); len(got.Records) != 1 ||
		got.Records[0].Attributes[api.AttrForeignTraceID] != nil {
		t.Errorf("native event: %+v", got.Records)
	}
}
