package portal

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Actions a processing event can record.
var Actions = []string{"view", "create", "update", "delete", "disclose", "export"}

// Access bases: why the employee could reach the data (PIA §5.3).
const (
	BasisAssigned    = "assigned"
	BasisTeam        = "team"
	BasisFunction    = "function"
	BasisBreakGlass  = "break_glass"
	BasisConsent     = "consent"
	BasisAgainstWill = "against_will"
)

// AccessBases lists every access basis in display order.
var AccessBases = []string{BasisAssigned, BasisTeam, BasisFunction, BasisBreakGlass, BasisConsent, BasisAgainstWill}

// Levels: dat-informatie (that a service exists) or wat-informatie (its substance), PIA §5.2.1.
var Levels = []string{"that", "what"}

// MaxBatch is the largest number of events accepted in one ingest request.
const MaxBatch = 1000

// MaxFuture is how far in the future an event's time may lie (clock skew between systems), unless
// EventRules say otherwise.
const MaxFuture = 5 * time.Minute

// MaxCategories is the most data categories one event may list (and, checked by the API, one
// register entry). Real events list a handful; the cap keeps one event from bloating the log.
const MaxCategories = 50

// EventRules bound the times an event may claim. The API fills them from configuration; a zero
// field means no bound (MaxFuture for MaxAhead).
type EventRules struct {
	Now time.Time
	// NotBefore is the earliest plausible occurred_at (no record keeping before it).
	NotBefore time.Time
	// MaxAhead is how far occurred_at may lie ahead of Now (clock skew); 0 means MaxFuture.
	MaxAhead time.Duration
	// MaxConfidential is how far ahead of Now confidential_until may lie. Longer confidentiality
	// needs an explicit, recorded extension (ConfidentialityExtension).
	MaxConfidential time.Duration
}

func (r EventRules) maxAhead() time.Duration {
	if r.MaxAhead <= 0 {
		return MaxFuture
	}
	return r.MaxAhead
}

