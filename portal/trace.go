package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// NewSpan returns a span of Inzicht's own with the given name in a new trace: random trace and span
// ids (W3C Trace Context, lower-case hex, never all zero). Inzicht records its own processing (a
// staff view, a read through the API) under such a span, so that a chain through Inzicht can be
// followed like any other.
func NewSpan(name string) Span {
	return Span{TraceID: randomHex(16), SpanID: randomHex(8), Name: name}
}

// ChildSpan returns a new span with the given name in the trace traceID, called from the span
// parentSpanID (both lower-case hex, from an incoming W3C traceparent header).
func ChildSpan(name, traceID, parentSpanID string) Span {
	return Span{TraceID: traceID, SpanID: randomHex(8), ParentSpanID: parentSpanID, Name: name}
}

// randomHex returns n random bytes in hex, not all zero (crypto/rand.Read never fails; an all-zero
// draw, which W3C Trace Context forbids, is drawn again).
func randomHex(n int) string {
	b := make([]byte, n)
	for {
		_, _ = rand.Read(b)
		for _, c := range b {
			if c != 0 {
				return hex.EncodeToString(b)
			}
		}
	}
}

type spanKey struct{}

// ContextWithSpan returns ctx carrying the span of the request being handled: what Inzicht records
// while handling it (a staff view) is recorded under that span.
func ContextWithSpan(ctx context.Context, s Span) context.Context {
	return context.WithValue(ctx, spanKey{}, s)
}

// SpanFromContext returns the request's span set by ContextWithSpan, if any.
func SpanFromContext(ctx context.Context) (Span, bool) {
	s, ok := ctx.Value(spanKey{}).(Span)
	return s, ok && s.TraceID != ""
}
