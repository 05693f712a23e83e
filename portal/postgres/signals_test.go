package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/inzicht/inzicht/portal"
)

// Signals (meldingen) against the real tables: telling, idempotency, deferrals and their approval,
// the sweep, staff views in the person's log, and retention decisions.

var (
	sgClerk = portal.Staff{Sub: "sg-clerk", Name: "Sanne Signaal", Roles: []string{portal.RoleClerk}}
	// sgClerkAsLead is the same person as sgClerk, with the team lead role as well.
	sgClerkAsLead = portal.Staff{Sub: "sg-clerk", Name: "Sanne Signaal", Roles: []string{portal.RoleClerk, portal.RoleTeamLead}}
	sgLead        = portal.Staff{Sub: "sg-lead", Name: "Lotte Leiding", Roles: []string{portal.RoleTeamLead}}
	sgLead2       = portal.Staff{Sub: "sg-lead-2", Name: "Bram Baas", Roles: []string{portal.RoleTeamLead}}
)

// Words that appear only in a signal's content: none may survive its destruction.
const (
	sgReporterName = "Wieteke Verklikker"
	sgReporterOrg  = "Buurtvereniging Zonnebloem"
	sgReporterTel  = "06-98765432"
	sgSummary      = "Buren horen geregeld geschreeuw uit de woning"
	sgTeam         = "Sociaal Wijkteam Noordoost"
	sgMotivation   = "Politieonderzoek Kraanvogel loopt nog"
)

const sgMunicipality = "Gemeente Test"

// sgNew is a valid signal about bsn, received an hour before at.
func sgNew(bsn string, at time.Time) portal.NewSignal {
	return portal.NewSignal{ID: uuid.NewString(), SubjectBSN: bsn, ReceivedAt: at.Add(-time.Hour), ReporterKind: "neighbourhood",
		Reporter: &portal.Reporter{Name: sgReporterName, Organization: sgReporterOrg, Contact: sgReporterTel},
		Nature:   portal.Nature{Category: "domestic_violence", Summary: sgSummary},
		Urgency:  "crisis", HandlingTeam: sgTeam}
}

// sgDefer is a deferral request reviewed at review.
func sgDefer(review time.Time) *portal.DeferralRequest {
	return &portal.DeferralRequest{Reason: "investigation", Motivation: sgMotivation, ReviewAt: review}
}

// sgRegister registers a signal that must be stored anew, validating it as the surfaces do.
func (d *testDB) sgRegister(t *testing.T, ns portal.NewSignal, source string, by *portal.Staff, def *portal.DeferralRequest) portal.Signal {
	t.Helper()
	if err := ns.Validate(d.clock.Now()); err != nil {
		t.Fatalf("Validate: %v %v", err, portal.ErrorFields(err))
	}
	s, created, err := d.RegisterSignal(context.Background(), ns, source, 0, by, def, portal.SignalPolicy{})
	if err != nil || !created {
		t.Fatalf("RegisterSignal: created %v, %v %v", created, err, portal.ErrorFields(err))
	}
	return s
}

// sgSees reports whether the citizen sees the signal, checking that the list and the single lookup agree.
func (d *testDB) sgSees(t *testing.T, subject int64, id string) bool {
	t.Helper()
	ctx := context.Background()
	one, err := d.CitizenSignal(ctx, subject, "", id)
	if err != nil && portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatalf("CitizenSignal: %v", err)
	}
	list, lerr := d.CitizenSignals(ctx, subject, "")
	if lerr != nil {
		t.Fatalf("CitizenSignals: %v", lerr)
	}
	inList := slices.ContainsFunc(list, func(s portal.Signal) bool { return s.ID == id })
	if inList != (err == nil) {
		t.Errorf("CitizenSignals lists %s: %v, CitizenSignal: %v", id, inList, err)
	}
	if err == nil && one.ID != id {
		t.Errorf("CitizenSignal returned %s, want %s", one.ID, id)
	}
	return err == nil
}

