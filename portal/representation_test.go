package portal_test

import (
	"slices"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

const (
	repParent = "999993653"
	repChild  = "999990019"
)

func validRepresentation() portal.Representation {
	return portal.Representation{
		ID: "3f2c1a9e-7b4d-4c8e-9a1f-2b3c4d5e6f70", RepresentativeBSN: repParent, SubjectBSN: repChild,
		SubjectName: "Daan de Vries", SubjectBirthDate: "2014-01-15", Kind: portal.RepParentalAuthority,
		Parts:      []string{portal.PartSignals, portal.PartLog},
		LegalBasis: portal.LegalBasis{Kind: portal.BasisBRPAuthority, Reference: "gezag 1D"},
		ValidFrom:  "2014-01-15",
	}
}

func TestRepresentationValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mod    func(*portal.Representation)
		fields []string // nil: valid
	}{
		{"valid", func(*portal.Representation) {}, nil},
		{"valid with end", func(r *portal.Representation) { r.ValidUntil = "2030-01-15" }, nil},
		{"every kind with its court basis", func(r *portal.Representation) {
			r.Kind, r.LegalBasis.Kind = portal.RepCuratorship, portal.BasisCourtDecision
		}, nil},
		{"authorisation by the person", func(r *portal.Representation) {
			r.Kind, r.LegalBasis = portal.RepAuthorisation, portal.LegalBasis{Kind: portal.BasisOwnAuthorisation, Reference: "machtiging 2026-11"}
		}, nil},
		{"bad id", func(r *portal.Representation) { r.ID = "x" }, []string{"id"}},
		{"representative fails 11-proef", func(r *portal.Representation) { r.RepresentativeBSN = "123456789" }, []string{"representative_bsn"}},
		{"subject not 9 digits", func(r *portal.Representation) { r.SubjectBSN = "99999001" }, []string{"subject_bsn"}},
		{"represents themselves", func(r *portal.Representation) { r.SubjectBSN = repParent }, []string{"representative_bsn"}},
		{"no name", func(r *portal.Representation) { r.SubjectName = "  " }, []string{"subject_name"}},
		{"birth date not a date", func(r *portal.Representation) { r.SubjectBirthDate = "15-01-2014" }, []string{"subject_birth_date"}},
		{"unknown kind", func(r *portal.Representation) { r.Kind = "friend" }, []string{"kind"}},
		{"no parts", func(r *portal.Representation) { r.Parts = nil }, []string{"parts"}},
		{"unknown part", func(r *portal.Representation) { r.Parts = []string{"inbox"} }, []string{"parts"}},
		{"part twice", func(r *portal.Representation) { r.Parts = []string{"log", "log"} }, []string{"parts"}},
		{"unknown basis", func(r *portal.Representation) { r.LegalBasis.Kind = "hearsay" }, []string{"legal_basis.kind"}},
		{"curatorship without court", func(r *portal.Representation) { r.Kind = portal.RepCuratorship }, []string{"legal_basis.kind"}},
		{"authorisation by a court", func(r *portal.Representation) {
			r.Kind, r.LegalBasis.Kind = portal.RepAuthorisation, portal.BasisCourtDecision
		}, []string{"legal_basis.kind"}},
		{"no reference", func(r *portal.Representation) { r.LegalBasis.Reference = "" }, []string{"legal_basis.reference"}},
		{"reference holds a BSN", func(r *portal.Representation) { r.LegalBasis.Reference = "gezag van 999990019" }, []string{"legal_basis.reference"}},
		{"reference with a court number", func(r *portal.Representation) {
			r.Kind, r.LegalBasis = portal.RepGuardianship, portal.LegalBasis{Kind: portal.BasisCourtDecision, Reference: "C/13/712345 / FA RK 22-1234"}
		}, nil},
		{"from not a date", func(r *portal.Representation) { r.ValidFrom = "2014-13-01" }, []string{"valid_from"}},
		{"from before birth", func(r *portal.Representation) { r.ValidFrom = "2014-01-14" }, []string{"valid_from"}},
		{"until equals from", func(r *portal.Representation) { r.ValidUntil = r.ValidFrom }, []string{"valid_until"}},
		{"until before from", func(r *portal.Representation) { r.ValidUntil = "2013-01-01" }, []string{"valid_until"}},
		{"until not a date", func(r *portal.Representation) { r.ValidUntil = "soon" }, []string{"valid_until"}},
		{"everything wrong", func(r *portal.Representation) {
			*r = portal.Representation{SubjectBSN: "1", ValidUntil: "x"}
		}, []string{"id", "representative_bsn", "subject_bsn", "subject_name", "subject_birth_date", "kind", "parts",
			"legal_basis.kind", "legal_basis.reference", "valid_from", "valid_until"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRepresentation()
			tt.mod(&r)
			err := r.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v (%+v), want nil", err, portal.ErrorFields(err))
				}
				return
			}
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("Validate() = %v, want EINVALID", err)
			}
			var got []string
			for _, f := range portal.ErrorFields(err) {
				if !slices.Contains(got, f.Field) {
					got = append(got, f.Field)
				}
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestRepresentationNormalizeEqual(t *testing.T) {
	t.Parallel()
	a, b := validRepresentation(), validRepresentation()
	b.ID = "3F2C1A9E-7B4D-4C8E-9A1F-2B3C4D5E6F70"
	b.Parts = []string{portal.PartLog, portal.PartSignals}
	b.SubjectName = " Daan de Vries "
	a.Normalize()
	b.Normalize()
	if !a.Equal(b) {
		t.Errorf("normalized %+v and %+v differ", a, b)
	}
	b.ValidUntil = "2030-01-15"
	if a.Equal(b) {
		t.Error("a different valid_until compares equal")
	}
}

func TestRepresentationCovers(t *testing.T) {
	t.Parallel()
	r := validRepresentation()
	for part, want := range map[string]bool{portal.PartLog: true, portal.PartSignals: true, portal.PartRequests: false, portal.PartConsent: false} {
		if got := r.Covers(part); got != want {
			t.Errorf("Covers(%q) = %v, want %v", part, got, want)
		}
	}
	for _, kind := range portal.RepresentationKinds {
		r.Kind = kind
		if got, want := r.FinancialOnly(), kind == portal.RepAdministration; got != want {
			t.Errorf("%s: FinancialOnly() = %v, want %v", kind, got, want)
		}
	}
}

func amsAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, portal.Amsterdam)
}

