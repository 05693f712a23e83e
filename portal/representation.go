package portal

import (
	"slices"
	"strings"
	"time"
)

// Representation: a person who may act on behalf of another (issue 16). The municipality's systems
// register each representation through the API; the portal side (choosing whom to act for, the
// banner, logging acts in the represented person's log) is built on top of this type later.
// docs/representation.md has the rule table with its legal sources.

// Kinds of representation.
const (
	RepParentalAuthority = "parental_authority" // ouderlijk gezag (BW 1:245 ff.)
	RepGuardianship      = "guardianship"       // voogdij (BW 1:280 ff.)
	RepCuratorship       = "curatorship"        // curatele (BW 1:378 ff.)
	RepMentorship        = "mentorship"         // mentorschap (BW 1:450 ff.)
	RepAdministration    = "administration"     // bewind / bewindvoering (BW 1:431 ff.): financial matters only
	RepAuthorisation     = "authorisation"      // machtiging by the person themselves
)

// RepresentationKinds lists every kind, in the order documentation shows them.
var RepresentationKinds = []string{RepParentalAuthority, RepGuardianship, RepCuratorship, RepMentorship,
	RepAdministration, RepAuthorisation}

// Parts of the portal a representation can cover.
const (
	PartLog      = "log"
	PartRequests = "requests"
	PartSignals  = "signals"
	PartConsent  = "consent"
)

// RepresentationParts lists every part.
var RepresentationParts = []string{PartLog, PartRequests, PartSignals, PartConsent}

// Kinds of legal basis.
const (
	BasisCourtDecision    = "court_decision"    // a court decision; the reference is its case or decision number
	BasisBRPAuthority     = "brp_authority"     // the gezag indication in the BRP; the reference is the indication
	BasisOwnAuthorisation = "own_authorisation" // the person's own authorisation; the reference identifies it
)

// LegalBasisKinds lists every kind of legal basis.
var LegalBasisKinds = []string{BasisCourtDecision, BasisBRPAuthority, BasisOwnAuthorisation}

// basisFor is which kinds of legal basis fit a kind of representation: guardianship, curatorship,
// mentorship and administration are ordered by a court; parental authority follows from the law
// (registered in the BRP) or from a court decision; an authorisation only from the person.
var basisFor = map[string][]string{
	RepParentalAuthority: {BasisBRPAuthority, BasisCourtDecision},
	RepGuardianship:      {BasisCourtDecision, BasisBRPAuthority},
	RepCuratorship:       {BasisCourtDecision},
	RepMentorship:        {BasisCourtDecision},
	RepAdministration:    {BasisCourtDecision},
	RepAuthorisation:     {BasisOwnAuthorisation},
}

// LegalBasis is why a representation exists.
type LegalBasis struct {
	Kind      string `json:"kind"`
	Reference string `json:"reference"`
}

// Representation is one person (the representative) who may act for another (the subject).
// Dates are calendar dates (yyyy-mm-dd) in Europe/Amsterdam. ValidFrom is the first day;
// ValidUntil, when set, is the first day on which the representation no longer applies (exclusive),
// so a court decision "until 1 March" is valid_until 2027-03-01 and ends at 00:00 that day.
type Representation struct {
	ID                string `json:"id"`
	RepresentativeBSN string `json:"representative_bsn"`
	SubjectBSN        string `json:"subject_bsn"`
	SubjectName       string `json:"subject_name"`
	// RepresentativeName is optional: DigiD carries no name, the municipality knows it (BRP, court
	// decision). The represented person's log names the representative by it.
	RepresentativeName string     `json:"representative_name,omitempty"`
	SubjectBirthDate   string     `json:"subject_birth_date"`
	Kind               string     `json:"kind"`
	Parts              []string   `json:"parts"`
	LegalBasis         LegalBasis `json:"legal_basis"`
	ValidFrom          string     `json:"valid_from"`
	ValidUntil         string     `json:"valid_until,omitempty"`
}

// ParseDate parses a calendar date (yyyy-mm-dd) as 00:00 Europe/Amsterdam; ok is false otherwise.
func ParseDate(s string) (time.Time, bool) {
	if !dateOnly.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", s, Amsterdam)
	return t, err == nil
}

// Normalize trims the free-text fields, lower-cases the id and sorts the parts, so the same
// representation sent twice compares equal.
func (r *Representation) Normalize() {
	r.ID = strings.ToLower(strings.TrimSpace(r.ID))
	r.SubjectName = strings.TrimSpace(r.SubjectName)
	r.RepresentativeName = strings.TrimSpace(r.RepresentativeName)
	r.LegalBasis.Reference = strings.TrimSpace(r.LegalBasis.Reference)
	r.Parts = slices.Clone(r.Parts)
	slices.Sort(r.Parts)
}