// sgSignalMessages returns the inbox messages of a subject about the signal.
func (d *testDB) sgSignalMessages(t *testing.T, subject int64, id string) []portal.Message {
	t.Helper()
	ms, err := d.Messages(context.Background(), subject, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []portal.Message
	for _, m := range ms {
		if m.SignalID == id {
			out = append(out, m)
		}
	}
	return out
}

// sgStaffView reads a signal as staff would, without recording a view.
func (d *testDB) sgStaffView(t *testing.T, id string) portal.Signal {
	t.Helper()
	ss, err := d.StaffSignals(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("signal %s not in the staff list", id)
	return portal.Signal{}
}

// sgRow returns the raw signals row as JSON text.
func (d *testDB) sgRow(t *testing.T, id string) string {
	t.Helper()
	var s string
	if err := d.raw.QueryRow(context.Background(), `SELECT row_to_json(s)::text FROM signals s WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (d *testDB) sgSweep(t *testing.T) portal.SignalSweepResult {
	t.Helper()
	res, err := d.SweepSignals(context.Background())
	if err != nil {
		t.Fatalf("SweepSignals: %v", err)
	}
	return res
}

func (d *testDB) sgNotifyJobs(t *testing.T) []string {
	t.Helper()
	return d.reqJobs(t, portal.NotifyJob{}.Kind(), "message_id")
}

func TestSignalsToldAtOnce(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	ns := sgNew(bsnA, t0)
	s := db.sgRegister(t, ns, "api", nil, nil)
	subject := db.subject(t, bsnA)
	if !s.Told() || !reqSame(*s.ToldAt, t0) || s.SubjectID != subject || s.Source != "api" || !reqSame(s.RegisteredAt, t0) ||
		!reqSame(s.DecisionDue, t0.Add(28*24*time.Hour)) || s.Retention != "" || len(s.Deferrals) != 0 {
		t.Fatalf("registered: %+v", s)
	}
	// What RegisterSignal returns is the staff's view: the reporter is in it.
	if s.Reporter == nil || s.Reporter.Name != sgReporterName || s.ReporterKind != "neighbourhood" || s.Nature.Summary != sgSummary {
		t.Errorf("stored content: %+v %+v", s.Reporter, s.Nature)
	}

	msgs := db.sgSignalMessages(t, subject, ns.ID)
	if len(msgs) != 1 || msgs[0].RequestID != "" || msgs[0].ConsentID != "" || string(msgs[0].Kind) != "signal" ||
		string(msgs[0].Status) != "told" || !reqSame(msgs[0].CreatedAt, t0) || msgs[0].ReadAt != nil {
		t.Fatalf("inbox: %+v", msgs)
	}
	if all, _ := db.Messages(ctx, subject, 100); len(all) != 1 {
		t.Errorf("%d messages in the inbox, want 1", len(all))
	}

	list, err := db.CitizenSignals(ctx, subject, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("CitizenSignals: %+v %v", list, err)
	}
	for _, got := range []portal.Signal{list[0], func() portal.Signal {
		one, err := db.CitizenSignal(ctx, subject, "", ns.ID)
		if err != nil {
			t.Fatal(err)
		}
		return one
	}()} {
		if got.ID != ns.ID || got.Reporter != nil || got.ReporterKind != "" || got.Deferrals != nil || got.RetentionBy != "" {
			t.Errorf("the citizen sees who reported or staff details: %+v", got)
		}
		// The reporter's summary is for staff: the citizen reads only the text written for them.
		if got.Nature != (portal.Nature{Category: ns.Nature.Category}) || !got.ReceivedAt.Equal(ns.ReceivedAt.Truncate(time.Microsecond)) || !got.Told() {
			t.Errorf("the citizen's view lacks the signal itself: %+v", got)
		}
	}

	other := db.subject(t, bsnB)
	if _, err := db.CitizenSignal(ctx, other, "", ns.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("another citizen's signal: %v", err)
	}
	if l, err := db.CitizenSignals(ctx, other, ""); err != nil || len(l) != 0 {
		t.Errorf("another citizen's list: %+v %v", l, err)
	}
	if m, _ := db.Messages(ctx, other, 100); len(m) != 0 {
		t.Errorf("another citizen's inbox: %+v", m)
	}
	for _, id := range []string{uuid.NewString(), "not-a-uuid", ""} {
		if _, err := db.CitizenSignal(ctx, subject, "", id); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("CitizenSignal(%q): %v", id, err)
		}
	}
	// Without a request holding an address no e-mail is queued.
	if j := db.sgNotifyJobs(t); len(j) != 0 {
		t.Errorf("e-mail jobs without an address: %v", j)
	}
}

func TestSignalsAPIIgnoresADeferral(t *testing.T) {
	t.Parallel()
	// A deferral needs a staff member who asks for it: through the API (no staff) the citizen is told.
	db := newTestDB(t)
	ns := sgNew(bsnA, t0)
	s := db.sgRegister(t, ns, "api", nil, sgDefer(t0.Add(24*time.Hour)))
	if !s.Told() || len(s.Deferrals) != 0 || !db.sgSees(t, db.subject(t, bsnA), ns.ID) {
		t.Errorf("an API signal with a deferral: %+v", s)
	}
}

func TestSignalsIdempotent(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	ns := sgNew(bsnA, t0)
	first := db.sgRegister(t, ns, "api", nil, nil)
	subject := db.subject(t, bsnA)
	before := db.sgRow(t, ns.ID)

	db.clock.Advance(time.Hour)
	again, created, err := db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{})
	if err != nil || created {
		t.Fatalf("the same signal again: created %v, %v", created, err)
	}
	if again.ID != ns.ID || !reqSame(*again.ToldAt, *first.ToldAt) || !reqSame(again.RegisteredAt, t0) {
		t.Errorf("the repeat returned %+v, want the stored signal", again)
	}
	// A repeat through the staff form with a deferral changes nothing either.
	_, created, err = db.RegisterSignal(ctx, ns, "staff", 0, &sgClerk, sgDefer(db.clock.Now().Add(24*time.Hour)), portal.SignalPolicy{})
	if err != nil || created {
		t.Errorf("the same signal through the staff form: created %v, %v", created, err)
	}
	if m := db.sgSignalMessages(t, subject, ns.ID); len(m) != 1 {
		t.Errorf("%d messages after repeats, want 1", len(m))
	}
	if n := db.count(t, "signal_deferrals"); n != 0 {
		t.Errorf("a repeat added %d deferrals", n)
	}
	if after := db.sgRow(t, ns.ID); after != before {
		t.Errorf("a repeat changed the row:\n%s\n%s", before, after)
	}

	for name, mod := range map[string]func(*portal.NewSignal){
		"summary":  func(s *portal.NewSignal) { s.Nature.Summary = "Iets heel anders" },
		"category": func(s *portal.NewSignal) { s.Nature.Category = "debts" },
		"reporter name": func(s *portal.NewSignal) {
			s.Reporter = &portal.Reporter{Name: "Iemand anders", Organization: sgReporterOrg, Contact: sgReporterTel}
		},
		"no reporter":   func(s *portal.NewSignal) { s.Reporter = nil },
		"reporter kind": func(s *portal.NewSignal) { s.ReporterKind = "family" },
		"received at":   func(s *portal.NewSignal) { s.ReceivedAt = s.ReceivedAt.Add(-time.Minute) },
		"urgency":       func(s *portal.NewSignal) { s.Urgency = "normal" },
		"team":          func(s *portal.NewSignal) { s.HandlingTeam = "Ander team" },
		"subject":       func(s *portal.NewSignal) { s.SubjectBSN = bsnB },
	} {
		other := ns
		mod(&other)
		_, created, err := db.RegisterSignal(ctx, other, "api", 0, nil, nil, portal.SignalPolicy{})
		if portal.ErrorCode(err) != portal.ECONFLICT || created {
			t.Errorf("same id, other %s: created %v, %v", name, created, err)
		}
	}
	if after := db.sgRow(t, ns.ID); after != before {
		t.Errorf("a conflict changed the row:\n%s\n%s", before, after)
	}
	if n := db.count(t, "signals"); n != 1 {
		t.Errorf("%d signals, want 1", n)
	}
	if n := db.count(t, "messages"); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	if l, _ := db.CitizenSignals(ctx, db.subject(t, bsnB), ""); len(l) != 0 {
		t.Errorf("a conflicting signal reached another citizen: %+v", l)
	}
	// The same instant in another time zone is the same signal.
	same := ns
	same.ReceivedAt = ns.ReceivedAt.In(portal.Amsterdam)
	if _, created, err := db.RegisterSignal(ctx, same, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil || created {
		t.Errorf("the same instant in Amsterdam time: created %v, %v", created, err)
	}
}

func TestSignalsConcurrentRepeats(t *testing.T) {
	t.Parallel()
	// An API client that retries while its first attempt is still running gets the stored signal,
	// not an internal error.
	db := newTestDB(t)
	ctx := context.Background()
	db.subject(t, bsnA)
	ns := sgNew(bsnA, t0)
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, errs := 0, []error{}
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, c, err := db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{})
			mu.Lock()
			defer mu.Unlock()
			if c {
				created++
			}
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if created != 1 || len(errs) != 0 {
		t.Errorf("%d concurrent registrations of one signal: %d created, errors %v", n, created, errs)
	}
	if m := db.count(t, "messages"); m != 1 {
		t.Errorf("%d messages, want 1", m)
	}
}

func TestSignalsEmailOnlyWithAnAddress(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	withAddr, noAddr, noRequest := db.subject(t, bsnA), db.subject(t, bsnB), db.subject(t, bsnC)
	db.confirmEmail(t, withAddr, "burger@example.nl")
	db.reqFile(t, withAddr, reqNew(portal.KindInspection, "burger@example.nl"))
	db.reqFile(t, noAddr, reqNew(portal.KindInspection, ""))
	base := db.sgNotifyJobs(t)

	nb := sgNew(bsnB, t0)
	db.sgRegister(t, nb, "api", nil, nil)
	nc := sgNew(bsnC, t0)
	db.sgRegister(t, nc, "api", nil, nil)
	if j := db.sgNotifyJobs(t); !slices.Equal(j, base) {
		t.Errorf("e-mail jobs for citizens without an address: %v, before %v", j, base)
	}
	if len(db.sgSignalMessages(t, noAddr, nb.ID)) != 1 || len(db.sgSignalMessages(t, noRequest, nc.ID)) != 1 {
		t.Error("without an address the inbox message is still due")
	}

	na := sgNew(bsnA, t0)
	db.sgRegister(t, na, "api", nil, nil)
	msgs := db.sgSignalMessages(t, withAddr, na.ID)
	if len(msgs) != 1 {
		t.Fatalf("messages: %+v", msgs)
	}
	jobs := db.sgNotifyJobs(t)
	if len(jobs) != len(base)+1 || jobs[len(jobs)-1] != strconv.FormatInt(msgs[0].ID, 10) {
		t.Errorf("jobs %v after %v, want one more for message %d", jobs, base, msgs[0].ID)
	}
	n, err := db.Notification(ctx, msgs[0].ID)
	if err != nil || n.Email != "burger@example.nl" || n.Mailed {
		t.Errorf("notification of the signal message: %+v %v", n, err)
	}

	// A deferred signal queues its e-mail only when the citizen is told.
	nd := sgNew(bsnA, t0)
	db.sgRegister(t, nd, "staff", &sgClerk, sgDefer(t0.Add(10*24*time.Hour)))
	if j := db.sgNotifyJobs(t); len(j) != len(base)+1 {
		t.Errorf("an e-mail job for an untold signal: %v", j)
	}
	db.clock.Set(t0.Add(7 * 24 * time.Hour)) // the approval window has passed
	if res := db.sgSweep(t); res.Told != 1 || res.Lapsed != 1 {
		t.Fatalf("sweep: %+v", res)
	}
	msgs = db.sgSignalMessages(t, withAddr, nd.ID)
	if j := db.sgNotifyJobs(t); len(msgs) != 1 || len(j) != len(base)+2 || j[len(j)-1] != strconv.FormatInt(msgs[0].ID, 10) {
		t.Errorf("after telling: messages %+v, jobs %v", msgs, j)
	}
}

func TestSignalsDeferralAtRegistration(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subject := db.subject(t, bsnA)
	ns := sgNew(bsnA, t0)
	review := t0.Add(30 * 24 * time.Hour)
	s := db.sgRegister(t, ns, "staff", &sgClerk, sgDefer(review))
	if s.Told() || s.Source != "staff" || len(s.Deferrals) != 1 {
		t.Fatalf("registered: %+v", s)
	}
	d := s.Deferrals[0]
	// t0 is Sunday 1 June 2025, 14:00 in Amsterdam: two working days end on Tuesday at 14:00.
	if d.Status != portal.DeferralPending || !d.Initial || d.RequestedBy != sgClerk.Sub || d.RequesterName != sgClerk.Name ||
		d.Reason != "investigation" || d.Motivation != sgMotivation || !reqSame(d.ReviewAt, review) || !reqSame(d.RequestedAt, t0) ||
		!reqSame(d.ApproveBefore, time.Date(2025, 6, 3, 14, 0, 0, 0, portal.Amsterdam)) || d.DecidedAt != nil {
		t.Errorf("deferral: %+v", d)
	}
	var registeredBy string
	if err := db.raw.QueryRow(ctx, `SELECT registered_by FROM signals WHERE id = $1`, ns.ID).Scan(&registeredBy); err != nil ||
		registeredBy != sgClerk.Sub {
		t.Errorf("registered_by %q %v", registeredBy, err)
	}
	if db.sgSees(t, subject, ns.ID) {
		t.Fatal("a signal awaiting approval of its deferral is shown")
	}
	if l, _ := db.CitizenSignals(ctx, subject, ""); len(l) != 0 {
		t.Errorf("CitizenSignals: %+v", l)
	}
	if m, _ := db.Messages(ctx, subject, 100); len(m) != 0 {
		t.Errorf("inbox of an untold signal: %+v", m)
	}

	// Nobody approves their own request, not even with the team lead role, and neither may the database.
	reqWantCode(t, "self-approval", db.DecideDeferral(ctx, ns.ID, d.ID, sgClerkAsLead, true), portal.EFORBIDDEN)
	reqWantCode(t, "self-rejection", db.DecideDeferral(ctx, ns.ID, d.ID, sgClerkAsLead, false), portal.EFORBIDDEN)
	_, err := db.raw.Exec(ctx, `UPDATE signal_deferrals SET status = 'approved', decided_by = requested_by, decided_at = now()
WHERE id = $1`, d.ID)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23514" {
		t.Errorf("the database accepted a self-approval: %v", err)
	}
	if got := db.sgStaffView(t, ns.ID).Deferrals[0]; got.Status != portal.DeferralPending {
		t.Errorf("after a refused self-approval: %+v", got)
	}
	reqWantCode(t, "unknown deferral", db.DecideDeferral(ctx, ns.ID, d.ID+1000, sgLead, true), portal.ENOTFOUND)
	reqWantCode(t, "unknown signal", db.DecideDeferral(ctx, uuid.NewString(), d.ID, sgLead, true), portal.ENOTFOUND)

	// Another team lead approves within the window.
	db.clock.Set(t0.Add(30 * time.Hour)) // Monday
	if err := db.DecideDeferral(ctx, ns.ID, d.ID, sgLead, true); err != nil {
		t.Fatal(err)
	}
	got := db.sgStaffView(t, ns.ID).Deferrals[0]
	if got.Status != portal.DeferralApproved || got.DecidedBy != sgLead.Sub || got.DeciderName != sgLead.Name ||
		got.DecidedAt == nil || !reqSame(*got.DecidedAt, t0.Add(30*time.Hour)) || !reqSame(got.ReviewAt, review) {
		t.Errorf("approved: %+v", got)
	}
	reqWantCode(t, "a second decision", db.DecideDeferral(ctx, ns.ID, d.ID, sgLead2, false), portal.EINVALID)
	if db.sgSees(t, subject, ns.ID) {
		t.Fatal("shown under an approved deferral")
	}
	for _, at := range []time.Time{t0.Add(30 * time.Hour), t0.Add(10 * 24 * time.Hour), review.Add(-time.Second)} {
		db.clock.Set(at)
		if res := db.sgSweep(t); res != (portal.SignalSweepResult{}) || db.sgSees(t, subject, ns.ID) {
			t.Fatalf("sweep at %s, before the review: %+v", at, res)
		}
	}
	if m, _ := db.Messages(ctx, subject, 100); len(m) != 0 {
		t.Errorf("inbox before the review: %+v", m)
	}

	// The review date passes without a new decision: the sweep tells.
	tell := review.Add(time.Minute)
	db.clock.Set(tell)
	if res := db.sgSweep(t); res.Told != 1 || res.Lapsed != 0 {
		t.Fatalf("sweep after the review: %+v", res)
	}
	if !db.sgSees(t, subject, ns.ID) {
		t.Fatal("not told after the review")
	}
	if m := db.sgSignalMessages(t, subject, ns.ID); len(m) != 1 || !reqSame(m[0].CreatedAt, tell) {
		t.Errorf("message: %+v", m)
	}
	if s := db.sgStaffView(t, ns.ID); s.ToldAt == nil || !reqSame(*s.ToldAt, tell) {
		t.Errorf("told at %v, want %s", s.ToldAt, tell)
	}
	db.clock.Advance(time.Hour)
	if res := db.sgSweep(t); res.Told != 0 {
		t.Errorf("a second sweep told again: %+v", res)
	}
	if m := db.sgSignalMessages(t, subject, ns.ID); len(m) != 1 {
		t.Errorf("%d messages after a second sweep", len(m))
	}
	reqWantCode(t, "tell a told signal", db.TellSignal(ctx, ns.ID), portal.EINVALID)
}

func TestSignalsInvalidDeferralAtRegistrationStoresNothing(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	for name, def := range map[string]*portal.DeferralRequest{
		"no reason":         {Motivation: sgMotivation, ReviewAt: t0.Add(24 * time.Hour)},
		"no motivation":     {Reason: "danger", ReviewAt: t0.Add(24 * time.Hour)},
		"review in past":    {Reason: "danger", Motivation: sgMotivation, ReviewAt: t0.Add(-time.Hour)},
		"review too late":   {Reason: "danger", Motivation: sgMotivation, ReviewAt: t0.Add(93 * 24 * time.Hour)},
		"beyond policy max": {Reason: "danger", Motivation: sgMotivation, ReviewAt: t0.Add(8 * 24 * time.Hour)},
	} {
		p := portal.SignalPolicy{}
		if name == "beyond policy max" {
			p.MaxDeferral = 7 * 24 * time.Hour
		}
		// (created is not looked at: on an error it means nothing.)
		if _, _, err := db.RegisterSignal(ctx, sgNew(bsnA, t0), "staff", 0, &sgClerk, def, p); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := db.count(t, "signals"); n != 0 {
		t.Errorf("%d signals stored with an invalid deferral", n)
	}
	if n := db.count(t, "messages"); n != 0 {
		t.Errorf("%d messages for a refused signal", n)
	}
}

func TestSignalsPolicy(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	p := portal.SignalPolicy{ApprovalDays: 5, DecisionWithin: 7 * 24 * time.Hour}
	s, created, err := db.RegisterSignal(ctx, sgNew(bsnA, t0), "staff", 0, &sgClerk, sgDefer(t0.Add(60*24*time.Hour)), p)
	if err != nil || !created {
		t.Fatal(err)
	}
	if !reqSame(s.DecisionDue, t0.Add(7*24*time.Hour)) {
		t.Errorf("decision due %s", s.DecisionDue)
	}
	// Sunday plus five working days is the next Friday.
	if len(s.Deferrals) != 1 || !reqSame(s.Deferrals[0].ApproveBefore, time.Date(2025, 6, 6, 14, 0, 0, 0, portal.Amsterdam)) {
		t.Errorf("approve before: %+v", s.Deferrals)
	}
}

func TestSignalsDeferralLapses(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subject := db.subject(t, bsnA)
	friday := time.Date(2025, 6, 6, 16, 0, 0, 0, portal.Amsterdam)
	db.clock.Set(friday)
	ns := sgNew(bsnA, friday)
	s := db.sgRegister(t, ns, "staff", &sgClerk, sgDefer(friday.Add(30*24*time.Hour)))
	tuesday := time.Date(2025, 6, 10, 16, 0, 0, 0, portal.Amsterdam)
	if !reqSame(s.Deferrals[0].ApproveBefore, tuesday) {
		t.Fatalf("approve before %s, want %s", s.Deferrals[0].ApproveBefore, tuesday)
	}
	for _, at := range []time.Time{friday.Add(time.Hour), friday.Add(3 * 24 * time.Hour), tuesday.Add(-time.Second)} {
		db.clock.Set(at)
		if res := db.sgSweep(t); res != (portal.SignalSweepResult{}) || db.sgSees(t, subject, ns.ID) {
			t.Fatalf("sweep at %s, within the approval window: %+v", at, res)
		}
	}
	db.clock.Set(tuesday)
	reqWantCode(t, "approval at the window's end", db.DecideDeferral(ctx, ns.ID, s.Deferrals[0].ID, sgLead, true), portal.EINVALID)
	if db.sgSees(t, subject, ns.ID) {
		t.Fatal("a refused late approval told the citizen")
	}
	db.clock.Set(tuesday.Add(time.Minute))
	if res := db.sgSweep(t); res.Lapsed != 1 || res.Told != 1 {
		t.Fatalf("sweep after the window: %+v", res)
	}
	if !db.sgSees(t, subject, ns.ID) || len(db.sgSignalMessages(t, subject, ns.ID)) != 1 {
		t.Fatal("a lapsed deferral did not tell the citizen")
	}
	d := db.sgStaffView(t, ns.ID).Deferrals[0]
	if d.Status != portal.DeferralLapsed || d.DecidedAt == nil || !reqSame(*d.DecidedAt, tuesday.Add(time.Minute)) {
		t.Errorf("deferral after lapsing: %+v", d)
	}
	reqWantCode(t, "approval after lapsing", db.DecideDeferral(ctx, ns.ID, d.ID, sgLead, true), portal.EINVALID)
	if res := db.sgSweep(t); res != (portal.SignalSweepResult{}) {
		t.Errorf("a second sweep: %+v", res)
	}
	// The case view shows the lapse too.
	if err := db.EnsureActivity(ctx, portal.SignalHandlingActivity(sgMunicipality)); err != nil {
		t.Fatal(err)
	}
	sc, err := db.OpenSignal(ctx, ns.ID, sgLead, sgMunicipality)
	if err != nil || len(sc.Signal.Deferrals) != 1 || sc.Signal.Deferrals[0].Status != portal.DeferralLapsed {
		t.Errorf("the case view after lapsing: %+v %v", sc.Signal.Deferrals, err)
	}
}

func TestSignalsRejectionTellsAtOnce(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subject := db.subject(t, bsnA)
	ns := sgNew(bsnA, t0)
	s := db.sgRegister(t, ns, "staff", &sgClerk, sgDefer(t0.Add(30*24*time.Hour)))
	db.clock.Advance(2 * time.Hour)
	if err := db.DecideDeferral(ctx, ns.ID, s.Deferrals[0].ID, sgLead, false); err != nil {
		t.Fatal(err)
	}
	if !db.sgSees(t, subject, ns.ID) {
		t.Fatal("a rejected deferral did not tell the citizen")
	}
	if m := db.sgSignalMessages(t, subject, ns.ID); len(m) != 1 || !reqSame(m[0].CreatedAt, t0.Add(2*time.Hour)) {
		t.Errorf("message: %+v", m)
	}
	st := db.sgStaffView(t, ns.ID)
	if d := st.Deferrals[0]; d.Status != portal.DeferralRejected || d.DecidedBy != sgLead.Sub || st.ToldAt == nil ||
		!reqSame(*st.ToldAt, t0.Add(2*time.Hour)) {
		t.Errorf("after rejection: %+v %+v", st.ToldAt, d)
	}
	if res := db.sgSweep(t); res != (portal.SignalSweepResult{}) {
		t.Errorf("sweep after rejection: %+v", res)
	}
}

// sgApproved registers a deferred signal at t0 with the given review and has it approved an hour later.
func (d *testDB) sgApproved(t *testing.T, review time.Time) portal.NewSignal {
	t.Helper()
	ns := sgNew(bsnA, t0)
	s := d.sgRegister(t, ns, "staff", &sgClerk, sgDefer(review))
	d.clock.Set(t0.Add(time.Hour))
	if err := d.DecideDeferral(context.Background(), ns.ID, s.Deferrals[0].ID, sgLead, true); err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestSignalsExtensionApproved(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subject := db.subject(t, bsnA)
	review1 := t0.Add(9 * 24 * time.Hour) // Tuesday 10 June
	ns := db.sgApproved(t, review1)

	requested := t0.Add(8 * 24 * time.Hour) // Monday 9 June
	db.clock.Set(requested)
	review2 := t0.Add(40 * 24 * time.Hour)
	if err := db.RequestDeferral(ctx, ns.ID, sgClerk, *sgDefer(review2), portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	s := db.sgStaffView(t, ns.ID)
	if len(s.Deferrals) != 2 {
		t.Fatalf("deferrals: %+v", s.Deferrals)
	}
	ext := s.Deferrals[1]
	if ext.Initial || ext.Status != portal.DeferralPending || !reqSame(ext.ApproveBefore, portal.AddWorkingDays(requested, 2)) ||
		!reqSame(ext.ReviewAt, review2) {
		t.Errorf("extension: %+v", ext)
	}
	if res := db.sgSweep(t); res != (portal.SignalSweepResult{}) || db.sgSees(t, subject, ns.ID) {
		t.Fatalf("sweep while the first deferral runs: %+v", res)
	}
	reqWantCode(t, "self-approval of the extension", db.DecideDeferral(ctx, ns.ID, ext.ID, sgClerkAsLead, true), portal.EFORBIDDEN)

	approved := requested.Add(20 * time.Hour) // before the first review
	db.clock.Set(approved)
	if err := db.DecideDeferral(ctx, ns.ID, ext.ID, sgLead2, true); err != nil {
		t.Fatal(err)
	}
	s = db.sgStaffView(t, ns.ID)
	if s.Deferrals[1].Status != portal.DeferralApproved || !reqSame(s.Deferrals[1].ReviewAt, review2) {
		t.Errorf("extension after approval: %+v", s.Deferrals[1])
	}
	// The newer approval replaces the one it extends.
	if !s.Deferrals[0].ReviewAt.After(approved.Add(-time.Second)) || s.Deferrals[0].ReviewAt.After(review1) {
		t.Errorf("the extended deferral: %+v", s.Deferrals[0])
	}
	if d, ok := s.ActiveDeferral(approved.Add(time.Second)); !ok || d.ID != ext.ID {
		t.Errorf("active deferral after the extension: %+v %v", d, ok)
	}
	for _, at := range []time.Time{review1.Add(time.Minute), review1.Add(5 * 24 * time.Hour), review2.Add(-time.Minute)} {
		db.clock.Set(at)
		if res := db.sgSweep(t); res != (portal.SignalSweepResult{}) || db.sgSees(t, subject, ns.ID) {
			t.Fatalf("sweep at %s under the extension: %+v", at, res)
		}
	}
	db.clock.Set(review2.Add(time.Minute))
	if res := db.sgSweep(t); res.Told != 1 || !db.sgSees(t, subject, ns.ID) {
		t.Fatalf("sweep after the extended review: %+v", res)
	}
}

func TestSignalsExtensionNotApproved(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subject := db.subject(t, bsnA)
	review1 := t0.Add(9 * 24 * time.Hour) // Tuesday 10 June, 14:00 in Amsterdam
	ns := db.sgApproved(t, review1)

	requested := t0.Add(8 * 24 * time.Hour) // Monday 9 June: the window runs to Wednesday 11 June
	db.clock.Set(requested)
	if err := db.RequestDeferral(ctx, ns.ID, sgClerk, *sgDefer(t0.Add(40 * 24 * time.Hour)), portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	reqWantCode(t, "a second pending request", db.RequestDeferral(ctx, ns.ID, sgClerk, *sgDefer(t0.Add(50 * 24 * time.Hour)),
		portal.SignalPolicy{}), portal.EINVALID)
	ext := db.sgStaffView(t, ns.ID).Deferrals[1]
	if ext.Initial || !ext.ApproveBefore.After(review1) {
		t.Fatalf("the extension's window should outlast the first review: %+v", ext)
	}

	db.clock.Set(review1.Add(-time.Minute))
	if res := db.sgSweep(t); res != (portal.SignalSweepResult{}) || db.sgSees(t, subject, ns.ID) {
		t.Fatalf("sweep before the first review: %+v", res)
	}
	// The first review passes while the extension still awaits approval: an extension does not hide.
	db.clock.Set(review1.Add(time.Minute))
	if res := db.sgSweep(t); res.Told != 1 {
		t.Fatalf("sweep after the first review with a pending extension: %+v", res)
	}
	if !db.sgSees(t, subject, ns.ID) || len(db.sgSignalMessages(t, subject, ns.ID)) != 1 {
		t.Fatal("not told after the review")
	}
	reqWantCode(t, "approval after telling", db.DecideDeferral(ctx, ns.ID, ext.ID, sgLead, true), portal.EINVALID)
	reqWantCode(t, "a deferral after telling", db.RequestDeferral(ctx, ns.ID, sgClerk, *sgDefer(t0.Add(50 * 24 * time.Hour)),
		portal.SignalPolicy{}), portal.EINVALID)
	// Once told, nothing awaits a team lead's approval any more.
	if d, ok := db.sgStaffView(t, ns.ID).PendingDeferral(); ok {
		t.Errorf("the signal was told but deferral %d still awaits approval: %+v", d.ID, d)
	}
}

func TestSignalsRequestDeferralRefused(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	told := sgNew(bsnA, t0)
	db.sgRegister(t, told, "api", nil, nil)
	reqWantCode(t, "deferral of a told signal", db.RequestDeferral(ctx, told.ID, sgClerk, *sgDefer(t0.Add(24 * time.Hour)),
		portal.SignalPolicy{}), portal.EINVALID)

	pending := sgNew(bsnB, t0)
	db.sgRegister(t, pending, "staff", &sgClerk, sgDefer(t0.Add(24*time.Hour)))
	reqWantCode(t, "a second pending request", db.RequestDeferral(ctx, pending.ID, sgLead, *sgDefer(t0.Add(48 * time.Hour)),
		portal.SignalPolicy{}), portal.EINVALID)
	reqWantCode(t, "an invalid request", db.RequestDeferral(ctx, pending.ID, sgClerk, portal.DeferralRequest{Reason: "danger"},
		portal.SignalPolicy{}), portal.EINVALID)
	reqWantCode(t, "an unknown signal", db.RequestDeferral(ctx, uuid.NewString(), sgClerk, *sgDefer(t0.Add(24 * time.Hour)),
		portal.SignalPolicy{}), portal.ENOTFOUND)
	reqWantCode(t, "a malformed id", db.RequestDeferral(ctx, "melding-1", sgClerk, *sgDefer(t0.Add(24 * time.Hour)),
		portal.SignalPolicy{}), portal.ENOTFOUND)
	if n := db.count(t, "signal_deferrals"); n != 1 {
		t.Errorf("%d deferrals, want 1", n)
	}
	// A deferral of one signal cannot be decided through another.
	var id int64
	if err := db.raw.QueryRow(ctx, `SELECT id FROM signal_deferrals`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	reqWantCode(t, "deferral of another signal", db.DecideDeferral(ctx, told.ID, id, sgLead, true), portal.ENOTFOUND)
	if d := db.sgStaffView(t, pending.ID).Deferrals[0]; d.Status != portal.DeferralPending {
		t.Errorf("after a decision through another signal: %+v", d)
	}
	// TellSignal ends a deferral early: the pending request is closed.
	if err := db.TellSignal(ctx, pending.ID); err != nil {
		t.Fatal(err)
	}
	st := db.sgStaffView(t, pending.ID)
	if _, ok := st.PendingDeferral(); ok || !st.Told() || !db.sgSees(t, db.subject(t, bsnB), pending.ID) {
		t.Errorf("after TellSignal: %+v", st)
	}
}

// sgViews returns the visible log events of a subject under the signal activity.
func (d *testDB) sgViews(t *testing.T, subject int64) []portal.LoggedEvent {
	t.Helper()
	evs, _, err := d.Events(context.Background(), subject, portal.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []portal.LoggedEvent
	for _, e := range evs {
		if e.Activity.ID == portal.SignalActivity {
			out = append(out, e)
		}
	}
	return out
}

func TestSignalsOpenSignal(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	if err := db.EnsureActivity(ctx, portal.SignalHandlingActivity(sgMunicipality)); err != nil {
		t.Fatal(err)
	}
	subject, other := db.subject(t, bsnA), db.subject(t, bsnB)

	// Earlier signals about the same person, each with a retention decision (or none yet).
	earlier := map[string]portal.RetentionChoice{
		portal.RetainKeep:    {Decision: portal.RetainKeep, ReviewAt: t0.Add(100 * 24 * time.Hour)},
		portal.RetainAction:  {Decision: portal.RetainAction, CaseRef: "ZAAK-2025-042"},
		portal.RetainDestroy: {Decision: portal.RetainDestroy},
		"":                   {},
	}
	earlierID := map[string]string{}
	for dec, c := range earlier {
		ns := sgNew(bsnA, t0.Add(-48*time.Hour))
		db.sgRegister(t, ns, "api", nil, nil)
		earlierID[dec] = ns.ID
		if dec != "" {
			if err := db.DecideRetention(ctx, ns.ID, sgClerk, c, portal.SignalPolicy{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Another person's kept signal is no part of this case.
	theirs := sgNew(bsnB, t0.Add(-48*time.Hour))
	db.sgRegister(t, theirs, "api", nil, nil)
	if err := db.DecideRetention(ctx, theirs.ID, sgClerk, earlier[portal.RetainKeep], portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	baseline := len(db.sgViews(t, subject))
	summaryBefore, err := db.Summary(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}

	ns := sgNew(bsnA, t0)
	db.sgRegister(t, ns, "staff", &sgClerk, sgDefer(t0.Add(20*24*time.Hour)))
	db.clock.Set(t0.Add(time.Hour))
	sc, err := db.OpenSignal(ctx, ns.ID, sgLead, sgMunicipality)
	if err != nil {
		t.Fatal(err)
	}
	if sc.BSN != bsnA || sc.Signal.ID != ns.ID || sc.Signal.Reporter == nil || sc.Signal.Reporter.Name != sgReporterName ||
		sc.Signal.Nature.Summary != sgSummary || len(sc.Signal.Deferrals) != 1 || sc.Signal.Deferrals[0].Motivation != sgMotivation {
		t.Errorf("case: %+v", sc)
	}
	var got []string
	for _, e := range sc.Earlier {
		got = append(got, e.ID)
	}
	want := []string{earlierID[portal.RetainKeep], earlierID[portal.RetainAction]}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("earlier signals %v, want the kept ones %v (destroyed %s, undecided %s, another person's %s)", got, want,
			earlierID[portal.RetainDestroy], earlierID[""], theirs.ID)
	}

	// One processing event for the person, tied to the signal, confidential while untold.
	type row struct {
		ID, Activity, Role, Employee, Name, Reason string
		Subject                                    int64
		Categories                                 []string
		Until                                      *time.Time
		Infinite                                   bool
	}
	rowsOf := func() []row {
		rows, _ := db.raw.Query(ctx, `SELECT id::text, activity_id, actor_role, actor_employee_id, actor_employee_name,
 confidential_reason, subject_id, data_categories, CASE WHEN confidential_until = 'infinity' THEN NULL ELSE confidential_until END,
 coalesce(confidential_until = 'infinity', false) FROM processing_events WHERE signal_id = $1 ORDER BY occurred_at`, ns.ID)
		out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.ID, &x.Activity, &x.Role, &x.Employee, &x.Name, &x.Reason, &x.Subject, &x.Categories, &x.Until, &x.Infinite)
			return x, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	rs := rowsOf()
	if len(rs) != 1 {
		t.Fatalf("%d processing events for the signal, want 1: %+v", len(rs), rs)
	}
	ev := rs[0]
	if ev.Subject != subject || ev.Activity != portal.SignalActivity || ev.Employee != sgLead.Sub || ev.Name != sgLead.Name ||
		ev.Role != portal.SignalRoleLabel(portal.RoleTeamLead) || !ev.Infinite || ev.Reason == "" ||
		!slices.Contains(ev.Categories, "signals") || !slices.Contains(ev.Categories, "signals_earlier") {
		t.Errorf("the view event: %+v", ev)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM processing_events WHERE subject_id = $1 AND signal_id IS NOT NULL`, other); n != 0 {
		t.Errorf("%d signal views recorded for another person", n)
	}
	if v := db.sgViews(t, subject); len(v) != baseline {
		t.Errorf("the view of an untold signal is in the citizen's log: %+v", v)
	}
	if _, err := db.Event(ctx, subject, ev.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("the view of an untold signal by id: %v", err)
	}
	if s, err := db.Summary(ctx, subject); err != nil || s.Total != summaryBefore.Total {
		t.Errorf("the summary counts the view of an untold signal: %d, before %d (%v)", s.Total, summaryBefore.Total, err)
	}

	// Telling the citizen reveals the view.
	told := t0.Add(2 * time.Hour)
	db.clock.Set(told)
	if err := db.TellSignal(ctx, ns.ID); err != nil {
		t.Fatal(err)
	}
	rs = rowsOf()
	if len(rs) != 1 || rs[0].Infinite || rs[0].Until == nil || !reqSame(*rs[0].Until, told) || rs[0].Reason != "" {
		t.Errorf("after telling: %+v", rs)
	}
	v := db.sgViews(t, subject)
	if len(v) != baseline+1 || !slices.ContainsFunc(v, func(e portal.LoggedEvent) bool { return e.ID == ev.ID }) {
		t.Fatalf("after telling, views %+v, want the view %s", v, ev.ID)
	}
	if e, err := db.Event(ctx, subject, ev.ID); err != nil || e.Actor.EmployeeID != sgLead.Sub || e.Actor.Organization != sgMunicipality {
		t.Errorf("the revealed view: %+v %v", e, err)
	}
	if _, err := db.Event(ctx, other, ev.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("another person reads the view: %v", err)
	}

	// A view of a told signal is visible at once.
	db.clock.Set(told.Add(time.Hour))
	if _, err := db.OpenSignal(ctx, ns.ID, sgClerk, sgMunicipality); err != nil {
		t.Fatal(err)
	}
	rs = rowsOf()
	if len(rs) != 2 || rs[1].Infinite || rs[1].Until != nil || rs[1].Role != portal.SignalRoleLabel(portal.RoleClerk) {
		t.Errorf("the view of a told signal: %+v", rs)
	}
	if v := db.sgViews(t, subject); len(v) != baseline+2 {
		t.Errorf("%d views visible, want %d", len(v), baseline+2)
	}

	if _, err := db.OpenSignal(ctx, uuid.NewString(), sgClerk, sgMunicipality); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("an unknown signal: %v", err)
	}
	if _, err := db.OpenSignal(ctx, "melding-1", sgClerk, sgMunicipality); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("a malformed id: %v", err)
	}
}

