package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// Core properties of signals (issue 4), each against the real tables.

var (
	scClerk = portal.Staff{Sub: "clerk-1", Name: "Carla Clerk", Roles: []string{portal.RoleClerk}}
	scLead  = portal.Staff{Sub: "lead-1", Name: "Lars Lead", Roles: []string{portal.RoleTeamLead}}
	scLead2 = portal.Staff{Sub: "clerk-1", Name: "Carla as lead", Roles: []string{portal.RoleTeamLead}} // the requester
)

func scSignal(bsn string, at time.Time) portal.NewSignal {
	return portal.NewSignal{ID: uuid.NewString(), SubjectBSN: bsn, ReceivedAt: at.Add(-time.Hour), ReporterKind: "school",
		Reporter: &portal.Reporter{Name: "Meester Geheim", Organization: "Basisschool De Wilg", Contact: "06-12345678"},
		Nature:   portal.Nature{Category: "child_safety", Summary: "School maakt zich zorgen over thuis."},
		Urgency:  "normal", HandlingTeam: "Jeugdteam Oost"}
}

func scDeferral(now time.Time) *portal.DeferralRequest {
	return &portal.DeferralRequest{Reason: "investigation", Motivation: "Onderzoek loopt", ReviewAt: now.Add(30 * 24 * time.Hour)}
}

func scTold(t *testing.T, db *testDB, subject int64, id string) bool {
	t.Helper()
	_, err := db.CitizenSignal(context.Background(), subject, id)
	if err != nil && portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatal(err)
	}
	return err == nil
}

func TestSignalToldAtOnceAndIdempotent(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	ns := scSignal(bsnA, t0)
	s, created, err := db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{})
	if err != nil || !created || !s.Told() {
		t.Fatalf("register: created %v told %v err %v", created, s.Told(), err)
	}
	subject := db.subject(t, bsnA)
	got, err := db.CitizenSignal(ctx, subject, ns.ID)
	if err != nil || got.Reporter != nil || got.ReporterKind != "" || got.Nature.Summary != ns.Nature.Summary {
		t.Fatalf("citizen's view: %+v %v", got, err)
	}
	if _, err := db.CitizenSignal(ctx, db.subject(t, bsnB), ns.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("another citizen: %v", err)
	}
	_, created, err = db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{})
	if err != nil || created {
		t.Errorf("the same signal again: created %v err %v", created, err)
	}
	if n := db.count(t, "messages"); n != 1 {
		t.Errorf("%d messages after a repeat, want 1", n)
	}
	other := ns
	other.Nature.Summary = "Iets anders"
	if _, _, err := db.RegisterSignal(ctx, other, "api", 0, nil, nil, portal.SignalPolicy{}); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Errorf("same id, other content: %v", err)
	}
}

func TestDeferralNeedsAnotherTeamLead(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	ns := scSignal(bsnA, t0)
	s, _, err := db.RegisterSignal(ctx, ns, "staff", 0, &scClerk, scDeferral(t0), portal.SignalPolicy{})
	if err != nil || s.Told() || len(s.Deferrals) != 1 {
		t.Fatalf("register with deferral: %+v %v", s, err)
	}
	subject := db.subject(t, bsnA)
	if scTold(t, db, subject, ns.ID) {
		t.Fatal("a signal awaiting approval of its deferral is shown")
	}
	if err := db.DecideDeferral(ctx, ns.ID, s.Deferrals[0].ID, scLead2, true); portal.ErrorCode(err) != portal.EFORBIDDEN {
		t.Errorf("self-approval: %v", err)
	}
	// The database refuses it too.
	if _, err := db.raw.Exec(ctx, `UPDATE signal_deferrals SET status = 'approved', decided_by = requested_by WHERE id = $1`,
		s.Deferrals[0].ID); err == nil {
		t.Error("the database accepted a self-approval")
	}
	if err := db.DecideDeferral(ctx, ns.ID, s.Deferrals[0].ID, scLead, true); err != nil {
		t.Fatal(err)
	}
	if res, err := db.SweepSignals(ctx); err != nil || res.Told != 0 || scTold(t, db, subject, ns.ID) {
		t.Fatalf("an approved deferral before its review: %+v %v", res, err)
	}
	// The review date passes without a new decision: the citizen is told.
	db.clock.Set(t0.Add(31 * 24 * time.Hour))
	if res, err := db.SweepSignals(ctx); err != nil || res.Told != 1 {
		t.Fatalf("after the review date: %+v %v", res, err)
	}
	if !scTold(t, db, subject, ns.ID) {
		t.Error("not told after the review date passed")
	}
}

