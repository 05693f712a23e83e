package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/inzicht/inzicht/api"
)

// TestOTLPThroughTheFrontApp is the OTLP receiver through the real wiring: a system instrumented
// with the official OpenTelemetry SDK, its exporter given only the portal's base URL, records a
// processing with the Logboek Dataverwerkingen attributes; the citizen finds it in /verwerkingen,
// and its detail page says what the span did not state, that the attempt failed, and that it was
// part of a request from another organisation (the span's link, LDV foreign_operation).
func TestOTLPThroughTheFrontApp(t *testing.T) {
	base, key, _ := startDemo(t, io.Discard)
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(base+api.OTLPPath),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + key}),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "zaaksysteem"))))
	team := "Team-" + uuid.NewString()[:8]
	_, span := tp.Tracer("test").Start(ctx, "zaak openen", trace.WithTimestamp(time.Now().Add(-time.Minute)),
		trace.WithAttributes(attribute.String(api.AttrProcessingActivity, "wmo-onderzoek"),
			attribute.String(api.AttrDataSubjectID, "999993653"), attribute.String(api.AttrDataSubjectIDType, "BSN"),
			attribute.String(api.AttrTeam, team)),
		trace.WithLinks(trace.Link{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0xaa, 1},
			SpanID: trace.SpanID{0xbb, 1}, Remote: true}), Attributes: []attribute.KeyValue{
			attribute.String(api.AttrForeignEntity, "https://www.svb.example/")}}))
	span.SetStatus(otelcodes.Error, "timeout")
	span.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("export: %v", err)
	}
	sc := span.SpanContext()
	id := api.SpanEventID(sc.TraceID(), sc.SpanID())

	c := newBrowser(t)
	loginCitizen(t, c, base, "999993653", "substantieel")
	_, page := get(t, c, base+"/verwerkingen")
	if !strings.Contains(page, team) || !strings.Contains(page, id) {
		t.Fatalf("/verwerkingen does not show the span's processing (trace %s)", sc.TraceID().String())
	}
	_, page = get(t, c, base+"/verwerkingen/"+id)
	for _, want := range []string{team, "niet vermeld", "mislukte poging",
		"Deze verwerking hoorde bij een verzoek van een andere organisatie (www.svb.example)."} {
		if !strings.Contains(page, want) {
			t.Errorf("the detail page lacks %q", want)
		}
	}
}

// TestOneRatePerKeyAcrossAPIAndOTLP: through the real wiring, a key's requests to /api/v1 and to
// /v1/traces draw on one budget (INZICHT_API_RATE), not one per app.
func TestOneRatePerKeyAcrossAPIAndOTLP(t *testing.T) {
	base, key, _ := startDemoWith(t, io.Discard, map[string]string{"INZICHT_API_RATE": "4"})
	send := func(method, path, contentType, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	export := func() int { return send("POST", api.OTLPPath, "application/json", `{"resourceSpans":[]}`) }
	list := func() int { return send("GET", "/api/v1/processing-activities", "", "") }
	for i, f := range []func() int{list, list, list, export} {
		if status := f(); status != 200 {
			t.Fatalf("request %d within the budget: %d", i, status)
		}
	}
	if status := export(); status != 429 {
		t.Errorf("export after the key used its budget: %d, want 429", status)
	}
	if status := list(); status != 429 {
		t.Errorf("API request after the key used its budget: %d, want 429", status)
	}
}
