package portal

import "time"

// OversightFilter narrows the privacy officer's lists: a period of days (From and To inclusive, in
// Amsterdam time; zero for open) and, for break-the-glass accesses, only those not yet judged.
type OversightFilter struct {
	From, To time.Time // From: the first day's start; To: the start of the day after the last
	Unjudged bool
	Limit    int
}

// MessageUnjustifiedAccess is the kind of the inbox message telling a person that the privacy officer
// judged a break-the-glass access to their data not justified.
const MessageUnjustifiedAccess StepKind = "unjustified_access"

// PseudonymPrefix starts every pseudonymous person code on the oversight page and in its export.
const PseudonymPrefix = "P-"
