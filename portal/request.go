package portal

import (
	"slices"
	"strings"
	"time"
)

// Outcome is how a request was decided.
type Outcome string

// The outcomes of a decision.
const (
	OutcomeGranted  Outcome = "toegewezen"
	OutcomePartly   Outcome = "deels_toegewezen"
	OutcomeRejected Outcome = "afgewezen"
)

// Outcomes lists every outcome in display order.
var Outcomes = []Outcome{OutcomeGranted, OutcomePartly, OutcomeRejected}

// Limits on what a citizen or clerk can type.
const (
	MaxRequestText = 10000
	MaxScopeItems  = 50
	MaxEmailLength = 254
	MaxNoteLength  = 5000
)

// Scope says which data a request is about: everything, or chosen organisations, data categories or
// single processing events (any of which match).
type Scope struct {
	All           bool     `json:"all"`
	Organizations []string `json:"organizations,omitempty"`
	Categories    []string `json:"categories,omitempty"`
	EventIDs      []string `json:"event_ids,omitempty"`
}

// Empty reports whether the scope names nothing.
func (s Scope) Empty() bool {
	return !s.All && len(s.Organizations) == 0 && len(s.Categories) == 0 && len(s.EventIDs) == 0
}

// NewRequest is what a citizen files.
type NewRequest struct {
	Kind        RequestKind
	Scope       Scope
	Description string
	// Email is optional: the person's new notification address. It replaces their earlier one and
	// is used only once confirmed through the link sent to it.
	Email string
	// ByRepresentation is the representation under which a representative files the request for
	// the person (issue 16); "" when the person files it themselves.
	ByRepresentation string
	// SignalID names the signal the request is about, when it was filed from that signal's page.
	SignalID string
	// ObjectsTo names the decided request an Awb objection is against; "" for every other kind.
	ObjectsTo string
}

// Validate checks a new request and returns an EINVALID *Error naming every bad field.
func (r *NewRequest) Validate() error {
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	if !slices.Contains(RequestKinds, r.Kind) {
		add("kind", "choose a kind of request")
	}
	r.Description = strings.TrimSpace(r.Description)
	if r.Description == "" && r.Kind.NeedsDescription() {
		add("description", "required")
	} else if m := CheckFreeText(r.Description, MaxRequestText); m != "" {
		add("description", m)
	}
	r.Email = strings.TrimSpace(r.Email)
	if r.Email != "" {
		if _, ok := CheckEmail(r.Email); !ok {
			add("email", "not a valid e-mail address")
		}
	}
	r.ObjectsTo = strings.ToLower(strings.TrimSpace(r.ObjectsTo))
	if (r.Kind == KindAwbObjection) != (r.ObjectsTo != "") || (r.ObjectsTo != "" && !ValidEventID(r.ObjectsTo)) {
		add("objects_to", "an Awb objection names the decision it objects to, and only it does")
	}
	if r.Scope.Empty() {
		add("scope", "choose what the request is about")
	}
	if n := len(r.Scope.Organizations) + len(r.Scope.Categories) + len(r.Scope.EventIDs); n > MaxScopeItems {
		add("scope", "too many items")
	}
	for _, o := range r.Scope.Organizations {
		if m := CheckText(o, 500); m != "" || o == "" {
			add("scope", "invalid organisation")
			break
		}
	}
	for _, c := range r.Scope.Categories {
		if !ValidCategory(c) {
			add("scope", "invalid data category")
			break
		}
	}
	for i, id := range r.Scope.EventIDs {
		if !ValidEventID(id) {
			add("scope", "invalid processing event")
			break
		}
		r.Scope.EventIDs[i] = strings.ToLower(id)
	}
	if r.Scope.All {
		r.Scope.Organizations, r.Scope.Categories, r.Scope.EventIDs = nil, nil, nil
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "the request is incomplete", Fields: fs}
	}
	return nil
}

