package api_test

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// TestOTLPRecipientAndAgainstWill sends, in both encodings, a disclosure with its recipient and a
// processing against the person's will with its decision, reason and approver through the inzicht.
// extension attributes: both are stored as given; an against-will span without its approver is
// rejected, as the native API would refuse it, and stores nothing.
func TestOTLPRecipientAndAgainstWill(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"proto", "json"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			base := e.otlpServer()
			at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
			td := ptrace.NewTraces()
			ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
			d := ldvSpan(ss, 2, 1, activityID, bsnA, at).Attributes()
			d.PutStr(api.AttrAction, "disclose")
			d.PutStr(api.AttrRecipient, "Zorgaanbieder Noord")
			w := ldvSpan(ss, 2, 2, activityID, bsnB, at).Attributes()
			w.PutStr(api.AttrAccessBasis, "against_will")
			w.PutStr(api.AttrAgainstWillRef, "B-2026-17")
			w.PutStr(api.AttrAgainstWillReason, "Veiligheid van het kind")
			w.PutStr(api.AttrAgainstWillBy, "Teamleider Jeugd")
			x := ldvSpan(ss, 2, 3, activityID, bsnA, at).Attributes()
			x.PutStr(api.AttrAccessBasis, "against_will")
			x.PutStr(api.AttrAgainstWillRef, "B-2026-18")
			x.PutStr(api.AttrAgainstWillReason, "Veiligheid van het kind")
			n := ldvSpan(ss, 2, 4, activityID, bsnA, at).Attributes()
			n.PutStr(api.AttrAction, "disclose") // no recipient

			status, _, resp := postOTLP(t, base, e.eventKey, enc, td, false)
			if status != 200 {
				t.Fatalf("status %d, want 200", status)
			}
			ps := resp.PartialSuccess()
			if ps.RejectedSpans() != 2 {
				t.Errorf("rejected_spans %d, want 2 (%s)", ps.RejectedSpans(), ps.ErrorMessage())
			}
			for _, want := range []string{"against_will.approved_by", "recipient"} {
				if !strings.Contains(ps.ErrorMessage(), want) {
					t.Errorf("error_message %q lacks %q", ps.ErrorMessage(), want)
				}
			}
			a := e.logged(bsnA)
			if len(a) != 1 || a[0].Action != "disclose" || a[0].Recipient != "Zorgaanbieder Noord" {
				t.Errorf("disclosure stored as %+v, want one with recipient Zorgaanbieder Noord", a)
			}
			b := e.logged(bsnB)
			if len(b) != 1 || b[0].AccessBasis != "against_will" || b[0].AgainstWill == nil ||
				*b[0].AgainstWill != (portal.AgainstWill{DecisionRef: "B-2026-17", Reason: "Veiligheid van het kind", ApprovedBy: "Teamleider Jeugd"}) {
				t.Errorf("against-will processing stored as %+v", b)
			}
		})
	}
}

// TestOTLPRepeatsShareTheRejection: a span stored earlier, sent again twice in one request with other
// content, is rejected twice: every span of the request that is not stored is counted in
// partial_success (review: the repeat was acknowledged as stored).
func TestOTLPRepeatsShareTheRejection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := e.otlpServer()
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	td := ptrace.NewTraces()
	ldvSpan(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), 3, 1, activityID, bsnA, at)
	if st, _, resp := postOTLP(t, base, e.eventKey, "proto", td, false); st != 200 || resp.PartialSuccess().RejectedSpans() != 0 {
		t.Fatalf("first export: %d %s", st, resp.PartialSuccess().ErrorMessage())
	}
	td2 := ptrace.NewTraces()
	ss := td2.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	ldvSpan(ss, 3, 1, activityID, bsnA, at).SetName("other content")
	ldvSpan(ss, 3, 1, activityID, bsnA, at).SetName("other content")
	st, _, resp := postOTLP(t, base, e.eventKey, "proto", td2, false)
	if st != 200 || resp.PartialSuccess().RejectedSpans() != 2 {
		t.Errorf("status %d, rejected_spans %d (%s), want 200 and 2", st, resp.PartialSuccess().RejectedSpans(), resp.PartialSuccess().ErrorMessage())
	}
	if n := e.rows(); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}
