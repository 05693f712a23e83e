package api

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/inzicht/inzicht/portal"
)

// OTLPPath is where an OpenTelemetry exporter pointed at the portal's base URL sends its spans.
const OTLPPath = "/v1/traces"

// Span attributes read by the OTLP receiver. The dpl.core ones are the Logboek Dataverwerkingen
// standard's; the inzicht ones are Inzicht's own extension for what LDV does not carry. An absent
// extension attribute is stored empty and shown to the citizen as "not stated".
const (
	AttrProcessingActivity = "dpl.core.processing_activity_id"
	AttrDataSubjectID      = "dpl.core.data_subject_id"
	AttrDataSubjectIDType  = "dpl.core.data_subject_id_type"
	AttrOrganization       = "inzicht.actor.organization"
	AttrTeam               = "inzicht.actor.team"
	AttrRole               = "inzicht.actor.role"
	AttrAction             = "inzicht.action"
	AttrAccessBasis        = "inzicht.access_basis"
	AttrLevel              = "inzicht.level"
	AttrDataCategories     = "inzicht.data_categories"
	AttrCaseRef            = "inzicht.case_ref"
	AttrBreakGlassReason   = "inzicht.break_glass_reason"
	AttrConsentRef         = "inzicht.consent_ref"
	AttrRecipient          = "inzicht.recipient"
	AttrAgainstWillRef     = "inzicht.against_will.decision_ref"
	AttrAgainstWillReason  = "inzicht.against_will.reason"
	AttrAgainstWillBy      = "inzicht.against_will.approved_by"

	// The LDV foreign_operation: the operation at another organisation this processing was done
	// for. Given as span attributes (trace and span id in hex), or as the span's first link with
	// the entity as that link's attribute; the attributes win over a link.
	AttrForeignTraceID = "dpl.core.foreign_operation.trace_id"
	AttrForeignSpanID  = "dpl.core.foreign_operation.span_id"
	AttrForeignEntity  = "dpl.core.foreign_operation.entity"
)

// SpanNamespace is the UUID namespace of the ids of events received as spans: an event's id is the
// name-based (SHA-1, version 5) UUID of the span's 16-byte trace id followed by its 8-byte span id,
// so the same span sent again has the same id and is stored once.
var SpanNamespace = uuid.MustParse("5b0d6c1e-0f0e-4c7a-9d3b-6c1d0a7e2f41")

// SpanEventID returns the event id of the span (traceID, spanID).
func SpanEventID(traceID [16]byte, spanID [8]byte) string {
	return uuid.NewSHA1(SpanNamespace, append(traceID[:], spanID[:]...)).String()
}

// maxRejectReasons bounds the reasons listed in partial_success.error_message.
const maxRejectReasons = 10

// otlpEncoding returns the OTLP encoding of a request's Content-Type: "proto" or "json".
func otlpEncoding(contentType string) (string, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	switch mt {
	case "application/x-protobuf":
		return "proto", true
	case "application/json":
		return "json", true
	}
	return "", false
}

// DecodeTraces decodes an ExportTraceServiceRequest in the OTLP encoding enc ("proto" or "json";
// in JSON, trace and span ids are hex, as the OTLP specification says). Spans with an id of the
// wrong length are left out, each with its reason in dropped (see dropBadIDs); the rest is
// decoded. It returns EINVALID for a body that does not decode.
func DecodeTraces(body []byte, enc string) (td ptrace.Traces, dropped []string, err error) {
	unmarshal := func(b []byte) (ptrace.Traces, error) {
		req := ptraceotlp.NewExportRequest()
		var err error
		if enc == "json" {
			err = req.UnmarshalJSON(b)
		} else {
			err = req.UnmarshalProto(b)
		}
		return req.Traces(), err
	}
	if td, err := unmarshal(body); err == nil {
		return td, nil, nil
	}
	if rest, dropped, ok := dropBadIDs(body, enc); ok {
		if td, err := unmarshal(rest); err == nil {
			return td, dropped, nil
		}
	}
	return ptrace.Traces{}, nil, portal.Errorf(portal.EINVALID, "the body is not an OTLP ExportTraceServiceRequest in %s", enc)
}