// RightsRequest is a citizen's request under the AVG, as stored.
type RightsRequest struct {
	ID          string // UUID
	Reference   string // e.g. AVG-2026-000042, on letters and in the API
	SubjectID   int64
	Kind        RequestKind
	Status      RequestStatus
	Scope       Scope
	Description string
	HasEmail    bool // whether the citizen has a confirmed notification address (news also comes by e-mail)
	ReceivedAt  time.Time
	// Deadline is the current deadline; FirstDeadline the one a month after receipt.
	Deadline        time.Time
	FirstDeadline   time.Time
	ExtensionReason string
	AssigneeSub     string // staff subject of the clerk handling it; "" = unassigned
	AssigneeName    string
	Outcome         Outcome
	Motivation      string
	Corrections     string
	Ground          RefusalGround // why it was not granted in full
	CoSigned        bool          // a decision against the person's will, co-signed by a team lead
	CoSignerName    string        // the team lead who co-signed it
	DecidedAt       *time.Time
	RemindedAt      *time.Time // clerks were reminded of the deadline
	OverdueAt       *time.Time // the deadline passed without a decision
	Steps           []Step     // the timeline, oldest first (only when loaded)
	// FiledBy and WithdrawnBy name the representative who filed or withdrew the request for the
	// person; nil when the person did it themselves. Names are filled when one request is read.
	FiledBy *OnBehalf
	// SignalID is the signal the request is about, or "".
	SignalID    string
	WithdrawnBy *OnBehalf
	// ObjectsTo is, for an Awb objection, the decided request it objects to; "" otherwise.
	ObjectsTo string
}

// Open reports whether the request still awaits a decision.
func (r RightsRequest) Open() bool {
	return r.Status != StatusDecided && r.Status != StatusWithdrawn
}

// DaysLeft is the number of calendar days (Europe/Amsterdam) until the deadline; negative when overdue.
func (r RightsRequest) DaysLeft(now time.Time) int {
	y, m, d := now.In(Amsterdam).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	y, m, d = r.Deadline.In(Amsterdam).Date()
	due := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return int(due.Sub(today).Hours() / 24)
}

// Overdue reports whether an open request has passed its deadline.
func (r RightsRequest) Overdue(now time.Time) bool {
	return r.Open() && now.After(r.Deadline)
}

// StepKind names what happened in a request's timeline.
type StepKind string

// The kinds of step.
const (
	StepFiled     StepKind = "filed"
	StepAssigned  StepKind = "assigned"
	StepStarted   StepKind = "started"
	StepExtended  StepKind = "extended"
	StepDecided   StepKind = "decided"
	StepWithdrawn StepKind = "withdrawn"
	StepReminder  StepKind = "reminder" // clerks reminded seven days before the deadline
	StepOverdue   StepKind = "overdue"  // the deadline passed
	StepProposed  StepKind = "proposed" // a decision against the person's will awaits a team lead's co-signature
	StepReturned  StepKind = "returned" // the team lead returned the proposed decision to the clerk
)

// Actor kinds of a step.
const (
	ByCitizen = "citizen"
	ByStaff   = "staff"
	BySystem  = "system"
)

// Step is one entry of a request's timeline: what happened, when, by which role.
type Step struct {
	At        time.Time
	Kind      StepKind
	From, To  RequestStatus // equal when the status did not change
	ActorKind string        // citizen, staff or system
	ActorRole string        // staff role (clerk, team_lead) or ""
	ActorSub  string        // staff subject; never shown to citizens
	ActorName string        // staff name; shown to citizens only where employees are named
	Note      string
}

// Action is a clerk's change to a request.
type Action struct {
	Kind        StepKind      // started, assigned, extended, decided
	Months      int           // extended: 1 or 2
	Outcome     Outcome       // decided
	Note        string        // extended: the reason; decided: the motivation
	Corrections string        // decided, corrections: what was corrected where
	Ground      RefusalGround // decided, not granted in full: why
}

// Validate checks an action on its own (the request's state is checked when it is applied).
func (a *Action) Validate(kind RequestKind) error {
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	a.Note = strings.TrimSpace(a.Note)
	a.Corrections = strings.TrimSpace(a.Corrections)
	if m := CheckFreeText(a.Note, MaxNoteLength); m != "" {
		add("note", m)
	}
	if m := CheckFreeText(a.Corrections, MaxNoteLength); m != "" {
		add("corrections", m)
	}
	switch a.Kind {
	case StepStarted, StepAssigned:
	case StepExtended:
		if a.Months < 1 || a.Months > MaxExtensionMonths {
			add("months", "1 or 2")
		}
		if a.Note == "" {
			add("note", "give the reason for the extension")
		}
	case StepDecided:
		if kind.Answered() {
			// A question is closed with its answer: the outcome is implied, no ground, no corrections.
			a.Outcome, a.Ground, a.Corrections = OutcomeGranted, "", ""
			if a.Note == "" {
				add("note", "write the answer")
			}
			break
		}
		if !slices.Contains(Outcomes, a.Outcome) {
			add("outcome", "choose granted, partly granted or rejected")
		}
		if a.Outcome != OutcomeGranted && a.Note == "" {
			add("note", "a motivation is required unless the request is granted in full")
		}
		if m := validGround(kind, a); m != "" {
			add("ground", m)
		}
		if kind == KindCorrection && a.Outcome != OutcomeRejected && a.Corrections == "" {
			add("corrections", "record what was corrected where")
		}
	default:
		add("action", "unknown action")
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "the action is incomplete", Fields: fs}
	}
	return nil
}

