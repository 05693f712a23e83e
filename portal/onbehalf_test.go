package portal_test

import (
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

func storedRep(kind, birth string, mod ...func(*portal.StoredRepresentation)) portal.StoredRepresentation {
	r := validRepresentation()
	r.Kind, r.SubjectBirthDate, r.ValidFrom = kind, birth, birth
	if kind == portal.RepGuardianship {
		r.LegalBasis = portal.LegalBasis{Kind: portal.BasisCourtDecision, Reference: "Rb. 1"}
	}
	s := portal.StoredRepresentation{Representation: r, RepresentativeID: 1, SubjectID: 2}
	for _, m := range mod {
		m(&s)
	}
	return s
}

// TestConsentRole checks who decides on consent at the instant before and at 00:00 Europe/Amsterdam
// of the 12th and 16th birthday (given as UTC instants, so a computation in UTC would fail): a
// child under 16 under parental authority or guardianship answers for themselves only (their own
// answer), from 16 they decide; a representative acting for someone decides.
func TestConsentRole(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	before := func(t time.Time) time.Time { return t.Add(-time.Nanosecond) }
	const winter, summer = "2014-01-15", "2014-07-15" // CET and CEST birthdays
	twelveW, sixteenW := utc(2026, time.January, 14, 23), utc(2030, time.January, 14, 23)
	twelveS, sixteenS := utc(2026, time.July, 14, 22), utc(2030, time.July, 14, 22)
	U, M, S := portal.StageUnder12, portal.Stage12To16, portal.StageFrom16
	own := func(stage string) portal.ConsentAnswerRole {
		return portal.ConsentAnswerRole{Decides: false, Stage: stage}
	}
	decides := portal.ConsentAnswerRole{Decides: true}
	pa, gu := portal.RepParentalAuthority, portal.RepGuardianship
	ended := func(at time.Time) func(*portal.StoredRepresentation) {
		return func(s *portal.StoredRepresentation) { s.EndedAt = &at }
	}
	tests := []struct {
		name string
		reps []portal.StoredRepresentation
		at   time.Time
		want portal.ConsentAnswerRole
	}{
		{"no representation: decides", nil, twelveW, decides},
		{"parental, winter: instant before the 12th birthday", []portal.StoredRepresentation{storedRep(pa, winter)}, before(twelveW), own(U)},
		{"parental, winter: 12th birthday 00:00 CET", []portal.StoredRepresentation{storedRep(pa, winter)}, twelveW, own(M)},
		{"parental, winter: instant before the 16th birthday", []portal.StoredRepresentation{storedRep(pa, winter)}, before(sixteenW), own(M)},
		{"parental, winter: 16th birthday 00:00 CET", []portal.StoredRepresentation{storedRep(pa, winter)}, sixteenW, decides},
		{"parental, summer: 12th birthday, a UTC+1 count is still before", []portal.StoredRepresentation{storedRep(pa, summer)}, twelveS.Add(-time.Hour), own(U)},
		{"parental, summer: 12th birthday 00:00 CEST", []portal.StoredRepresentation{storedRep(pa, summer)}, twelveS, own(M)},
		{"parental, summer: instant before the 16th birthday", []portal.StoredRepresentation{storedRep(pa, summer)}, before(sixteenS), own(M)},
		{"parental, summer: 16th birthday 00:00 CEST", []portal.StoredRepresentation{storedRep(pa, summer)}, sixteenS, decides},
		{"guardianship: instant before the 16th birthday", []portal.StoredRepresentation{storedRep(gu, winter)}, before(sixteenW), own(M)},
		{"guardianship (not ended by age): 16th birthday", []portal.StoredRepresentation{storedRep(gu, winter)}, sixteenW, decides},
		{"mentorship does not take the decision from the person", []portal.StoredRepresentation{storedRep(portal.RepMentorship, winter)}, twelveW, decides},
		{"authorisation does not either", []portal.StoredRepresentation{storedRep(portal.RepAuthorisation, winter)}, twelveW, decides},
		{"ended parental authority", []portal.StoredRepresentation{storedRep(pa, winter, ended(utc(2020, time.January, 1, 0)))}, twelveW, decides},
		{"parental authority ended after the moment still counts", []portal.StoredRepresentation{storedRep(pa, winter, ended(utc(2027, time.January, 1, 0)))}, twelveW, own(M)},
		{"not yet valid", []portal.StoredRepresentation{storedRep(pa, winter, func(s *portal.StoredRepresentation) { s.ValidFrom = "2027-01-01" })}, twelveW, decides},
		{"an ended one beside one in force", []portal.StoredRepresentation{storedRep(pa, winter, ended(utc(2020, time.January, 1, 0))), storedRep(gu, winter)}, twelveW, own(M)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := portal.ConsentRole(nil, tt.reps, tt.at); got != tt.want {
				t.Errorf("ConsentRole(self) at %s = %+v, want %+v", tt.at.In(portal.Amsterdam).Format(time.RFC3339Nano), got, tt.want)
			}
		})
	}

	// A guardian acting for the child decides up to the 16th birthday; from then on the young person
	// decides on consent alone (the guardianship itself is not ended by age). The stage says whether
	// the child is asked too (12 up to 16), whatever representations the representative has.
	for _, tt := range []struct {
		name  string
		at    time.Time
		stage string
		asked bool
	}{
		{"acting: instant before the 12th birthday", before(twelveW), U, false},
		{"acting: 12th birthday", twelveW, M, true},
		{"acting: instant before the 16th birthday", before(sixteenW), M, true},
		{"acting: 16th birthday", sixteenW, S, false},
	} {
		a := &portal.Acting{Rep: storedRep(gu, winter), ActorID: 1}
		got := portal.ConsentRole(a, []portal.StoredRepresentation{storedRep(pa, winter)}, tt.at)
		want := portal.ConsentAnswerRole{Decides: true, Stage: tt.stage}
		if tt.stage == S {
			want = portal.ConsentAnswerRole{Decides: false, NotYours: true, Stage: S}
		}
		if got != want {
			t.Errorf("%s: ConsentRole = %+v, want %+v", tt.name, got, want)
		}
		if got.OwnSayAsked() != tt.asked {
			t.Errorf("%s: OwnSayAsked = %v, want %v", tt.name, got.OwnSayAsked(), tt.asked)
		}
	}
}

