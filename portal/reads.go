package portal

import (
	"slices"
	"time"
)

// MaxReadRecords is the most processing records one read through the read APIs (the LDV read
// extension, VNG verwerkte-objecten) returns. A query that matches more is refused: the reader
// narrows the period. The LDV read extension recommends a maximum; neither standard defines paging.
const MaxReadRecords = 1000

// ReadQuery selects stored processing for another system. At least one of TraceID, Activity and
// SubjectBSN is set (the LDV read extension's rule: no untargeted reads). Fields combine with AND.
type ReadQuery struct {
	TraceID    string // 32 lower-case hex digits
	Activity   string // a register entry id
	SubjectBSN string // a valid BSN
	From, To   time.Time
	// ToInclusive makes To part of the period (LDV endTime); otherwise it is its exclusive end (VNG
	// eindDatum). Zero times do not bound.
	ToInclusive bool
	// Released narrows to processing that was confidential and has been released (true) or that was
	// never confidential (false); nil takes both. Still confidential processing is never read.
	Released *bool
}

// Validate checks that the query targets something; it returns EINVALID naming what is wrong.
func (q ReadQuery) Validate() error {
	var fe []FieldError
	if q.TraceID == "" && q.Activity == "" && q.SubjectBSN == "" {
		fe = append(fe, FieldError{Index: -1, Field: "traceId", Message: "a trace id, a processing activity or a data subject is required"})
	}
	if q.TraceID != "" && !traceIDRe.MatchString(q.TraceID) {
		fe = append(fe, FieldError{Index: -1, Field: "traceId", Message: "must be 16 bytes in hex"})
	}
	if q.SubjectBSN != "" && !ValidBSN(q.SubjectBSN) {
		fe = append(fe, FieldError{Index: -1, Field: "dataSubjectId", Message: "must be 9 digits passing the 11-proef"})
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		fe = append(fe, FieldError{Index: -1, Field: "endTime", Message: "lies before the start of the period"})
	}
	if len(fe) > 0 {
		return &Error{Code: EINVALID, Message: "invalid read query", Fields: fe}
	}
	return nil
}

// APIRead is a read of stored processing by another system through the API: who read (the API
// key's system), on behalf of which municipality Inzicht answered, and the span Inzicht records the
// read under. Every person whose processing a read returns gets the read in their own log (Event),
// in the transaction that reads: no read without its log entry.
type APIRead struct {
	Reader       string // the reading system, as its API key names it
	Municipality string
	Span         Span
}

// APIReadRole is how a read by another system appears as the actor's role in the person's log.
const APIReadRole = "Automatische koppeling"

// Event is the processing event that records the read in the log of one person at now under the
// id given: action disclose to the reading system, system Inzicht, under APIReadActivity, with the
// data categories of that person's records it returned (and identity: the reader learns whose they
// are). It carries no BSN: the storage knows whose log it goes into.
func (r APIRead) Event(id string, now time.Time, categories []string) Event {
	cats := []string{"identity"}
	for _, c := range categories {
		if !slices.Contains(cats, c) && len(cats) < MaxCategories {
			cats = append(cats, c)
		}
	}
	span := r.Span
	return Event{ID: id, OccurredAt: now, Activity: APIReadActivity, Action: "disclose", DataCategories: cats,
		Level: "what", Actor: Actor{Organization: r.Municipality, Role: APIReadRole}, System: "Inzicht",
		Recipient: r.Reader, AccessBasis: BasisFunction, Span: &span}
}