// spanEvent is one span of a request: the event it maps to, or why it is rejected. chainOnly marks
// a span without a data subject.
type spanEvent struct {
	ev        portal.Event
	reject    string
	chainOnly bool
	chain     portal.ChainSpan // the span as kept for its chain, when chainOnly
}

// sameSpan reports whether two spans of one request with the same ids carry the same content.
func sameSpan(a, b *spanEvent) bool {
	if a.chainOnly != b.chainOnly {
		return false
	}
	if a.chainOnly {
		x, y := a.chain, b.chain
		if (x.Foreign == nil) != (y.Foreign == nil) || x.Foreign != nil && *x.Foreign != *y.Foreign {
			return false
		}
		x.Foreign, y.Foreign = nil, nil
		return x.Span == y.Span && x.StartedAt.Equal(y.StartedAt) && x.System == y.System && x.Activity == y.Activity
	}
	return bytes.Equal(a.ev.ContentHash([]byte(a.ev.SubjectBSN)), b.ev.ContentHash([]byte(b.ev.SubjectBSN)))
}

// SpanEvents maps every span of td to a processing event (see docs/api.md, "OTLP"). register holds
// each entry under its id and, when it has one, its URI. Register entries give the organisation
// (their controller) and data categories unless an attribute does. A span that cannot be mapped has its reason in reject; a span without a data subject is chainOnly.
func spanEvents(td ptrace.Traces, register map[string]portal.Activity) []spanEvent {
	var out []spanEvent
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		system := attrString(rs.Resource().Attributes(), "service.name")
		if v := attrString(rs.Resource().Attributes(), "service.version"); v != "" && system != "" {
			system += " " + v
		}
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				out = append(out, spanEvent1(spans.At(k), system, register))
			}
		}
	}
	return out
}

func spanEvent1(s ptrace.Span, system string, register map[string]portal.Activity) spanEvent {
	tid, sid := s.TraceID(), s.SpanID()
	if tid.IsEmpty() || sid.IsEmpty() {
		return spanEvent{reject: "trace_id must be 16 bytes and span_id 8 bytes, not all zero"}
	}
	attrs := s.Attributes()
	ev := portal.Event{
		ID:         SpanEventID(tid, sid),
		OccurredAt: s.StartTimestamp().AsTime(),
		Activity:   attrString(attrs, AttrProcessingActivity),
		Action:     attrString(attrs, AttrAction),
		Level:      attrString(attrs, AttrLevel),
		Actor: portal.Actor{Organization: attrString(attrs, AttrOrganization), Team: attrString(attrs, AttrTeam),
			Role: attrString(attrs, AttrRole)},
		System:           system,
		CaseRef:          attrString(attrs, AttrCaseRef),
		AccessBasis:      attrString(attrs, AttrAccessBasis),
		BreakGlassReason: attrString(attrs, AttrBreakGlassReason),
		ConsentRef:       attrString(attrs, AttrConsentRef),
		Recipient:        attrString(attrs, AttrRecipient),
		Span: &portal.Span{TraceID: hex.EncodeToString(tid[:]), SpanID: hex.EncodeToString(sid[:]), Name: s.Name(),
			Failed: s.Status().Code() == ptrace.StatusCodeError},
	}
	if ref := attrString(attrs, AttrAgainstWillRef); ref != "" || ev.AccessBasis == portal.BasisAgainstWill {
		ev.AgainstWill = &portal.AgainstWill{DecisionRef: ref, Reason: attrString(attrs, AttrAgainstWillReason),
			ApprovedBy: attrString(attrs, AttrAgainstWillBy)}
	}
	if p := s.ParentSpanID(); !p.IsEmpty() {
		ev.Span.ParentSpanID = hex.EncodeToString(p[:])
	}
	fo, why := foreignOperation(s)
	if why != "" {
		return spanEvent{ev: ev, reject: why}
	}
	ev.Span.Foreign = fo
	if v, ok := attrs.Get(AttrDataCategories); ok {
		if v.Type() == pcommon.ValueTypeSlice {
			for i := range v.Slice().Len() {
				ev.DataCategories = append(ev.DataCategories, v.Slice().At(i).AsString())
			}
		} else {
			ev.DataCategories = strings.Split(v.AsString(), ",")
		}
	}
	subject := attrString(attrs, AttrDataSubjectID)
	if subject == "" {
		if a, ok := register[ev.Activity]; ok {
			ev.Activity = a.ID
		}
		return spanEvent{ev: ev, chainOnly: true}
	}
	if t := attrString(attrs, AttrDataSubjectIDType); !strings.EqualFold(t, "BSN") {
		return spanEvent{ev: ev, reject: fmt.Sprintf("%s %q is not supported; only BSN", AttrDataSubjectIDType, t)}
	}
	ev.SubjectBSN = subject
	if !portal.ValidBSN(strings.TrimSpace(subject)) {
		return spanEvent{ev: ev, reject: "the data subject id is not a valid BSN (9 digits, 11-proef)"}
	}
	if ev.Activity == "" {
		return spanEvent{ev: ev, reject: AttrProcessingActivity + " is required"}
	}
	a, ok := register[ev.Activity]
	if !ok {
		return spanEvent{ev: ev, reject: "unknown processing activity " + ev.Activity}
	}
	ev.Activity = a.ID // cited by its URI, stored by its id
	if ev.Actor.Organization == "" {
		ev.Actor.Organization = a.Controller
	}
	if len(ev.DataCategories) == 0 {
		ev.DataCategories = slices.Clone(a.DataCategories)
	}
	return spanEvent{ev: ev}
}