// TestConsentRoleAdults: a curator, mentor or administrator acting for an adult decides; so does a
// guardian for a ward who is an adult (the rule "from 16 alone" is about minors).
func TestConsentRoleAdults(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	for _, kind := range []string{portal.RepCuratorship, portal.RepMentorship, portal.RepAdministration, portal.RepGuardianship} {
		a := &portal.Acting{Rep: storedRep(kind, "1980-03-01"), ActorID: 1}
		if got := portal.ConsentRole(a, nil, at); !got.Decides || got.NotYours {
			t.Errorf("%s for an adult: %+v, want deciding", kind, got)
		}
	}
}

func TestOnBehalfOf(t *testing.T) {
	t.Parallel()
	if portal.OnBehalfOf(nil) != nil {
		t.Fatal("OnBehalfOf(nil) is not nil")
	}
	r := storedRep(portal.RepParentalAuthority, "2014-01-15")
	r.RepresentativeName = "Eva de Vries"
	got := portal.OnBehalfOf(&portal.Acting{Rep: r, ActorID: 1})
	want := portal.OnBehalf{RepresentationID: r.ID, Kind: portal.RepParentalAuthority, RepresentativeName: "Eva de Vries",
		SubjectName: "Daan de Vries"}
	if got == nil || *got != want {
		t.Fatalf("OnBehalfOf = %+v, want %+v", got, want)
	}
	if got.Ref() != "V-3f2c1a9e" {
		t.Errorf("Ref = %q", got.Ref())
	}
}