// sgColumnsHolding returns "table.column" for every column of the table whose text holds s.
func (d *testDB) sgColumnsHolding(t *testing.T, table, s string) []string {
	t.Helper()
	ctx := context.Background()
	rows, _ := d.raw.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()
 AND table_name = $1 ORDER BY ordinal_position`, table)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(cols) == 0 {
		t.Fatalf("columns of %s: %v %v", table, cols, err)
	}
	var out []string
	for _, c := range cols {
		col := pgx.Identifier{c}.Sanitize()
		q := `SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize() + ` WHERE strpos(lower(` + col + `::text), lower($1)) > 0`
		var n int
		if err := d.raw.QueryRow(ctx, q, s).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n > 0 {
			out = append(out, table+"."+c)
		}
	}
	return out
}

func TestSignalsDestruction(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subject := db.subject(t, bsnA)
	ns := db.sgApproved(t, t0.Add(20*24*time.Hour))
	db.clock.Set(t0.Add(2 * time.Hour))
	if err := db.TellSignal(ctx, ns.ID); err != nil {
		t.Fatal(err)
	}
	secrets := []string{sgReporterName, sgReporterOrg, sgReporterTel, sgSummary, sgTeam, sgMotivation}
	// Before destruction the content is stored: the scan below can find it.
	for _, s := range secrets {
		if len(db.sgColumnsHolding(t, "signals", s))+len(db.sgColumnsHolding(t, "signal_deferrals", s)) == 0 {
			t.Fatalf("%q is not stored before destruction", s)
		}
	}

	destroyed := t0.Add(3 * time.Hour)
	db.clock.Set(destroyed)
	if err := db.DecideRetention(ctx, ns.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	var (
		summary, rkind, rname, rorg, rcontact, urgency, team *string
		hash                                                 []byte
		category, retention, retentionBy                     string
		received, registered, told, due, retentionAt, gone   *time.Time
	)
	if err := db.raw.QueryRow(ctx, `SELECT summary, reporter_kind, reporter_name, reporter_organization, reporter_contact, urgency,
 handling_team, content_hash, category, retention, retention_by, received_at, registered_at, told_at, decision_due, retention_at,
 destroyed_at FROM signals WHERE id = $1`, ns.ID).Scan(&summary, &rkind, &rname, &rorg, &rcontact, &urgency, &team, &hash,
		&category, &retention, &retentionBy, &received, &registered, &told, &due, &retentionAt, &gone); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*string{"summary": summary, "reporter_kind": rkind, "reporter_name": rname,
		"reporter_organization": rorg, "reporter_contact": rcontact, "urgency": urgency, "handling_team": team} {
		if v != nil {
			t.Errorf("%s survives destruction: %q", name, *v)
		}
	}
	if hash != nil {
		t.Errorf("content_hash survives destruction: %x", hash)
	}
	if category != "domestic_violence" || retention != portal.RetainDestroy || retentionBy != sgClerk.Sub || received == nil ||
		registered == nil || told == nil || due == nil || retentionAt == nil || !reqSame(*retentionAt, destroyed) ||
		gone == nil || !reqSame(*gone, destroyed) {
		t.Errorf("what remains: %s %s %s %v %v %v %v %v %v", category, retention, retentionBy, received, registered, told, due,
			retentionAt, gone)
	}
	var motivation *string
	var reason string
	if err := db.raw.QueryRow(ctx, `SELECT motivation, reason FROM signal_deferrals WHERE signal_id = $1`, ns.ID).
		Scan(&motivation, &reason); err != nil {
		t.Fatal(err)
	}
	if motivation != nil || reason != "investigation" {
		t.Errorf("deferral after destruction: motivation %v, reason %q", motivation, reason)
	}
	for _, s := range secrets {
		for _, table := range []string{"signals", "signal_deferrals", "messages"} {
			if cols := db.sgColumnsHolding(t, table, s); len(cols) != 0 {
				t.Errorf("%q survives destruction in %v", s, cols)
			}
		}
	}

	got, err := db.CitizenSignal(ctx, subject, "", ns.ID)
	if err != nil || !got.Destroyed() || got.Nature.Category != "domestic_violence" || got.Nature.Summary != "" || got.Reporter != nil {
		t.Errorf("the citizen's view of a destroyed signal: %+v %v", got, err)
	}
	if st := db.sgStaffView(t, ns.ID); !st.Destroyed() || st.Deferrals[0].Motivation != "" || st.HandlingTeam != "" || st.Urgency != "" {
		t.Errorf("the staff list after destruction: %+v", st)
	}
	before := db.sgRow(t, ns.ID)
	for _, c := range []portal.RetentionChoice{{Decision: portal.RetainDestroy}, {Decision: portal.RetainAction, CaseRef: "ZAAK-1"},
		{Decision: portal.RetainKeep, ReviewAt: destroyed.Add(24 * time.Hour)}} {
		reqWantCode(t, "a decision after destruction ("+c.Decision+")",
			db.DecideRetention(ctx, ns.ID, sgClerk, c, portal.SignalPolicy{}), portal.EINVALID)
	}
	// Registering the same signal again does not bring its content back.
	_, created, err := db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{})
	if created || (err != nil && portal.ErrorCode(err) != portal.ECONFLICT) {
		t.Errorf("registering a destroyed signal again: created %v, %v", created, err)
	}
	if after := db.sgRow(t, ns.ID); after != before {
		t.Errorf("the destroyed row changed:\n%s\n%s", before, after)
	}
	for _, s := range secrets {
		if cols := db.sgColumnsHolding(t, "signals", s); len(cols) != 0 {
			t.Errorf("%q is back in %v", s, cols)
		}
	}
}