// Dedupe returns list without repeated entries, in the order of their first appearance. It never
// writes into list (which may be shared, as the demo's fixed data are by two demos loading at once):
// without repeats it returns list itself, otherwise a new slice.
func Dedupe(list []string) []string {
	for i, s := range list {
		if !slices.Contains(list[:i], s) {
			continue
		}
		out := slices.Clone(list[:i])
		for _, s := range list[i+1:] {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	return list
}

// Actor is who processed the data.
type Actor struct {
	Organization string `json:"organization"`
	Team         string `json:"team,omitempty"`
	Role         string `json:"role"`
	EmployeeID   string `json:"employee_id,omitempty"`
	EmployeeName string `json:"employee_name,omitempty"`
}

// AgainstWill documents processing against the citizen's will (PIA §4.1.3): a decision, its reason and
// the second staff member who approved it.
type AgainstWill struct {
	DecisionRef string `json:"decision_ref"`
	Reason      string `json:"reason"`
	ApprovedBy  string `json:"approved_by"`
}

// Event is one processing of one citizen's personal data, as reported by a back-office system.
type Event struct {
	ID                 string       `json:"id"`
	OccurredAt         time.Time    `json:"occurred_at"`
	SubjectBSN         string       `json:"subject_bsn"`
	Activity           string       `json:"activity"`
	Action             string       `json:"action"`
	DataCategories     []string     `json:"data_categories"`
	Level              string       `json:"level"`
	Actor              Actor        `json:"actor"`
	System             string       `json:"system,omitempty"`
	CaseRef            string       `json:"case_ref,omitempty"`
	Recipient          string       `json:"recipient,omitempty"`
	AccessBasis        string       `json:"access_basis"`
	BreakGlassReason   string       `json:"break_glass_reason,omitempty"`
	ConsentRef         string       `json:"consent_ref,omitempty"`
	AgainstWill        *AgainstWill `json:"against_will,omitempty"`
	ConfidentialUntil  *time.Time   `json:"confidential_until,omitempty"`
	ConfidentialReason string       `json:"confidential_reason,omitempty"`
	// Span is set for an event received as an OTLP span (Logboek Dataverwerkingen); never decoded
	// from the native API's JSON.
	Span *Span `json:"-"`
	// VNG is set for an event made for a verwerkt object of a VNG verwerkingsactie; never decoded
	// from the native API's JSON.
	VNG *VNGOrigin `json:"-"`
}

// Span is where an event received over OTLP came from: the ids of its trace, span and parent span
// (lower-case hex), the span's name as the sending system wrote it, and whether it ended in an
// error. An event from a span may leave action, level, role and access basis empty: LDV does not
// carry them, and the citizen then reads "not stated", never an invented value.
type Span struct {
	TraceID      string `json:"trace_id"`
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id,omitempty"`
	Name         string `json:"name"`
	Failed       bool   `json:"failed,omitempty"`
	// Foreign is the Logboek Dataverwerkingen foreign_operation: the processing was part of a chain
	// that started at another organisation.
	Foreign *ForeignOperation `json:"foreign_operation,omitempty"`
}

// ForeignOperation names the operation at another organisation that a processing was done for: that
// organisation's trace and span id (lower-case hex) and, when the sender gave it, the URI of that
// organisation (LDV's entity).
type ForeignOperation struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Entity  string `json:"entity,omitempty"`
}

var (
	uuidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	categoryRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
)

// ValidCategory reports whether s is a well-formed data category id.
func ValidCategory(s string) bool { return categoryRe.MatchString(s) }

// ValidEventID reports whether s is a UUID, the form of every event id.
func ValidEventID(s string) bool { return uuidRe.MatchString(s) }

// maxText bounds free-text fields so a single event cannot bloat the log.
const maxText = 500

// Normalize trims free text, lower-cases the id and drops repeated data categories (keeping their
// order), so that equal content hashes equally.
func (e *Event) Normalize() {
	e.ID = strings.ToLower(strings.TrimSpace(e.ID))
	e.SubjectBSN = strings.TrimSpace(e.SubjectBSN)
	e.OccurredAt = e.OccurredAt.UTC()
	if len(e.DataCategories) <= MaxCategories { // a longer list is refused, not trimmed
		e.DataCategories = Dedupe(e.DataCategories)
	}
	if e.ConfidentialUntil != nil {
		t := e.ConfidentialUntil.UTC()
		e.ConfidentialUntil = &t
	}
	for _, p := range []*string{&e.Actor.Organization, &e.Actor.Team, &e.Actor.Role, &e.Actor.EmployeeID,
		&e.Actor.EmployeeName, &e.System, &e.CaseRef, &e.Recipient, &e.BreakGlassReason, &e.ConsentRef,
		&e.ConfidentialReason} {
		*p = strings.TrimSpace(*p)
	}
	if e.Span != nil {
		e.Span.Name = strings.TrimSpace(e.Span.Name)
	}
}

// Validate checks one event against the ingest rules and the time bounds r; known reports whether
// an activity id is in the register. It returns the broken fields (with Index set to idx), or nil.
func (e *Event) Validate(idx int, r EventRules, known func(string) bool) []FieldError {
	now := r.Now
	var fe []FieldError
	add := func(field, msg string) { fe = append(fe, FieldError{Index: idx, Field: field, Message: msg}) }
	if !uuidRe.MatchString(e.ID) {
		add("id", "must be a UUID")
	}
	if e.OccurredAt.IsZero() {
		add("occurred_at", "required (RFC 3339)")
	} else if e.OccurredAt.After(now.Add(r.maxAhead())) {
		add("occurred_at", fmt.Sprintf("lies more than %s in the future", r.maxAhead()))
	} else if !r.NotBefore.IsZero() && e.OccurredAt.Before(r.NotBefore) {
		add("occurred_at", fmt.Sprintf("lies before %s, the earliest time accepted", r.NotBefore.UTC().Format(time.RFC3339)))
	}
	if !ValidBSN(e.SubjectBSN) {
		add("subject_bsn", "must be 9 digits passing the 11-proef")
	}
	if e.Activity == "" {
		add("activity", "required")
	} else if !known(e.Activity) {
		add("activity", unknownActivity)
	}
	// LDV and VNG do not carry these; an event from a span or a verwerkingsactie may leave them unstated.
	unstated := func(v string) bool { return (e.Span != nil || e.VNG != nil) && v == "" }
	if !slices.Contains(Actions, e.Action) && !unstated(e.Action) {
		add("action", "must be one of "+strings.Join(Actions, ", "))
	}
	if len(e.DataCategories) == 0 {
		add("data_categories", "at least one category is required")
	} else if len(e.DataCategories) > MaxCategories {
		add("data_categories", fmt.Sprintf("at most %d categories, this event lists %d", MaxCategories, len(e.DataCategories)))
	}
	for i, c := range e.DataCategories {
		if !categoryRe.MatchString(c) {
			add(fmt.Sprintf("data_categories[%d]", i), "must be 1-64 characters of a-z, 0-9, '_' or '-'")
		}
	}
	if !slices.Contains(Levels, e.Level) && !unstated(e.Level) {
		add("level", "must be 'that' or 'what'")
	}
	if e.Actor.Organization == "" {
		add("actor.organization", "required")
	}
	if e.Actor.Role == "" && e.Span == nil && e.VNG == nil {
		add("actor.role", "required")
	}
	if e.Action == "disclose" && e.Recipient == "" {
		add("recipient", "required when action is disclose")
	}
	switch {
	case unstated(e.AccessBasis):
	case e.AccessBasis == BasisAssigned, e.AccessBasis == BasisTeam, e.AccessBasis == BasisFunction:
	case e.AccessBasis == BasisBreakGlass:
		if e.BreakGlassReason == "" {
			add("break_glass_reason", "required when access_basis is break_glass")
		}
	case e.AccessBasis == BasisConsent:
		if e.ConsentRef == "" {
			add("consent_ref", "required when access_basis is consent")
		}
	case e.AccessBasis == BasisAgainstWill:
		aw := e.AgainstWill
		if aw == nil {
			add("against_will", "required when access_basis is against_will")
		} else {
			if strings.TrimSpace(aw.DecisionRef) == "" {
				add("against_will.decision_ref", "required")
			}
			if strings.TrimSpace(aw.Reason) == "" {
				add("against_will.reason", "required")
			}
			if strings.TrimSpace(aw.ApprovedBy) == "" {
				add("against_will.approved_by", "required")
			}
		}
	default:
		add("access_basis", "must be one of "+strings.Join(AccessBases, ", "))
	}
	if e.ConfidentialUntil != nil && e.ConfidentialReason == "" {
		add("confidential_reason", "required when confidential_until is set")
	}
	if e.ConfidentialUntil == nil && e.ConfidentialReason != "" {
		add("confidential_until", "required when confidential_reason is set")
	}
	if e.ConfidentialUntil != nil && r.MaxConfidential > 0 && e.ConfidentialUntil.After(now.Add(r.MaxConfidential)) {
		add("confidential_until", fmt.Sprintf("lies more than %s ahead; longer only by a recorded extension "+
			"(POST /processing-events/{id}/confidentiality-extensions)", FormatPeriod(r.MaxConfidential)))
	}
	var aw AgainstWill
	if e.AgainstWill != nil {
		aw = *e.AgainstWill
	}
	for _, f := range []struct{ name, v string }{
		{"id", e.ID}, {"subject_bsn", e.SubjectBSN}, {"activity", e.Activity},
		{"actor.organization", e.Actor.Organization}, {"actor.team", e.Actor.Team}, {"actor.role", e.Actor.Role},
		{"actor.employee_id", e.Actor.EmployeeID}, {"actor.employee_name", e.Actor.EmployeeName},
		{"system", e.System}, {"case_ref", e.CaseRef}, {"recipient", e.Recipient},
		{"break_glass_reason", e.BreakGlassReason}, {"consent_ref", e.ConsentRef},
		{"against_will.decision_ref", aw.DecisionRef}, {"against_will.reason", aw.Reason},
		{"against_will.approved_by", aw.ApprovedBy}, {"confidential_reason", e.ConfidentialReason},
	} {
		if msg := CheckText(f.v, maxText); msg != "" {
			add(f.name, msg)
		}
	}
	// The reasons are free text a citizen reads: a BSN has no place in them (the event names its person).
	for _, f := range []struct{ name, v string }{{"break_glass_reason", e.BreakGlassReason},
		{"against_will.reason", aw.Reason}, {"confidential_reason", e.ConfidentialReason}} {
		if HoldsBSN(f.v) {
			add(f.name, MsgBSNInText)
		}
	}
	if e.Span != nil {
		checkSpan(e.Span, add)
	}
	if e.VNG != nil && !uuidRe.MatchString(e.VNG.ActieID) {
		add("actieId", "must be a UUID")
	}
	return fe
}

// ChainSpan is an OTLP span without a data subject, kept so that the chain an event belongs to can be
// followed (the root of a chain, a step that touched no person).
type ChainSpan struct {
	Span
	StartedAt time.Time
	System    string
	Activity  string
}

// Validate checks a chain span's ids and text, returning the broken fields or nil.
func (s *ChainSpan) Validate() []FieldError {
	var fe []FieldError
	add := func(field, msg string) { fe = append(fe, FieldError{Index: -1, Field: field, Message: msg}) }
	checkSpan(&s.Span, add)
	for _, f := range []struct{ name, v string }{{"system", s.System}, {"activity", s.Activity}} {
		if msg := CheckText(f.v, maxText); msg != "" {
			add(f.name, msg)
		}
	}
	return fe
}

var (
	traceIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)
	spanIDRe  = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

func checkSpan(s *Span, add func(field, msg string)) {
	if !traceIDRe.MatchString(s.TraceID) || s.TraceID == strings.Repeat("0", 32) {
		add("span.trace_id", "must be 16 bytes, not all zero")
	}
	if !spanIDRe.MatchString(s.SpanID) || s.SpanID == strings.Repeat("0", 16) {
		add("span.span_id", "must be 8 bytes, not all zero")
	}
	if s.ParentSpanID != "" && !spanIDRe.MatchString(s.ParentSpanID) {
		add("span.parent_span_id", "must be 8 bytes")
	}
	if msg := CheckText(s.Name, maxText); msg != "" {
		add("span.name", msg)
	}
	if f := s.Foreign; f != nil {
		if !traceIDRe.MatchString(f.TraceID) || f.TraceID == strings.Repeat("0", 32) {
			add("span.foreign_operation.trace_id", "must be 16 bytes, not all zero")
		}
		if !spanIDRe.MatchString(f.SpanID) || f.SpanID == strings.Repeat("0", 16) {
			add("span.foreign_operation.span_id", "must be 8 bytes, not all zero")
		}
		if msg := CheckText(f.Entity, 2000); msg != "" {
			add("span.foreign_operation.entity", msg)
		}
	}
}

// CheckText returns why s is not acceptable free text (too long, not UTF-8, or holding control
// characters other than newline and tab, which PostgreSQL or a reader would choke on), or "".
func CheckText(s string, max int) string {
	if len(s) > max {
		return fmt.Sprintf("longer than %d characters", max)
	}
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return "holds a control character"
		}
	}
	return ""
}

