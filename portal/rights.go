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
)

// RequestKinds lists every kind in display order.
var RequestKinds = []RequestKind{KindInspection, KindCorrection, KindErasure, KindRestriction, KindObjection}

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
