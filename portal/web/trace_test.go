package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestPageRequestsCarryTheirSpan: every page answers with a traceparent of its own span; a staff
// view recorded while handling the page is recorded under that same span (the header and the line in
// the person's log name the same trace and span); a valid incoming traceparent makes the page's span
// a child in the caller's trace, an invalid one is ignored (a new trace), and two pages never share a
// span.
func TestPageRequestsCarryTheirSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	e.ingest(event(bsnA, time.Now().Add(-24*time.Hour)))
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles", "toelichting", "Welke gegevens?")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	subject := mustSubject(t, e, bsnA)
	clerk, _ := e.staff("clerk")

	parse := func(h string) (trace, span string) {
		t.Helper()
		p := strings.Split(h, "-")
		if len(p) != 4 || p[0] != "00" || len(p[1]) != 32 || len(p[2]) != 16 || p[3] != "01" {
			t.Fatalf("traceparent %q is not a sampled W3C traceparent", h)
		}
		return p[1], p[2]
	}
	lastView := func() portal.LoggedEvent {
		t.Helper()
		evs, _, err := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 1})
		if err != nil || len(evs) != 1 || evs[0].Activity.ID != portal.RequestActivity || evs[0].Span == nil {
			t.Fatalf("the newest line is not a recorded view with a span: %+v, %v", evs, err)
		}
		return evs[0]
	}

	const callerTrace, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	cases := []struct {
		name, header string
		child        bool
	}{
		{"no traceparent", "", false},
		{"caller's traceparent", "00-" + callerTrace + "-" + callerSpan + "-01", true},
		{"invalid traceparent", "00-" + strings.Repeat("0", 32) + "-" + callerSpan + "-01", false},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		var hdr []string
		if c.header != "" {
			hdr = []string{"traceparent", c.header}
		}
		resp, _ := e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil, hdr...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: request page %d", c.name, resp.StatusCode)
		}
		trace, span := parse(resp.Header.Get("traceparent"))
		v := lastView()
		if v.Span.TraceID != trace || v.Span.SpanID != span {
			t.Errorf("%s: the view is recorded under %s/%s, the page answered %s/%s", c.name, v.Span.TraceID, v.Span.SpanID, trace, span)
		}
		if c.child != (trace == callerTrace) || c.child != (v.Span.ParentSpanID == callerSpan) {
			t.Errorf("%s: trace %s, parent %q; in the caller's trace: %v", c.name, trace, v.Span.ParentSpanID, c.child)
		}
		if !c.child && v.Span.ParentSpanID != "" {
			t.Errorf("%s: a new trace has parent %q", c.name, v.Span.ParentSpanID)
		}
		if seen[span] {
			t.Errorf("%s: span %s used twice", c.name, span)
		}
		seen[span] = true
	}
	// A citizen's page answers with a span too (nothing is recorded for one's own view).
	resp, _ := e.do("GET", "/verwerkingen", ca, "", nil)
	if _, span := parse(resp.Header.Get("traceparent")); seen[span] {
		t.Error("the citizen's page reuses a staff page's span")
	}
}
