package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// Signals from systems (issue 17): a hold during which the person is not told, the sweep that tells
// at its end, and the text written for the person instead of the reporter's summary.

const sgForSubject = "Iemand maakt zich zorgen over hoe het thuis met u gaat."

func TestSignalHeldUntilTheHoldEnds(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.clock.Set(t0)
	ns := sgNew(bsnA, t0)
	hold := t0.Add(24 * time.Hour)
	ns.HoldUntil = &hold
	s := db.sgRegister(t, ns, "api", nil, nil)
	subject := db.subject(t, bsnA)
	if s.Told() || s.HoldUntil == nil || !reqSame(*s.HoldUntil, hold) || !s.Held(t0) || len(s.Deferrals) != 0 {
		t.Fatalf("registered with a hold: %+v", s)
	}
	if db.sgSees(t, subject, ns.ID) || len(db.sgSignalMessages(t, subject, ns.ID)) != 0 {
		t.Fatal("the person is told during the hold")
	}
	// The sweep leaves it alone while the hold runs, up to its last moment.
	for _, at := range []time.Time{t0.Add(time.Hour), hold.Add(-time.Second)} {
		db.clock.Set(at)
		if res := db.sgSweep(t); res.Told != 0 {
			t.Fatalf("sweep at %v told %d", at, res.Told)
		}
		if db.sgSees(t, subject, ns.ID) {
			t.Fatalf("told at %v, before the hold ends", at)
		}
	}
	// A sweep is scheduled for the end of the hold, so it cannot come a period late.
	var scheduled int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND scheduled_at = $2`,
		portal.SweepJob{}.Kind(), hold).Scan(&scheduled); err != nil {
		t.Fatal(err)
	}
	if scheduled != 1 {
		t.Errorf("%d sweeps scheduled at the end of the hold, want 1", scheduled)
	}
	db.clock.Set(hold)
	if res := db.sgSweep(t); res.Told != 1 {
		t.Fatalf("sweep at the end of the hold told %d, want 1", res.Told)
	}
	if !db.sgSees(t, subject, ns.ID) || len(db.sgSignalMessages(t, subject, ns.ID)) != 1 {
		t.Fatal("not told when the hold ended")
	}
	got, err := db.CitizenSignal(ctx, subject, "", ns.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Nature.Summary != "" || got.SummaryForSubject != "" || got.HoldUntil != nil {
		t.Errorf("the citizen's view holds the reporter's summary or staff details: %+v", got)
	}
}

func TestSignalHoldTooLongRefused(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.clock.Set(t0)                                        // Sunday 1 June 2025, 14:00 in Amsterdam
	limit := portal.SignalPolicy{}.HoldEnd(t0)              // two working days: Tuesday 14:00
	if want := t0.Add(48 * time.Hour); !limit.Equal(want) { // Sunday + Monday, Tuesday
		t.Fatalf("HoldEnd = %v, want %v", limit, want)
	}
	for name, hold := range map[string]time.Time{"past": t0.Add(-time.Minute), "now": t0, "beyond the window": limit.Add(time.Second)} {
		ns := sgNew(bsnA, t0)
		ns.HoldUntil = &hold
		if err := ns.Validate(t0); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{})
		if fs := portal.ErrorFields(err); portal.ErrorCode(err) != portal.EINVALID || len(fs) != 1 || fs[0].Field != "hold_until" {
			t.Errorf("%s: %v %v", name, err, fs)
		}
	}
	var n int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM signals`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d signals stored after refusals (%v)", n, err)
	}
	// Exactly the window is allowed.
	ns := sgNew(bsnA, t0)
	ns.HoldUntil = &limit
	if s := db.sgRegister(t, ns, "api", nil, nil); s.Told() {
		t.Errorf("held signal told: %+v", s)
	}
}

