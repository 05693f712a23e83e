package api

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/inzicht/inzicht/portal"
)

// SpanEventsForTest maps td's spans as the receiver does, returning each span's event.
func SpanEventsForTest(td ptrace.Traces, register map[string]portal.Activity) []portal.Event {
	var out []portal.Event
	for _, s := range spanEvents(td, register) {
		out = append(out, s.ev)
	}
	return out
}