func TestSignalsDestructionOfAnUntoldSignal(t *testing.T) {
	t.Parallel()
	// Destroyed while its approved deferral still runs: none of the content survives either.
	db := newTestDB(t)
	ctx := context.Background()
	ns := db.sgApproved(t, t0.Add(20*24*time.Hour))
	if db.sgSees(t, db.subject(t, bsnA), ns.ID) {
		t.Fatal("told under an approved deferral")
	}
	if err := db.DecideRetention(ctx, ns.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{sgReporterName, sgReporterOrg, sgReporterTel, sgSummary, sgTeam, sgMotivation, "neighbourhood"} {
		for _, table := range []string{"signals", "signal_deferrals"} {
			if cols := db.sgColumnsHolding(t, table, s); len(cols) != 0 {
				t.Errorf("%q survives destruction in %v", s, cols)
			}
		}
	}
	var cat string
	var received, destroyed *time.Time
	if err := db.raw.QueryRow(ctx, `SELECT category, received_at, destroyed_at FROM signals WHERE id = $1`, ns.ID).
		Scan(&cat, &received, &destroyed); err != nil || cat != "domestic_violence" || received == nil || destroyed == nil {
		t.Errorf("what remains: %s %v %v %v", cat, received, destroyed, err)
	}
	reqWantCode(t, "a decision after destruction", db.DecideRetention(ctx, ns.ID, sgClerk,
		portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: t0.Add(48 * time.Hour)}, portal.SignalPolicy{}), portal.EINVALID)
}

