package portal

// LogPage is what the citizen's log page (/verwerkingen) shows of a person's log besides its filter:
// the summary (the unfiltered total and the organisations and categories for the filter), the actions
// and recipients in the log (for the filter), and one page of events with whether older ones follow.
// Storage reads it in one round trip.
type LogPage struct {
	Summary    Summary
	Actions    []string
	Recipients []string
	Events     []LoggedEvent
	More       bool
}
