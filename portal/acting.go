package portal

import (
	"slices"
	"time"
)

// Acting is a citizen's session in which the logged-in person (the actor) acts for someone else under
// a representation. The portal then shows the represented person's data, within the parts the
// representation covers, and records every page view and action in that person's log.
type Acting struct {
	Rep     StoredRepresentation
	ActorID int64 // the logged-in representative's subject id
}

// Covers reports whether the acting session may use a part of the portal. A nil Acting is a person
// acting for themselves: every part.
func (a *Acting) Covers(part string) bool { return a == nil || a.Rep.Covers(part) }

// FinancialOnly reports whether only processing by financial register entries may be shown.
func (a *Acting) FinancialOnly() bool { return a != nil && a.Rep.FinancialOnly() }

// RepresentationID is the representation acted under, or "" for a person acting for themselves.
func (a *Acting) RepresentationID() string {
	if a == nil {
		return ""
	}
	return a.Rep.ID
}

// Age returns the represented person's age in whole years at at (Europe/Amsterdam), and false when
// the date of birth is unknown.
func (r Representation) Age(at time.Time) (int, bool) {
	birth, ok := ParseDate(r.SubjectBirthDate)
	if !ok || at.Before(birth) {
		return 0, false
	}
	years := at.In(Amsterdam).Year() - birth.Year()
	if at.Before(Birthday(birth, years)) {
		years--
	}
	return years, true
}

// What a representative saw or did, as recorded in representative_acts (the code) and shown in both
// persons' lists. The portal maps each route to one of these.
const (
	ActViewOverview     = "view_overview"
	ActViewLog          = "view_log"
	ActViewEvent        = "view_event"
	ActDownloadLog      = "download_log"
	ActViewRequests     = "view_requests"
	ActViewRequest      = "view_request"
	ActNewRequestForm   = "view_request_form"
	ActFileRequest      = "file_request"
	ActWithdrawRequest  = "withdraw_request"
	ActDownloadLetter   = "download_letter"
	ActViewMessages     = "view_messages"
	ActReadMessages     = "read_messages"
	ActViewSignals      = "view_signals"
	ActViewSignal       = "view_signal"
	ActViewConsents     = "view_consents"
	ActViewConsent      = "view_consent"
	ActDecideConsent    = "decide_consent"
	ActWithdrawConsent  = "withdraw_consent"
	ActDownloadReceipt  = "download_receipt"
	ActStartActing      = "start_acting"
	ActFormAgain        = "view_form_again" // a form shown again with a message (422, 429): the person's data is on it
	actWhatMaxLen       = 40
	representativeActID = "inzicht-vertegenwoordiging"
)

// RepresentativeActivity is the register entry under which Inzicht records what representatives see
// and do in a person's name.
const RepresentativeActivity = representativeActID

// RepresentativeAct is one page view or action of a representative, recorded in the represented
// person's log (EventID) and listed for both.
type RepresentativeAct struct {
	EventID          string
	RepresentationID string
	ActorID          int64
	SubjectID        int64
	At               time.Time
	What             string // one of the Act… codes
	Ref              string // the event, request, consent or signal it was about, or ""
	// Filled when listing, from the representation: who acted for whom, in which capacity.
	Kind               string
	SubjectName        string
	RepresentativeName string
	RepresentationEnd  *time.Time // when the representation ended, if it did
	Disputed           bool       // the represented person disputed the representation
}

