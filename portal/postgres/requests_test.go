package postgres_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// Staff members acting on requests.
var (
	reqClerk  = portal.Staff{Sub: "sub-clerk-1", Name: "Carla Klerk", Roles: []string{portal.RoleClerk}}
	reqClerk2 = portal.Staff{Sub: "sub-clerk-2", Name: "Kees Klerk", Roles: []string{portal.RoleCouncil, portal.RoleClerk}}
	reqLead   = portal.Staff{Sub: "sub-lead-1", Name: "Theo Leider", Roles: []string{portal.RoleClerk, portal.RoleTeamLead}}
)

const reqMunicipality = "Gemeente Test"

// reqNew is a request about everything, with an optional e-mail address.
func reqNew(kind portal.RequestKind, email string) portal.NewRequest {
	return portal.NewRequest{Kind: kind, Scope: portal.Scope{All: true}, Description: "Graag wil ik weten wat u van mij weet.",
		Email: email}
}

// reqFile validates a new request as the web layer does and files it for subject at the clock's time.
func (d *testDB) reqFile(t *testing.T, subject int64, nr portal.NewRequest) portal.RightsRequest {
	t.Helper()
	if err := nr.Validate(); err != nil {
		t.Fatalf("Validate: %v %v", err, portal.ErrorFields(err))
	}
	r, err := d.CreateRequest(context.Background(), subject, nr)
	if err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	return r
}

// reqAct applies an action that must succeed.
func (d *testDB) reqAct(t *testing.T, id string, by portal.Staff, a portal.Action) portal.RightsRequest {
	t.Helper()
	r, err := d.ActOnRequest(context.Background(), id, by, a)
	if err != nil {
		t.Fatalf("ActOnRequest(%s): %v %v", a.Kind, err, portal.ErrorFields(err))
	}
	return r
}

// reqGet reads a request with its timeline.
func (d *testDB) reqGet(t *testing.T, id string) portal.RightsRequest {
	t.Helper()
	r, err := d.RequestByID(context.Background(), id)
	if err != nil {
		t.Fatalf("RequestByID: %v", err)
	}
	return r
}

// reqStepRow is a timeline row as stored.
type reqStepRow struct {
	Kind, From, To, ActorKind, ActorRole, ActorSub, ActorName, Note string
	At                                                              time.Time
}

func (d *testDB) reqSteps(t *testing.T, id string) []reqStepRow {
	t.Helper()
	rows, err := d.raw.Query(context.Background(), `SELECT kind, from_status, to_status, actor_kind, actor_role, actor_sub,
 actor_name, note, at FROM rights_request_steps WHERE request_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []reqStepRow
	for rows.Next() {
		var s reqStepRow
		if err := rows.Scan(&s.Kind, &s.From, &s.To, &s.ActorKind, &s.ActorRole, &s.ActorSub, &s.ActorName, &s.Note, &s.At); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// reqMsgRow is an inbox row as stored.
type reqMsgRow struct {
	ID             int64
	Subject        int64
	Kind, Status   string
	Note           string
	CreatedAt      time.Time
	ReadAt, Mailed *time.Time
}

func (d *testDB) reqMessages(t *testing.T, requestID string) []reqMsgRow {
	t.Helper()
	rows, err := d.raw.Query(context.Background(), `SELECT id, subject_id, kind, status, note, created_at, read_at, mailed_at
FROM messages WHERE request_id = $1 ORDER BY id`, requestID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []reqMsgRow
	for rows.Next() {
		var m reqMsgRow
		if err := rows.Scan(&m.ID, &m.Subject, &m.Kind, &m.Status, &m.Note, &m.CreatedAt, &m.ReadAt, &m.Mailed); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// reqCount runs a count(*) query.
func (d *testDB) reqCount(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.raw.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// reqJobs returns the argument value key of the River jobs of a kind, in insertion order.
func (d *testDB) reqJobs(t *testing.T, kind, key string) []string {
	t.Helper()
	rows, err := d.raw.Query(context.Background(), `SELECT args->>$2 FROM river_job WHERE kind = $1 ORDER BY id`, kind, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func reqWantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := portal.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// reqSame reports whether two instants are the same to the microsecond PostgreSQL keeps.
func reqSame(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

func reqIDs(rs []portal.RightsRequest) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

var referenceRe = regexp.MustCompile(`^AVG-\d{4}-\d{6}$`)

func TestCreateRequest(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	// 23:30 UTC on New Year's Eve is already 2026 in Amsterdam.
	now := time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)
	db.clock.Set(now)
	const addr = "burger.een@example.nl"
	nr := reqNew(portal.KindCorrection, addr)
	nr.Scope = portal.Scope{Organizations: []string{"GGD Regio"}, Categories: []string{"income"}}
	r := db.reqFile(t, a, nr)

	if r.Status != portal.StatusReceived {
		t.Errorf("status %s", r.Status)
	}
	if !referenceRe.MatchString(r.Reference) || r.Reference != "AVG-2026-000001" {
		t.Errorf("reference %q, want AVG-2026-000001", r.Reference)
	}
	if _, err := uuid.Parse(r.ID); err != nil {
		t.Errorf("id %q: %v", r.ID, err)
	}
	if !r.ReceivedAt.Equal(now) || !r.Deadline.Equal(portal.Deadline(now)) || !r.FirstDeadline.Equal(portal.Deadline(now)) {
		t.Errorf("received %v, deadline %v, first %v; want %v and %v", r.ReceivedAt, r.Deadline, r.FirstDeadline, now,
			portal.Deadline(now))
	}
	// The address is the person's now, unconfirmed: no news goes to it yet.
	if r.HasEmail || r.SubjectID != a {
		t.Errorf("has e-mail %v, subject %d", r.HasEmail, r.SubjectID)
	}

	got, err := db.Request(ctx, a, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != r.ID || got.Reference != r.Reference || got.Status != portal.StatusReceived ||
		got.Kind != portal.KindCorrection || got.Description != nr.Description || got.HasEmail || got.SubjectID != a {
		t.Errorf("stored request %+v", got)
	}
	if diff := cmp.Diff(nr.Scope, got.Scope); diff != "" {
		t.Errorf("scope (-want +got):\n%s", diff)
	}
	if !got.ReceivedAt.Equal(now) || !reqSame(got.Deadline, portal.Deadline(now)) || !reqSame(got.FirstDeadline, portal.Deadline(now)) {
		t.Errorf("stored received %v, deadline %v, first deadline %v", got.ReceivedAt, got.Deadline, got.FirstDeadline)
	}
	if d := got.Deadline.In(portal.Amsterdam).Format("2006-01-02"); d != "2026-02-01" {
		t.Errorf("deadline date %s, want 2026-02-01 (a month after 1 January in Amsterdam)", d)
	}
	if got.AssigneeSub != "" || got.Outcome != "" || got.DecidedAt != nil || got.RemindedAt != nil || got.OverdueAt != nil {
		t.Errorf("a new request is not blank: %+v", got)
	}
	wantStep := portal.Step{At: now, Kind: portal.StepFiled, From: portal.StatusReceived, To: portal.StatusReceived,
		ActorKind: portal.ByCitizen}
	if diff := cmp.Diff([]portal.Step{wantStep}, got.Steps, cmp.Comparer(reqSame)); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]portal.Step{wantStep}, r.Steps, cmp.Comparer(reqSame)); diff != "" {
		t.Errorf("returned timeline (-want +got):\n%s", diff)
	}

	msgs, err := db.Messages(ctx, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.RequestID != r.ID || m.Reference != r.Reference || m.Kind != portal.StepFiled || m.Status != portal.StatusReceived ||
		m.ReadAt != nil || !m.CreatedAt.Equal(now) || m.Note != "" {
		t.Errorf("message %+v", m)
	}
	if n, err := db.UnreadCount(ctx, a); err != nil || n != 1 {
		t.Errorf("UnreadCount = %d, %v; want 1", n, err)
	}
	// Only the confirmation mail is queued for an unconfirmed address, no notification.
	if jobs := db.reqJobs(t, "notify_citizen", "message_id"); len(jobs) != 0 {
		t.Errorf("e-mail jobs %v for an unconfirmed address", jobs)
	}
	if diff := cmp.Diff([]string{fmt.Sprint(a)}, db.reqJobs(t, "confirm_email", "subject_id")); diff != "" {
		t.Errorf("confirmation jobs (-want +got):\n%s", diff)
	}

	// Without an address: no e-mail job. Still 2026 in Amsterdam.
	db.clock.Set(time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC))
	r2 := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	if r2.HasEmail || r2.Reference != "AVG-2026-000002" {
		t.Errorf("second request: has e-mail %v, reference %s", r2.HasEmail, r2.Reference)
	}
	if got := db.reqGet(t, r2.ID); got.HasEmail {
		t.Error("stored request without an address says it has one")
	}
	if n := len(db.reqMessages(t, r2.ID)); n != 1 {
		t.Errorf("%d messages for the second request, want 1", n)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM river_job WHERE kind = 'notify_citizen'`); n != 0 {
		t.Errorf("%d e-mail jobs, want still 0", n)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM river_job`); n != 1 {
		t.Errorf("%d jobs in all, want 1 (the confirmation mail)", n)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM rights_requests WHERE id = $1 AND email_enc IS NULL`, r2.ID); n != 1 {
		t.Error("a request without an address stores ciphertext")
	}

	// 22:30 UTC on New Year's Eve is 23:30 in Amsterdam: still 2025.
	db.clock.Set(time.Date(2025, 12, 31, 22, 30, 0, 0, time.UTC))
	if r3 := db.reqFile(t, a, reqNew(portal.KindObjection, "")); r3.Reference != "AVG-2025-000003" {
		t.Errorf("reference %s, want AVG-2025-000003", r3.Reference)
	}

	// The address is the person's, encrypted, not the request's; and nowhere in clear: not in any
	// column of the request, nor in the inbox, the jobs or the person's address row.
	if n := db.reqCount(t, `SELECT count(*) FROM subject_emails WHERE subject_id = $1 AND email_key_id <> '' AND confirmed_at IS NULL`,
		a); n != 1 {
		t.Error("the address is not stored encrypted and unconfirmed")
	}
	if n := db.reqCount(t, `SELECT count(*) FROM rights_requests WHERE email_enc IS NOT NULL`); n != 0 {
		t.Errorf("%d requests keep an address of their own", n)
	}
	for _, table := range []string{"rights_requests", "rights_request_steps", "messages", "river_job", "subject_emails"} {
		reqNoClearText(t, db, table, addr)
	}
}

