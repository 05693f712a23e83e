package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// TestLDVReadThroughTheFrontApp is the read side through the real wiring: a system instrumented with
// the official OpenTelemetry SDK exports a chain of spans over OTLP; another system, with its own
// events:read key and the chain's trace context in a W3C traceparent header, reads the trace through
// the LDV read extension and gets the same span ids back; the read joins the caller's trace; and the
// citizen finds the read in their own log.
func TestLDVReadThroughTheFrontApp(t *testing.T) {
	base, key, dbURL := startDemo(t, io.Discard)
	ctx := context.Background()
	const bsn = "999993653"

	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(base+api.OTLPPath),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + key}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "zaaksysteem"))))
	tr := tp.Tracer("test")
	at := time.Now().Add(-time.Minute)
	rootCtx, root := tr.Start(ctx, "aanvraag", trace.WithTimestamp(at))
	_, child := tr.Start(rootCtx, "zaak openen", trace.WithTimestamp(at.Add(time.Second)),
		trace.WithAttributes(attribute.String(api.AttrProcessingActivity, "wmo-onderzoek"),
			attribute.String(api.AttrDataSubjectID, bsn), attribute.String(api.AttrDataSubjectIDType, "BSN")))
	child.End()
	root.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("export: %v", err)
	}
	traceID := root.SpanContext().TraceID().String()
	exported := []string{root.SpanContext().SpanID().String(), child.SpanContext().SpanID().String()}
	slices.Sort(exported)

	var out bytes.Buffer
	if err := run(ctx, []string{"apikey", "create", "--system", "MijnOverheid", "--scopes", "events:read"},
		envOf(map[string]string{"DATABASE_URL": dbURL, "INZICHT_ENV": "demo"}), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var readKey string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "inz_") {
			readKey = l
		}
	}
	if readKey == "" {
		t.Fatalf("apikey create printed no key: %q", out.String())
	}

	// The reader calls from within the chain: its request carries the root span's context.
	read := func() (http.Header, []string, []string) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/api/v1"+api.LDVReadPath, strings.NewReader(`{"traceId":"`+traceID+`"}`))
		req.Header.Set("Authorization", "Bearer "+readKey)
		req.Header.Set("Content-Type", "application/json")
		propagation.TraceContext{}.Inject(rootCtx, propagation.HeaderCarrier(req.Header))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Records []struct {
				TraceID    string         `json:"traceId"`
				SpanID     string         `json:"spanId"`
				Attributes map[string]any `json:"attributes"`
			} `json:"dataProcessingOperations"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
			t.Fatalf("LDV read: %d %v", resp.StatusCode, err)
		}
		var spans, activities []string
		for _, r := range body.Records {
			if r.TraceID != traceID {
				t.Errorf("record of trace %s, want %s", r.TraceID, traceID)
			}
			spans = append(spans, r.SpanID)
			activities = append(activities, r.Attributes[api.AttrProcessingActivity].(string))
		}
		slices.Sort(spans)
		return resp.Header, spans, activities
	}
	h, spans, _ := read()
	if !slices.Equal(spans, exported) {
		t.Errorf("LDV read span ids %v, OTLP export %v", spans, exported)
	}
	// Inzicht's span is a child of the caller's, in the caller's trace.
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(h)))
	if !sc.IsValid() || sc.TraceID().String() != traceID || slices.Contains(exported, sc.SpanID().String()) {
		t.Fatalf("response traceparent %q", h.Get("traceparent"))
	}
	// The read was recorded in the person's log in that trace, so reading the trace again finds it.
	_, again, activities := read()
	if len(again) != 3 || !slices.Contains(again, sc.SpanID().String()) || !slices.Contains(activities, portal.APIReadActivity) {
		t.Errorf("second read: spans %v, activities %v; want the first read's span too", again, activities)
	}

	c := newBrowser(t)
	loginCitizen(t, c, base, bsn, "substantieel")
	_, page := get(t, c, base+"/verwerkingen")
	if !strings.Contains(page, portal.APIReadActivityEntry("").Purpose.NL) || !strings.Contains(page, portal.APIReadRole) {
		t.Error("the citizen's log does not show the read")
	}
}
