package portal

import (
	"fmt"
	"time"
)

// FilingKind names something a logged-in citizen can file that costs the municipality work (a legal
// deadline in the clerks' queue) or sends mail. Each kind has its own limit per person.
type FilingKind string

// The kinds of filing.
const (
	FilingRequest      FilingKind = "request"            // a rights request (inspection, correction, … objection)
	FilingWithdrawal   FilingKind = "withdrawal"         // withdrawing a request, or a consent
	FilingConfirmation FilingKind = "email_confirmation" // a confirmation e-mail sent to an address
)

// FilingKinds lists every kind.
var FilingKinds = []FilingKind{FilingRequest, FilingWithdrawal, FilingConfirmation}

// FilingLimit allows at most Max filings of one kind by one person in any Window (a sliding window).
type FilingLimit struct {
	Max    int
	Window time.Duration
}

// FilingLimits are the limits per kind.
type FilingLimits struct {
	Request      FilingLimit
	Withdrawal   FilingLimit
	Confirmation FilingLimit
}

// DefaultFilingLimits are generous for real use: nobody files twenty rights requests a day, and a
// person who mistyped their address a few times still gets their confirmation mail.
func DefaultFilingLimits() FilingLimits {
	day := 24 * time.Hour
	return FilingLimits{
		Request:      FilingLimit{Max: 20, Window: day},
		Withdrawal:   FilingLimit{Max: 20, Window: day},
		Confirmation: FilingLimit{Max: 5, Window: day},
	}
}

// For returns the limit of a kind; an unknown kind gets a zero limit (nothing allowed).
func (l FilingLimits) For(k FilingKind) FilingLimit {
	switch k {
	case FilingRequest:
		return l.Request
	case FilingWithdrawal:
		return l.Withdrawal
	case FilingConfirmation:
		return l.Confirmation
	}
	return FilingLimit{}
}

// Validate reports an EINVALID *Error when a limit allows nothing or has no window.
func (l FilingLimits) Validate() error {
	for _, k := range FilingKinds {
		if f := l.For(k); f.Max <= 0 || f.Window <= 0 {
			return Errorf(EINVALID, "filing limit %s: want a positive number in a positive period, got %d per %v", k, f.Max, f.Window)
		}
	}
	return nil
}

// Check decides whether one more filing of kind is allowed at now, given the times of the person's
// earlier filings of that kind within the window, oldest first. Refused, it returns a *LimitError
// saying when the oldest filing that counts leaves the window.
func (f FilingLimit) Check(kind FilingKind, earlier []time.Time, now time.Time) error {
	var in []time.Time
	for _, t := range earlier {
		if t.After(now.Add(-f.Window)) {
			in = append(in, t)
		}
	}
	if len(in) < f.Max {
		return nil
	}
	// With n filings in the window and room for Max, the next is allowed once n-Max+1 have left it.
	retry := now
	if f.Max > 0 {
		retry = in[len(in)-f.Max].Add(f.Window)
	}
	return &LimitError{Kind: kind, Limit: f, RetryAt: retry}
}

// LimitError says that a person reached the limit of a kind of filing and when they may file again.
// It unwraps to an ETOOMANY *Error, so every surface maps it to 429.
type LimitError struct {
	Kind    FilingKind
	Limit   FilingLimit
	RetryAt time.Time
}

func (e *LimitError) Error() string { return e.Unwrap().Error() }

// Unwrap returns the ETOOMANY *Error with a message that is safe to show.
func (e *LimitError) Unwrap() error {
	return Errorf(ETOOMANY, "at most %d filings of kind %s per %v; try again after %s", e.Limit.Max, e.Kind,
		e.Limit.Window, e.RetryAt.UTC().Format(time.RFC3339))
}

// String describes the limit for logs and tests.
func (f FilingLimit) String() string { return fmt.Sprintf("%d per %v", f.Max, f.Window) }
