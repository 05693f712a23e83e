package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// otlpIngest sends n other events as OpenTelemetry spans of the Logboek Dataverwerkingen standard
// (OTLP/HTTP, protobuf, --otlp-batch spans per request) with --clients concurrent clients, the way an
// instrumented back-office system's exporter does. Each span carries the dpl.core attributes and the
// inzicht.* extension attributes, so it becomes an event of the same shape as the native API's. A
// request that is not answered 200, or whose partial_success counts a rejected span, is a failed
// write and fails the run.
func (b *runner) otlpIngest(ctx context.Context, res *Result, n int) error {
	batch := b.o.OTLPBatch
	n -= n % batch
	if n == 0 {
		return nil
	}
	b.logf("otlp: %d events as spans over OTLP/HTTP protobuf, batches of %d, %d clients", n, batch, b.o.Clients)
	r := mrand.New(mrand.NewPCG(13, 17))
	evs := b.events(r, n)
	bodies := make([][]byte, 0, n/batch)
	for i := 0; i < n; i += batch {
		body, err := spanRequest(r, evs[i:i+batch])
		if err != nil {
			return err
		}
		bodies = append(bodies, body)
	}
	var next atomic.Int64
	var failed, pushbacks atomic.Int64
	took, err := parallel(ctx, b.o.Clients, func() error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(bodies) {
				return nil
			}
			status, msg, pushed, err := b.send(ctx, api.OTLPPath, "application/x-protobuf", bodies[i])
			pushbacks.Add(int64(pushed))
			if err != nil {
				return err
			}
			if status != 200 {
				failed.Add(int64(batch))
				return fmt.Errorf("bench: OTLP export answered %d: %.300s", status, msg)
			}
			er := ptraceotlp.NewExportResponse()
			if err := er.UnmarshalProto(msg); err != nil {
				return fmt.Errorf("bench: OTLP export answer: %w", err)
			}
			if ps := er.PartialSuccess(); ps.RejectedSpans() > 0 {
				failed.Add(ps.RejectedSpans())
				return fmt.Errorf("bench: OTLP export rejected %d spans: %s", ps.RejectedSpans(), ps.ErrorMessage())
			}
		}
	})
	res.Ingest.OTLPFailed, res.Ingest.OTLPPushbacks = int(failed.Load()), int(pushbacks.Load())
	if err != nil {
		return err
	}
	res.Ingest.OTLPEvents = n
	res.Ingest.OTLPPerSec = float64(n) / took.Seconds()
	return nil
}

// spanRequest encodes evs as one OTLP ExportTraceServiceRequest (protobuf) from one service, each
// event a span of its own trace.
func spanRequest(r *mrand.Rand, evs []portal.Event) ([]byte, error) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "Zaaksysteem")
	rs.Resource().Attributes().PutStr("service.version", "4.2")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	spans.EnsureCapacity(len(evs))
	for _, e := range evs {
		s := spans.AppendEmpty()
		var tid pcommon.TraceID
		var sid pcommon.SpanID
		binary.BigEndian.PutUint64(tid[:8], r.Uint64())
		binary.BigEndian.PutUint64(tid[8:], r.Uint64()|1)
		binary.BigEndian.PutUint64(sid[:], r.Uint64()|1)
		s.SetTraceID(tid)
		s.SetSpanID(sid)
		s.SetName(e.Activity + "." + e.Action)
		s.SetKind(ptrace.SpanKindInternal)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(e.OccurredAt))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(e.OccurredAt))
		s.Status().SetCode(ptrace.StatusCodeOk)
		a := s.Attributes()
		a.PutStr(api.AttrProcessingActivity, e.Activity)
		a.PutStr(api.AttrDataSubjectID, e.SubjectBSN)
		a.PutStr(api.AttrDataSubjectIDType, "BSN")
		a.PutStr(api.AttrOrganization, e.Actor.Organization)
		a.PutStr(api.AttrTeam, e.Actor.Team)
		a.PutStr(api.AttrRole, e.Actor.Role)
		a.PutStr(api.AttrAction, e.Action)
		a.PutStr(api.AttrLevel, e.Level)
		a.PutStr(api.AttrAccessBasis, e.AccessBasis)
		if e.BreakGlassReason != "" {
			a.PutStr(api.AttrBreakGlassReason, e.BreakGlassReason)
		}
		if e.Recipient != "" {
			a.PutStr(api.AttrRecipient, e.Recipient)
		}
		if w := e.AgainstWill; w != nil {
			a.PutStr(api.AttrAgainstWillRef, w.DecisionRef)
			a.PutStr(api.AttrAgainstWillReason, w.Reason)
			a.PutStr(api.AttrAgainstWillBy, w.ApprovedBy)
		}
		a.PutStr(api.AttrCaseRef, e.CaseRef)
		cats := a.PutEmptySlice(api.AttrDataCategories)
		for _, c := range e.DataCategories {
			cats.AppendEmpty().SetStr(c)
		}
	}
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return nil, fmt.Errorf("bench: encode an OTLP request: %w", err)
	}
	return body, nil
}