func TestBirthday(t *testing.T) {
	t.Parallel()
	leapBorn := amsAt(2012, time.February, 29, 0, 0)
	tests := []struct {
		birth time.Time
		years int
		want  string
	}{
		{leapBorn, 1, "2013-03-01"},                              // no 29 February: the day after 28 February
		{leapBorn, 4, "2016-02-29"},                              // leap year: the day itself
		{leapBorn, 12, "2024-02-29"},                             // 12 and 16 years after a leap year are leap years ...
		{amsAt(2088, time.February, 29, 0, 0), 12, "2100-03-01"}, // ... except across 2100, not a leap year
		{amsAt(2084, time.February, 29, 0, 0), 16, "2100-03-01"},
		{amsAt(2014, time.January, 15, 0, 0), 12, "2026-01-15"},
		{amsAt(2014, time.February, 28, 0, 0), 1, "2015-02-28"},
		{amsAt(2014, time.March, 1, 0, 0), 2, "2016-03-01"},
	}
	for _, tt := range tests {
		got := portal.Birthday(tt.birth, tt.years)
		if s := got.Format("2006-01-02 15:04"); s != tt.want+" 00:00" || got.Location() != portal.Amsterdam {
			t.Errorf("Birthday(%s, %d) = %s %s, want %s 00:00 Europe/Amsterdam", tt.birth.Format("2006-01-02"), tt.years, s, got.Location(), tt.want)
		}
	}
}