func TestSignalsRetentionChoices(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	ns := sgNew(bsnA, t0)
	db.sgRegister(t, ns, "api", nil, nil)
	type stored struct {
		Retention, By, CaseRef string
		At, Review, Destroyed  *time.Time
	}
	read := func() stored {
		var s stored
		if err := db.raw.QueryRow(ctx, `SELECT retention, retention_by, case_ref, retention_at, review_at, destroyed_at
 FROM signals WHERE id = $1`, ns.ID).Scan(&s.Retention, &s.By, &s.CaseRef, &s.At, &s.Review, &s.Destroyed); err != nil {
			t.Fatal(err)
		}
		return s
	}

	reqWantCode(t, "actie without a case", db.DecideRetention(ctx, ns.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainAction},
		portal.SignalPolicy{}), portal.EINVALID)
	reqWantCode(t, "bewaren without a review", db.DecideRetention(ctx, ns.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainKeep},
		portal.SignalPolicy{}), portal.EINVALID)
	reqWantCode(t, "bewaren beyond the longest retention", db.DecideRetention(ctx, ns.ID, sgClerk,
		portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: t0.Add(367 * 24 * time.Hour)}, portal.SignalPolicy{}), portal.EINVALID)
	reqWantCode(t, "bewaren beyond the policy", db.DecideRetention(ctx, ns.ID, sgClerk,
		portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: t0.Add(31 * 24 * time.Hour)},
		portal.SignalPolicy{MaxKeep: 30 * 24 * time.Hour}), portal.EINVALID)
	reqWantCode(t, "an unknown decision", db.DecideRetention(ctx, ns.ID, sgClerk, portal.RetentionChoice{Decision: "archiveren"},
		portal.SignalPolicy{}), portal.EINVALID)
	reqWantCode(t, "an unknown signal", db.DecideRetention(ctx, uuid.NewString(), sgClerk,
		portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}), portal.ENOTFOUND)
	if s := read(); s.Retention != "" || s.At != nil || s.By != "" {
		t.Fatalf("refused decisions were stored: %+v", s)
	}

	db.clock.Set(t0.Add(time.Hour))
	review := t0.Add(200 * 24 * time.Hour)
	if err := db.DecideRetention(ctx, ns.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainKeep, ReviewAt: review},
		portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	if s := read(); s.Retention != portal.RetainKeep || s.By != sgClerk.Sub || s.At == nil || !reqSame(*s.At, t0.Add(time.Hour)) ||
		s.Review == nil || !reqSame(*s.Review, review) || s.CaseRef != "" || s.Destroyed != nil {
		t.Errorf("bewaren: %+v", s)
	}

	db.clock.Set(t0.Add(2 * time.Hour))
	if err := db.DecideRetention(ctx, ns.ID, sgLead, portal.RetentionChoice{Decision: portal.RetainAction, CaseRef: " ZAAK-2025-7 "},
		portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	if s := read(); s.Retention != portal.RetainAction || s.By != sgLead.Sub || s.CaseRef != "ZAAK-2025-7" || s.Review != nil ||
		s.Destroyed != nil || !reqSame(*s.At, t0.Add(2*time.Hour)) {
		t.Errorf("actie after bewaren: %+v", s)
	}
	// A kept or followed-up signal keeps its content.
	if st := db.sgStaffView(t, ns.ID); st.Destroyed() || st.HandlingTeam != sgTeam {
		t.Errorf("content after actie: %+v", st)
	}
	if got, err := db.CitizenSignal(ctx, db.subject(t, bsnA), "", ns.ID); err != nil || got.HandlingTeam != sgTeam || got.Destroyed() {
		t.Errorf("the citizen's view after actie: %+v %v", got, err)
	}
}

