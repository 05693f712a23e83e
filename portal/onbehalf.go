package portal

import "time"

// OnBehalf names who did something for a person under a representation (issue 16): filed or
// withdrew a rights request, decided on or withdrew a consent. Storage keeps only the
// representation's id on the request or consent; the kind comes with every read, the names (sealed
// in storage) with reads of a single request or consent.
type OnBehalf struct {
	RepresentationID   string
	Kind               string // RepParentalAuthority, …
	RepresentativeName string // "" when the municipality registered none
	SubjectName        string // the represented person
}

// Ref is the representation's short reference, as staff read it aloud (V-1a2b3c4d).
func (o OnBehalf) Ref() string { return RepresentationRef(o.RepresentationID) }

// MessageByRepresentative ends the kind of an inbox message about something a representative did for
// the person ("withdrawn_rep", "consent_granted_rep"), so the message does not say "you did".
const MessageByRepresentative = "_rep"

// OnBehalfOf describes the representation acted under; nil for a person acting for themselves.
func OnBehalfOf(a *Acting) *OnBehalf {
	if a == nil {
		return nil
	}
	return &OnBehalf{RepresentationID: a.Rep.ID, Kind: a.Rep.Kind, RepresentativeName: a.Rep.RepresentativeName,
		SubjectName: a.Rep.SubjectName}
}

// ConsentAnswerRole is what a logged-in person's answer to a consent request counts as.
type ConsentAnswerRole struct {
	// Decides: the answer is the decision. False: it is the person's own answer, stored beside the
	// decision that a parent with authority or a guardian takes (consent under 16, UAVG art. 5).
	Decides bool
	// NotYours: the logged-in person may not answer at all: a guardian acting for a young person
	// of 16 or over, who decides on consent alone (UAVG art. 5).
	NotYours bool
	// Stage is the age stage of the person the consent is about (StageUnder12, …), "" when unknown:
	// an adult acting for themselves without a parent or guardian, or a representation without a
	// date of birth.
	Stage string
}

// OwnSayAsked reports whether the person the consent is about is asked for their own answer beside
// the decision: from 12 up to 16 (Jeugdwet art. 7.3.4, BW 7:450 lid 2).
func (r ConsentAnswerRole) OwnSayAsked() bool { return r.Stage == Stage12To16 }

// ConsentRole works out what an answer to a consent request counts as at at. acting is the
// representation the logged-in person acts under (nil: for themselves); represented are the
// representations in which the logged-in person is the represented person (used only when acting
// for themselves).
//
// A representative acting for someone decides. A person acting for themselves decides, unless a
// parental authority or guardianship over them is in force and they are under 16: then their answer
// is their own answer, and the consent stays open until the parent or guardian decides. Parental
// authority ends at the 16th birthday; guardianship does not end by age, but from 16 the young
// person decides on consent alone.
func ConsentRole(acting *Acting, represented []StoredRepresentation, at time.Time) ConsentAnswerRole {
	if acting != nil {
		r := ConsentAnswerRole{Decides: true}
		if birth, ok := ParseDate(acting.Rep.SubjectBirthDate); ok {
			r.Stage = AgeRuleAt(birth, acting.Rep.Kind, at).Stage
		}
		if r.Stage == StageFrom16 && acting.Rep.Kind == RepGuardianship && !adultAt(acting.Rep, at) {
			// Guardianship of a minor is not ended by age, but consent is the young person's alone from 16.
			r.Decides, r.NotYours = false, true
		}
		return r
	}
	for _, rep := range represented {
		if rep.Kind != RepParentalAuthority && rep.Kind != RepGuardianship || !rep.ActiveAt(at) {
			continue
		}
		birth, ok := ParseDate(rep.SubjectBirthDate)
		if !ok {
			continue
		}
		if st := AgeRuleAt(birth, rep.Kind, at).Stage; st != StageFrom16 {
			return ConsentAnswerRole{Decides: false, Stage: st}
		}
	}
	return ConsentAnswerRole{Decides: true}
}

// adultAt reports whether the represented person is 18 or over at at.
func adultAt(r StoredRepresentation, at time.Time) bool {
	age, ok := r.Age(at)
	return ok && age >= 18
}
