package api

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/tracectx"
)

// The read side for other systems (docs/api.md, "LDV read" and "VNG verwerkte-objecten"): another
// portal (MijnOverheid-style) or the privacy officer's tools read stored processing, scope
// events:read. Each read is recorded in the log of every person whose processing it returns, under a
// span of Inzicht's own that continues the caller's W3C trace ("Trace context").

// LDVReadPath is where the Logboek Dataverwerkingen read extension ("Extensie Lezen") is served, under
// /api/v1: its own path (POST /data-processing-operations) below /ldv, so that it never meets
// Inzicht's register listing at /processing-activities.
const LDVReadPath = "/ldv/data-processing-operations"

// badRequest marks an input error that the read standards answer with 400 rather than the native
// API's 422.
type badRequest struct{ err error }

func (b badRequest) Error() string { return b.err.Error() }
func (b badRequest) Unwrap() error { return b.err }

func invalidParam(field, msg string) error {
	return badRequest{&portal.Error{Code: portal.EINVALID, Message: "invalid read query: " + field + " " + msg,
		Fields: []portal.FieldError{{Index: -1, Field: field, Message: msg}}}}
}

// traced starts Inzicht's span for a request (name) with portal/tracectx: in the caller's trace, as
// a child of the caller's span, when the request carries a valid W3C traceparent header; in a new
// trace otherwise (an invalid header is ignored, as W3C Trace Context says). The response's
// traceparent header names the span, which is what the events the request records carry.
func traced(name string) fiber.Handler {
	return tracectx.Middleware(func(*fiber.Ctx) string { return name })
}

func requestSpan(c *fiber.Ctx) portal.Span {
	s, _ := portal.SpanFromContext(c.UserContext())
	return s
}

// apiRead is the read a request makes: by the key's system, answered for the municipality.
func (h *handlers) apiRead(c *fiber.Ctx) portal.APIRead {
	return portal.APIRead{Reader: apiKey(c).System, Municipality: h.cfg.Municipality, Span: requestSpan(c)}
}

// ldvReadRequest is the read extension's query. The dpl.core attributes may come at the top level
// (its OpenAPI 1.1 puts them there) or inside attributes (as written on a span); times as RFC 3339
// text or as milliseconds since the epoch (the core standard's form).
type ldvReadRequest struct {
	TraceID     string            `json:"traceId"`
	StartTime   json.RawMessage   `json:"startTime"`
	EndTime     json.RawMessage   `json:"endTime"`
	Attributes  map[string]string `json:"attributes"`
	ActivityID  string            `json:"dpl.core.processing_activity_id"`
	SubjectID   string            `json:"dpl.core.data_subject_id"`
	SubjectType string            `json:"dpl.core.data_subject_id_type"`
}

// ldvTime parses a startTime or endTime: RFC 3339 text or integer milliseconds since the epoch.
func ldvTime(field string, raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, invalidParam(field, "must be a date-time in RFC 3339 format or milliseconds since the epoch")
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || ms < 0 {
		return time.Time{}, invalidParam(field, "must be a date-time in RFC 3339 format or milliseconds since the epoch")
	}
	return time.UnixMilli(ms).UTC(), nil
}

// normalTraceID accepts a trace id as 32 hex digits or in the UUID form the read extension's
// examples use, and returns it as 32 lower-case hex digits.
func normalTraceID(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 36 {
		if _, err := uuid.Parse(s); err == nil {
			s = strings.ReplaceAll(s, "-", "")
		}
	}
	id, err := trace.TraceIDFromHex(s)
	if err != nil || !id.IsValid() {
		return "", invalidParam("traceId", "must be 16 bytes, not all zero: 32 hex digits or a UUID")
	}
	return id.String(), nil
}

// pick merges an attribute given at the top level and inside attributes.
func pick(field, top, nested string) (string, error) {
	top, nested = strings.TrimSpace(top), strings.TrimSpace(nested)
	if top != "" && nested != "" && top != nested {
		return "", invalidParam(field, "is given twice with different values")
	}
	if top != "" {
		return top, nil
	}
	return nested, nil
}