// CheckFreeText is CheckText for free text written about a person (a request's explanation, a
// decision's motivation, a reason): it also refuses what looks like a BSN (HoldsBSN), so that none is
// stored in clear. Identifiers (a VNG objectId may be a BSN by design) use CheckText.
func CheckFreeText(s string, max int) string {
	if m := CheckText(s, max); m != "" {
		return m
	}
	if HoldsBSN(s) {
		return MsgBSNInText
	}
	return ""
}

// ContentHash is a digest of the event's normalized content, used to tell a harmless retry (same id,
// same content) from a conflict (same id, other content). Call Normalize first. The BSN itself is left
// out and subjectKey (its keyed HMAC) stands in for it, so the stored digest reveals nothing about it.
func (e *Event) ContentHash(subjectKey []byte) []byte {
	c := *e
	c.SubjectBSN = ""
	b, _ := json.Marshal(&c) // a struct of strings, times and slices always marshals
	h := sha256.New()
	h.Write(subjectKey)
	h.Write(b)
	if e.Span != nil { // Span is left out of b (json:"-"); native events hash as they always did
		sb, _ := json.Marshal(e.Span)
		h.Write(sb)
	}
	if e.VNG != nil { // likewise left out of b
		vb, _ := json.Marshal(e.VNG)
		h.Write(vb)
	}
	return h.Sum(nil)
}

