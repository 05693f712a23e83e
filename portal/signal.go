package portal

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Signals (meldingen): reports about a person by a professional, family, neighbours, school, police or
// someone anonymous (PIA §4.2). The person is told at once, unless a reasoned deferral approved by a
// second staff member applies; a deferral never lapses silently; every signal gets an explicit
// retention decision.

// ReporterKinds are who can report a signal.
var ReporterKinds = []string{"professional", "family", "neighbourhood", "school", "gp", "police", "anonymous", "other"}

// SignalCategories are the natures a signal can have.
var SignalCategories = []string{"wellbeing", "care_needs", "domestic_violence", "child_safety", "neglect", "debts",
	"housing", "nuisance", "health", "other"}

// Urgencies of a signal.
var Urgencies = []string{"crisis", "normal"}

// DeferralReasons are the only grounds on which telling the citizen may be deferred.
var DeferralReasons = []string{"danger", "crisis_intervention", "investigation", "third_party"}

// Retention decisions.
const (
	RetainDestroy = "vernietigen" // unfounded: the content is removed
	RetainAction  = "actie"       // follow-up under a case reference
	RetainKeep    = "bewaren"     // kept until a review date
)

// RetentionDecisions lists them in display order.
var RetentionDecisions = []string{RetainDestroy, RetainAction, RetainKeep}

// Deferral states.
const (
	DeferralPending  = "pending"
	DeferralApproved = "approved"
	DeferralRejected = "rejected"
	DeferralLapsed   = "lapsed" // no approval in time: the citizen was told
)

// Reporter is who made a report. It is shown to staff only, never to the citizen.
type Reporter struct {
	Name         string `json:"name,omitempty"`
	Organization string `json:"organization,omitempty"`
	Contact      string `json:"contact,omitempty"`
}

// Nature is what a signal is about, written for the citizen.
type Nature struct {
	Category string `json:"category"`
	Summary  string `json:"summary"`
}

// NewSignal is a signal as registered through the API or the staff form.
type NewSignal struct {
	ID           string    `json:"id"`
	SubjectBSN   string    `json:"subject_bsn"`
	ReceivedAt   time.Time `json:"received_at"`
	ReporterKind string    `json:"reporter_kind"`
	Reporter     *Reporter `json:"reporter,omitempty"`
	Nature       Nature    `json:"nature"`
	Urgency      string    `json:"urgency"`
	HandlingTeam string    `json:"handling_team"`
	// HoldUntil (API only) keeps the person from being told until then, so that a clerk can decide
	// whether to ask for a deferral; at most the deferral approval window ahead (CheckHold). Without a
	// clerk's decision the person is told when the hold ends.
	HoldUntil *time.Time `json:"hold_until,omitempty"`
	// SummaryForSubject is what the signal is about, written for the person. Nature.Summary is the
	// reporter's own text and is never shown to the person.
	SummaryForSubject string `json:"summary_for_subject,omitempty"`
	// EN holds the English version of the texts the person reads (issue 18), or nil: English pages
	// then show the Dutch text with a note. It needs SummaryForSubject (Validate).
	EN *SignalTexts `json:"en,omitempty"`
}

// MaxSubjectSummary is the longest text for the person about a signal.
const MaxSubjectSummary = 4000

// CheckSubjectSummary trims a text for the person and returns an EINVALID *Error naming field
// summary_for_subject when it is empty or too long.
func CheckSubjectSummary(text string) (string, error) {
	text, err := requiredText(text, MaxSubjectSummary, "summary_for_subject", "the text for the person is invalid")
	if err == nil && HoldsBSN(text) {
		err = &Error{Code: EINVALID, Message: "the text for the person is invalid", Fields: []FieldError{{Index: -1,
			Field: "summary_for_subject", Message: CheckFreeText(text, MaxSubjectSummary)}}}
	}
	return text, err
}

// requiredText trims text and returns an EINVALID *Error naming field when it is empty or breaks
// CheckText's rules (at most max bytes, no control characters).
func requiredText(text string, max int, field, message string) (string, error) {
	text = strings.TrimSpace(text)
	msg := CheckText(text, max)
	if text == "" {
		msg = "required"
	}
	if msg != "" {
		return text, &Error{Code: EINVALID, Message: message, Fields: []FieldError{{Index: -1, Field: field, Message: msg}}}
	}
	return text, nil
}