// Equal reports whether two normalized representations have the same content.
func (r Representation) Equal(o Representation) bool {
	return r.ID == o.ID && r.RepresentativeBSN == o.RepresentativeBSN && r.SubjectBSN == o.SubjectBSN &&
		r.SubjectName == o.SubjectName && r.RepresentativeName == o.RepresentativeName && r.SubjectBirthDate == o.SubjectBirthDate && r.Kind == o.Kind &&
		slices.Equal(r.Parts, o.Parts) && r.LegalBasis == o.LegalBasis && r.ValidFrom == o.ValidFrom &&
		r.ValidUntil == o.ValidUntil
}

// Validate normalizes r and returns an EINVALID *Error naming every broken field.
func (r *Representation) Validate() error {
	r.Normalize()
	var fs []FieldError
	add := func(field, msg string) { fs = append(fs, FieldError{Index: -1, Field: field, Message: msg}) }
	if !ValidEventID(r.ID) {
		add("id", "must be a UUID")
	}
	repOK, subOK := ValidBSN(r.RepresentativeBSN), ValidBSN(r.SubjectBSN)
	if !repOK {
		add("representative_bsn", "must be a valid BSN (9 digits, 11-proef)")
	}
	if !subOK {
		add("subject_bsn", "must be a valid BSN (9 digits, 11-proef)")
	}
	if repOK && subOK && r.RepresentativeBSN == r.SubjectBSN {
		add("representative_bsn", "a person cannot represent themselves")
	}
	if r.SubjectName == "" {
		add("subject_name", "required: the portal shows whose data the representative sees")
	} else if m := CheckText(r.SubjectName, 200); m != "" {
		add("subject_name", m)
	}
	if m := CheckText(r.RepresentativeName, 200); r.RepresentativeName != "" && m != "" {
		add("representative_name", m)
	}
	birth, birthOK := ParseDate(r.SubjectBirthDate)
	if !birthOK {
		add("subject_birth_date", "must be a date (yyyy-mm-dd)")
	}
	if !slices.Contains(RepresentationKinds, r.Kind) {
		add("kind", "must be one of "+strings.Join(RepresentationKinds, ", "))
	}
	if len(r.Parts) == 0 {
		add("parts", "required: at least one of "+strings.Join(RepresentationParts, ", "))
	}
	for i, p := range r.Parts {
		if !slices.Contains(RepresentationParts, p) {
			add("parts", "unknown part "+quote(p)+"; must be one of "+strings.Join(RepresentationParts, ", "))
		} else if i > 0 && r.Parts[i-1] == p {
			add("parts", "part "+quote(p)+" is given twice")
		}
	}
	if r.Kind == RepAdministration && (slices.Contains(r.Parts, PartSignals) || slices.Contains(r.Parts, PartConsent)) {
		// Administration covers financial matters only; signals and consent are about care.
		add("parts", "administration covers financial matters only: parts log and requests")
	}
	switch {
	case !slices.Contains(LegalBasisKinds, r.LegalBasis.Kind):
		add("legal_basis.kind", "must be one of "+strings.Join(LegalBasisKinds, ", "))
	case basisFor[r.Kind] != nil && !slices.Contains(basisFor[r.Kind], r.LegalBasis.Kind):
		add("legal_basis.kind", r.Kind+" rests on "+strings.Join(basisFor[r.Kind], " or "))
	}
	if r.LegalBasis.Reference == "" {
		add("legal_basis.reference", "required: the court decision, BRP indication or authorisation it rests on")
	} else if m := CheckText(r.LegalBasis.Reference, 200); m != "" {
		add("legal_basis.reference", m)
	} else if containsBSNDigits(r.LegalBasis.Reference) {
		add("legal_basis.reference", "must not hold a BSN: it is stored in clear")
	}
	from, fromOK := ParseDate(r.ValidFrom)
	if !fromOK {
		add("valid_from", "must be a date (yyyy-mm-dd)")
	} else if birthOK && from.Before(birth) {
		add("valid_from", "lies before the represented person's date of birth")
	}
	if r.ValidUntil != "" {
		until, ok := ParseDate(r.ValidUntil)
		if !ok {
			add("valid_until", "must be a date (yyyy-mm-dd)")
		} else if fromOK && !until.After(from) {
			add("valid_until", "must lie after valid_from")
		}
	}
	if len(fs) > 0 {
		return &Error{Code: EINVALID, Message: "invalid representation", Fields: fs}
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }

// Covers reports whether the representation includes a part of the portal.
func (r Representation) Covers(part string) bool { return slices.Contains(r.Parts, part) }

// FinancialOnly reports whether the representation covers financial matters only: administration
// (bewind) concerns the person's property and income, not their care. The portal must then show only
// processing by activities marked as financial (Participatie/income, debt help); that flag on register
// entries is added with the portal side of representation.
func (r Representation) FinancialOnly() bool { return r.Kind == RepAdministration }

// InForce reports whether at lies within the representation's validity dates (ignoring age rules).
func (r Representation) InForce(at time.Time) bool {
	from, ok := ParseDate(r.ValidFrom)
	if !ok || at.Before(from) {
		return false
	}
	if r.ValidUntil == "" {
		return true
	}
	until, ok := ParseDate(r.ValidUntil)
	return ok && at.Before(until)
}

// Age stages of a child.
const (
	StageUnder12  = "under_12"
	Stage12To16   = "12_to_16"
	StageFrom16   = "from_16"
	ageBoth       = 12
	ageOwnConsent = 16
)

// Birthday returns the start (00:00 Europe/Amsterdam) of the day a person born on birth turns
// years old. Someone born on 29 February has their birthday on 1 March in a year without
// 29 February: the rule Inzicht implements is that the age is reached on the day after 28 February
// (see docs/representation.md).
func Birthday(birth time.Time, years int) time.Time {
	b := birth.In(Amsterdam)
	y, m, d := b.Year()+years, b.Month(), b.Day()
	if m == time.February && d == 29 && !isLeap(y) {
		m, d = time.March, 1
	}
	return time.Date(y, m, d, 0, 0, 0, 0, Amsterdam)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// AgeRule is who acts for a person at a moment.
type AgeRule struct {
	Stage string // StageUnder12, Stage12To16 or StageFrom16
	// RepresentativeActs: the representation gives the representative access at this age.
	RepresentativeActs bool
	// PersonActs: the person's own say counts (from 12 beside the parents, from 16 alone).
	PersonActs bool
}

// AgeRuleAt applies the age rules at at, computed in Europe/Amsterdam, for a person born on birth
// (00:00 of the date of birth): under 12 the representative acts alone; from 12 to 16 both the child
// and the representative; from 16 the young person alone for parental authority, which ends on the
// 16th birthday at 00:00. Other kinds are not ended by age; from 12 the person's own say counts too.
func AgeRuleAt(birth time.Time, kind string, at time.Time) AgeRule {
	at = at.In(Amsterdam)
	var r AgeRule
	switch {
	case at.Before(Birthday(birth, ageBoth)):
		r = AgeRule{Stage: StageUnder12, RepresentativeActs: true}
	case at.Before(Birthday(birth, ageOwnConsent)):
		r = AgeRule{Stage: Stage12To16, RepresentativeActs: true, PersonActs: true}
	default:
		r = AgeRule{Stage: StageFrom16, RepresentativeActs: kind != RepParentalAuthority, PersonActs: true}
	}
	return r
}

// ActsAt reports whether the representative may act at at: within the validity dates and not ended
// by the age rules. Guardianship (voogdij) exists over minors only: it ends at the 18th birthday
// (BW 1:233, majority), also when the municipality registered no end date.
func (r Representation) ActsAt(at time.Time) bool {
	if _, ok := ParseDate(r.SubjectBirthDate); !ok || !r.InForce(at) {
		return false
	}
	end := r.Until() // valid_until (InForce checked it) or the end by age
	return end == nil || at.Before(*end)
}

// AgeOfMajority is the age at which a person comes of age (BW 1:233) and guardianship ends.
const AgeOfMajority = 18

// endAge is the age at which a kind of representation ends by the age rules (0: not by age).
var endAge = map[string]int{RepParentalAuthority: ageOwnConsent, RepGuardianship: AgeOfMajority}

// Until returns the first day (00:00 Europe/Amsterdam) on which the representation no longer applies by
// its dates and the age rules: its valid_until, the 16th birthday (parental authority) or the 18th
// (guardianship), whichever comes first; nil when none applies.
func (r Representation) Until() *time.Time {
	var end *time.Time
	if u, ok := ParseDate(r.ValidUntil); ok {
		end = &u
	}
	if b, ok := ParseDate(r.SubjectBirthDate); ok && endAge[r.Kind] > 0 {
		if bd := Birthday(b, endAge[r.Kind]); end == nil || bd.Before(*end) {
			end = &bd
		}
	}
	return end
}

// Ended returns when the representation ended or ends: ended through the API, or Until, whichever
// comes first; nil when neither applies.
func (s StoredRepresentation) Ended() *time.Time {
	end := s.Until()
	if s.EndedAt != nil && (end == nil || s.EndedAt.Before(*end)) {
		end = s.EndedAt
	}
	return end
}

// StoredRepresentation is a representation as stored, with when it was registered, last changed
// and ended (DELETE through the API ends a representation; it is never removed).
type StoredRepresentation struct {
	Representation
	// The persons as subject ids (storage's keys), for the portal; never in the API's output.
	RepresentativeID, SubjectID int64
	CreatedAt                   time.Time
	UpdatedAt                   time.Time
	EndedAt                     *time.Time
}

// ActiveAt reports whether the representative may act at at: not ended, within its dates and not
// ended by the age rules.
func (s StoredRepresentation) ActiveAt(at time.Time) bool {
	return (s.EndedAt == nil || at.Before(*s.EndedAt)) && s.ActsAt(at)
}

// Changes recorded in a representation's history.
const (
	RepCreated = "created"
	RepUpdated = "updated"
	RepEnded   = "ended"
)

// RepresentationChange is one entry of a representation's history: what changed, when, by which
// API key, and the content before the change (nil for RepCreated).
type RepresentationChange struct {
	Change    string
	ChangedAt time.Time
	APIKeyID  int64
	Old       *Representation
}