// ValidateBatch is ValidateEvents with no time bounds but the 5 minutes of clock skew.
func ValidateBatch(events []Event, now time.Time, known func(string) bool) error {
	return ValidateEvents(events, EventRules{Now: now}, known)
}

// ValidateEvents normalizes and checks every event of a batch against the ingest rules and the time
// bounds r, and returns one EINVALID *Error that lists every broken field by index, or nil.
func ValidateEvents(events []Event, r EventRules, known func(string) bool) error {
	if len(events) == 0 {
		return &Error{Code: EINVALID, Message: "the batch holds no events",
			Fields: []FieldError{{Index: -1, Field: "events", Message: "at least one event is required"}}}
	}
	if len(events) > MaxBatch {
		return Errorf(ETOOLARGE, "a batch holds at most %d events", MaxBatch)
	}
	var fe []FieldError
	seen := make(map[string]int, len(events))
	for i := range events {
		events[i].Normalize()
		fe = append(fe, events[i].Validate(i, r, known)...)
		if first, dup := seen[events[i].ID]; dup && events[i].ID != "" {
			a, b := &events[first], &events[i]
			if string(a.ContentHash([]byte(a.SubjectBSN))) != string(b.ContentHash([]byte(b.SubjectBSN))) {
				fe = append(fe, FieldError{Index: i, Field: "id", Message: fmt.Sprintf("same id as event %d with other content", first)})
			}
		} else {
			seen[events[i].ID] = i
		}
	}
	return invalidBatch(fe)
}