// HoldEnd is the latest end of a hold that starts at now: the deferral approval window.
func (p SignalPolicy) HoldEnd(now time.Time) time.Time {
	return AddWorkingDays(now, p.WithDefaults().ApprovalDays)
}

// CheckHold checks the hold of a new signal registered at now: in the future and not after the
// approval window (p.HoldEnd). It returns an EINVALID *Error naming field hold_until.
func (s NewSignal) CheckHold(now time.Time, p SignalPolicy) error {
	if s.HoldUntil == nil {
		return nil
	}
	msg := ""
	switch {
	case !s.HoldUntil.After(now):
		msg = "must lie in the future"
	case s.HoldUntil.After(p.HoldEnd(now)):
		msg = "at most the deferral approval window (" + strconv.Itoa(p.WithDefaults().ApprovalDays) + " working days) ahead"
	}
	if msg == "" {
		return nil
	}
	return &Error{Code: EINVALID, Message: "the hold is too long", Fields: []FieldError{{Index: -1, Field: "hold_until", Message: msg}}}
}

// Validate checks a new signal at now and returns an EINVALID *Error naming every bad field.
func (s *NewSignal) Validate(now time.Time) error {
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	if s.HoldUntil != nil && s.HoldUntil.IsZero() {
		s.HoldUntil = nil
	}
	if !ValidEventID(s.ID) {
		add("id", "must be a UUID")
	}
	s.ID = strings.ToLower(s.ID)
	if !ValidBSN(s.SubjectBSN) {
		add("subject_bsn", "must be a valid BSN (9 digits, 11-proef)")
	}
	if s.ReceivedAt.IsZero() {
		add("received_at", "required")
	} else if s.ReceivedAt.After(now.Add(MaxFuture)) {
		add("received_at", "lies in the future")
	}
	if !slices.Contains(ReporterKinds, s.ReporterKind) {
		add("reporter_kind", "must be one of "+strings.Join(ReporterKinds, ", "))
	}
	if r := s.Reporter; r != nil {
		for f, v := range map[string]string{"reporter.name": r.Name, "reporter.organization": r.Organization, "reporter.contact": r.Contact} {
			if m := CheckText(v, 500); m != "" {
				add(f, m)
			}
		}
	}
	if !slices.Contains(SignalCategories, s.Nature.Category) {
		add("nature.category", "must be one of "+strings.Join(SignalCategories, ", "))
	}
	s.Nature.Summary = strings.TrimSpace(s.Nature.Summary)
	if s.Nature.Summary == "" {
		add("nature.summary", "required: what the signal is about, written for the citizen")
	} else if m := CheckText(s.Nature.Summary, 4000); m != "" {
		add("nature.summary", m)
	}
	s.SummaryForSubject = strings.TrimSpace(s.SummaryForSubject)
	if m := CheckFreeText(s.SummaryForSubject, MaxSubjectSummary); m != "" {
		add("summary_for_subject", m)
	}
	if e := s.EN; e != nil {
		checkTexts([]textField{{"en.summary_for_subject", &e.SummaryForSubject, MaxSubjectSummary}, {"en.handling_team", &e.HandlingTeam, 500}},
			func(field string) string {
				if field == "en.summary_for_subject" {
					return "required when en is given"
				}
				return ""
			}, add)
		if e.SummaryForSubject != "" && s.SummaryForSubject == "" {
			add("en.summary_for_subject", "needs summary_for_subject: the Dutch text comes first, the English one is its translation")
		}
	}
	if !slices.Contains(Urgencies, s.Urgency) {
		add("urgency", "must be crisis or normal")
	}
	s.HandlingTeam = strings.TrimSpace(s.HandlingTeam)
	if s.HandlingTeam == "" {
		add("handling_team", "required")
	} else if m := CheckFreeText(s.HandlingTeam, 500); m != "" {
		add("handling_team", m)
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "the signal is invalid", Fields: fs}
	}
	return nil
}