func TestSignalsStaffListHidesContent(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	told := sgNew(bsnA, t0)
	db.sgRegister(t, told, "api", nil, nil)
	db.clock.Set(t0.Add(time.Minute))
	deferred := sgNew(bsnB, t0)
	db.sgRegister(t, deferred, "staff", &sgClerk, sgDefer(t0.Add(20*24*time.Hour)))
	db.clock.Set(t0.Add(2 * time.Minute))
	anonymous := sgNew(bsnC, t0)
	anonymous.ReporterKind, anonymous.Reporter = "anonymous", nil
	db.sgRegister(t, anonymous, "api", nil, nil)
	eventsBefore := db.count(t, "processing_events")

	ss, err := db.StaffSignals(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
		if s.Nature.Summary != "" || s.Reporter != nil {
			t.Errorf("the staff list shows content of %s: %+v %+v", s.ID, s.Nature, s.Reporter)
		}
		for _, d := range s.Deferrals {
			if d.Motivation != "" {
				t.Errorf("the staff list shows a motivation of %s: %q", s.ID, d.Motivation)
			}
		}
		if s.Nature.Category == "" || s.SubjectID == 0 {
			t.Errorf("the staff list lacks what it needs: %+v", s)
		}
	}
	if !slices.Equal(ids, []string{anonymous.ID, deferred.ID, told.ID}) {
		t.Errorf("order %v, want newest registered first", ids)
	}
	if d := db.sgStaffView(t, deferred.ID); len(d.Deferrals) != 1 || d.Deferrals[0].Status != portal.DeferralPending ||
		d.Deferrals[0].Reason != "investigation" || d.Told() {
		t.Errorf("the deferred signal in the list: %+v", d)
	}
	if ss, err := db.StaffSignals(ctx, 2); err != nil || len(ss) != 2 {
		t.Errorf("limit 2: %d %v", len(ss), err)
	}
	// Listing is not a view of anyone's data.
	if n := db.count(t, "processing_events"); n != eventsBefore {
		t.Errorf("listing recorded %d processing events", n-eventsBefore)
	}
}
