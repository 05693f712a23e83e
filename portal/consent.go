package portal

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Consent (toestemming) is never the legal basis for municipal tasks (PIA §4.4). Where it is legally
// required — to lift a professional's duty of secrecy, for medical data — the request must be
// specific and reasoned: one data item, from one holder, for one purpose, with why it is necessary,
// why consent is required, what refusing means, and an end date. Blanket consent cannot be expressed.

// Consent states.
const (
	ConsentPending   = "pending"
	ConsentGranted   = "granted"
	ConsentRefused   = "refused"
	ConsentWithdrawn = "withdrawn"
	ConsentExpired   = "expired"
)

// MaxConsentValidity is the longest a consent may run.
const MaxConsentValidity = 12

// ConsentRequester is who asks.
type ConsentRequester struct {
	Organization string `json:"organization"`
	Team         string `json:"team,omitempty"`
	Role         string `json:"role"`
	Employee     string `json:"employee,omitempty"`
}

// NewConsent is a consent request as made by staff or a back-office system.
type NewConsent struct {
	ID          string           `json:"id"`
	SubjectBSN  string           `json:"subject_bsn"`
	CaseRef     string           `json:"case_ref"`
	RequestedBy ConsentRequester `json:"requested_by"`
	DataItem    string           `json:"data_item"`
	DataHolder  string           `json:"data_holder"`
	Purpose     string           `json:"purpose"`
	Necessity   string           `json:"necessity"`
	LegalGround string           `json:"legal_ground"`
	IfRefused   string           `json:"if_refused"`
	ValidUntil  string           `json:"valid_until"` // yyyy-mm-dd, the last day (Europe/Amsterdam)
	// EN holds the English version of the texts the person reads (issue 18), or nil: English pages
	// then show the Dutch texts with a note. When given, every text is required (Validate) but the
	// asker's role.
	EN *ConsentTexts `json:"en,omitempty"`
}

var (
	dateOnly = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	// plural finds lists: separators and joining words that make one field name several things.
	plural = regexp.MustCompile(`(?i)[;,\n/+&]|\b(en|and|of|or|plus|alle|all|alles|everything|overige|other)\b`)
	// pluralEN is plural for English texts: without the Dutch joining words "en" and "of", which are
	// everyday English ("Result of the examination").
	pluralEN = regexp.MustCompile(`(?i)[;,\n/+&]|\b(and|or|plus|all|everything|other)\b`)
)

// blanket finds the words of a request for everything ("alle medische gegevens", "all data").
var blanket = regexp.MustCompile(`(?i)\b(alle|all|alles|everything|overige|other)\b`)

// BlanketConsent reports whether a data item asks for everything of a kind ("Alle medische
// gegevens") rather than one specific item: general consent cannot be asked (Validate refuses it).
func BlanketConsent(dataItem string) bool { return blanket.MatchString(dataItem) }

