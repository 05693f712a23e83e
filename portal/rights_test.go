package portal_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

func TestRequestTransitions(t *testing.T) {
	all := []portal.RequestStatus{portal.StatusReceived, portal.StatusHandling, portal.StatusExtended,
		portal.StatusDecided, portal.StatusWithdrawn}
	allowed := map[[2]portal.RequestStatus]bool{
		{portal.StatusReceived, portal.StatusHandling}:  true,
		{portal.StatusReceived, portal.StatusWithdrawn}: true,
		{portal.StatusHandling, portal.StatusExtended}:  true,
		{portal.StatusHandling, portal.StatusDecided}:   true,
		{portal.StatusHandling, portal.StatusWithdrawn}: true,
		{portal.StatusExtended, portal.StatusDecided}:   true,
		{portal.StatusExtended, portal.StatusWithdrawn}: true,
	}
	for _, from := range all {
		for _, to := range all {
			want := allowed[[2]portal.RequestStatus{from, to}]
			if got := portal.CanMove(from, to); got != want {
				t.Errorf("%s → %s: allowed=%v, want %v", from, to, got, want)
			}
			err := portal.Move(from, to)
			if (err == nil) != want || (err != nil && portal.ErrorCode(err) != portal.EINVALID) {
				t.Errorf("Move(%s, %s) = %v", from, to, err)
			}
		}
	}
}

func ams(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, portal.Amsterdam)
}

func TestDeadline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		received time.Time
		want     string // date of the deadline in Amsterdam; the deadline is the end of that day
	}{
		{"ordinary", ams(2026, 3, 5, 10, 0), "2026-04-05"},
		{"31 January to the end of February", ams(2026, 1, 31, 9, 0), "2026-02-28"},
		{"31 January in a leap year", ams(2028, 1, 31, 9, 0), "2028-02-29"},
		{"30 January in a leap year", ams(2028, 1, 30, 9, 0), "2028-02-29"},
		{"29 February to 29 March", ams(2028, 2, 29, 9, 0), "2028-03-29"},
		{"31 March to 30 April", ams(2026, 3, 31, 9, 0), "2026-04-30"},
		{"December into the next year", ams(2026, 12, 31, 9, 0), "2027-01-31"},
		{"across the change to summer time", ams(2026, 3, 1, 12, 0), "2026-04-01"},
		{"across the change to winter time", ams(2026, 10, 1, 12, 0), "2026-11-01"},
		// 23:30 UTC on 31 May is already 1 June in Amsterdam: the month counts from the Dutch date.
		{"received late in the evening (UTC)", time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC), "2026-07-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := portal.Deadline(tc.received)
			if got := d.In(portal.Amsterdam).Format("2006-01-02"); got != tc.want {
				t.Errorf("deadline %s, want %s", got, tc.want)
			}
			local := d.In(portal.Amsterdam)
			if local.Hour() != 23 || local.Minute() != 59 || !d.Add(time.Nanosecond).In(portal.Amsterdam).Equal(
				time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, portal.Amsterdam)) {
				t.Errorf("deadline %v is not the end of its day in Amsterdam", local)
			}
		})
	}
}

func TestExtendedDeadline(t *testing.T) {
	received := ams(2026, 1, 31, 9, 0)
	for _, tc := range []struct {
		months int
		now    time.Time
		want   string
		ok     bool
	}{
		{1, ams(2026, 2, 10, 9, 0), "2026-03-31", true},
		{2, ams(2026, 2, 28, 23, 0), "2026-04-30", true},
		{3, ams(2026, 2, 10, 9, 0), "", false},                 // more than two months
		{0, ams(2026, 2, 10, 9, 0), "", false},                 // not an extension
		{1, ams(2026, 3, 1, 0, 0).Add(time.Second), "", false}, // the first deadline has passed
	} {
		t.Run(fmt.Sprintf("%d months at %s", tc.months, tc.now.Format(time.DateTime)), func(t *testing.T) {
			d, err := portal.ExtendedDeadline(received, tc.now, tc.months)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if portal.ErrorCode(err) != portal.EINVALID {
					t.Errorf("error kind %s", portal.ErrorCode(err))
				}
				return
			}
			if got := d.In(portal.Amsterdam).Format("2006-01-02"); got != tc.want {
				t.Errorf("extended deadline %s, want %s", got, tc.want)
			}
		})
	}
}