// ValidActWhat reports whether s is a well-formed act code.
func ValidActWhat(s string) bool {
	if s == "" || len(s) > actWhatMaxLen {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// ActCategories are the data categories a representative's act touches, by the part of the portal.
func ActCategories(what string) []string {
	cats := []string{"identity"}
	switch what {
	case ActViewOverview, ActViewLog, ActViewEvent, ActDownloadLog:
		cats = append(cats, "processing_log")
	case ActViewRequests, ActViewRequest, ActNewRequestForm, ActFileRequest, ActWithdrawRequest, ActDownloadLetter,
		ActViewMessages, ActReadMessages:
		cats = append(cats, "rights_request")
	case ActViewSignals, ActViewSignal:
		cats = append(cats, "signals")
	case ActViewConsents, ActViewConsent, ActDecideConsent, ActWithdrawConsent, ActDownloadReceipt:
		cats = append(cats, "consent")
	case ActFormAgain:
		cats = append(cats, "rights_request", "consent")
	}
	return cats
}

// Event is the processing event that records the act in the represented person's log: the
// municipality (through Inzicht) showed the data to, or acted on the word of, the representative, who
// is the recipient and is named as the actor's employee name; the capacity is the role.
func (a RepresentativeAct) Event(municipality, capacity string) Event {
	name := a.RepresentativeName
	return Event{ID: a.EventID, OccurredAt: a.At, Activity: RepresentativeActivity, Action: "view",
		DataCategories: ActCategories(a.What), Level: "what",
		Actor:  Actor{Organization: municipality, Role: capacity, EmployeeName: name},
		System: "Inzicht", CaseRef: RepresentationRef(a.RepresentationID), Recipient: recipientName(name, capacity)}
}

func recipientName(name, capacity string) string {
	if name == "" {
		return capacity
	}
	return name + " (" + capacity + ")"
}

// RepresentationRef is a representation's short reference (V- and the first block of its UUID), as
// people read it aloud and as the log, letters and pages cite it.
func RepresentationRef(id string) string {
	if len(id) >= 8 {
		return "V-" + id[:8]
	}
	return id
}

// RepresentativeActivityEntry is the register entry for representatives' acts.
func RepresentativeActivityEntry(controller string) Activity {
	return Activity{
		ID:   RepresentativeActivity,
		Name: Text{NL: "Iemand handelt namens u", EN: "Someone acting on your behalf"},
		Purpose: Text{
			NL: "Iemand die namens u mag handelen (bijvoorbeeld een ouder met gezag, een curator of iemand die u machtigde) bekeek uw gegevens in Inzicht of deed iets namens u. Zo ziet u altijd wat er namens u is gedaan.",
			EN: "Someone who may act on your behalf (for example a parent with authority, a guardian or someone you authorised) looked at your data in Inzicht or did something on your behalf. So you can always see what was done in your name.",
		},
		LegalBasis: Text{
			NL: "Burgerlijk Wetboek, boek 1 (gezag, voogdij, curatele, mentorschap, bewind), of uw eigen machtiging; Algemene verordening gegevensbescherming, artikel 15.",
			EN: "Dutch Civil Code, book 1 (parental authority, guardianship, curatorship, mentorship, administration), or your own authorisation; General Data Protection Regulation, article 15.",
		},
		DataCategories: []string{"identity", "processing_log", "rights_request", "signals", "consent"},
		Retention:      "P5Y",
		Controller:     controller,
	}
}

// Parts of the portal by act, for checking that acts never fall outside a representation.
var actPart = map[string]string{
	ActViewOverview: PartLog, ActViewLog: PartLog, ActViewEvent: PartLog, ActDownloadLog: PartLog,
	ActViewRequests: PartRequests, ActViewRequest: PartRequests, ActNewRequestForm: PartRequests,
	ActFileRequest: PartRequests, ActWithdrawRequest: PartRequests, ActDownloadLetter: PartRequests,
	ActViewSignals: PartSignals, ActViewSignal: PartSignals,
	ActViewConsents: PartConsent, ActViewConsent: PartConsent, ActDecideConsent: PartConsent,
	ActWithdrawConsent: PartConsent, ActDownloadReceipt: PartConsent,
}

// ActPart is the part of the portal an act belongs to ("" for acts of no single part: the inbox,
// starting to act).
func ActPart(what string) string { return actPart[what] }

// PartsOf lists the parts in RepresentationParts order that r covers.
func (r Representation) PartsOf() []string {
	var out []string
	for _, p := range RepresentationParts {
		if slices.Contains(r.Parts, p) {
			out = append(out, p)
		}
	}
	return out
}

// ActFilter selects representatives' acts: by the representative, the represented person or the
// representation (zero values do not filter); EndedOrDisputed keeps only acts under representations
// that have since ended or that the represented person disputed (the privacy officer's list).
type ActFilter struct {
	ActorID, SubjectID int64
	RepresentationID   string
	EventID            string
	EndedOrDisputed    bool
	Limit              int
}

// RepresentationDispute is the represented person's objection to a representation, with their reason.
type RepresentationDispute struct {
	Rep    StoredRepresentation
	Reason string
	At     time.Time
}