// ValidUntilTime is the end of the last valid day, or zero when ValidUntil is not a date.
func (c NewConsent) ValidUntilTime() time.Time {
	t, err := time.ParseInLocation("2006-01-02", c.ValidUntil, Amsterdam)
	if err != nil || !dateOnly.MatchString(c.ValidUntil) {
		return time.Time{}
	}
	return t.AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// Validate checks a consent request at now. Every missing field, a list where one thing is asked
// (several data items or holders, "all data") and a missing or too distant end date give EINVALID.
func (c *NewConsent) Validate(now time.Time) error {
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	if !ValidEventID(c.ID) {
		add("id", "must be a UUID")
	}
	c.ID = strings.ToLower(c.ID)
	if !ValidBSN(c.SubjectBSN) {
		add("subject_bsn", "must be a valid BSN (9 digits, 11-proef)")
	}
	required := []struct {
		field string
		v     *string
		max   int
	}{{"case_ref", &c.CaseRef, 200}, {"requested_by.organization", &c.RequestedBy.Organization, 500},
		{"requested_by.role", &c.RequestedBy.Role, 500}, {"data_item", &c.DataItem, 500}, {"data_holder", &c.DataHolder, 500},
		{"purpose", &c.Purpose, 2000}, {"necessity", &c.Necessity, 2000}, {"legal_ground", &c.LegalGround, 2000},
		{"if_refused", &c.IfRefused, 2000}}
	for _, r := range required {
		*r.v = strings.TrimSpace(*r.v)
		if *r.v == "" {
			add(r.field, "required: a specific, reasoned request names it")
		} else if m := CheckFreeText(*r.v, r.max); m != "" {
			add(r.field, m)
		}
	}
	if c.EN != nil {
		checkTexts(c.EN.fields("en."), func(field string) string {
			if field == "en.requester_role" {
				return "" // optional: the Dutch role is shown without it
			}
			return "required when en is given: every text the person reads, in English"
		}, add)
		if c.EN.DataItem != "" && pluralEN.MatchString(c.EN.DataItem) {
			add("en.data_item", "one data item per request: no lists, no \"all data\"; ask separately for each")
		}
		if c.EN.DataHolder != "" && pluralEN.MatchString(c.EN.DataHolder) {
			add("en.data_holder", "one data holder per request: no lists; ask separately for each")
		}
	}
	for f, v := range map[string]*string{"requested_by.team": &c.RequestedBy.Team, "requested_by.employee": &c.RequestedBy.Employee} {
		*v = strings.TrimSpace(*v)
		if m := CheckFreeText(*v, 500); m != "" {
			add(f, m)
		}
	}
	if c.DataItem != "" && plural.MatchString(c.DataItem) {
		add("data_item", "one data item per request: no lists, no \"all data\"; ask separately for each")
	}
	if c.DataHolder != "" && plural.MatchString(c.DataHolder) {
		add("data_holder", "one data holder per request: no lists; ask separately for each")
	}
	end := c.ValidUntilTime()
	switch {
	case c.ValidUntil == "":
		add("valid_until", "required: consent always has an end date")
	case end.IsZero():
		add("valid_until", "must be a date (yyyy-mm-dd)")
	case !end.After(now):
		add("valid_until", "lies in the past")
	case c.ValidUntil > AddMonths(now.In(Amsterdam), MaxConsentValidity).Format("2006-01-02"): // dates, not hours: DST-proof
		add("valid_until", "at most 12 months ahead")
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "a consent request must be specific and reasoned", Fields: fs}
	}
	return nil
}

// Consent is a stored consent request with the citizen's decision.
type Consent struct {
	NewConsent
	// Reference is the request's human-readable reference, TS-YYYY-NNNNNN, used on pages, receipts,
	// in the API and in log lines that cite the consent.
	Reference   string
	SubjectID   int64
	CreatedAt   time.Time
	Status      string
	DecidedAt   *time.Time // granted or refused
	GrantedAt   *time.Time
	WithdrawnAt *time.Time
	ExpiredAt   *time.Time
	Comment     string // the citizen's optional comment
	// DecidedBy and WithdrawnBy name the representative who decided or withdrew for the person; nil
	// when the person did it themselves. Names are filled when one consent is read.
	DecidedBy   *OnBehalf
	WithdrawnBy *OnBehalf
	// OwnAnswer is the answer of a child under 16 beside the decision of a parent or guardian
	// (granted or refused; "" when none was given), with when and their optional comment.
	OwnAnswer        string
	OwnAnswerAt      *time.Time
	OwnAnswerComment string
}

// ConsentReferencePattern matches a consent request's human-readable reference.
var ConsentReferencePattern = regexp.MustCompile(`^TS-\d{4}-\d{6}$`)

// IsConsentReference reports whether s is a consent reference (TS-YYYY-NNNNNN, any case).
func IsConsentReference(s string) bool {
	return ConsentReferencePattern.MatchString(strings.ToUpper(strings.TrimSpace(s)))
}

// ConsentReference is the reference of the consent request numbered number, made at now.
func ConsentReference(now time.Time, number int64) string {
	return fmt.Sprintf("TS-%d-%06d", now.In(Amsterdam).Year(), number)
}

// StatusAt is the state at t: a pending or granted request whose end date passed is expired.
func (c Consent) StatusAt(t time.Time) string {
	if (c.Status == ConsentPending || c.Status == ConsentGranted) && t.After(c.ValidUntilTime()) {
		return ConsentExpired
	}
	return c.Status
}

// Covers reports whether the consent covers processing of subject at t: granted before t, not
// withdrawn at t, and not past its end date.
func (c Consent) Covers(subjectID int64, t time.Time) bool {
	return c.SubjectID == subjectID && c.GrantedAt != nil && !c.GrantedAt.After(t) &&
		(c.WithdrawnAt == nil || c.WithdrawnAt.After(t)) && !t.After(c.ValidUntilTime())
}