// unknownActivity is the message for an event citing an activity the register does not hold.
const unknownActivity = "unknown processing activity"

// CheckRegister refuses a batch citing activities the register does not hold, as ValidateEvents does
// (EINVALID, naming each such event's activity), for a batch the caller validated otherwise. known
// reports whether an activity id is in the register.
func CheckRegister(events []Event, known func(string) bool) error {
	var fe []FieldError
	for i := range events {
		if events[i].Activity != "" && !known(events[i].Activity) {
			fe = append(fe, FieldError{Index: i, Field: "activity", Message: unknownActivity})
		}
	}
	return invalidBatch(fe)
}

func invalidBatch(fe []FieldError) error {
	if len(fe) > 0 {
		return &Error{Code: EINVALID, Message: fmt.Sprintf("%d invalid field(s); nothing was stored", len(fe)), Fields: fe}
	}
	return nil
}

// FormatPeriod writes d in days when it is a whole number of them ("366 days"), else as Go does.
func FormatPeriod(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// ConfidentialityExtension asks to keep a still confidential event hidden from the citizen for
// longer. It is recorded with who asked, when and why.
type ConfidentialityExtension struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
}

// Validate checks an extension against now and the longest confidentiality maxConf (measured from
// now; 0 means no bound). It returns an EINVALID *Error naming each broken field, or nil.
func (x *ConfidentialityExtension) Validate(now time.Time, maxConf time.Duration) error {
	var fe []FieldError
	x.Reason = strings.TrimSpace(x.Reason)
	if x.Until.IsZero() {
		fe = append(fe, FieldError{Index: -1, Field: "until", Message: "required (RFC 3339)"})
	} else if !x.Until.After(now) {
		fe = append(fe, FieldError{Index: -1, Field: "until", Message: "must lie in the future"})
	} else if maxConf > 0 && x.Until.After(now.Add(maxConf)) {
		fe = append(fe, FieldError{Index: -1, Field: "until", Message: fmt.Sprintf("lies more than %s ahead; extend again later", FormatPeriod(maxConf))})
	}
	if x.Reason == "" {
		fe = append(fe, FieldError{Index: -1, Field: "reason", Message: "required"})
	} else if msg := CheckFreeText(x.Reason, maxText); msg != "" {
		fe = append(fe, FieldError{Index: -1, Field: "reason", Message: msg})
	}
	if len(fe) > 0 {
		return &Error{Code: EINVALID, Message: "invalid confidentiality extension", Fields: fe}
	}
	x.Until = x.Until.UTC()
	return nil
}