// foreignOperation returns the LDV foreign_operation of s: from the span attributes
// dpl.core.foreign_operation.trace_id and .span_id when given, else from the span's first link; the
// entity from that link's attribute dpl.core.foreign_operation.entity, else the span's. It returns a
// reason when the attributes give only part of it.
func foreignOperation(s ptrace.Span) (*portal.ForeignOperation, string) {
	attrs := s.Attributes()
	norm := func(v string) string { return strings.ToLower(strings.TrimSpace(v)) }
	f := portal.ForeignOperation{TraceID: norm(attrString(attrs, AttrForeignTraceID)), SpanID: norm(attrString(attrs, AttrForeignSpanID))}
	entity := strings.TrimSpace(attrString(attrs, AttrForeignEntity))
	if f.TraceID == "" && f.SpanID == "" && s.Links().Len() > 0 {
		l := s.Links().At(0)
		if tid, sid := l.TraceID(), l.SpanID(); !tid.IsEmpty() && !sid.IsEmpty() {
			f.TraceID, f.SpanID = hex.EncodeToString(tid[:]), hex.EncodeToString(sid[:])
			if e := strings.TrimSpace(attrString(l.Attributes(), AttrForeignEntity)); e != "" {
				entity = e
			}
		}
	}
	if f.TraceID == "" && f.SpanID == "" {
		if entity != "" {
			return nil, AttrForeignEntity + " needs the foreign operation's trace and span id (attributes or a link)"
		}
		return nil, ""
	}
	if f.TraceID == "" || f.SpanID == "" {
		return nil, AttrForeignTraceID + " and " + AttrForeignSpanID + " must be given together"
	}
	f.Entity = entity
	return &f, ""
}

// attrString returns the attribute key as a string ("" when absent).
func attrString(m pcommon.Map, key string) string {
	v, ok := m.Get(key)
	if !ok {
		return ""
	}
	return v.AsString()
}

