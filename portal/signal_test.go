package portal_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// sigNow is a Wednesday afternoon in Amsterdam (3 June 2025, 14:00 CEST).
var sigNow = time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)

func sigValid() portal.NewSignal {
	return portal.NewSignal{
		ID:           "6f1c2d3e-4a5b-4c6d-8e7f-001122334455",
		SubjectBSN:   "999993653",
		ReceivedAt:   sigNow.Add(-2 * time.Hour),
		ReporterKind: "school",
		Reporter:     &portal.Reporter{Name: "Meester Jansen", Organization: "Basisschool De Wilg", Contact: "06-12345678"},
		Nature:       portal.Nature{Category: "child_safety", Summary: "De school maakt zich zorgen."},
		Urgency:      "normal",
		HandlingTeam: "Jeugdteam Oost",
	}
}

// sigFields returns the sorted, distinct field names of err's field errors, checking the code.
func sigFields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if c := portal.ErrorCode(err); c != portal.EINVALID {
		t.Errorf("error code %q, want %q", c, portal.EINVALID)
	}
	var out []string
	for _, f := range portal.ErrorFields(err) {
		if f.Index != -1 {
			t.Errorf("field %s has index %d, want -1", f.Field, f.Index)
		}
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
		if !slices.Contains(out, f.Field) {
			out = append(out, f.Field)
		}
	}
	slices.Sort(out)
	return out
}

func TestNewSignalValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*portal.NewSignal)
		want []string
	}{
		{"valid", func(*portal.NewSignal) {}, nil},
		{"reporter optional", func(s *portal.NewSignal) { s.Reporter = nil }, nil},
		{"empty reporter", func(s *portal.NewSignal) { s.Reporter = &portal.Reporter{} }, nil},
		{"anonymous without reporter", func(s *portal.NewSignal) { s.ReporterKind = "anonymous"; s.Reporter = nil }, nil},
		{"upper-case id", func(s *portal.NewSignal) { s.ID = strings.ToUpper(s.ID) }, nil},
		{"id missing", func(s *portal.NewSignal) { s.ID = "" }, []string{"id"}},
		{"id not a uuid", func(s *portal.NewSignal) { s.ID = "melding-1" }, []string{"id"}},
		{"bsn missing", func(s *portal.NewSignal) { s.SubjectBSN = "" }, []string{"subject_bsn"}},
		{"bsn fails the 11-proef", func(s *portal.NewSignal) { s.SubjectBSN = "999993654" }, []string{"subject_bsn"}},
		{"bsn too short", func(s *portal.NewSignal) { s.SubjectBSN = "99999365" }, []string{"subject_bsn"}},
		{"bsn with letters", func(s *portal.NewSignal) { s.SubjectBSN = "99999365a" }, []string{"subject_bsn"}},
		{"received_at missing", func(s *portal.NewSignal) { s.ReceivedAt = time.Time{} }, []string{"received_at"}},
		{"received_at in the future", func(s *portal.NewSignal) { s.ReceivedAt = sigNow.Add(time.Hour) }, []string{"received_at"}},
		{"received_at just past the clock skew", func(s *portal.NewSignal) { s.ReceivedAt = sigNow.Add(portal.MaxFuture + time.Second) },
			[]string{"received_at"}},
		{"received_at within the clock skew", func(s *portal.NewSignal) { s.ReceivedAt = sigNow.Add(portal.MaxFuture) }, nil},
		{"received_at long ago", func(s *portal.NewSignal) { s.ReceivedAt = sigNow.AddDate(-3, 0, 0) }, nil},
		{"reporter_kind missing", func(s *portal.NewSignal) { s.ReporterKind = "" }, []string{"reporter_kind"}},
		{"reporter_kind unknown", func(s *portal.NewSignal) { s.ReporterKind = "neighbour" }, []string{"reporter_kind"}},
		{"reporter_kind wrong case", func(s *portal.NewSignal) { s.ReporterKind = "School" }, []string{"reporter_kind"}},
		{"reporter name too long", func(s *portal.NewSignal) { s.Reporter.Name = strings.Repeat("a", 501) }, []string{"reporter.name"}},
		{"reporter name at the limit", func(s *portal.NewSignal) { s.Reporter.Name = strings.Repeat("a", 500) }, nil},
		{"reporter organization control char", func(s *portal.NewSignal) { s.Reporter.Organization = "De\x00Wilg" },
			[]string{"reporter.organization"}},
		{"reporter contact not utf-8", func(s *portal.NewSignal) { s.Reporter.Contact = "\xff\xfe" }, []string{"reporter.contact"}},
		{"every reporter field", func(s *portal.NewSignal) {
			s.Reporter = &portal.Reporter{Name: "\x01", Organization: "\x02", Contact: strings.Repeat("x", 501)}
		}, []string{"reporter.contact", "reporter.name", "reporter.organization"}},
		{"category missing", func(s *portal.NewSignal) { s.Nature.Category = "" }, []string{"nature.category"}},
		{"category unknown", func(s *portal.NewSignal) { s.Nature.Category = "crime" }, []string{"nature.category"}},
		{"summary missing", func(s *portal.NewSignal) { s.Nature.Summary = "" }, []string{"nature.summary"}},
		{"summary blank", func(s *portal.NewSignal) { s.Nature.Summary = " \n\t " }, []string{"nature.summary"}},
		{"summary too long", func(s *portal.NewSignal) { s.Nature.Summary = strings.Repeat("z", 4001) }, []string{"nature.summary"}},
		{"summary at the limit", func(s *portal.NewSignal) { s.Nature.Summary = strings.Repeat("z", 4000) }, nil},
		{"summary with newlines", func(s *portal.NewSignal) { s.Nature.Summary = "Regel een\nRegel\ttwee" }, nil},
		{"summary control char", func(s *portal.NewSignal) { s.Nature.Summary = "bel\x07" }, []string{"nature.summary"}},
		{"urgency missing", func(s *portal.NewSignal) { s.Urgency = "" }, []string{"urgency"}},
		{"urgency unknown", func(s *portal.NewSignal) { s.Urgency = "high" }, []string{"urgency"}},
		{"handling_team missing", func(s *portal.NewSignal) { s.HandlingTeam = "" }, []string{"handling_team"}},
		{"handling_team blank", func(s *portal.NewSignal) { s.HandlingTeam = "   " }, []string{"handling_team"}},
		{"handling_team too long", func(s *portal.NewSignal) { s.HandlingTeam = strings.Repeat("t", 501) }, []string{"handling_team"}},
		{"everything wrong", func(s *portal.NewSignal) { *s = portal.NewSignal{} },
			[]string{"handling_team", "id", "nature.category", "nature.summary", "received_at", "reporter_kind", "subject_bsn", "urgency"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sigValid()
			tc.mod(&s)
			err := s.Validate(sigNow)
			if got := sigFields(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v (err %v)", got, tc.want, err)
			}
			if (err == nil) != (tc.want == nil) {
				t.Errorf("err %v, want fields %v", err, tc.want)
			}
		})
	}
}

