package portal

import "time"

// Consent requests as staff see them (issue 17): every request with its state, the citizen's
// remark, the child's own answer and who decided on the person's behalf.

// ConsentActivity is the register entry under which Inzicht records staff views of a consent request.
const ConsentActivity = "inzicht-toestemming"

// ConsentActivityEntry is that register entry.
func ConsentActivityEntry(controller string) Activity {
	return Activity{
		ID:   ConsentActivity,
		Name: Text{NL: "Uw toestemming vragen en bijhouden", EN: "Asking for and keeping track of your consent"},
		Purpose: Text{
			NL: "Soms heeft de gemeente uw toestemming nodig. Een medewerker bekijkt uw antwoord en uw opmerking, zodat de gemeente zich daaraan houdt.",
			EN: "Sometimes the municipality needs your consent. A member of staff looks at your answer and your remark, so that the municipality keeps to them.",
		},
		LegalBasis: Text{
			NL: "Algemene verordening gegevensbescherming, artikel 7: de gemeente moet kunnen aantonen dat u toestemming gaf.",
			EN: "General Data Protection Regulation, article 7: the municipality must be able to show that you consented.",
		},
		DataCategories: []string{"identity", "consent"},
		Retention:      "P5Y",
		Controller:     controller,
	}
}

// ConsentStates are the states a consent request can be in, in the order staff filter on them.
var ConsentStates = []string{ConsentPending, ConsentGranted, ConsentRefused, ConsentWithdrawn, ConsentExpired}

// ConsentFilter selects consent requests for staff.
type ConsentFilter struct {
	// State is the state now (a pending or granted request past its end date is expired); "" is all.
	State string
	// From and To bound the time the request was made: [From, To); zero leaves a side open.
	From, To time.Time
	// Search finds a part of the TS reference or of the case reference (case-insensitive).
	Search string
	Limit  int
	Offset int // paging: skip this many
}

// StaffConsent is a consent request as staff see it: with the citizen's masked BSN.
type StaffConsent struct {
	Consent
	MaskedBSN string
}
