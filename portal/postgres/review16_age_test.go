package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// The privacy officer's "ended" SQL and the Go rule agree around the 16th birthday (29 Feb, TZ).
func TestReviewEndedSQLMatchesGo(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	if err := db.EnsureActivity(ctx, portal.RepresentativeActivityEntry("G")); err != nil {
		t.Fatal(err)
	}
	for _, birth := range []string{"2084-02-29", "2010-03-31", "2010-06-30", "2010-10-31", "2012-02-29"} {
		r := representation(uuid.NewString())
		r.SubjectBirthDate, r.ValidFrom = birth, birth
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		db.clock.Set(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
		s, _, err := db.PutRepresentation(ctx, r, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordRepresentativeAct(ctx, portal.RepresentativeAct{RepresentationID: s.ID, ActorID: s.RepresentativeID,
			SubjectID: s.SubjectID, What: portal.ActViewLog}, "G", "ouder"); err != nil {
			t.Fatal(err)
		}
		b, _ := portal.ParseDate(birth)
		b16 := portal.Birthday(b, 16)
		for _, at := range []time.Time{b16.Add(-time.Minute), b16, b16.Add(time.Minute), b16.Add(-61 * time.Minute), b16.Add(61 * time.Minute)} {
			db.clock.Set(at)
			acts, err := db.RepresentativeActs(ctx, portal.ActFilter{RepresentationID: s.ID, EndedOrDisputed: true})
			if err != nil {
				t.Fatal(err)
			}
			sqlEnded, goEnded := len(acts) == 1, !s.ActiveAt(at)
			if sqlEnded != goEnded {
				t.Errorf("born %s at %s: SQL ended %v, Go ended %v", birth, at.UTC(), sqlEnded, goEnded)
			}
		}
	}
}