// reqNoClearText fails when s appears in any column of any row of table, as text or as hex.
func reqNoClearText(t *testing.T, db *testDB, table, s string) {
	t.Helper()
	rows, err := db.raw.Query(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	needles := [][]byte{[]byte(s), []byte(strings.ToUpper(s)), []byte(hex.EncodeToString([]byte(s)))}
	n := 0
	for rows.Next() {
		n++
		fields := rows.FieldDescriptions()
		for i, v := range rows.RawValues() {
			for _, needle := range needles {
				if bytes.Contains(bytes.ToLower(v), bytes.ToLower(needle)) {
					t.Errorf("%s.%s holds the address in clear", table, fields[i].Name)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("%s is empty: nothing was checked", table)
	}
}

func TestCreateRequestScopeEvents(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	own := event(bsnA, t0.Add(-time.Hour))
	other := event(bsnB, t0.Add(-time.Hour))
	db.ingest(t, []portal.Event{own, other})
	a := db.subject(t, bsnA)
	tables := []string{"rights_requests", "rights_request_steps", "messages", "river_job"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = db.count(t, tb)
	}

	for name, ids := range map[string][]string{
		"another citizen's event":      {other.ID},
		"own and another's event":      {own.ID, other.ID},
		"an event that does not exist": {uuid.NewString()},
	} {
		nr := reqNew(portal.KindInspection, "a@example.nl")
		nr.Scope = portal.Scope{EventIDs: ids}
		if err := nr.Validate(); err != nil {
			t.Fatal(err)
		}
		_, err := db.CreateRequest(ctx, a, nr)
		reqWantCode(t, name, err, portal.EINVALID)
		if fs := portal.ErrorFields(err); len(fs) != 1 || fs[0].Field != "scope" {
			t.Errorf("%s: field errors %+v, want one on scope", name, fs)
		}
	}
	for _, tb := range tables {
		if n := db.count(t, tb); n != before[tb] {
			t.Errorf("%s: %d rows after refused requests, want %d", tb, n, before[tb])
		}
	}

	// The citizen's own event, named twice and in upper case, is fine (Validate lower-cases it).
	nr := reqNew(portal.KindInspection, "")
	nr.Scope = portal.Scope{EventIDs: []string{strings.ToUpper(own.ID), own.ID}}
	r := db.reqFile(t, a, nr)
	if diff := cmp.Diff([]string{own.ID, own.ID}, db.reqGet(t, r.ID).Scope.EventIDs); diff != "" {
		t.Errorf("stored event ids (-want +got):\n%s", diff)
	}
}

func TestRequestCitizenIsolation(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a, b, c := db.subject(t, bsnA), db.subject(t, bsnB), db.subject(t, bsnC)
	ra1 := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.clock.Advance(time.Hour)
	rb := db.reqFile(t, b, reqNew(portal.KindErasure, ""))
	db.clock.Advance(time.Hour)
	ra2 := db.reqFile(t, a, reqNew(portal.KindObjection, ""))

	if _, err := db.Request(ctx, b, ra1.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("another citizen's request: %v, want %s", err, portal.ENOTFOUND)
	}
	for _, id := range []string{uuid.NewString(), "not-a-uuid", ""} {
		if _, err := db.Request(ctx, a, id); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("Request(%q) = %v, want %s", id, err, portal.ENOTFOUND)
		}
		reqWantCode(t, "withdraw "+id, db.WithdrawRequest(ctx, a, id), portal.ENOTFOUND)
	}
	if got, err := db.Request(ctx, a, ra1.ID); err != nil || got.ID != ra1.ID {
		t.Errorf("own request: %v", err)
	}

	reqWantCode(t, "withdrawing another citizen's request", db.WithdrawRequest(ctx, b, ra1.ID), portal.ENOTFOUND)
	if got := db.reqGet(t, ra1.ID); got.Status != portal.StatusReceived || len(got.Steps) != 1 {
		t.Errorf("after another's withdrawal: status %s, %d steps", got.Status, len(got.Steps))
	}
	if n := len(db.reqMessages(t, ra1.ID)); n != 1 {
		t.Errorf("%d messages after another's withdrawal, want 1", n)
	}

	for _, tc := range []struct {
		subject int64
		want    []string
	}{
		{a, []string{ra2.ID, ra1.ID}}, // newest first
		{b, []string{rb.ID}},
		{c, []string{}},
	} {
		rs, err := db.Requests(ctx, tc.subject)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, reqIDs(rs)); diff != "" {
			t.Errorf("requests of subject %d (-want +got):\n%s", tc.subject, diff)
		}
		for _, r := range rs {
			if r.SubjectID != tc.subject {
				t.Errorf("request %s of subject %d listed for %d", r.ID, r.SubjectID, tc.subject)
			}
		}
	}

	// The citizen withdraws their own request.
	db.clock.Advance(time.Hour)
	if err := db.WithdrawRequest(ctx, a, ra1.ID); err != nil {
		t.Fatal(err)
	}
	got := db.reqGet(t, ra1.ID)
	if got.Status != portal.StatusWithdrawn || got.Open() {
		t.Errorf("status %s after withdrawal", got.Status)
	}
	want := []reqStepRow{
		{Kind: "filed", From: "ontvangen", To: "ontvangen", ActorKind: "citizen", At: t0},
		{Kind: "withdrawn", From: "ontvangen", To: "ingetrokken", ActorKind: "citizen", At: db.clock.Now()},
	}
	if diff := cmp.Diff(want, db.reqSteps(t, ra1.ID), cmp.Comparer(reqSame)); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	msgs := db.reqMessages(t, ra1.ID)
	if len(msgs) != 2 || msgs[1].Kind != "withdrawn" || msgs[1].Status != "ingetrokken" || msgs[1].Subject != a {
		t.Errorf("messages %+v", msgs)
	}
	reqWantCode(t, "withdrawing twice", db.WithdrawRequest(ctx, a, ra1.ID), portal.EINVALID)
	if n := len(db.reqSteps(t, ra1.ID)); n != 2 {
		t.Errorf("%d steps after a refused withdrawal, want 2", n)
	}
}

func TestActOnRequestLifecycle(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	db.confirmEmail(t, a, "burger@example.nl")
	r := db.reqFile(t, a, reqNew(portal.KindInspection, "burger@example.nl"))
	timeEq := cmp.Comparer(reqSame)

	// Start: in behandeling, and the clerk takes it.
	db.clock.Advance(24 * time.Hour)
	tStart := db.clock.Now()
	got := db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted, Note: " Opgepakt "})
	if got.Status != portal.StatusHandling || got.AssigneeSub != reqClerk.Sub || got.AssigneeName != reqClerk.Name {
		t.Errorf("after start: status %s, assignee %q %q", got.Status, got.AssigneeSub, got.AssigneeName)
	}
	if len(got.Steps) != 2 {
		t.Errorf("returned timeline has %d steps, want 2", len(got.Steps))
	}

	// Starting again is no transition.
	_, err := db.ActOnRequest(ctx, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	reqWantCode(t, "start twice", err, portal.EINVALID)

	// Assign: the team lead takes it over; the status stays; the citizen gets no message.
	db.clock.Advance(time.Hour)
	tAssign := db.clock.Now()
	got = db.reqAct(t, r.ID, reqLead, portal.Action{Kind: portal.StepAssigned})
	if got.Status != portal.StatusHandling || got.AssigneeSub != reqLead.Sub || got.AssigneeName != reqLead.Name {
		t.Errorf("after assign: status %s, assignee %q", got.Status, got.AssigneeSub)
	}

	// The reminder, then an extension: a new deadline, the reason told to the citizen, the reminder reset.
	db.clock.Set(r.Deadline.Add(-6 * 24 * time.Hour))
	tRemind := db.clock.Now()
	if res, err := db.SweepDeadlines(ctx); err != nil || res.Reminded != 1 {
		t.Fatalf("sweep: %+v, %v", res, err)
	}
	if got := db.reqGet(t, r.ID); got.RemindedAt == nil {
		t.Fatal("not reminded")
	}
	db.clock.Advance(time.Hour)
	tExtend := db.clock.Now()
	const reason = "Wij moeten gegevens uit vijf systemen verzamelen."
	got = db.reqAct(t, r.ID, reqClerk2, portal.Action{Kind: portal.StepExtended, Months: 2, Note: reason})
	wantDeadline, err := portal.ExtendedDeadline(r.ReceivedAt, tExtend, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != portal.StatusExtended || !reqSame(got.Deadline, wantDeadline) || !reqSame(got.FirstDeadline, r.FirstDeadline) {
		t.Errorf("after extension: status %s, deadline %v (want %v), first %v", got.Status, got.Deadline, wantDeadline,
			got.FirstDeadline)
	}
	if got.ExtensionReason != reason || got.RemindedAt != nil {
		t.Errorf("after extension: reason %q, reminded %v", got.ExtensionReason, got.RemindedAt)
	}
	if got.AssigneeSub != reqLead.Sub {
		t.Errorf("extension changed the assignee to %q", got.AssigneeSub)
	}

	// Extending twice is refused.
	_, err = db.ActOnRequest(ctx, r.ID, reqClerk, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "nog meer"})
	reqWantCode(t, "extend twice", err, portal.EINVALID)
	// An incomplete decision is refused before anything is written.
	_, err = db.ActOnRequest(ctx, r.ID, reqClerk, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected})
	reqWantCode(t, "reject without motivation", err, portal.EINVALID)

	// The decision.
	db.clock.Advance(48 * time.Hour)
	tDecide := db.clock.Now()
	const motivation = "Een deel van de gegevens valt onder een uitzondering."
	got = db.reqAct(t, r.ID, reqLead, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomePartly, Note: motivation,
		Ground: portal.GroundRightsOfOthers})
	if got.Status != portal.StatusDecided || got.Outcome != portal.OutcomePartly || got.Motivation != motivation ||
		got.DecidedAt == nil || !reqSame(*got.DecidedAt, tDecide) || got.Open() {
		t.Errorf("after decision: %+v", got)
	}

	wantSteps := []reqStepRow{
		{Kind: "filed", From: "ontvangen", To: "ontvangen", ActorKind: "citizen", At: t0},
		{Kind: "started", From: "ontvangen", To: "in_behandeling", ActorKind: "staff", ActorRole: portal.RoleClerk,
			ActorSub: reqClerk.Sub, ActorName: reqClerk.Name, Note: "Opgepakt", At: tStart},
		{Kind: "assigned", From: "in_behandeling", To: "in_behandeling", ActorKind: "staff", ActorRole: portal.RoleTeamLead,
			ActorSub: reqLead.Sub, ActorName: reqLead.Name, At: tAssign},
		{Kind: "reminder", From: "in_behandeling", To: "in_behandeling", ActorKind: "system", At: tRemind},
		{Kind: "extended", From: "in_behandeling", To: "verlengd", ActorKind: "staff", ActorRole: portal.RoleClerk,
			ActorSub: reqClerk2.Sub, ActorName: reqClerk2.Name, Note: reason, At: tExtend},
		{Kind: "decided", From: "verlengd", To: "besloten", ActorKind: "staff", ActorRole: portal.RoleTeamLead,
			ActorSub: reqLead.Sub, ActorName: reqLead.Name, Note: string(portal.OutcomePartly), At: tDecide},
	}
	if diff := cmp.Diff(wantSteps, db.reqSteps(t, r.ID), timeEq); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	// The loaded timeline is the stored one.
	if steps := db.reqGet(t, r.ID).Steps; len(steps) != len(wantSteps) || steps[4].Note != reason || steps[4].ActorSub != reqClerk2.Sub {
		t.Errorf("loaded timeline %+v", steps)
	}

	type msg struct{ Kind, Status, Note string }
	var gotMsgs []msg
	var msgIDs []string
	for _, m := range db.reqMessages(t, r.ID) {
		gotMsgs = append(gotMsgs, msg{m.Kind, m.Status, m.Note})
		msgIDs = append(msgIDs, fmt.Sprint(m.ID))
		if m.Subject != a {
			t.Errorf("message %d for subject %d", m.ID, m.Subject)
		}
	}
	// Starting is an internal step: on the timeline, not in the inbox (issue 17).
	wantMsgs := []msg{{"filed", "ontvangen", ""}, {"extended", "verlengd", reason}, {"decided", "besloten", ""}}
	if diff := cmp.Diff(wantMsgs, gotMsgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	// Every message of a person with a confirmed address has its e-mail job, and only those.
	if diff := cmp.Diff(msgIDs, db.reqJobs(t, "notify_citizen", "message_id")); diff != "" {
		t.Errorf("e-mail jobs (-want +got):\n%s", diff)
	}
	// The citizen's inbox shows the reason of the extension.
	inbox, err := db.Messages(ctx, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 3 || inbox[0].Kind != portal.StepDecided || inbox[1].Note != reason {
		t.Errorf("inbox %+v", inbox)
	}

	// After the decision every action is refused, and so is a withdrawal; nothing is written.
	steps, msgs, jobs := len(wantSteps), len(wantMsgs), db.count(t, "river_job")
	db.clock.Advance(time.Hour)
	for _, act := range []portal.Action{
		{Kind: portal.StepAssigned},
		{Kind: portal.StepStarted},
		{Kind: portal.StepExtended, Months: 1, Note: "r"},
		{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted},
	} {
		_, err := db.ActOnRequest(ctx, r.ID, reqClerk, act)
		reqWantCode(t, string(act.Kind)+" after the decision", err, portal.EINVALID)
	}
	reqWantCode(t, "withdraw after the decision", db.WithdrawRequest(ctx, a, r.ID), portal.EINVALID)
	if n := len(db.reqSteps(t, r.ID)); n != steps {
		t.Errorf("%d steps after refused actions, want %d", n, steps)
	}
	if n := len(db.reqMessages(t, r.ID)); n != msgs {
		t.Errorf("%d messages after refused actions, want %d", n, msgs)
	}
	if n := db.count(t, "river_job"); n != jobs {
		t.Errorf("%d jobs after refused actions, want %d", n, jobs)
	}
	final := db.reqGet(t, r.ID)
	if final.Status != portal.StatusDecided || final.Outcome != portal.OutcomePartly || final.AssigneeSub != reqLead.Sub {
		t.Errorf("refused actions changed the request: %+v", final)
	}

	// Unknown requests.
	for _, id := range []string{uuid.NewString(), "nope"} {
		_, err := db.ActOnRequest(ctx, id, reqClerk, portal.Action{Kind: portal.StepStarted})
		reqWantCode(t, "act on "+id, err, portal.ENOTFOUND)
	}
}

func TestActOnRequestAssignment(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	a := db.subject(t, bsnA)

	// Assigned while still received; starting by someone else keeps the assignee.
	r := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	got := db.reqAct(t, r.ID, reqLead, portal.Action{Kind: portal.StepAssigned})
	if got.Status != portal.StatusReceived || got.AssigneeSub != reqLead.Sub {
		t.Errorf("after assign: %s, %q", got.Status, got.AssigneeSub)
	}
	got = db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	if got.Status != portal.StatusHandling || got.AssigneeSub != reqLead.Sub || got.AssigneeName != reqLead.Name {
		t.Errorf("start changed the assignee: %s, %q %q", got.Status, got.AssigneeSub, got.AssigneeName)
	}
	// Neither the assignment nor the start told the citizen: internal steps (issue 17).
	var kinds []string
	for _, m := range db.reqMessages(t, r.ID) {
		kinds = append(kinds, m.Kind)
	}
	if diff := cmp.Diff([]string{"filed"}, kinds); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	// A decision straight from received is not allowed.
	r2 := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	_, err := db.ActOnRequest(context.Background(), r2.ID, reqClerk, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted})
	reqWantCode(t, "decide a received request", err, portal.EINVALID)
	// A correction needs its corrections recorded.
	r3 := db.reqFile(t, a, reqNew(portal.KindCorrection, ""))
	db.reqAct(t, r3.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	_, err = db.ActOnRequest(context.Background(), r3.ID, reqClerk, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted})
	reqWantCode(t, "correction without corrections", err, portal.EINVALID)
	got = db.reqAct(t, r3.ID, reqClerk, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted,
		Corrections: "Adres gecorrigeerd in het zaaksysteem"})
	if got.Corrections != "Adres gecorrigeerd in het zaaksysteem" || got.Motivation != "" {
		t.Errorf("corrections %q, motivation %q", got.Corrections, got.Motivation)
	}
	for _, id := range []string{r2.ID, r3.ID} {
		for _, s := range db.reqSteps(t, id) {
			if s.Kind == "decided" && id == r2.ID {
				t.Errorf("refused decision wrote a step")
			}
		}
	}
	if n := len(db.reqSteps(t, r3.ID)); n != 3 {
		t.Errorf("%d steps, want filed, started, decided", n)
	}
}