func TestNewSignalValidateEveryListedValue(t *testing.T) {
	for _, k := range portal.ReporterKinds {
		s := sigValid()
		s.ReporterKind = k
		if err := s.Validate(sigNow); err != nil {
			t.Errorf("reporter kind %s: %v %v", k, err, portal.ErrorFields(err))
		}
	}
	for _, c := range portal.SignalCategories {
		s := sigValid()
		s.Nature.Category = c
		if err := s.Validate(sigNow); err != nil {
			t.Errorf("category %s: %v %v", c, err, portal.ErrorFields(err))
		}
	}
	for _, u := range portal.Urgencies {
		s := sigValid()
		s.Urgency = u
		if err := s.Validate(sigNow); err != nil {
			t.Errorf("urgency %s: %v %v", u, err, portal.ErrorFields(err))
		}
	}
	if len(portal.ReporterKinds) != 8 || len(portal.SignalCategories) != 10 || !slices.Equal(portal.Urgencies, []string{"crisis", "normal"}) {
		t.Errorf("lists changed: %v %v %v", portal.ReporterKinds, portal.SignalCategories, portal.Urgencies)
	}
}

func TestNewSignalValidateNormalizes(t *testing.T) {
	s := sigValid()
	s.ID = strings.ToUpper(s.ID)
	s.Nature.Summary = "  De school maakt zich zorgen.\n "
	s.HandlingTeam = "\tJeugdteam Oost "
	if err := s.Validate(sigNow); err != nil {
		t.Fatal(err)
	}
	if s.ID != strings.ToLower(sigValid().ID) || s.Nature.Summary != "De school maakt zich zorgen." || s.HandlingTeam != "Jeugdteam Oost" {
		t.Errorf("not normalized: %q %q %q", s.ID, s.Nature.Summary, s.HandlingTeam)
	}
}