// ldvQuery turns the read extension's request into a query.
func ldvQuery(body []byte) (portal.ReadQuery, error) {
	var q portal.ReadQuery
	var req ldvReadRequest
	if err := decodeStrict(body, &req); err != nil {
		return q, badRequest{err}
	}
	for k := range req.Attributes {
		if k != AttrProcessingActivity && k != AttrDataSubjectID && k != AttrDataSubjectIDType {
			return q, invalidParam("attributes."+k, "is not an attribute this logbook can be queried by")
		}
	}
	var err error
	if q.Activity, err = pick(AttrProcessingActivity, req.ActivityID, req.Attributes[AttrProcessingActivity]); err != nil {
		return q, err
	}
	if q.SubjectBSN, err = pick(AttrDataSubjectID, req.SubjectID, req.Attributes[AttrDataSubjectID]); err != nil {
		return q, err
	}
	typ, err := pick(AttrDataSubjectIDType, req.SubjectType, req.Attributes[AttrDataSubjectIDType])
	if err != nil {
		return q, err
	}
	if typ != "" && !strings.EqualFold(typ, "BSN") {
		return q, invalidParam(AttrDataSubjectIDType, "must be BSN, the only kind of data subject id this logbook keeps")
	}
	if q.SubjectBSN != "" && !portal.ValidBSN(q.SubjectBSN) {
		return q, invalidParam(AttrDataSubjectID, "must be a BSN: 9 digits passing the 11-proef")
	}
	if strings.TrimSpace(req.TraceID) != "" {
		if q.TraceID, err = normalTraceID(req.TraceID); err != nil {
			return q, err
		}
	}
	if q.From, err = ldvTime("startTime", req.StartTime); err != nil {
		return q, err
	}
	if q.To, err = ldvTime("endTime", req.EndTime); err != nil {
		return q, err
	}
	q.ToInclusive = true
	if err := q.Validate(); err != nil {
		return q, badRequest{err}
	}
	return q, nil
}

// ldvRecord is one processing as the read extension renders it (camelCase, RFC 3339 times).
type ldvRecord struct {
	TraceID      string         `json:"traceId"`
	SpanID       string         `json:"spanId"`
	ParentSpanID string         `json:"parentSpanId,omitempty"`
	Status       string         `json:"status"`
	Name         string         `json:"name"`
	StartTime    string         `json:"startTime"`
	EndTime      string         `json:"endTime"`
	Resource     *ldvResource   `json:"resource,omitempty"`
	Attributes   map[string]any `json:"attributes"`
}

type ldvResource struct {
	Attributes map[string]string `json:"attributes"`
}

// AttrEventID is the attribute that names Inzicht's id of an event in an LDV read.
const AttrEventID = "inzicht.event_id"