// Apply works out the effect of an action on a request at now: the new status and, for an extension,
// the new deadline. It enforces the state machine and the extension rules.
func (a Action) Apply(r RightsRequest, now time.Time) (RequestStatus, time.Time, error) {
	switch a.Kind {
	case StepAssigned:
		if !r.Open() {
			return "", time.Time{}, Errorf(EINVALID, "the request is closed")
		}
		return r.Status, r.Deadline, nil
	case StepStarted:
		return StatusHandling, r.Deadline, Move(r.Status, StatusHandling)
	case StepExtended:
		if !r.Kind.Extendable() {
			return "", time.Time{}, Errorf(EINVALID, "the deadline of a %s cannot be extended", r.Kind)
		}
		if err := Move(r.Status, StatusExtended); err != nil {
			return "", time.Time{}, err
		}
		d, err := ExtendedDeadline(r.ReceivedAt, now, a.Months)
		return StatusExtended, d, err
	case StepDecided:
		return StatusDecided, r.Deadline, Move(r.Status, StatusDecided)
	}
	return "", time.Time{}, Errorf(EINVALID, "unknown action %q", a.Kind)
}

// Message is an entry of a citizen's inbox: a status change of one of their requests, or a signal
// they are told about.
type Message struct {
	ID        int64
	RequestID string // a message is about a request, a signal or a consent request
	SignalID  string
	ConsentID string
	EventID   string // a MessageUnjustifiedAccess message: the judged access (RequestID: the objection, if any)
	Reference string
	// RequestKind is the kind of the request the message is about ("" for others): a question is
	// answered, not decided, and its messages say so.
	RequestKind RequestKind
	Kind        StepKind
	Status      RequestStatus
	Note        string // the reason of an extension, shown to the citizen
	CreatedAt   time.Time
	ReadAt      *time.Time
	// FirstDeadline is the first deadline of the request the message is about (nil for others): the
	// message that a request was received names the date.
	FirstDeadline *time.Time
}

// RequestFilter narrows the clerks' queue and the API's list.
type RequestFilter struct {
	Kind     RequestKind
	Status   RequestStatus
	Open     bool   // only requests awaiting a decision
	After    string // keyset: the last id of the previous page (API)
	Limit    int
	Assignee string
	// Staff queue only: Reference matches part of a request's reference; SubjectBSN the person the
	// request is about (storage looks it up by its keyed HMAC and never stores it); Offset skips
	// that many requests (paging).
	Reference  string
	SubjectBSN string
	Offset     int
}

// CaseFile is what a clerk sees when opening a request: the request, who it is about and the
// citizen's processing events in its scope.
type CaseFile struct {
	Request RightsRequest
	BSN     string
	Events  []LoggedEvent
	More    bool // more events are in scope than shown
}

// MaxCaseEvents bounds the events shown on a clerk's request page.
const MaxCaseEvents = 200

// MaxOverviewEvents bounds the inspection overview of a decision letter.
const MaxOverviewEvents = 20000

// BackOfficeRequest is a request with the citizen's BSN, for the back-office systems that must carry
// it out (a correction is made in the source system). Number orders requests for paging.
type BackOfficeRequest struct {
	RightsRequest
	Number int64
	BSN    string
}

// TellsCitizen reports whether a clerk's step is one the citizen gets an inbox message (and e-mail) for:
// an extension and a decision. Assigning and starting stay on the timeline only (issue 17: 23 messages
// for one request buried what mattered).
func TellsCitizen(k StepKind) bool { return k == StepExtended || k == StepDecided }