func TestDeferralRequestValidate(t *testing.T) {
	const max = 92 * 24 * time.Hour
	valid := func() portal.DeferralRequest {
		return portal.DeferralRequest{Reason: "danger", Motivation: "Melder loopt gevaar.", ReviewAt: sigNow.Add(30 * 24 * time.Hour)}
	}
	for _, tc := range []struct {
		name string
		mod  func(*portal.DeferralRequest)
		want []string
	}{
		{"valid", func(*portal.DeferralRequest) {}, nil},
		{"reason missing", func(d *portal.DeferralRequest) { d.Reason = "" }, []string{"reason"}},
		{"reason not on the list", func(d *portal.DeferralRequest) { d.Reason = "convenience" }, []string{"reason"}},
		{"motivation missing", func(d *portal.DeferralRequest) { d.Motivation = "" }, []string{"motivation"}},
		{"motivation blank", func(d *portal.DeferralRequest) { d.Motivation = " \n " }, []string{"motivation"}},
		{"motivation too long", func(d *portal.DeferralRequest) { d.Motivation = strings.Repeat("m", portal.MaxNoteLength+1) },
			[]string{"motivation"}},
		{"motivation at the limit", func(d *portal.DeferralRequest) { d.Motivation = strings.Repeat("m", portal.MaxNoteLength) }, nil},
		{"motivation control char", func(d *portal.DeferralRequest) { d.Motivation = "a\x1bb" }, []string{"motivation"}},
		{"review missing", func(d *portal.DeferralRequest) { d.ReviewAt = time.Time{} }, []string{"review_at"}},
		{"review in the past", func(d *portal.DeferralRequest) { d.ReviewAt = sigNow.Add(-time.Hour) }, []string{"review_at"}},
		{"review now", func(d *portal.DeferralRequest) { d.ReviewAt = sigNow }, []string{"review_at"}},
		{"review just after now", func(d *portal.DeferralRequest) { d.ReviewAt = sigNow.Add(time.Second) }, nil},
		{"review at the max", func(d *portal.DeferralRequest) { d.ReviewAt = sigNow.Add(max) }, nil},
		{"review beyond the max", func(d *portal.DeferralRequest) { d.ReviewAt = sigNow.Add(max + time.Second) }, []string{"review_at"}},
		{"everything wrong", func(d *portal.DeferralRequest) { *d = portal.DeferralRequest{} }, []string{"motivation", "reason", "review_at"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := valid()
			tc.mod(&d)
			err := d.Validate(sigNow, max)
			if got := sigFields(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v (err %v)", got, tc.want, err)
			}
			if (err == nil) != (tc.want == nil) {
				t.Errorf("err %v, want fields %v", err, tc.want)
			}
		})
	}
	for _, r := range portal.DeferralReasons {
		d := valid()
		d.Reason = r
		if err := d.Validate(sigNow, max); err != nil {
			t.Errorf("reason %s: %v", r, err)
		}
	}
	d := valid()
	d.Motivation = "  Melder loopt gevaar.\n"
	if err := d.Validate(sigNow, max); err != nil || d.Motivation != "Melder loopt gevaar." {
		t.Errorf("motivation not trimmed: %q %v", d.Motivation, err)
	}
}