// ldvRecordOf renders a stored event (or chain span) as an LDV record. An event Inzicht received
// without a trace (the native API) gets ids derived from its event id: the trace id is the id's 32
// hex digits, the span id its first 16. A span's foreign operation comes back in the attributes it
// was written in (dpl.core.foreign_operation.trace_id, .span_id, .entity): the read extension returns
// a record's attributes as the core standard names them and defines no field of its own for it.
func ldvRecordOf(e portal.LoggedEvent) ldvRecord {
	r := ldvRecord{Status: "Ok", Attributes: map[string]any{AttrProcessingActivity: e.Activity.ID}}
	if e.Span != nil {
		r.TraceID, r.SpanID, r.ParentSpanID, r.Name = e.Span.TraceID, e.Span.SpanID, e.Span.ParentSpanID, e.Span.Name
		if e.Span.Failed {
			r.Status = "Error"
		}
		if f := e.Span.Foreign; f != nil {
			r.Attributes[AttrForeignTraceID], r.Attributes[AttrForeignSpanID] = f.TraceID, f.SpanID
			if f.Entity != "" {
				r.Attributes[AttrForeignEntity] = f.Entity
			}
		}
	} else {
		hexID := strings.ReplaceAll(e.ID, "-", "")
		r.TraceID, r.SpanID = hexID, hexID[:16]
	}
	if r.Name == "" {
		r.Name = e.Action
	}
	if r.Name == "" {
		r.Name = e.Activity.ID
	}
	t := e.OccurredAt.UTC().Format(time.RFC3339Nano)
	r.StartTime, r.EndTime = t, t
	if e.System != "" {
		r.Resource = &ldvResource{Attributes: map[string]string{"service.name": e.System}}
	}
	if e.ID != "" {
		r.Attributes[AttrEventID] = e.ID
	}
	if e.SubjectBSN != "" {
		r.Attributes[AttrDataSubjectID] = e.SubjectBSN
		r.Attributes[AttrDataSubjectIDType] = "BSN"
	}
	for k, v := range map[string]string{AttrOrganization: e.Actor.Organization, AttrTeam: e.Actor.Team, AttrRole: e.Actor.Role,
		AttrAction: e.Action, AttrAccessBasis: e.AccessBasis, AttrLevel: e.Level, AttrCaseRef: e.CaseRef,
		AttrBreakGlassReason: e.BreakGlassReason, AttrConsentRef: e.ConsentRef, AttrRecipient: e.Recipient} {
		if v != "" {
			r.Attributes[k] = v
		}
	}
	if w := e.AgainstWill; w != nil {
		r.Attributes[AttrAgainstWillRef], r.Attributes[AttrAgainstWillReason], r.Attributes[AttrAgainstWillBy] =
			w.DecisionRef, w.Reason, w.ApprovedBy
	}
	if len(e.DataCategories) > 0 {
		r.Attributes[AttrDataCategories] = e.DataCategories
	}
	return r
}

// ldvRead is the read extension's query: POST a filter, get the matching processing records.
func (h *handlers) ldvRead(c *fiber.Ctx) error {
	if len(c.Body()) > MaxBody {
		return portal.Errorf(portal.ETOOLARGE, "the body is larger than %d bytes", MaxBody)
	}
	q, err := ldvQuery(c.Body())
	if err != nil {
		return err
	}
	evs, err := h.store.ReadProcessing(c.UserContext(), q, h.apiRead(c))
	if err != nil {
		return asBadRequest(err)
	}
	recs := make([]ldvRecord, len(evs))
	for i := range evs {
		recs[i] = ldvRecordOf(evs[i])
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{
		"metadata":                 fiber.Map{"logbookId": h.cfg.LogbookID, "organizationName": h.cfg.Municipality},
		"dataProcessingOperations": recs,
	})
}

// asBadRequest answers a refused query (invalid, or matching too much) with 400, as both read
// standards do.
func asBadRequest(err error) error {
	if code := portal.ErrorCode(err); code == portal.EINVALID || code == portal.ETOOLARGE {
		return badRequest{err}
	}
	return err
}

// vngObject is one verwerkt object with its verwerkingsactie, as VNG's inzage API renders it
// (VerwerktObjectUitgebreid). Inzicht stores one event per person, so each event is one object.
type vngObject struct {
	VerwerktObjectID         string     `json:"verwerktObjectId"`
	Objecttype               string     `json:"objecttype"`
	SoortObjectID            string     `json:"soortObjectId"`
	ObjectID                 string     `json:"objectId"`
	VerwerkteSoortenGegevens []vngSoort `json:"verwerkteSoortenGegevens"`
	Verwerkingsactie         vngActie   `json:"verwerkingsactie"`
}

type vngSoort struct {
	SoortGegeven string `json:"soortGegeven"`
}

type vngActie struct {
	ActieID                 string `json:"actieId"`
	ActieNaam               string `json:"actieNaam,omitempty"`
	VerwerkingNaam          string `json:"verwerkingNaam,omitempty"`
	VerwerkingsactiviteitID string `json:"verwerkingsactiviteitId"`
	Vertrouwelijkheid       string `json:"vertrouwelijkheid"`
	Bewaartermijn           string `json:"bewaartermijn,omitempty"`
	Systeem                 string `json:"systeem,omitempty"`
	Gebruiker               string `json:"gebruiker,omitempty"`
	Tijdstip                string `json:"tijdstip"`
	TijdstipRegistratie     string `json:"tijdstipRegistratie"`
}