func TestAddMonthsClampsToTheMonthEnd(t *testing.T) {
	for _, tc := range []struct {
		from   string
		months int
		want   string
	}{
		{"2026-01-31", 1, "2026-02-28"}, {"2026-01-31", 2, "2026-03-31"}, {"2026-01-31", 3, "2026-04-30"},
		{"2024-01-31", 1, "2024-02-29"}, {"2026-08-31", 1, "2026-09-30"}, {"2026-11-30", 3, "2027-02-28"},
		{"2026-05-15", 12, "2027-05-15"},
	} {
		from, _ := time.ParseInLocation("2006-01-02", tc.from, portal.Amsterdam)
		if got := portal.AddMonths(from, tc.months).Format("2006-01-02"); got != tc.want {
			t.Errorf("%s + %d months = %s, want %s", tc.from, tc.months, got, tc.want)
		}
	}
}

// Issue 18: the question's service norm, the Awb objection period and deadline, and which kinds may be
// extended or need a co-signature.
func TestQuestionAndAwbObjectionDeadlines(t *testing.T) {
	ams := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, portal.Amsterdam) }
	endOf := func(y int, m time.Month, d int) time.Time { return ams(y, m, d+1, 0).Add(-time.Nanosecond) }
	received := ams(2026, time.March, 20, 23) // late on a Friday, in winter time; two weeks later is summer time
	if got, want := portal.DeadlineFor(portal.KindQuestion, received, time.Time{}), endOf(2026, time.April, 3); !got.Equal(want) {
		t.Errorf("question deadline %v, want %v", got, want)
	}
	if got, want := portal.DeadlineFor(portal.KindInspection, received, time.Time{}), portal.Deadline(received); !got.Equal(want) {
		t.Errorf("inspection deadline %v, want %v", got, want)
	}
	decided := ams(2026, time.January, 5, 10) // Monday 5 January
	if got, want := portal.ObjectionPeriodEnd(decided), endOf(2026, time.February, 16); !got.Equal(want) {
		t.Errorf("objection period ends %v, want %v (Awb 6:8: six weeks from the day after)", got, want)
	}
	if got, want := portal.DeadlineFor(portal.KindAwbObjection, ams(2026, time.January, 20, 9), decided), endOf(2026, time.March, 30); !got.Equal(want) {
		t.Errorf("awb objection deadline %v, want %v (Awb 7:10: six weeks after the period)", got, want)
	}
	for _, k := range portal.RequestKinds {
		avg := k != portal.KindQuestion && k != portal.KindAwbObjection
		if k.AVG() != avg || k.Extendable() != avg {
			t.Errorf("%s: AVG %v, extendable %v", k, k.AVG(), k.Extendable())
		}
		if k.Answered() != (k == portal.KindQuestion) {
			t.Errorf("%s: answered %v", k, k.Answered())
		}
	}
	if portal.DecisionAgainstWill(portal.KindQuestion, portal.OutcomeRejected) || portal.DecisionAgainstWill(portal.KindAwbObjection, portal.OutcomeRejected) {
		t.Error("a question or an Awb objection needs no co-signature")
	}
	if portal.GroundsFor(portal.KindQuestion) != nil || len(portal.GroundsFor(portal.KindAwbObjection)) == 0 {
		t.Error("a question has no grounds; an Awb objection not upheld has one")
	}
	if portal.KindInspection.NeedsDescription() || !portal.KindQuestion.NeedsDescription() {
		t.Error("only an inspection needs no description")
	}
	// A question's deadline is not extended.
	r := portal.RightsRequest{Kind: portal.KindQuestion, Status: portal.StatusHandling, ReceivedAt: received,
		Deadline: portal.DeadlineFor(portal.KindQuestion, received, time.Time{})}
	if _, _, err := (portal.Action{Kind: portal.StepExtended, Months: 1, Note: "x"}).Apply(r, received.Add(time.Hour)); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("extending a question: %v", err)
	}
}