// ExtensionReceipt is a recorded confidentiality extension.
type ExtensionReceipt struct {
	ID            int64     `json:"id"`
	EventID       string    `json:"event_id"`
	PreviousUntil time.Time `json:"previous_until"`
	Until         time.Time `json:"until"`
	ExtendedAt    time.Time `json:"extended_at"`
}

// IngestResult counts what a batch did.
type IngestResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// Cursor marks a position in a citizen's log, newest first (keyset pagination).
type Cursor struct {
	OccurredAt time.Time
	ID         string
}

// EventFilter selects events in a citizen's log. Zero values do not filter.
type EventFilter struct {
	From, To     time.Time // To is exclusive
	Organization string
	Category     string
	AccessBasis  string
	After        *Cursor // continue after this position (older events)
	// Before takes the Limit events just newer than this position (the previous page); Oldest takes
	// the Limit oldest events (the last page). Either way the page is returned newest first, and the
	// "more" result of Events says whether newer events follow.
	Before *Cursor
	Oldest bool
	Limit  int
	// Action and Recipient select one action ("view", …) and one recipient (passed on to whom).
	Action    string
	Recipient string
	// Search, when set, keeps the events on whose line the citizen reads its text.
	Search *LogSearch
	// For is set when someone acts for the person (a representative): an administrator
	// (bewindvoerder) then sees only events of register entries marked financial, and no
	// representative sees the records of staff views of a signal hidden from them.
	For *Acting
}

// MaxSearchLen caps the text of a search in the citizen's log (in characters).
const MaxSearchLen = 100

// LogSearch is a text search over what the citizen reads on a line of their log: the activity's name
// and purpose in their language, organisation, team, role, recipient and case reference, matched as
// typed (a "%" or "_" is a character, not a wildcard) and regardless of case. The labels of actions and
// data categories are texts of the portal, not stored: the caller finds the codes whose label in Lang
// contains Text and passes them in Actions and Categories.
type LogSearch struct {
	Text       string
	Lang       string // "nl" or "en"
	Actions    []string
	Categories []string
}

// LoggedEvent is a stored event as the citizen may see it, joined with its register entry.
type LoggedEvent struct {
	Event
	Activity   Activity
	ReceivedAt time.Time
	// ConsentCovered is set for events with access basis consent: whether the cited consent was the
	// same person's, granted, and neither withdrawn nor expired at the event's time.
	ConsentCovered *bool
	// ConsentID and ConsentReference identify the consent request an event cites (its consent_ref may
	// hold the request's UUID or its TS reference); "" when it cites none that is stored.
	ConsentID, ConsentReference string
	// Origin is set, on a single event read for its detail page, when the event was part of a chain
	// that started at another organisation: the span's own foreign operation, or else that of a span
	// kept for its chain (same trace). OriginOrganization names that organisation when it is known.
	Origin             *ForeignOperation
	OriginOrganization string
	// SourceName is, for staff, the sending system's own name of a processing received as a VNG
	// verwerkingsactie ("actieNaam — handelingNaam (verwerkingNaam)"); set where staff read events.
	SourceName string
}

// Sensitive reports whether the event carries a mark the citizen should notice.
func (e *LoggedEvent) Sensitive() bool {
	return e.AccessBasis == BasisBreakGlass || e.AccessBasis == BasisAgainstWill || e.AccessBasis == BasisConsent
}

// Summary counts a citizen's visible log for the dashboard.
type Summary struct {
	Total         int
	LastYear      int
	Organizations []string // distinct organisations, for the filter and the dashboard
	Categories    []string // distinct data categories
	BreakGlass    int
	AgainstWill   int
	Consent       int
	Latest        time.Time
}