func TestRetentionChoiceValidate(t *testing.T) {
	const max = 366 * 24 * time.Hour
	for _, tc := range []struct {
		name string
		c    portal.RetentionChoice
		want []string
	}{
		{"destroy", portal.RetentionChoice{Decision: portal.RetainDestroy}, nil},
		{"destroy ignores the rest", portal.RetentionChoice{Decision: portal.RetainDestroy, ReviewAt: sigNow.Add(-time.Hour)}, nil},
		{"action with a case", portal.RetentionChoice{Decision: portal.RetainAction, CaseRef: "ZAAK-2025-001"}, nil},
		{"action without a case", portal.RetentionChoice{Decision: portal.RetainAction}, []string{"case_ref"}},
		{"action with a blank case", portal.RetentionChoice{Decision: portal.RetainAction, CaseRef: "  \t"}, []string{"case_ref"}},
		{"action with a long case", portal.RetentionChoice{Decision: portal.RetainAction, CaseRef: strings.Repeat("Z", 201)},
			[]string{"case_ref"}},
		{"action with a control char", portal.RetentionChoice{Decision: portal.RetainAction, CaseRef: "Z\x00"}, []string{"case_ref"}},
		{"keep with a review", portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: sigNow.Add(90 * 24 * time.Hour)}, nil},
		{"keep at the max", portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: sigNow.Add(max)}, nil},
		{"keep without a review", portal.RetentionChoice{Decision: portal.RetainKeep}, []string{"review_at"}},
		{"keep with a past review", portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: sigNow.Add(-time.Minute)},
			[]string{"review_at"}},
		{"keep with a review now", portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: sigNow}, []string{"review_at"}},
		{"keep beyond the max", portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: sigNow.Add(max + time.Second)},
			[]string{"review_at"}},
		{"no decision", portal.RetentionChoice{}, []string{"decision"}},
		{"unknown decision", portal.RetentionChoice{Decision: "archiveren"}, []string{"decision"}},
		{"english decision", portal.RetentionChoice{Decision: "destroy"}, []string{"decision"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			err := c.Validate(sigNow, max)
			if got := sigFields(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v (err %v)", got, tc.want, err)
			}
			if (err == nil) != (tc.want == nil) {
				t.Errorf("err %v, want fields %v", err, tc.want)
			}
		})
	}
	c := portal.RetentionChoice{Decision: portal.RetainAction, CaseRef: " ZAAK-1 "}
	if err := c.Validate(sigNow, max); err != nil || c.CaseRef != "ZAAK-1" {
		t.Errorf("case ref not trimmed: %q %v", c.CaseRef, err)
	}
}

func sigAms(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, portal.Amsterdam)
}

func TestAddWorkingDays(t *testing.T) {
	for _, tc := range []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"friday over the weekend", sigAms(2025, 6, 6, 16, 0), 2, sigAms(2025, 6, 10, 16, 0)},
		{"friday plus one", sigAms(2025, 6, 6, 16, 0), 1, sigAms(2025, 6, 9, 16, 0)},
		{"monday plus two", sigAms(2025, 6, 2, 9, 30), 2, sigAms(2025, 6, 4, 9, 30)},
		{"thursday plus two", sigAms(2025, 6, 5, 23, 59), 2, sigAms(2025, 6, 9, 23, 59)},
		{"saturday plus one", sigAms(2025, 6, 7, 10, 0), 1, sigAms(2025, 6, 9, 10, 0)},
		{"sunday plus two", sigAms(2025, 6, 1, 14, 0), 2, sigAms(2025, 6, 3, 14, 0)},
		{"friday plus five", sigAms(2025, 6, 6, 16, 0), 5, sigAms(2025, 6, 13, 16, 0)},
		{"zero", sigAms(2025, 6, 7, 10, 0), 0, sigAms(2025, 6, 7, 10, 0)},
		// Summer time starts on Sunday 30 March 2025: the wall-clock time stays 16:00, the interval is 95 hours.
		{"into summer time", sigAms(2025, 3, 28, 16, 0), 2, sigAms(2025, 4, 1, 16, 0)},
		// Summer time ends on Sunday 26 October 2025: 97 hours.
		{"into winter time", sigAms(2025, 10, 24, 16, 0), 2, sigAms(2025, 10, 28, 16, 0)},
		// An instant given in UTC is counted in Amsterdam: Friday 23:30 UTC is already Saturday there.
		{"utc friday night is saturday in amsterdam", time.Date(2025, 6, 6, 23, 30, 0, 0, time.UTC), 1, sigAms(2025, 6, 9, 1, 30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := portal.AddWorkingDays(tc.from, tc.n)
			if !got.Equal(tc.want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got.In(portal.Amsterdam), tc.want)
			}
		})
	}
	// The DST cases really are not 48 hours apart per working day.
	if d := portal.AddWorkingDays(sigAms(2025, 3, 28, 16, 0), 2).Sub(sigAms(2025, 3, 28, 16, 0)); d != 95*time.Hour {
		t.Errorf("into summer time: %s, want 95h", d)
	}
	if d := portal.AddWorkingDays(sigAms(2025, 10, 24, 16, 0), 2).Sub(sigAms(2025, 10, 24, 16, 0)); d != 97*time.Hour {
		t.Errorf("into winter time: %s, want 97h", d)
	}
}