// exportTraces is the OTLP/HTTP trace receiver: each span with a data subject becomes a processing
// event in that person's log; spans that cannot be stored are counted in partial_success, and the
// rest of the request is stored.
func (h *handlers) exportTraces(c *fiber.Ctx) error {
	enc, ok := otlpEncoding(c.Get(fiber.HeaderContentType))
	if !ok {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "the body must be sent as application/x-protobuf or application/json")
	}
	if len(c.Body()) > MaxBody {
		return portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	td, dropped, err := DecodeTraces(c.Body(), enc)
	if err != nil {
		return err
	}
	acts, err := h.register(c)
	if err != nil {
		return err
	}
	// A span cites its register entry by the entry's id or by its URI.
	register := make(map[string]portal.Activity, 2*len(acts))
	for _, a := range acts {
		register[a.ID] = a
		if a.URI != "" {
			register[a.URI] = a
		}
	}
	spans := spanEvents(td, register)
	rules := portal.EventRules{Now: h.cfg.Now(), NotBefore: h.cfg.EventsNotBefore, MaxAhead: h.cfg.EventsMaxFuture,
		MaxConfidential: h.cfg.ConfidentialMax}
	known := func(id string) bool { _, ok := register[id]; return ok }
	// Check each span alone, so one bad span does not refuse the others. A span sent twice in one
	// request is stored once; with other content the repeat is refused.
	first := map[[2]string]int{}
	var store []int
	var chain []portal.ChainSpan
	var chainIdx []int   // chain[j] is spans[chainIdx[j]]
	var repeats [][2]int // spans[r[0]] repeats spans[r[1]]: it shares that span's fate
	for i := range spans {
		s := &spans[i]
		if s.reject != "" {
			continue
		}
		if s.chainOnly {
			s.chain = portal.ChainSpan{Span: *s.ev.Span, StartedAt: s.ev.OccurredAt, System: s.ev.System, Activity: s.ev.Activity}
			if fe := s.chain.Validate(); len(fe) > 0 {
				s.reject = fieldReasons(fe)
				continue
			}
		} else {
			s.ev.Normalize()
			if fe := s.ev.Validate(0, rules, known); len(fe) > 0 {
				s.reject = fieldReasons(fe)
				continue
			}
		}
		key := [2]string{s.ev.Span.TraceID, s.ev.Span.SpanID}
		if j, dup := first[key]; dup {
			if !sameSpan(&spans[j], s) {
				s.reject = "span sent twice in this request with other content"
			} else {
				repeats = append(repeats, [2]int{i, j})
			}
			continue
		}
		first[key] = i
		if s.chainOnly {
			chain = append(chain, s.chain)
			chainIdx = append(chainIdx, i)
		} else {
			store = append(store, i)
		}
	}
	conflicts, err := h.store.StoreChainSpans(c.UserContext(), apiKey(c).ID, chain)
	if err != nil {
		return err
	}
	for _, j := range conflicts {
		spans[chainIdx[j]].reject = "span already stored with other content"
	}
	var res portal.IngestResult
	for len(store) > 0 {
		n := min(len(store), portal.MaxBatch)
		r, err := h.storeSpans(c, spans, store[:n], rules)
		if err != nil {
			return err
		}
		res.Accepted += r.Accepted
		res.Duplicates += r.Duplicates
		store = store[n:]
	}
	for _, r := range repeats {
		spans[r[0]].reject = spans[r[1]].reject
	}
	rejected := int64(len(dropped))
	reasons := dropped[:min(len(dropped), maxRejectReasons):min(len(dropped), maxRejectReasons)]
	for _, s := range spans {
		if s.reject != "" {
			rejected++
			if len(reasons) < maxRejectReasons {
				id := "span"
				if s.ev.Span != nil {
					id = "span " + s.ev.Span.TraceID + "/" + s.ev.Span.SpanID
				}
				reasons = append(reasons, id+": "+s.reject)
			}
		}
	}
	if h.metrics != nil {
		h.metrics.events.WithLabelValues("accepted").Add(float64(res.Accepted))
		h.metrics.events.WithLabelValues("duplicate").Add(float64(res.Duplicates))
		h.metrics.events.WithLabelValues("invalid").Add(float64(rejected))
	}
	resp := ptraceotlp.NewExportResponse()
	if rejected > 0 {
		msg := fmt.Sprintf("%d span(s) rejected, the rest stored; %s", rejected, strings.Join(reasons, "; "))
		resp.PartialSuccess().SetRejectedSpans(rejected)
		resp.PartialSuccess().SetErrorMessage(msg)
	}
	return sendOTLP(c, enc, fiber.StatusOK, resp.MarshalProto, resp.MarshalJSON)
}

// storeSpans stores the events of spans[idx...]. An event the store refuses by its index (EINVALID
// or ECONFLICT, such as an id already stored with other content) is rejected and the rest stored
// again, so one bad span never costs the others.
func (h *handlers) storeSpans(c *fiber.Ctx, spans []spanEvent, idx []int, rules portal.EventRules) (portal.IngestResult, error) {
	for range 3 {
		evs := make([]portal.Event, len(idx))
		for j, i := range idx {
			evs[j] = spans[i].ev
		}
		if len(evs) == 0 {
			return portal.IngestResult{}, nil
		}
		res, err := h.store.IngestChecked(c.UserContext(), apiKey(c).ID, evs, rules)
		var pe *portal.Error
		if err == nil || !errors.As(err, &pe) || (pe.Code != portal.EINVALID && pe.Code != portal.ECONFLICT) {
			return res, err
		}
		bad := map[int]string{}
		for _, f := range pe.Fields {
			if f.Index >= 0 && f.Index < len(idx) {
				bad[f.Index] = f.Field + ": " + f.Message
			}
		}
		if len(bad) == 0 {
			return res, err
		}
		keep := idx[:0:0]
		for j, i := range idx {
			if msg, ok := bad[j]; ok {
				spans[i].reject = msg
			} else {
				keep = append(keep, i)
			}
		}
		idx = keep
	}
	return portal.IngestResult{}, errors.New("api: spans still refused after three rounds")
}