// TestAgeRuleBoundaries checks the instant before and at 00:00 Europe/Amsterdam of the 12th and 16th
// birthday, given as UTC instants so a computation in UTC would fail: winter (CET, UTC+1) and summer
// (CEST, UTC+2) birthdays, and children born on 29 February.
func TestAgeRuleBoundaries(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	before := func(t time.Time) time.Time { return t.Add(-time.Nanosecond) }
	winter := amsAt(2014, time.January, 15, 0, 0)
	summer := amsAt(2014, time.July, 15, 0, 0)
	leap := amsAt(2012, time.February, 29, 0, 0)
	leap2100 := amsAt(2084, time.February, 29, 0, 0)  // 16th birthday falls in 2100, not a leap year
	leap2100b := amsAt(2088, time.February, 29, 0, 0) // 12th birthday falls in 2100
	U, M, S := portal.StageUnder12, portal.Stage12To16, portal.StageFrom16
	tests := []struct {
		name  string
		birth time.Time
		at    time.Time
		stage string
	}{
		{"winter: 12th birthday, instant before", winter, before(utc(2026, time.January, 14, 23)), U},
		{"winter: 12th birthday 00:00 CET", winter, utc(2026, time.January, 14, 23), M},
		{"winter: 16th birthday, instant before", winter, before(utc(2030, time.January, 14, 23)), M},
		{"winter: 16th birthday 00:00 CET", winter, utc(2030, time.January, 14, 23), S},
		{"winter: at UTC midnight of the birthday it is already 01:00", winter, utc(2030, time.January, 15, 0), S},
		{"summer: 12th birthday, instant before", summer, before(utc(2026, time.July, 14, 22)), U},
		{"summer: 12th birthday 00:00 CEST", summer, utc(2026, time.July, 14, 22), M},
		{"summer: one hour earlier (a UTC+1 count) is still before", summer, utc(2026, time.July, 14, 21), U},
		{"summer: 16th birthday, instant before", summer, before(utc(2030, time.July, 14, 22)), M},
		{"summer: 16th birthday 00:00 CEST", summer, utc(2030, time.July, 14, 22), S},
		{"29 Feb, leap year: 12th birthday, instant before", leap, before(utc(2024, time.February, 28, 23)), U},
		{"29 Feb, leap year: 12th birthday 00:00", leap, utc(2024, time.February, 28, 23), M},
		{"29 Feb, leap year: 16th birthday, instant before", leap, before(utc(2028, time.February, 28, 23)), M},
		{"29 Feb, leap year: 16th birthday 00:00", leap, utc(2028, time.February, 28, 23), S},
		{"29 Feb, non-leap year: 28 February is not yet 16", leap2100, utc(2100, time.February, 28, 12), M},
		{"29 Feb, non-leap year: 16th birthday, instant before 1 March", leap2100, before(utc(2100, time.February, 28, 23)), M},
		{"29 Feb, non-leap year: 16 on 1 March 00:00", leap2100, utc(2100, time.February, 28, 23), S},
		{"29 Feb, non-leap year: 12th birthday, instant before 1 March", leap2100b, before(utc(2100, time.February, 28, 23)), U},
		{"29 Feb, non-leap year: 12 on 1 March 00:00", leap2100b, utc(2100, time.February, 28, 23), M},
		{"newborn", winter, winter, U},
		{"adult", winter, utc(2050, time.June, 1, 12), S},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, kind := range portal.RepresentationKinds {
				got := portal.AgeRuleAt(tt.birth, kind, tt.at)
				want := portal.AgeRule{Stage: tt.stage, RepresentativeActs: true, PersonActs: tt.stage != U}
				if tt.stage == S && kind == portal.RepParentalAuthority {
					want.RepresentativeActs = false // parental authority ends on the 16th birthday
				}
				if got != want {
					t.Errorf("%s at %s: AgeRuleAt = %+v, want %+v", kind, tt.at.In(portal.Amsterdam).Format(time.RFC3339Nano), got, want)
				}
			}
		})
	}
}

func TestRepresentationActsAt(t *testing.T) {
	t.Parallel()
	r := validRepresentation() // born 2014-01-15, from 2014-01-15, parental authority
	r.ValidUntil = "2040-01-01"
	for _, tt := range []struct {
		kind string
		at   time.Time
		want bool
	}{
		{portal.RepParentalAuthority, amsAt(2014, time.January, 14, 23, 59), false}, // before valid_from
		{portal.RepParentalAuthority, amsAt(2014, time.January, 15, 0, 0), true},
		{portal.RepParentalAuthority, amsAt(2027, time.May, 1, 12, 0), true}, // 13: both act
		{portal.RepParentalAuthority, amsAt(2030, time.January, 14, 23, 59), true},
		{portal.RepParentalAuthority, amsAt(2030, time.January, 15, 0, 0), false}, // 16: ended
		{portal.RepGuardianship, amsAt(2030, time.January, 15, 0, 0), true},       // not ended by age
		{portal.RepGuardianship, amsAt(2032, time.January, 14, 23, 59), true},
		{portal.RepGuardianship, amsAt(2032, time.January, 15, 0, 0), false}, // 18: guardianship ends (majority)
		{portal.RepCuratorship, amsAt(2039, time.December, 31, 23, 59), true},
		{portal.RepCuratorship, amsAt(2040, time.January, 1, 0, 0), false}, // valid_until is exclusive
	} {
		r.Kind = tt.kind
		if got := r.ActsAt(tt.at); got != tt.want {
			t.Errorf("%s ActsAt(%s) = %v, want %v", tt.kind, tt.at.Format(time.RFC3339), got, tt.want)
		}
	}
}