// Signal is a stored signal. After destruction only ID, SubjectID, Category and the dates remain.
type Signal struct {
	NewSignal
	SubjectID    int64
	RegisteredAt time.Time
	Source       string // api or staff
	ToldAt       *time.Time
	DecisionDue  time.Time
	Retention    string // "" until decided
	RetentionAt  *time.Time
	RetentionBy  string
	CaseRef      string
	ReviewAt     *time.Time // bewaren: when to decide again
	DestroyedAt  *time.Time
	Deferrals    []Deferral
	// The text for the person (NewSignal.SummaryForSubject): who wrote it ("api" when the reporter
	// sent it, else the clerk's subject) and when.
	SubjectSummaryBy string
	SubjectSummaryAt *time.Time
}

// Held reports whether the signal is held at now: the person is not told yet and its hold has not
// ended.
func (s Signal) Held(now time.Time) bool {
	return !s.Told() && s.HoldUntil != nil && now.Before(*s.HoldUntil)
}

// Told reports whether the citizen has been told about the signal.
func (s Signal) Told() bool { return s.ToldAt != nil }

// Destroyed reports whether the content was removed.
func (s Signal) Destroyed() bool { return s.DestroyedAt != nil }

// ActiveDeferral returns the deferral that keeps the signal from the citizen at now, if any: an approved
// one before its review date, or the first request still within its approval window.
func (s Signal) ActiveDeferral(now time.Time) (Deferral, bool) {
	for _, d := range s.Deferrals {
		if d.Status == DeferralApproved && now.Before(d.ReviewAt) {
			return d, true
		}
	}
	for _, d := range s.Deferrals {
		if d.Status == DeferralPending && d.Initial && now.Before(d.ApproveBefore) {
			return d, true
		}
	}
	return Deferral{}, false
}

// HiddenSignalCategories are the categories of signals that representatives never see unless a
// release for them is approved: what a parent or other representative may be part of.
var HiddenSignalCategories = []string{"domestic_violence", "child_safety"}

// HiddenFromRepresentatives reports whether representatives may not see the signal without a release:
// its category is one of HiddenSignalCategories, or a deferral says so. The mark holds after the
// person is told, also when telling closed the deferral (lapsed, or rejected by the system); only a
// team lead's rejection of that deferral takes it away.
func (s Signal) HiddenFromRepresentatives() bool {
	if slices.Contains(HiddenSignalCategories, s.Nature.Category) {
		return true
	}
	for _, d := range s.Deferrals {
		if d.HideFromRepresentatives && !(d.Status == DeferralRejected && d.DecidedBy != SystemActor) {
			return true
		}
	}
	return false
}

// SystemActor is who closes a deferral when the person is told without a team lead's decision.
const SystemActor = "system"

// PendingDeferral returns a deferral awaiting a team lead's decision.
func (s Signal) PendingDeferral() (Deferral, bool) {
	for _, d := range s.Deferrals {
		if d.Status == DeferralPending {
			return d, true
		}
	}
	return Deferral{}, false
}

// DeferralRequest is a clerk's request not to tell the citizen yet.
type DeferralRequest struct {
	Reason     string
	Motivation string
	ReviewAt   time.Time // end of the review day
	// HideFromRepresentatives keeps the signal from the person's representatives, also after the
	// person is told, while the deferral is pending or approved (unless a release says otherwise).
	HideFromRepresentatives bool
}

// Validate checks a deferral request at now against the longest allowed deferral.
func (d *DeferralRequest) Validate(now time.Time, max time.Duration) error {
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	if !slices.Contains(DeferralReasons, d.Reason) {
		add("reason", "choose a reason from the list")
	}
	d.Motivation = strings.TrimSpace(d.Motivation)
	if d.Motivation == "" {
		add("motivation", "required")
	} else if m := CheckText(d.Motivation, MaxNoteLength); m != "" {
		add("motivation", m)
	}
	switch {
	case d.ReviewAt.IsZero() || !d.ReviewAt.After(now):
		add("review_at", "must lie in the future")
	case d.ReviewAt.After(now.Add(max)):
		add("review_at", "later than the longest allowed deferral")
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "the deferral is incomplete", Fields: fs}
	}
	return nil
}

