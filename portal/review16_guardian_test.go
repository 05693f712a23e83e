package portal_test

import (
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// R10: guardianship (voogdij) exists only over minors (BW 1:245/1:280), yet a guardian keeps acting
// for the person after their 18th birthday when the municipality set no valid_until.
func TestReviewGuardianshipPast18(t *testing.T) {
	r := portal.StoredRepresentation{Representation: portal.Representation{Kind: portal.RepGuardianship,
		SubjectBirthDate: "2000-05-01", ValidFrom: "2000-05-01", Parts: portal.RepresentationParts}}
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) // the ward is 25
	if r.ActiveAt(at) {
		t.Errorf("a guardian still acts for a 25-year-old ward")
	}
}