func fieldReasons(fe []portal.FieldError) string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, ", ")
}

// sendOTLP writes an OTLP message in the request's encoding.
func sendOTLP(c *fiber.Ctx, enc string, status int, asProto, asJSON func() ([]byte, error)) error {
	ct, marshal := "application/x-protobuf", asProto
	if enc == "json" {
		ct, marshal = "application/json", asJSON
	}
	b, err := marshal()
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, ct)
	return c.Send(b)
}

var grpcCodeByStatus = map[int]codes.Code{
	fiber.StatusBadRequest:            codes.InvalidArgument,
	fiber.StatusUnprocessableEntity:   codes.InvalidArgument,
	fiber.StatusUnauthorized:          codes.Unauthenticated,
	fiber.StatusForbidden:             codes.PermissionDenied,
	fiber.StatusNotFound:              codes.NotFound,
	fiber.StatusRequestEntityTooLarge: codes.InvalidArgument,
	fiber.StatusUnsupportedMediaType:  codes.InvalidArgument,
	fiber.StatusTooManyRequests:       codes.ResourceExhausted,
	fiber.StatusServiceUnavailable:    codes.Unavailable,
}

// otlpErrorHandler answers errors as the OTLP/HTTP specification asks: a google.rpc.Status in the
// request's encoding (protobuf unless the request was JSON). An undecodable body is 400, not the
// native API's 422. Internal errors are logged once and never shown.
func otlpErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		status, msg := fiber.StatusInternalServerError, "the request could not be handled; part of it may have been stored: send it again (spans stored already are not stored twice)"
		var fe *fiber.Error
		if errors.As(err, &fe) {
			status = fe.Code
			if status < 500 || status == fiber.StatusServiceUnavailable {
				msg = fe.Message
			}
		} else if s, ok := statusByCode[portal.ErrorCode(err)]; ok {
			status, msg = s, portal.ErrorMessage(err)
			if status == fiber.StatusUnprocessableEntity {
				status = fiber.StatusBadRequest
			}
		}
		if status >= 500 && status != fiber.StatusServiceUnavailable {
			log.Error("api: otlp: internal error", "err", err)
		}
		code, ok := grpcCodeByStatus[status]
		if !ok {
			code = codes.Internal
		}
		enc, _ := otlpEncoding(c.Get(fiber.HeaderContentType))
		st := &rpcstatus.Status{Code: int32(code), Message: msg}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return sendOTLP(c, enc, status, func() ([]byte, error) { return proto.Marshal(st) },
			func() ([]byte, error) { return protojson.Marshal(st) })
	}
}

// NewOTLP returns the OTLP/HTTP trace receiver as a Fiber app, to be mounted at OTLPPath. It takes
// the same API keys (scope events:write) and body bounds as the API (New), and shares its rate limits
// when given the same gate (nil: a gate of its own).
func NewOTLP(store Store, cfg Config, gate *Gate, metrics *Metrics, log *slog.Logger) *fiber.App {
	cfg = cfg.withDefaults()
	if gate == nil {
		gate = NewGate(cfg)
	}
	app := fiber.New(fiber.Config{
		ErrorHandler:          otlpErrorHandler(log),
		BodyLimit:             MaxBody * 4,
		DisableStartupMessage: true,
	})
	h := &handlers{store: store, cfg: cfg, metrics: metrics}
	guard(app, h, gate)
	app.Post("/", h.requireScope("events:write"), h.pushback, h.exportTraces)
	app.Use(func(c *fiber.Ctx) error { return portal.Errorf(portal.ENOTFOUND, "no such OTLP resource") })
	return app
}