var vngConfidentiality = []string{"normaal", "vertrouwelijk", "opgeheven"}

// vngDate parses a VNG date parameter (yyyy-mm-dd) as the start of that day in Europe/Amsterdam.
func vngDate(c *fiber.Ctx, name string, loc *time.Location) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, invalidParam(name, "is required (yyyy-mm-dd)")
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, invalidParam(name, "must be a date (yyyy-mm-dd)")
	}
	return t, nil
}

// verwerkteObjecten is VNG's inzage query: a person's processing in a period.
func (h *handlers) verwerkteObjecten(c *fiber.Ctx) error {
	if c.Query("objecttype") != "persoon" {
		return invalidParam("objecttype", "must be persoon")
	}
	if c.Query("soortObjectId") != "BSN" {
		return invalidParam("soortObjectId", "must be BSN, the only kind of object id this log keeps")
	}
	bsn := strings.TrimSpace(c.Query("objectId"))
	if !portal.ValidBSN(bsn) {
		return invalidParam("objectId", "must be a BSN: 9 digits passing the 11-proef")
	}
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return err
	}
	from, err := vngDate(c, "beginDatum", loc)
	if err != nil {
		return err
	}
	to, err := vngDate(c, "eindDatum", loc)
	if err != nil {
		return err
	}
	if to.Before(from) {
		return invalidParam("eindDatum", "lies before beginDatum")
	}
	var want []string
	if v := c.Query("vertrouwelijkheid"); v != "" {
		for _, s := range strings.Split(v, ",") {
			if !slices.Contains(vngConfidentiality, s) {
				return invalidParam("vertrouwelijkheid", "must list normaal, vertrouwelijk or opgeheven")
			}
			want = append(want, s)
		}
	}
	limited := true
	if v := c.Query("beperkteSet"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return invalidParam("beperkteSet", "must be true or false")
		}
		limited = b
	}
	q := portal.ReadQuery{SubjectBSN: bsn, From: from, To: to, Activity: strings.Clone(c.Query("verwerkingsactiviteitId"))}
	normal, released := want == nil || slices.Contains(want, "normaal"), want == nil || slices.Contains(want, "opgeheven")
	if normal != released {
		q.Released = &released
	}
	var evs []portal.LoggedEvent
	if normal || released { // vertrouwelijk alone: confidential processing is never read, so nothing is
		if evs, err = h.store.ReadProcessing(c.UserContext(), q, h.apiRead(c)); err != nil {
			return asBadRequest(err)
		}
	}
	results := make([]vngObject, 0, len(evs))
	for _, e := range evs {
		conf := "normaal"
		if e.ConfidentialUntil != nil { // visible, so its confidentiality has ended
			conf = "opgeheven"
		}
		o := vngObject{VerwerktObjectID: e.ID, Objecttype: "persoon", SoortObjectID: "BSN", ObjectID: bsn,
			VerwerkteSoortenGegevens: make([]vngSoort, len(e.DataCategories)),
			Verwerkingsactie: vngActie{ActieID: e.ID, ActieNaam: e.Action, VerwerkingNaam: e.Activity.Name.NL,
				VerwerkingsactiviteitID: e.Activity.ID, Vertrouwelijkheid: conf, Bewaartermijn: e.Activity.Retention,
				Tijdstip: e.OccurredAt.UTC().Format(time.RFC3339Nano), TijdstipRegistratie: e.ReceivedAt.UTC().Format(time.RFC3339Nano)}}
		if e.Span != nil && e.Span.Name != "" {
			o.Verwerkingsactie.ActieNaam = e.Span.Name
		}
		if !limited {
			o.Verwerkingsactie.Systeem, o.Verwerkingsactie.Gebruiker = e.System, e.Actor.EmployeeID
		}
		for i, cat := range e.DataCategories {
			o.VerwerkteSoortenGegevens[i] = vngSoort{SoortGegeven: cat}
		}
		results = append(results, o)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"count": len(results), "next": nil, "previous": nil, "results": results})
}