func TestSignalActiveDeferral(t *testing.T) {
	now := sigNow
	approved := portal.Deferral{ID: 1, Status: portal.DeferralApproved, ReviewAt: now.Add(time.Hour), ApproveBefore: now.Add(-time.Hour), Initial: true}
	approvedPast := approved
	approvedPast.ReviewAt = now.Add(-time.Second)
	approvedAtNow := approved
	approvedAtNow.ReviewAt = now
	pendingInitial := portal.Deferral{ID: 2, Status: portal.DeferralPending, Initial: true, ReviewAt: now.Add(30 * 24 * time.Hour),
		ApproveBefore: now.Add(time.Hour)}
	pendingInitialLate := pendingInitial
	pendingInitialLate.ApproveBefore = now
	pendingExtension := pendingInitial
	pendingExtension.ID, pendingExtension.Initial = 3, false
	rejected := portal.Deferral{ID: 4, Status: portal.DeferralRejected, Initial: true, ReviewAt: now.Add(time.Hour), ApproveBefore: now.Add(time.Hour)}
	lapsed := portal.Deferral{ID: 5, Status: portal.DeferralLapsed, Initial: true, ReviewAt: now.Add(time.Hour), ApproveBefore: now.Add(time.Hour)}
	for _, tc := range []struct {
		name   string
		ds     []portal.Deferral
		active bool
		id     int64
	}{
		{"none", nil, false, 0},
		{"approved before its review", []portal.Deferral{approved}, true, 1},
		{"approved at its review", []portal.Deferral{approvedAtNow}, false, 0},
		{"approved after its review", []portal.Deferral{approvedPast}, false, 0},
		{"initial pending within the window", []portal.Deferral{pendingInitial}, true, 2},
		{"initial pending at the window's end", []portal.Deferral{pendingInitialLate}, false, 0},
		{"extension pending after the review", []portal.Deferral{approvedPast, pendingExtension}, false, 0},
		{"extension pending before the review", []portal.Deferral{approved, pendingExtension}, true, 1},
		{"extension pending alone", []portal.Deferral{pendingExtension}, false, 0},
		{"rejected", []portal.Deferral{rejected}, false, 0},
		{"lapsed", []portal.Deferral{lapsed}, false, 0},
		{"approved after a lapsed extension", []portal.Deferral{approved, lapsed}, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := portal.Signal{Deferrals: tc.ds}
			d, ok := s.ActiveDeferral(now)
			if ok != tc.active || d.ID != tc.id {
				t.Errorf("ActiveDeferral = %d %v, want %d %v", d.ID, ok, tc.id, tc.active)
			}
		})
	}
}

func TestSignalPendingDeferralAndState(t *testing.T) {
	now := sigNow
	s := portal.Signal{Deferrals: []portal.Deferral{
		{ID: 1, Status: portal.DeferralApproved},
		{ID: 2, Status: portal.DeferralPending},
	}}
	if d, ok := s.PendingDeferral(); !ok || d.ID != 2 {
		t.Errorf("PendingDeferral = %d %v", d.ID, ok)
	}
	s.Deferrals[1].Status = portal.DeferralRejected
	if _, ok := s.PendingDeferral(); ok {
		t.Error("a decided deferral is pending")
	}
	if s.Told() || s.Destroyed() {
		t.Error("a fresh signal is told or destroyed")
	}
	s.ToldAt, s.DestroyedAt = &now, &now
	if !s.Told() || !s.Destroyed() {
		t.Error("Told/Destroyed ignore their dates")
	}
}

func TestSignalPolicyDefaults(t *testing.T) {
	p := portal.SignalPolicy{}.WithDefaults()
	if p.ApprovalDays != 2 || p.MaxDeferral != 92*24*time.Hour || p.DecisionWithin != 28*24*time.Hour || p.MaxKeep != 366*24*time.Hour {
		t.Errorf("defaults: %+v", p)
	}
	q := portal.SignalPolicy{ApprovalDays: 3, MaxDeferral: time.Hour, DecisionWithin: 2 * time.Hour, MaxKeep: 3 * time.Hour}
	if got := q.WithDefaults(); got != q {
		t.Errorf("set periods overwritten: %+v", got)
	}
}

func TestSignalHandlingActivityIsValid(t *testing.T) {
	a := portal.SignalHandlingActivity("Gemeente Test")
	if err := a.Validate(); err != nil {
		t.Errorf("%v %v", err, portal.ErrorFields(err))
	}
	if a.ID != portal.SignalActivity || a.Controller != "Gemeente Test" {
		t.Errorf("activity %s by %s", a.ID, a.Controller)
	}
	if portal.SignalRoleLabel(portal.RoleClerk) == portal.SignalRoleLabel(portal.RoleTeamLead) {
		t.Error("clerk and team lead have the same label")
	}
}
