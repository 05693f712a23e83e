// Package tracectx gives each request Inzicht handles a span of its own in W3C Trace Context terms:
// in the caller's trace, as a child of the caller's span, when the request carries a valid
// traceparent header, and in a new trace otherwise (an invalid header is ignored, as the W3C
// specification says). The processing Inzicht records while handling the request (a staff view, a
// read through the API) carries that span, and the response's traceparent header names it, so a
// chain through Inzicht can be followed. Parsing and formatting are OpenTelemetry's.
package tracectx

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/inzicht/inzicht/portal"
)

var w3c = propagation.TraceContext{}

// Start returns the span of a request named name, given its traceparent and tracestate headers
// (either may be empty), and the traceparent and tracestate headers to answer with.
func Start(name, traceparent, tracestate string) (span portal.Span, outParent, outState string) {
	in := http.Header{}
	if traceparent != "" {
		in.Set("traceparent", traceparent)
	}
	if tracestate != "" {
		in.Set("tracestate", tracestate)
	}
	parent := trace.SpanContextFromContext(w3c.Extract(context.Background(), propagation.HeaderCarrier(in)))
	span = portal.NewSpan(name)
	if parent.IsValid() {
		span = portal.ChildSpan(name, parent.TraceID().String(), parent.SpanID().String())
	}
	tid, err1 := trace.TraceIDFromHex(span.TraceID)
	sid, err2 := trace.SpanIDFromHex(span.SpanID)
	if err1 != nil || err2 != nil { // NewSpan and ChildSpan make valid ids; kept for safety
		return span, "", ""
	}
	// Sampled: Inzicht records every one of its spans (LDV forbids sampling).
	own := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
		TraceState: parent.TraceState()})
	out := http.Header{}
	w3c.Inject(trace.ContextWithSpanContext(context.Background(), own), propagation.HeaderCarrier(out))
	return span, out.Get("traceparent"), out.Get("tracestate")
}

// Middleware starts the span of every request it handles (named by name), answers with its
// traceparent (and tracestate), and puts it in the request's context (portal.ContextWithSpan), where
// what the request records finds it (portal.SpanFromContext).
func Middleware(name func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		span, parent, state := Start(name(c), c.Get("traceparent"), c.Get("tracestate"))
		if parent != "" {
			c.Set("traceparent", parent)
		}
		if state != "" {
			c.Set("tracestate", state)
		}
		c.SetUserContext(portal.ContextWithSpan(c.UserContext(), span))
		return c.Next()
	}
}
