package portal

import (
	"fmt"
	"time"
	_ "time/tzdata" // deadlines are computed in Europe/Amsterdam on any machine
)

// RequestKind is what a citizen asks for under the AVG (GDPR).
type RequestKind string

// The kinds of rights request.
const (
	KindInspection  RequestKind = "inzage"       // art. 15
	KindCorrection  RequestKind = "rectificatie" // art. 16
	KindErasure     RequestKind = "wissing"      // art. 17
	KindRestriction RequestKind = "beperking"    // art. 18
	KindObjection   RequestKind = "bezwaar"      // art. 21
	// KindQuestion is a plain question about the citizen's data (usually one processing line), not a
	// right under the AVG: it is answered, not decided (issue 18).
	KindQuestion RequestKind = "vraag"
	// KindAwbObjection is an objection under the Algemene wet bestuursrecht (art. 6:4, 6:7) against the
	// decision on an earlier request (RightsRequest.ObjectsTo), filed within six weeks after it was sent.
	KindAwbObjection RequestKind = "awb_bezwaar"
)

// RequestKinds lists every kind in display order (queue filter, API, council statistics).
var RequestKinds = []RequestKind{KindQuestion, KindInspection, KindCorrection, KindErasure, KindRestriction, KindObjection,
	KindAwbObjection}

// FormKinds are the kinds a citizen chooses from on the request form: the simplest first (a
// question), then the five AVG rights. An Awb objection is filed from a decision's page only.
var FormKinds = []RequestKind{KindQuestion, KindInspection, KindCorrection, KindErasure, KindRestriction, KindObjection}

// AVG reports whether the kind is one of the five rights under the AVG (art. 15–21): decided with an
// outcome within a month, extendable by two more (art. 12(3)).
func (k RequestKind) AVG() bool {
	switch k {
	case KindInspection, KindCorrection, KindErasure, KindRestriction, KindObjection:
		return true
	}
	return false
}

// Extendable reports whether the deadline of a request of the kind may be extended. Only the AVG
// rights may (art. 12(3)). A question has a short service norm that is not extended: a question that
// needs more work is better filed as an inspection. An Awb objection could be postponed by six weeks
// (Awb 7:10(3)); the portal does not offer that — the team handles it outside the portal if ever needed.
func (k RequestKind) Extendable() bool { return k.AVG() }

// Answered reports whether a request of the kind is closed with an answer rather than decided with an
// outcome: a question gets an answer text; there is no refusal, no ground and no four eyes.
func (k RequestKind) Answered() bool { return k == KindQuestion }

// NeedsDescription reports whether a request of the kind must say something in the citizen's own
// words. An inspection (AVG art. 15) needs no reason: the law asks for none, so the portal asks for
// none either (issue 18). Every other kind must say what it is about.
func (k RequestKind) NeedsDescription() bool { return k != KindInspection }

// RequestStatus is where a rights request stands.
type RequestStatus string

// The states of a rights request.
const (
	StatusReceived  RequestStatus = "ontvangen"
	StatusHandling  RequestStatus = "in_behandeling"
	StatusExtended  RequestStatus = "verlengd"
	StatusDecided   RequestStatus = "besloten"
	StatusWithdrawn RequestStatus = "ingetrokken"
)

// transitions are the only moves a request can make: received → handling → (extended) → decided, or
// withdrawn before the decision.
var transitions = map[RequestStatus][]RequestStatus{
	StatusReceived: {StatusHandling, StatusWithdrawn},
	StatusHandling: {StatusExtended, StatusDecided, StatusWithdrawn},
	StatusExtended: {StatusDecided, StatusWithdrawn},
}

// CanMove reports whether a request may go from one status to another.
func CanMove(from, to RequestStatus) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

// Move checks a transition and returns an EINVALID *Error when it is not allowed.
func Move(from, to RequestStatus) error {
	if !CanMove(from, to) {
		return Errorf(EINVALID, "a request cannot go from %s to %s", from, to)
	}
	return nil
}

// Amsterdam is the time zone legal deadlines are counted in.
var Amsterdam = mustZone("Europe/Amsterdam")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("portal: time zone %s: %v", name, err)) // time/tzdata is linked in
	}
	return loc
}

// AddMonths adds calendar months to a date the way legal periods run: the same day number in the
// target month, or its last day when that month is shorter (31 January + 1 month = 28 or 29 February).
// time.AddDate would roll over into the next month instead.
func AddMonths(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// endOfDay is the last moment of t's calendar day in Europe/Amsterdam.
func endOfDay(t time.Time) time.Time {
	y, m, d := t.In(Amsterdam).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, Amsterdam).Add(-time.Nanosecond)
}

// MaxExtensionMonths is how far the AVG (art. 12(3)) lets the deadline be extended.
const MaxExtensionMonths = 2

// QuestionServiceDays is the service norm for a question about a processing line: answered within
// 14 calendar days (two weeks) after receipt, at the end of that day in Europe/Amsterdam. Two weeks is
// half the AVG's month for a right, the norm many municipalities keep for answering letters from
// residents; it is counted in calendar days, like the AVG deadline, so that no list of holidays is
// needed and the citizen can count it on a calendar. It is not extendable (RequestKind.Extendable).
const QuestionServiceDays = 14

// AwbObjectionWeeks is the period for filing an Awb objection: six weeks after the day the decision
// was sent (Awb 6:7, 6:8). The portal sends the decision the moment it is made.
const AwbObjectionWeeks = 6

// ObjectionPeriodEnd is the last moment an Awb objection can be filed against a decision made at
// decided: the end of the day six weeks later (Awb 6:8: the period starts the day after sending).
func ObjectionPeriodEnd(decided time.Time) time.Time {
	return endOfDay(decided.In(Amsterdam).AddDate(0, 0, 7*AwbObjectionWeeks))
}

// AwbObjectionDeadline is when an Awb objection against a decision made at decided must be decided:
// six weeks after the objection period ended (Awb 7:10(1), without an advisory committee), so twelve
// weeks after the decision, whenever within the period the objection was filed.
func AwbObjectionDeadline(decided time.Time) time.Time {
	return endOfDay(ObjectionPeriodEnd(decided).AddDate(0, 0, 7*AwbObjectionWeeks))
}

// DeadlineFor is the first deadline of a new request of the kind received at received. For an Awb
// objection, decided is when the decision objected to was made (ignored for other kinds).
func DeadlineFor(kind RequestKind, received, decided time.Time) time.Time {
	switch kind {
	case KindQuestion:
		return endOfDay(received.In(Amsterdam).AddDate(0, 0, QuestionServiceDays))
	case KindAwbObjection:
		return AwbObjectionDeadline(decided)
	}
	return Deadline(received)
}

// Deadline is when a request received at received must be decided: the end of the day one calendar
// month later, counted in Europe/Amsterdam (AVG art. 12(3)).
func Deadline(received time.Time) time.Time {
	return endOfDay(AddMonths(received.In(Amsterdam), 1))
}

// ExtendedDeadline is the deadline after an extension by months (1 or 2) beyond the first month. It
// refuses longer extensions, and an extension asked for once the first deadline has passed (the
// citizen must be told within the first month).
func ExtendedDeadline(received, now time.Time, months int) (time.Time, error) {
	if months < 1 || months > MaxExtensionMonths {
		return time.Time{}, Errorf(EINVALID, "an extension is 1 or 2 months, not %d", months)
	}
	if now.After(Deadline(received)) {
		return time.Time{}, Errorf(EINVALID, "the first deadline has passed; it can no longer be extended")
	}
	return endOfDay(AddMonths(received.In(Amsterdam), 1+months)), nil
}