func TestActOnRequestExtensionAfterFirstDeadline(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	r := db.reqFile(t, a, reqNew(portal.KindInspection, "a@example.nl"))
	db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	before := db.reqGet(t, r.ID)
	steps, msgs, jobs := len(db.reqSteps(t, r.ID)), len(db.reqMessages(t, r.ID)), db.count(t, "river_job")

	db.clock.Set(r.FirstDeadline.Add(time.Second))
	_, err := db.ActOnRequest(ctx, r.ID, reqClerk, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "te laat"})
	reqWantCode(t, "extension after the first deadline", err, portal.EINVALID)
	after := db.reqGet(t, r.ID)
	if after.Status != portal.StatusHandling || !after.Deadline.Equal(before.Deadline) || after.ExtensionReason != "" {
		t.Errorf("refused extension changed the request: %s, %v, %q", after.Status, after.Deadline, after.ExtensionReason)
	}
	if n := len(db.reqSteps(t, r.ID)); n != steps {
		t.Errorf("%d steps, want %d", n, steps)
	}
	if n := len(db.reqMessages(t, r.ID)); n != msgs {
		t.Errorf("%d messages, want %d", n, msgs)
	}
	if n := db.count(t, "river_job"); n != jobs {
		t.Errorf("%d jobs, want %d", n, jobs)
	}

	// On the last day itself it is still allowed.
	r2 := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.reqAct(t, r2.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	db.clock.Set(r2.FirstDeadline.Add(-time.Minute))
	got := db.reqAct(t, r2.ID, reqClerk, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "net op tijd"})
	if got.Status != portal.StatusExtended || !got.Deadline.After(got.FirstDeadline) {
		t.Errorf("extension on the last day: %s, %v", got.Status, got.Deadline)
	}
}