func TestSignalHoldEndedByAClerk(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.clock.Set(t0)
	hold := t0.Add(24 * time.Hour)
	subject := db.subject(t, bsnA)

	// Tell now: the clerk ends the hold early.
	early := sgNew(bsnA, t0)
	early.HoldUntil = &hold
	db.sgRegister(t, early, "api", nil, nil)
	db.clock.Set(t0.Add(time.Hour))
	if err := db.TellSignal(ctx, early.ID); err != nil {
		t.Fatal(err)
	}
	if !db.sgSees(t, subject, early.ID) {
		t.Error("not told after the clerk told")
	}

	// A deferral asked during the hold keeps the signal from the person after the hold while a team
	// lead may approve it.
	db.clock.Set(t0)
	deferred := sgNew(bsnA, t0)
	deferred.HoldUntil = &hold
	db.sgRegister(t, deferred, "api", nil, nil)
	db.clock.Set(t0.Add(2 * time.Hour))
	if err := db.RequestDeferral(ctx, deferred.ID, sgClerk, *sgDefer(t0.Add(30 * 24 * time.Hour)), portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(hold.Add(time.Minute))
	db.sgSweep(t)
	if db.sgSees(t, subject, deferred.ID) {
		t.Fatal("told after the hold although a deferral awaits approval")
	}
	if err := db.DecideDeferral(ctx, deferred.ID, db.sgStaffView(t, deferred.ID).Deferrals[0].ID, sgLead, true); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(t0.Add(10 * 24 * time.Hour))
	db.sgSweep(t)
	if db.sgSees(t, subject, deferred.ID) {
		t.Error("told while an approved deferral runs")
	}
}

func TestSignalSubjectSummary(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.clock.Set(t0)
	subject := db.subject(t, bsnA)

	// From the API: the reporter's summary stays with staff, summary_for_subject reaches the person.
	withText := sgNew(bsnA, t0)
	withText.SummaryForSubject = "  " + sgForSubject + "  "
	s := db.sgRegister(t, withText, "api", nil, nil)
	if s.SummaryForSubject != sgForSubject || s.SubjectSummaryBy != "api" || s.Nature.Summary != sgSummary {
		t.Errorf("stored: %q by %q, reporter's %q", s.SummaryForSubject, s.SubjectSummaryBy, s.Nature.Summary)
	}
	got, err := db.CitizenSignal(ctx, subject, "", withText.ID)
	if err != nil || got.SummaryForSubject != sgForSubject || got.Nature.Summary != "" {
		t.Errorf("the citizen's view: %+v %v", got, err)
	}

	// Without one the person has no text until a clerk writes it.
	bare := sgNew(bsnA, t0)
	db.sgRegister(t, bare, "api", nil, nil)
	got, err = db.CitizenSignal(ctx, subject, "", bare.ID)
	if err != nil || got.SummaryForSubject != "" || got.Nature.Summary != "" {
		t.Errorf("the citizen's view without a text: %+v %v", got, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("a", portal.MaxSubjectSummary+1)} {
		err := db.SetSubjectSummary(ctx, bare.ID, sgClerk, bad)
		if fs := portal.ErrorFields(err); portal.ErrorCode(err) != portal.EINVALID || len(fs) != 1 || fs[0].Field != "summary_for_subject" {
			t.Errorf("SetSubjectSummary(%q): %v %v", bad, err, fs)
		}
	}
	written := t0.Add(time.Hour)
	db.clock.Set(written)
	if err := db.SetSubjectSummary(ctx, bare.ID, sgClerk, sgForSubject); err != nil {
		t.Fatal(err)
	}
	st := db.sgStaffView(t, bare.ID)
	full, err := db.OpenSignal(ctx, bare.ID, sgClerk, sgMunicipality)
	if err != nil {
		t.Fatal(err)
	}
	if st.SummaryForSubject != "" || full.Signal.SummaryForSubject != sgForSubject || full.Signal.SubjectSummaryBy != sgClerk.Sub ||
		full.Signal.SubjectSummaryAt == nil || !reqSame(*full.Signal.SubjectSummaryAt, written) {
		t.Errorf("staff: list %q, page %+v", st.SummaryForSubject, full.Signal)
	}
	if got, _ := db.CitizenSignal(ctx, subject, "", bare.ID); got.SummaryForSubject != sgForSubject {
		t.Errorf("the citizen does not read the clerk's text: %+v", got)
	}

	// Destroying the signal clears the text for the person too.
	if err := db.DecideRetention(ctx, bare.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	var text, by *string
	var at *time.Time
	if err := db.raw.QueryRow(ctx, `SELECT subject_summary, subject_summary_by, subject_summary_at FROM signals WHERE id = $1`,
		bare.ID).Scan(&text, &by, &at); err != nil {
		t.Fatal(err)
	}
	if text != nil || by != nil || at != nil {
		t.Errorf("the text survives destruction: %v %v %v", text, by, at)
	}
	if cols := db.sgColumnsHolding(t, "signals", sgForSubject); len(cols) != 1 { // withText's row only
		t.Errorf("the text is held in %v", cols)
	}
	if err := db.SetSubjectSummary(ctx, bare.ID, sgClerk, sgForSubject); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("a text for a destroyed signal: %v", err)
	}
	// The database refuses a destroyed signal that keeps its text.
	if _, err := db.raw.Exec(ctx, `UPDATE signals SET subject_summary = 'x' WHERE id = $1`, bare.ID); err == nil {
		t.Error("the check constraint lets a destroyed signal keep its text")
	}

	// On the staff form the clerk's summary is written for the person.
	staffSig := sgNew(bsnA, t0)
	db.sgRegister(t, staffSig, "staff", &sgClerk, nil)
	if got, _ := db.CitizenSignal(ctx, subject, "", staffSig.ID); got.SummaryForSubject != sgSummary {
		t.Errorf("a staff-form signal's text for the person: %+v", got)
	}
}