// Deferral is a request to defer telling, with the team lead's decision.
type Deferral struct {
	ID            int64
	Reason        string
	Motivation    string // removed when the signal is destroyed
	ReviewAt      time.Time
	RequestedBy   string // staff subject
	RequesterName string
	RequestedAt   time.Time
	ApproveBefore time.Time
	Initial       bool // the first request: it hides the signal while it awaits approval
	Status        string
	DecidedBy     string
	DeciderName   string
	DecidedAt     *time.Time
	// HideFromRepresentatives: see DeferralRequest.
	HideFromRepresentatives bool
}

// Release states.
const (
	ReleasePending  = "pending"
	ReleaseApproved = "approved"
	ReleaseRejected = "rejected"
)

// MaxReleaseReason is the longest reason for a release.
const MaxReleaseReason = 2000

// SignalRelease is a clerk's request to show one representative a signal hidden from
// representatives, with a second staff member's decision (four eyes, as for deferrals).
type SignalRelease struct {
	ID               int64
	SignalID         string
	RepresentationID string
	Reason           string
	RequestedBy      string // staff subject
	RequesterName    string
	RequestedAt      time.Time
	Status           string // ReleasePending, ReleaseApproved or ReleaseRejected
	DecidedBy        string
	DeciderName      string
	DecidedAt        *time.Time
}

// Open reports whether the release still counts: pending or approved. One open release per signal
// and representation.
func (r SignalRelease) Open() bool { return r.Status == ReleasePending || r.Status == ReleaseApproved }

// CheckReleaseReason trims a release's reason and returns an EINVALID *Error naming field reason when
// it is empty or too long.
func CheckReleaseReason(reason string) (string, error) {
	return requiredText(reason, MaxReleaseReason, "reason", "the release is incomplete")
}

// RetentionChoice is a staff decision on what is kept of a signal.
type RetentionChoice struct {
	Decision string
	CaseRef  string    // actie
	ReviewAt time.Time // bewaren
}

// Validate checks a retention choice at now; a kept signal is reviewed within max.
func (r *RetentionChoice) Validate(now time.Time, max time.Duration) error {
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	r.CaseRef = strings.TrimSpace(r.CaseRef)
	switch r.Decision {
	case RetainDestroy:
	case RetainAction:
		if r.CaseRef == "" {
			add("case_ref", "required for follow-up")
		} else if m := CheckText(r.CaseRef, 200); m != "" {
			add("case_ref", m)
		}
	case RetainKeep:
		if !r.ReviewAt.After(now) || r.ReviewAt.After(now.Add(max)) {
			add("review_at", "a date in the future, within the longest retention before review")
		}
	default:
		add("decision", "choose vernietigen, actie or bewaren")
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "the decision is incomplete", Fields: fs}
	}
	return nil
}

// AddWorkingDays adds n working days (Monday to Friday) to t, counted in Europe/Amsterdam. Public
// holidays are not taken into account: the window is then a day shorter, never longer.
func AddWorkingDays(t time.Time, n int) time.Time {
	d := t.In(Amsterdam)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// SignalPolicy holds the configurable periods of signal handling.
type SignalPolicy struct {
	ApprovalDays   int           // working days a team lead has to approve a deferral (default 2)
	MaxDeferral    time.Duration // longest deferral before review (default about three months)
	DecisionWithin time.Duration // time to take the retention decision (default four weeks)
	MaxKeep        time.Duration // longest a kept signal goes before review (default one year)
}

// WithDefaults fills unset periods.
func (p SignalPolicy) WithDefaults() SignalPolicy {
	if p.ApprovalDays <= 0 {
		p.ApprovalDays = 2
	}
	if p.MaxDeferral <= 0 {
		p.MaxDeferral = 92 * 24 * time.Hour
	}
	if p.DecisionWithin <= 0 {
		p.DecisionWithin = 28 * 24 * time.Hour
	}
	if p.MaxKeep <= 0 {
		p.MaxKeep = 366 * 24 * time.Hour
	}
	return p
}

// SignalCase is what staff see of a signal: the signal with its reporter and deferrals, who it is
// about, and the person's earlier signals that were kept.
type SignalCase struct {
	Signal  Signal
	BSN     string
	Earlier []Signal
}

// SignalRoleLabel is how a staff role appears in the person's processing log when a signal was viewed.
func SignalRoleLabel(role string) string {
	switch role {
	case RoleClerk:
		return "Medewerker meldingen"
	case RoleTeamLead:
		return "Teamleider meldingen"
	}
	return RoleLabel(role)
}