func TestActOnRequestConcurrentDecisions(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	staff := []portal.Staff{reqClerk, reqLead}
	actions := []portal.Action{
		{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted},
		{Kind: portal.StepDecided, Outcome: portal.OutcomeRejected, Note: "Geen gegevens gevonden."},
	}
	for i := range 5 {
		r := db.reqFile(t, a, reqNew(portal.KindInspection, "a@example.nl"))
		db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for j := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[j] = db.ActOnRequest(ctx, r.ID, staff[j], actions[j])
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for j, err := range errs {
			switch portal.ErrorCode(err) {
			case "":
				if winner >= 0 {
					t.Fatalf("round %d: both decisions succeeded", i)
				}
				winner = j
			case portal.EINVALID:
			default:
				t.Errorf("round %d: decision %d: %v", i, j, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no decision succeeded: %v", i, errs)
		}
		var decided []reqStepRow
		for _, s := range db.reqSteps(t, r.ID) {
			if s.Kind == "decided" {
				decided = append(decided, s)
			}
		}
		if len(decided) != 1 || decided[0].ActorSub != staff[winner].Sub || decided[0].Note != string(actions[winner].Outcome) {
			t.Errorf("round %d: decided steps %+v, want one by %s", i, decided, staff[winner].Sub)
		}
		n := 0
		for _, m := range db.reqMessages(t, r.ID) {
			if m.Kind == "decided" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("round %d: %d decision messages", i, n)
		}
		if got := db.reqGet(t, r.ID); got.Outcome != actions[winner].Outcome || got.Motivation != actions[winner].Note {
			t.Errorf("round %d: stored outcome %s %q, want the winner's", i, got.Outcome, got.Motivation)
		}
	}
}

func TestQueue(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	day := 24 * time.Hour
	// Filed out of deadline order.
	db.clock.Set(t0.Add(10 * day))
	r1 := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.clock.Set(t0)
	r2 := db.reqFile(t, a, reqNew(portal.KindCorrection, ""))
	db.clock.Set(t0.Add(5 * day))
	r3 := db.reqFile(t, b, reqNew(portal.KindInspection, ""))
	db.clock.Set(t0.Add(6 * day))
	r4 := db.reqFile(t, a, reqNew(portal.KindErasure, ""))
	if err := db.WithdrawRequest(ctx, a, r4.ID); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(t0.Add(1 * day))
	r5 := db.reqFile(t, b, reqNew(portal.KindInspection, ""))
	db.reqAct(t, r5.ID, reqLead, portal.Action{Kind: portal.StepStarted})
	db.reqAct(t, r5.ID, reqLead, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted})
	// r2, filed first, gets the latest deadline by its extension.
	db.clock.Set(t0.Add(2 * day))
	db.reqAct(t, r2.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	db.reqAct(t, r2.ID, reqClerk, portal.Action{Kind: portal.StepExtended, Months: 2, Note: "veel werk"})

	for _, tc := range []struct {
		name string
		f    portal.RequestFilter
		want []portal.RightsRequest
	}{
		{"all", portal.RequestFilter{}, []portal.RightsRequest{r5, r3, r4, r1, r2}},
		{"open", portal.RequestFilter{Open: true}, []portal.RightsRequest{r3, r1, r2}},
		{"inspection", portal.RequestFilter{Kind: portal.KindInspection}, []portal.RightsRequest{r5, r3, r1}},
		{"open inspection", portal.RequestFilter{Kind: portal.KindInspection, Open: true}, []portal.RightsRequest{r3, r1}},
		{"received", portal.RequestFilter{Status: portal.StatusReceived}, []portal.RightsRequest{r3, r1}},
		{"extended", portal.RequestFilter{Status: portal.StatusExtended}, []portal.RightsRequest{r2}},
		{"decided", portal.RequestFilter{Status: portal.StatusDecided}, []portal.RightsRequest{r5}},
		{"withdrawn", portal.RequestFilter{Status: portal.StatusWithdrawn}, []portal.RightsRequest{r4}},
		{"decided and open", portal.RequestFilter{Status: portal.StatusDecided, Open: true}, []portal.RightsRequest{}},
		{"objection", portal.RequestFilter{Kind: portal.KindObjection}, []portal.RightsRequest{}},
		{"assigned to the clerk", portal.RequestFilter{Assignee: reqClerk.Sub}, []portal.RightsRequest{r2}},
		{"limit", portal.RequestFilter{Limit: 2}, []portal.RightsRequest{r5, r3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := db.Queue(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(reqIDs(tc.want), reqIDs(rs)); diff != "" {
				t.Errorf("queue (-want +got):\n%s", diff)
			}
			for i := 1; i < len(rs); i++ {
				if rs[i].Deadline.Before(rs[i-1].Deadline) {
					t.Errorf("not ordered by deadline at %d", i)
				}
			}
		})
	}
}

func TestAPIRequests(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	bsns := []string{bsnA, bsnB}
	subjects := []int64{db.subject(t, bsnA), db.subject(t, bsnB)}
	var filed []portal.RightsRequest
	bsnOf := map[string]string{}
	for i := range 5 {
		db.clock.Set(t0.Add(time.Duration(i) * time.Hour))
		kind := portal.KindInspection
		if i%2 == 1 {
			kind = portal.KindObjection
		}
		r := db.reqFile(t, subjects[i%2], reqNew(kind, ""))
		filed = append(filed, r)
		bsnOf[r.ID] = bsns[i%2]
	}

	var got []string
	var sizes []int
	var mores []bool
	var last int64
	after := int64(0)
	for page := 0; page < 10; page++ {
		rs, more, err := db.APIRequests(ctx, portal.RequestFilter{Limit: 2}, after)
		if err != nil {
			t.Fatal(err)
		}
		sizes, mores = append(sizes, len(rs)), append(mores, more)
		for _, r := range rs {
			if r.Number <= last {
				t.Errorf("number %d after %d", r.Number, last)
			}
			last = r.Number
			got = append(got, r.ID)
			if r.BSN != bsnOf[r.ID] {
				t.Errorf("request %s: BSN %q, want %q", r.ID, r.BSN, bsnOf[r.ID])
			}
			if r.Reference == "" || r.Status != portal.StatusReceived || !r.Scope.All {
				t.Errorf("request %+v", r.RightsRequest)
			}
		}
		if !more {
			break
		}
		after = rs[len(rs)-1].Number
	}
	if diff := cmp.Diff(reqIDs(filed), got); diff != "" {
		t.Errorf("requests in filing order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 2, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, true, false}, mores); diff != "" {
		t.Errorf("more flags (-want +got):\n%s", diff)
	}

	// Exactly the limit left: no more; one fewer: more.
	if rs, more, err := db.APIRequests(ctx, portal.RequestFilter{Limit: 5}, 0); err != nil || len(rs) != 5 || more {
		t.Errorf("limit 5: %d, %v, %v", len(rs), more, err)
	}
	if rs, more, err := db.APIRequests(ctx, portal.RequestFilter{Limit: 4}, 0); err != nil || len(rs) != 4 || !more {
		t.Errorf("limit 4: %d, %v, %v", len(rs), more, err)
	}
	if rs, more, err := db.APIRequests(ctx, portal.RequestFilter{Limit: 5}, last); err != nil || len(rs) != 0 || more {
		t.Errorf("after the last: %d, %v, %v", len(rs), more, err)
	}
	// Filters apply.
	rs, _, err := db.APIRequests(ctx, portal.RequestFilter{Kind: portal.KindObjection}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filed[1].ID, filed[3].ID}, reqIDs(backOffice(rs))); diff != "" {
		t.Errorf("objections (-want +got):\n%s", diff)
	}
	if err := db.WithdrawRequest(ctx, subjects[0], filed[2].ID); err != nil {
		t.Fatal(err)
	}
	rs, _, err = db.APIRequests(ctx, portal.RequestFilter{Open: true, Kind: portal.KindInspection}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filed[0].ID, filed[4].ID}, reqIDs(backOffice(rs))); diff != "" {
		t.Errorf("open inspections (-want +got):\n%s", diff)
	}

	// One by id, with number, BSN and timeline.
	all, _, err := db.APIRequests(ctx, portal.RequestFilter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range all {
		one, err := db.APIRequestByID(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if one.Number != want.Number || one.BSN != bsnOf[want.ID] || one.Reference != want.Reference || one.Status != want.Status {
			t.Errorf("APIRequestByID(%s) = number %d, BSN %s, %s; want %d, %s", want.ID, one.Number, one.BSN, one.Status,
				want.Number, bsnOf[want.ID])
		}
		wantSteps := 1
		if want.ID == filed[2].ID {
			wantSteps = 2
		}
		if len(one.Steps) != wantSteps {
			t.Errorf("APIRequestByID(%s): %d steps, want %d", want.ID, len(one.Steps), wantSteps)
		}
	}
	for _, id := range []string{uuid.NewString(), "x"} {
		_, err := db.APIRequestByID(ctx, id)
		reqWantCode(t, "APIRequestByID "+id, err, portal.ENOTFOUND)
	}
}

func backOffice(rs []portal.BackOfficeRequest) []portal.RightsRequest {
	out := make([]portal.RightsRequest, len(rs))
	for i, r := range rs {
		out[i] = r.RightsRequest
	}
	return out
}

func TestScopeEvents(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	ggd := func(e *portal.Event) { e.Actor.Organization = "GGD Regio" }
	cats := func(c ...string) func(*portal.Event) { return func(e *portal.Event) { e.DataCategories = c } }
	until := t0.Add(24 * time.Hour)
	secret := func(e *portal.Event) { e.ConfidentialUntil = &until; e.ConfidentialReason = "Lopend onderzoek" }
	e1 := event(bsnA, t0.Add(-1*time.Hour), cats("health"))
	e2 := event(bsnA, t0.Add(-2*time.Hour), ggd, cats("income"))
	e3 := event(bsnA, t0.Add(-3*time.Hour), cats("housing"))
	e4 := event(bsnA, t0.Add(-4*time.Hour), cats("income"), secret)
	e5 := event(bsnA, t0.Add(-5*time.Hour), ggd, cats("health"), secret)
	eb := event(bsnB, t0.Add(-1*time.Hour), ggd, cats("income", "health", "housing"))
	db.ingest(t, []portal.Event{e1, e2, e3, e4, e5, eb})
	a := db.subject(t, bsnA)

	for _, tc := range []struct {
		name  string
		scope portal.Scope
		limit int
		want  []portal.Event
		more  bool
	}{
		{"all", portal.Scope{All: true}, 10, []portal.Event{e1, e2, e3}, false},
		{"all, limited", portal.Scope{All: true}, 2, []portal.Event{e1, e2}, true},
		{"all, exactly the limit", portal.Scope{All: true}, 3, []portal.Event{e1, e2, e3}, false},
		{"organisation", portal.Scope{Organizations: []string{"GGD Regio"}}, 10, []portal.Event{e2}, false},
		{"unknown organisation", portal.Scope{Organizations: []string{"Belastingdienst"}}, 10, nil, false},
		{"category", portal.Scope{Categories: []string{"income"}}, 10, []portal.Event{e2}, false},
		{"categories", portal.Scope{Categories: []string{"income", "housing"}}, 10, []portal.Event{e2, e3}, false},
		{"event id", portal.Scope{EventIDs: []string{e3.ID}}, 10, []portal.Event{e3}, false},
		{"confidential event by id", portal.Scope{EventIDs: []string{e4.ID}}, 10, nil, false},
		{"another citizen's event by id", portal.Scope{EventIDs: []string{eb.ID}}, 10, nil, false},
		{"organisation or category", portal.Scope{Organizations: []string{"GGD Regio"}, Categories: []string{"housing"}}, 10,
			[]portal.Event{e2, e3}, false},
		{"category or event", portal.Scope{Categories: []string{"health"}, EventIDs: []string{e3.ID}}, 10,
			[]portal.Event{e1, e3}, false},
		{"all three", portal.Scope{Organizations: []string{"GGD Regio"}, Categories: []string{"health"}, EventIDs: []string{e3.ID}}, 10,
			[]portal.Event{e1, e2, e3}, false},
		{"overlapping terms give each event once", portal.Scope{Organizations: []string{"Gemeente Voorbeeldstad"},
			Categories: []string{"health", "housing"}, EventIDs: []string{e1.ID, e3.ID}}, 10, []portal.Event{e1, e3}, false},
		{"empty", portal.Scope{}, 10, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, more, err := db.ScopeEvents(ctx, a, tc.scope, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{}
			for _, e := range tc.want {
				want = append(want, e.ID)
			}
			if diff := cmp.Diff(want, ids(evs)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if more != tc.more {
				t.Errorf("more = %v, want %v", more, tc.more)
			}
		})
	}

	// Once the confidentiality ends, the events are in scope.
	db.clock.Set(until.Add(time.Second))
	evs, _, err := db.ScopeEvents(ctx, a, portal.Scope{Categories: []string{"income"}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{e2.ID, e4.ID}, ids(evs)); diff != "" {
		t.Errorf("after the confidentiality (-want +got):\n%s", diff)
	}
}

// reqViewRow is a processing event recorded by OpenCaseFile, as stored.
type reqViewRow struct {
	Subject                                     int64
	Activity, Action, Org, Role, EmpID, EmpName string
	System, CaseRef, Basis, Level               string
	Categories                                  []string
	OccurredAt                                  time.Time
}

func (d *testDB) reqViews(t *testing.T) []reqViewRow {
	t.Helper()
	rows, err := d.raw.Query(context.Background(), `SELECT subject_id, activity_id, action, actor_organization, actor_role,
 actor_employee_id, actor_employee_name, system, case_ref, access_basis, level, data_categories, occurred_at
FROM processing_events WHERE activity_id = $1 ORDER BY occurred_at`, portal.RequestActivity)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []reqViewRow
	for rows.Next() {
		var v reqViewRow
		if err := rows.Scan(&v.Subject, &v.Activity, &v.Action, &v.Org, &v.Role, &v.EmpID, &v.EmpName, &v.System, &v.CaseRef,
			&v.Basis, &v.Level, &v.Categories, &v.OccurredAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenCaseFile(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	if err := db.EnsureActivity(ctx, portal.RequestHandlingActivity(reqMunicipality)); err != nil {
		t.Fatal(err)
	}
	e1 := event(bsnA, t0.Add(-time.Hour), func(e *portal.Event) { e.DataCategories = []string{"health", "care_needs"} })
	e2 := event(bsnA, t0.Add(-2*time.Hour), func(e *portal.Event) { e.DataCategories = []string{"income"} })
	eb := event(bsnB, t0.Add(-time.Hour))
	db.ingest(t, []portal.Event{e1, e2, eb})
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	nr := reqNew(portal.KindInspection, "")
	nr.Scope = portal.Scope{Categories: []string{"health"}}
	r := db.reqFile(t, a, nr)
	eventsOf := func(subject int64) int {
		return db.reqCount(t, `SELECT count(*) FROM processing_events WHERE subject_id = $1`, subject)
	}
	na, nb := eventsOf(a), eventsOf(b)

	// Unknown requests: nothing is shown and nothing recorded.
	for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
		_, err := db.OpenCaseFile(ctx, id, reqClerk, reqMunicipality)
		reqWantCode(t, "OpenCaseFile "+id, err, portal.ENOTFOUND)
	}
	if n := db.count(t, "processing_events"); n != na+nb {
		t.Fatalf("%d events after opening unknown requests, want %d", n, na+nb)
	}

	// Unassigned: access by function.
	db.clock.Advance(time.Minute)
	t1 := db.clock.Now()
	cf, err := db.OpenCaseFile(ctx, r.ID, reqClerk, reqMunicipality)
	if err != nil {
		t.Fatal(err)
	}
	if cf.Request.ID != r.ID || cf.Request.Reference != r.Reference || cf.BSN != bsnA || cf.More || len(cf.Request.Steps) != 1 {
		t.Errorf("case file: request %s %s, BSN %s, more %v", cf.Request.ID, cf.Request.Reference, cf.BSN, cf.More)
	}
	if diff := cmp.Diff([]string{e1.ID}, ids(cf.Events)); diff != "" {
		t.Errorf("events in scope (-want +got):\n%s", diff)
	}
	if n := eventsOf(a); n != na+1 {
		t.Errorf("%d events of the citizen after one view, want %d", n, na+1)
	}

	// Assigned to the clerk: access as assigned; the team lead's view stays by function.
	db.clock.Advance(time.Minute)
	db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	db.clock.Advance(time.Minute)
	t2 := db.clock.Now()
	if _, err := db.OpenCaseFile(ctx, r.ID, reqClerk, reqMunicipality); err != nil {
		t.Fatal(err)
	}
	if n := eventsOf(a); n != na+2 {
		t.Errorf("%d events of the citizen after two views, want %d", n, na+2)
	}
	db.clock.Advance(time.Minute)
	t3 := db.clock.Now()
	if _, err := db.OpenCaseFile(ctx, r.ID, reqLead, reqMunicipality); err != nil {
		t.Fatal(err)
	}
	if n := eventsOf(a); n != na+3 {
		t.Errorf("%d events of the citizen after three views, want %d", n, na+3)
	}
	if n := eventsOf(b); n != nb {
		t.Errorf("another citizen's log grew to %d", n)
	}

	view := func(by portal.Staff, basis string, at time.Time) reqViewRow {
		return reqViewRow{Subject: a, Activity: portal.RequestActivity, Action: "view", Org: reqMunicipality,
			Role: portal.RoleLabel(by.Role()), EmpID: by.Sub, EmpName: by.Name, System: "Inzicht", CaseRef: r.Reference,
			Basis: basis, Level: "what", OccurredAt: at}
	}
	want := []reqViewRow{
		view(reqClerk, portal.BasisFunction, t1),
		view(reqClerk, portal.BasisAssigned, t2),
		view(reqLead, portal.BasisFunction, t3),
	}
	got := db.reqViews(t)
	if diff := cmp.Diff(want, got, cmp.Comparer(reqSame),
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Categories" }, cmp.Ignore())); diff != "" {
		t.Errorf("recorded views (-want +got):\n%s", diff)
	}
	if len(got) > 0 {
		for _, c := range []string{"identity", "rights_request", "health", "care_needs"} {
			if !slices.Contains(got[0].Categories, c) {
				t.Errorf("categories %v of the first view lack %s", got[0].Categories, c)
			}
		}
		if slices.Contains(got[0].Categories, "income") {
			t.Errorf("categories %v name an event out of scope", got[0].Categories)
		}
	}
	if portal.RoleLabel(reqClerk.Role()) == portal.RoleLabel(reqLead.Role()) {
		t.Error("clerk and team lead share a label: the test cannot tell them apart")
	}

	// The citizen sees the views in their own log.
	evs, _, err := db.Events(ctx, a, portal.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	for _, e := range evs {
		if e.Activity.ID != portal.RequestActivity {
			continue
		}
		seen++
		if e.CaseRef != r.Reference || e.Actor.Organization != reqMunicipality || e.Action != "view" ||
			e.Activity.Controller != reqMunicipality {
			t.Errorf("view in the citizen's log: %+v", e.Event)
		}
	}
	if seen != 3 {
		t.Errorf("the citizen sees %d views, want 3", seen)
	}
	evs, _, err = db.Events(ctx, b, portal.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].ID != eb.ID {
		t.Errorf("another citizen sees %v", ids(evs))
	}
}

func TestMessagesReadOwnOnly(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	ra := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.clock.Advance(time.Hour)
	db.reqAct(t, ra.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	db.reqAct(t, ra.ID, reqClerk, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "Veel systemen"})
	rb := db.reqFile(t, b, reqNew(portal.KindInspection, ""))

	ma, err := db.Messages(ctx, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := db.Messages(ctx, b, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ma) != 2 || len(mb) != 1 || ma[0].Kind != portal.StepExtended || ma[1].Kind != portal.StepFiled || ma[0].ID < ma[1].ID {
		t.Fatalf("inboxes: %+v / %+v", ma, mb)
	}
	for _, m := range ma {
		if m.RequestID != ra.ID {
			t.Errorf("citizen A sees message %d of request %s", m.ID, m.RequestID)
		}
	}
	if mb[0].RequestID != rb.ID {
		t.Errorf("citizen B sees message of request %s", mb[0].RequestID)
	}
	if ms, err := db.Messages(ctx, a, 1); err != nil || len(ms) != 1 || ms[0].ID != ma[0].ID {
		t.Errorf("limit 1: %+v, %v", ms, err)
	}

	// B cannot mark A's messages read.
	if err := db.MarkMessagesRead(ctx, b, []int64{ma[0].ID, ma[1].ID}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.UnreadCount(ctx, a); err != nil || n != 2 {
		t.Errorf("A's unread after B marked A's ids: %d, %v; want 2", n, err)
	}
	if n, err := db.UnreadCount(ctx, b); err != nil || n != 1 {
		t.Errorf("B's unread: %d, %v; want 1", n, err)
	}

	// A marks one, then both (the first keeps its time), then nothing.
	db.clock.Advance(time.Hour)
	tRead := db.clock.Now()
	if err := db.MarkMessagesRead(ctx, a, []int64{ma[1].ID, mb[0].ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.UnreadCount(ctx, a); n != 1 {
		t.Errorf("A's unread after marking one: %d", n)
	}
	if n, _ := db.UnreadCount(ctx, b); n != 1 {
		t.Errorf("B's unread after A marked B's id: %d, want 1", n)
	}
	db.clock.Advance(time.Hour)
	if err := db.MarkMessagesRead(ctx, a, []int64{ma[0].ID, ma[1].ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkMessagesRead(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.UnreadCount(ctx, a); n != 0 {
		t.Errorf("A's unread after marking all: %d", n)
	}
	ma, err = db.Messages(ctx, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ma[1].ReadAt == nil || !reqSame(*ma[1].ReadAt, tRead) || ma[0].ReadAt == nil || !reqSame(*ma[0].ReadAt, db.clock.Now()) {
		t.Errorf("read times %v, %v", ma[1].ReadAt, ma[0].ReadAt)
	}
	if mb, _ := db.Messages(ctx, b, 0); mb[0].ReadAt != nil {
		t.Error("B's message was marked read")
	}
}

func TestNotificationAndMarkMailed(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	b := db.subject(t, bsnB)
	const addr = "Jan.Jansen+inzicht@example.nl"
	db.confirmEmail(t, a, addr)
	withAddr := db.reqFile(t, a, reqNew(portal.KindInspection, addr))
	without := db.reqFile(t, b, reqNew(portal.KindInspection, ""))
	m1 := db.reqMessages(t, withAddr.ID)[0].ID
	m2 := db.reqMessages(t, without.ID)[0].ID

	n, err := db.Notification(ctx, m1)
	if err != nil {
		t.Fatal(err)
	}
	if n.Email != addr || n.Mailed {
		t.Errorf("notification %+v", n)
	}
	for i, want := range []bool{true, false, false} {
		if got, err := db.MarkMailed(ctx, m1); err != nil || got != want {
			t.Errorf("MarkMailed #%d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	if n, err := db.Notification(ctx, m1); err != nil || !n.Mailed || n.Email != addr {
		t.Errorf("after mailing: %+v, %v", n, err)
	}
	if got := db.reqMessages(t, withAddr.ID)[0]; got.Mailed == nil || !got.Mailed.Equal(t0) {
		t.Errorf("mailed_at %v", got.Mailed)
	}

	// No address, or no message: not found.
	_, err = db.Notification(ctx, m2)
	reqWantCode(t, "notification without an address", err, portal.ENOTFOUND)
	_, err = db.Notification(ctx, 987654)
	reqWantCode(t, "notification of an unknown message", err, portal.ENOTFOUND)
	if got, err := db.MarkMailed(ctx, 987654); err != nil || got {
		t.Errorf("MarkMailed of an unknown message = %v, %v", got, err)
	}

	// The ciphertext is bound to its person: copied to another, it does not open.
	if _, err := db.raw.Exec(ctx, `INSERT INTO subject_emails (subject_id, email_enc, email_key_id, version, confirmed_at,
 created_at, updated_at) SELECT $2, email_enc, email_key_id, 1, now(), now(), now() FROM subject_emails WHERE subject_id = $1`,
		a, b); err != nil {
		t.Fatal(err)
	}
	n, err = db.Notification(ctx, m2)
	if err == nil || n.Email == addr {
		t.Errorf("copied ciphertext opened: %+v, %v", n, err)
	}
}

func TestSweepDeadlines(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	day := 24 * time.Hour
	db.confirmEmail(t, a, "a@example.nl")
	open := db.reqFile(t, a, reqNew(portal.KindInspection, "a@example.nl"))
	decided := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.reqAct(t, decided.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	db.reqAct(t, decided.ID, reqClerk, portal.Action{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted})
	withdrawn := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	if err := db.WithdrawRequest(ctx, a, withdrawn.ID); err != nil {
		t.Fatal(err)
	}
	db.clock.Set(t0.Add(20 * day))
	later := db.reqFile(t, a, reqNew(portal.KindObjection, ""))
	closedSteps := map[string]int{decided.ID: len(db.reqSteps(t, decided.ID)), withdrawn.ID: len(db.reqSteps(t, withdrawn.ID))}
	sweep := func(wantReminded, wantOverdue int) {
		t.Helper()
		res, err := db.SweepDeadlines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Reminded != wantReminded || res.Overdue != wantOverdue {
			t.Errorf("sweep at %v: %+v, want %d reminded, %d overdue", db.clock.Now(), res, wantReminded, wantOverdue)
		}
	}

	// Nothing is near yet.
	sweep(0, 0)

	// Eight days before: not yet; six days before: reminded, once.
	db.clock.Set(open.Deadline.Add(-8 * day))
	sweep(0, 0)
	db.clock.Set(open.Deadline.Add(-6 * day))
	tRemind := db.clock.Now()
	msgsBefore := len(db.reqMessages(t, open.ID))
	sweep(1, 0)
	sweep(0, 0)
	got := db.reqGet(t, open.ID)
	if got.RemindedAt == nil || !reqSame(*got.RemindedAt, tRemind) || got.OverdueAt != nil || got.Status != portal.StatusReceived {
		t.Errorf("after the reminder: reminded %v, overdue %v, %s", got.RemindedAt, got.OverdueAt, got.Status)
	}
	steps := db.reqSteps(t, open.ID)
	if last := steps[len(steps)-1]; len(steps) != 2 || last.Kind != "reminder" || last.ActorKind != "system" ||
		last.From != "ontvangen" || last.To != "ontvangen" || last.ActorSub != "" || !reqSame(last.At, tRemind) {
		t.Errorf("timeline %+v", steps)
	}
	if diff := cmp.Diff([]string{open.ID}, db.reqJobs(t, "remind_clerks", "request_id")); diff != "" {
		t.Errorf("reminder jobs (-want +got):\n%s", diff)
	}
	if n := len(db.reqMessages(t, open.ID)); n != msgsBefore {
		t.Errorf("the reminder told the citizen: %d messages, want %d", n, msgsBefore)
	}

	// Past the deadline: overdue, once, and the citizen is told (by e-mail too: they gave an address).
	notifyBefore := len(db.reqJobs(t, "notify_citizen", "message_id"))
	db.clock.Set(open.Deadline.Add(time.Second))
	tOverdue := db.clock.Now()
	sweep(0, 1)
	sweep(0, 0)
	got = db.reqGet(t, open.ID)
	if got.OverdueAt == nil || !reqSame(*got.OverdueAt, tOverdue) || got.Status != portal.StatusReceived {
		t.Errorf("after the deadline: overdue %v, %s", got.OverdueAt, got.Status)
	}
	steps = db.reqSteps(t, open.ID)
	if last := steps[len(steps)-1]; len(steps) != 3 || last.Kind != "overdue" || last.ActorKind != "system" ||
		last.From != "ontvangen" || last.To != "ontvangen" {
		t.Errorf("timeline %+v", steps)
	}
	msgs := db.reqMessages(t, open.ID)
	if last := msgs[len(msgs)-1]; len(msgs) != msgsBefore+1 || last.Kind != "overdue" || last.Status != "ontvangen" ||
		last.Subject != a || !reqSame(last.CreatedAt, tOverdue) {
		t.Errorf("messages %+v", msgs)
	}
	if n := len(db.reqJobs(t, "notify_citizen", "message_id")); n != notifyBefore+1 {
		t.Errorf("%d e-mail jobs, want %d", n, notifyBefore+1)
	}
	if n := len(db.reqJobs(t, "remind_clerks", "request_id")); n != 1 {
		t.Errorf("%d reminder jobs, want 1", n)
	}

	// The later request gets its own reminder and overdue mark, in turn.
	db.clock.Set(later.Deadline.Add(-time.Hour))
	sweep(1, 0)
	db.clock.Set(later.Deadline.Add(time.Hour))
	sweep(0, 1)
	sweep(0, 0)

	// Closed requests are never touched, however late.
	db.clock.Set(t0.AddDate(1, 0, 0))
	sweep(0, 0)
	for _, id := range []string{decided.ID, withdrawn.ID} {
		got := db.reqGet(t, id)
		if got.RemindedAt != nil || got.OverdueAt != nil {
			t.Errorf("closed request %s marked: reminded %v, overdue %v", id, got.RemindedAt, got.OverdueAt)
		}
		if n := len(db.reqSteps(t, id)); n != closedSteps[id] {
			t.Errorf("closed request %s: %d steps, want %d", id, n, closedSteps[id])
		}
	}
	if diff := cmp.Diff([]string{open.ID, later.ID}, db.reqJobs(t, "remind_clerks", "request_id")); diff != "" {
		t.Errorf("reminder jobs (-want +got):\n%s", diff)
	}
}

func TestSweepDeadlinesAfterExtension(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	day := 24 * time.Hour
	r := db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	sweep := func(wantReminded, wantOverdue int) {
		t.Helper()
		res, err := db.SweepDeadlines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Reminded != wantReminded || res.Overdue != wantOverdue {
			t.Errorf("sweep at %v: %+v, want %d reminded, %d overdue", db.clock.Now(), res, wantReminded, wantOverdue)
		}
	}

	db.clock.Set(r.Deadline.Add(-5 * day))
	sweep(1, 0)
	// The reminder job has been worked and cleaned up by the time the new deadline nears.
	if _, err := db.raw.Exec(ctx, `DELETE FROM river_job WHERE kind = 'remind_clerks'`); err != nil {
		t.Fatal(err)
	}
	db.clock.Advance(time.Hour)
	got := db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "Meer tijd nodig"})
	if got.RemindedAt != nil {
		t.Fatalf("the extension kept the reminder mark %v", got.RemindedAt)
	}
	sweep(0, 0) // the new deadline is a month away

	// Past the first deadline nothing is overdue: the deadline is the extended one.
	db.clock.Set(r.FirstDeadline.Add(time.Hour))
	sweep(0, 0)
	db.clock.Set(got.Deadline.Add(-6 * day))
	sweep(1, 0)
	sweep(0, 0)
	var reminders int
	for _, s := range db.reqSteps(t, r.ID) {
		if s.Kind == "reminder" {
			reminders++
		}
	}
	if reminders != 2 {
		t.Errorf("%d reminder steps, want 2", reminders)
	}
	if diff := cmp.Diff([]string{r.ID}, db.reqJobs(t, "remind_clerks", "request_id")); diff != "" {
		t.Errorf("reminder jobs for the new deadline (-want +got):\n%s", diff)
	}
	db.clock.Set(got.Deadline.Add(time.Minute))
	sweep(0, 1)
	if got := db.reqGet(t, r.ID); got.OverdueAt == nil || got.Status != portal.StatusExtended {
		t.Errorf("after the extended deadline: overdue %v, %s", got.OverdueAt, got.Status)
	}
}