func TestDeferralWithoutApprovalLapses(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	// t0 is a Sunday (1 June 2025): two working days end on Tuesday.
	ns := scSignal(bsnA, t0)
	if _, _, err := db.RegisterSignal(ctx, ns, "staff", 0, &scClerk, scDeferral(t0), portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	subject := db.subject(t, bsnA)
	db.clock.Set(t0.Add(24 * time.Hour)) // Monday: still within the window
	if res, _ := db.SweepSignals(ctx); res.Told != 0 || scTold(t, db, subject, ns.ID) {
		t.Fatal("told within the approval window")
	}
	db.clock.Set(t0.Add(48*time.Hour + time.Minute)) // Tuesday, past the window
	res, err := db.SweepSignals(ctx)
	if err != nil || res.Lapsed != 1 || res.Told != 1 || !scTold(t, db, subject, ns.ID) {
		t.Fatalf("after the approval window: %+v %v", res, err)
	}
	if err := db.EnsureActivity(ctx, portal.SignalHandlingActivity("Gemeente Test")); err != nil {
		t.Fatal(err)
	}
	s, err := db.OpenSignal(ctx, ns.ID, scLead, "Gemeente Test")
	if err != nil || len(s.Signal.Deferrals) != 1 {
		t.Fatalf("open: %+v %v", s, err)
	}
	if s.Signal.Deferrals[0].Status != portal.DeferralLapsed {
		t.Errorf("deferral status %s", s.Signal.Deferrals[0].Status)
	}
	if err := db.DecideDeferral(ctx, ns.ID, s.Signal.Deferrals[0].ID, scLead, true); err == nil {
		t.Error("a lapsed deferral was approved afterwards")
	}
}

func TestRejectionTellsAtOnce(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	ns := scSignal(bsnA, t0)
	s, _, err := db.RegisterSignal(ctx, ns, "staff", 0, &scClerk, scDeferral(t0), portal.SignalPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DecideDeferral(ctx, ns.ID, s.Deferrals[0].ID, scLead, false); err != nil {
		t.Fatal(err)
	}
	if !scTold(t, db, db.subject(t, bsnA), ns.ID) {
		t.Error("a rejected deferral did not tell the citizen")
	}
}

func TestDestructionRemovesTheContent(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	if err := db.EnsureActivity(ctx, portal.SignalHandlingActivity("Gemeente Test")); err != nil {
		t.Fatal(err)
	}
	ns := scSignal(bsnA, t0)
	s, _, err := db.RegisterSignal(ctx, ns, "staff", 0, &scClerk, scDeferral(t0), portal.SignalPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DecideDeferral(ctx, ns.ID, s.Deferrals[0].ID, scLead, true); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideRetention(ctx, ns.ID, scClerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`SELECT row_to_json(s)::text FROM signals s`, `SELECT row_to_json(d)::text FROM signal_deferrals d`} {
		rows, _ := db.raw.Query(ctx, q)
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(texts) != 1 {
			t.Fatalf("%s: %v %v", q, texts, err)
		}
		for _, secret := range []string{"Meester Geheim", "De Wilg", "06-12345678", "zorgen over thuis", "Jeugdteam Oost", "Onderzoek loopt", "school"} {
			if scContainsFold(texts[0], secret) {
				t.Errorf("%q survives destruction: %s", secret, texts[0])
			}
		}
	}
	var cat string
	var received, destroyed *time.Time
	if err := db.raw.QueryRow(ctx, `SELECT category, received_at, destroyed_at FROM signals`).Scan(&cat, &received, &destroyed); err != nil ||
		cat != "child_safety" || received == nil || destroyed == nil {
		t.Errorf("what remains: %s %v %v %v", cat, received, destroyed, err)
	}
	if err := db.DecideRetention(ctx, ns.ID, scClerk, portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: t0.Add(time.Hour * 48)},
		portal.SignalPolicy{}); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("a decision after destruction: %v", err)
	}
}

func TestStaffViewOfAnUntoldSignalIsRevealedWhenTold(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	if err := db.EnsureActivity(ctx, portal.SignalHandlingActivity("Gemeente Test")); err != nil {
		t.Fatal(err)
	}
	subject := db.subject(t, bsnA)
	kept := scSignal(bsnA, t0.Add(-time.Hour))
	if _, _, err := db.RegisterSignal(ctx, kept, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideRetention(ctx, kept.ID, scClerk, portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: t0.Add(90 * 24 * time.Hour)},
		portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	ns := scSignal(bsnA, t0)
	if _, _, err := db.RegisterSignal(ctx, ns, "staff", 0, &scClerk, scDeferral(t0), portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	sc, err := db.OpenSignal(ctx, ns.ID, scClerk, "Gemeente Test")
	if err != nil || len(sc.Earlier) != 1 || sc.Earlier[0].ID != kept.ID || sc.BSN != bsnA || sc.Signal.Reporter == nil {
		t.Fatalf("case: %+v %v", sc, err)
	}
	visible := func() int {
		evs, _, err := db.Events(ctx, subject, portal.EventFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Activity.ID == portal.SignalActivity {
				n++
			}
		}
		return n
	}
	if n := visible(); n != 0 {
		t.Fatalf("the view of an untold signal is visible in the log (%d)", n)
	}
	if err := db.TellSignal(ctx, ns.ID); err != nil {
		t.Fatal(err)
	}
	if n := visible(); n != 1 {
		t.Fatalf("after telling, %d views visible, want 1", n)
	}
}

func scContainsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
