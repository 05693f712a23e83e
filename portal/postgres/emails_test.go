package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// emailVersion returns the version of the person's address row.
func (d *testDB) emailVersion(t *testing.T, subject int64) int64 {
	t.Helper()
	var v int64
	if err := d.raw.QueryRow(context.Background(), `SELECT version FROM subject_emails WHERE subject_id = $1`, subject).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// prepare runs the confirmation job's storage step and returns the mailed address and token.
func (d *testDB) prepare(t *testing.T, subject int64) (string, string) {
	t.Helper()
	addr, token, err := d.PrepareConfirmation(context.Background(), subject, d.emailVersion(t, subject))
	if err != nil {
		t.Fatalf("PrepareConfirmation: %v", err)
	}
	return addr, token
}

// confirmEmail gives the person addr as a confirmed notification address, through the same steps
// as the portal: set, the mail job's preparation, the confirmation with the mailed token.
func (d *testDB) confirmEmail(t *testing.T, subject int64, addr string) {
	t.Helper()
	ctx := context.Background()
	if err := d.SetEmail(ctx, subject, addr); err != nil {
		t.Fatalf("SetEmail: %v", err)
	}
	_, token := d.prepare(t, subject)
	if err := d.ConfirmEmail(ctx, subject, token); err != nil {
		t.Fatalf("ConfirmEmail: %v", err)
	}
}

func (d *testDB) emailStatus(t *testing.T, subject int64) portal.EmailStatus {
	t.Helper()
	st, err := d.EmailStatus(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestUnconfirmedAddressGetsNoNotification: an address given with a request gets only its
// confirmation job; the person's messages are not mailed until it is confirmed, and then they are.
func TestUnconfirmedAddressGetsNoNotification(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	const addr = "inwoner.a@example.nl"
	r := db.reqFile(t, a, reqNew(portal.KindInspection, addr))
	if st := db.emailStatus(t, a); !st.HasAddress || st.Confirmed {
		t.Fatalf("status %+v, want an unconfirmed address", st)
	}
	if jobs := db.reqJobs(t, "notify_citizen", "message_id"); len(jobs) != 0 {
		t.Errorf("notification jobs %v for an unconfirmed address", jobs)
	}
	if got := db.reqJobs(t, "confirm_email", "subject_id"); len(got) != 1 {
		t.Fatalf("confirmation jobs %v, want one", got)
	}
	m := db.reqMessages(t, r.ID)[0].ID
	if n, err := db.Notification(ctx, m); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("Notification of an unconfirmed address = %+v, %v; want ENOTFOUND", n, err)
	}
	// A clerk's action: still no e-mail job.
	db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepStarted})
	if jobs := db.reqJobs(t, "notify_citizen", "message_id"); len(jobs) != 0 {
		t.Errorf("notification jobs %v for an unconfirmed address", jobs)
	}

	got, token := db.prepare(t, a)
	if got != addr {
		t.Errorf("confirmation goes to %q, want %q", got, addr)
	}
	if err := db.ConfirmEmail(ctx, a, token); err != nil {
		t.Fatal(err)
	}
	if st := db.emailStatus(t, a); !st.Confirmed || st.ConfirmedAt == nil {
		t.Fatalf("status %+v, want confirmed", st)
	}
	if !db.reqGet(t, r.ID).HasEmail {
		t.Error("the request does not say news comes by e-mail")
	}
	db.reqAct(t, r.ID, reqClerk, portal.Action{Kind: portal.StepExtended, Months: 1, Note: "meer tijd"})
	jobs := db.reqJobs(t, "notify_citizen", "message_id")
	if len(jobs) != 1 {
		t.Fatalf("notification jobs %v after confirming, want one", jobs)
	}
	msgs := db.reqMessages(t, r.ID)
	if n, err := db.Notification(ctx, msgs[len(msgs)-1].ID); err != nil || n.Email != addr {
		t.Errorf("Notification after confirming = %+v, %v", n, err)
	}
}

// TestConfirmationTokens: a wrong, expired, used, superseded or other person's token changes nothing.
func TestConfirmationTokens(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	if err := db.SetEmail(ctx, a, "a@example.nl"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetEmail(ctx, b, "b@example.nl"); err != nil {
		t.Fatal(err)
	}
	_, tokenA := db.prepare(t, a)
	other, _ := portal.NewEmailToken()
	for name, tc := range map[string]struct {
		subject int64
		token   string
	}{
		"wrong token":        {a, other},
		"malformed token":    {a, "not-a-token"},
		"empty token":        {a, ""},
		"A's token for B":    {b, tokenA},
		"A's token, no user": {0, tokenA},
	} {
		if err := db.ConfirmEmail(ctx, tc.subject, tc.token); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("%s: %v, want ENOTFOUND", name, err)
		}
	}
	if db.emailStatus(t, a).Confirmed || db.emailStatus(t, b).Confirmed {
		t.Fatal("a bad token confirmed an address")
	}

	// A second mail makes a new token; the first stops working.
	_, tokenA2 := db.prepare(t, a)
	if err := db.ConfirmEmail(ctx, a, tokenA); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("superseded token: %v, want ENOTFOUND", err)
	}
	if err := db.ConfirmEmail(ctx, a, tokenA2); err != nil {
		t.Fatal(err)
	}
	if err := db.ConfirmEmail(ctx, a, tokenA2); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("used token: %v, want ENOTFOUND", err)
	}
	// Nothing more to send for a confirmed address.
	if _, _, err := db.PrepareConfirmation(ctx, a, db.emailVersion(t, a)); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("PrepareConfirmation of a confirmed address: %v, want ENOTFOUND", err)
	}

	// Expired: 48 hours after the mail was prepared the link no longer works.
	_, tokenB := db.prepare(t, b)
	db.clock.Advance(portal.EmailConfirmationTTL)
	if err := db.ConfirmEmail(ctx, b, tokenB); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("expired token: %v, want ENOTFOUND", err)
	}
	if db.emailStatus(t, b).Confirmed {
		t.Error("an expired token confirmed")
	}
}

// TestNewAddressReplacesOld: a new address is unconfirmed again and nothing goes to the old or the
// new one until it is confirmed; a job queued for the old address sends nothing.
func TestNewAddressReplacesOld(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	db.confirmEmail(t, a, "oud@example.nl")
	old := db.emailVersion(t, a)
	r := db.reqFile(t, a, reqNew(portal.KindInspection, "nieuw@example.nl"))
	if st := db.emailStatus(t, a); !st.HasAddress || st.Confirmed {
		t.Fatalf("status %+v after a new address, want unconfirmed", st)
	}
	if _, err := db.Notification(ctx, db.reqMessages(t, r.ID)[0].ID); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("Notification after a new address: %v, want ENOTFOUND", err)
	}
	if _, _, err := db.PrepareConfirmation(ctx, a, old); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("PrepareConfirmation of the replaced version: %v, want ENOTFOUND", err)
	}
	if got, _ := db.prepare(t, a); got != "nieuw@example.nl" {
		t.Errorf("confirmation to %q", got)
	}

	// The same unconfirmed address again within the link's lifetime queues no second mail; later it does.
	n := len(db.reqJobs(t, "confirm_email", "subject_id"))
	db.reqFile(t, a, reqNew(portal.KindInspection, "nieuw@example.nl"))
	if got := len(db.reqJobs(t, "confirm_email", "subject_id")); got != n {
		t.Errorf("%d confirmation jobs, want still %d", got, n)
	}
	db.clock.Advance(portal.EmailConfirmationTTL + time.Minute)
	db.reqFile(t, a, reqNew(portal.KindInspection, "nieuw@example.nl"))
	if got := len(db.reqJobs(t, "confirm_email", "subject_id")); got != n+1 {
		t.Errorf("%d confirmation jobs, want %d after the link expired", got, n+1)
	}

	// Deleting (issue 18) leaves nothing to send to.
	if err := db.DeleteEmail(ctx, a); err != nil {
		t.Fatal(err)
	}
	if st := db.emailStatus(t, a); st.HasAddress {
		t.Errorf("status %+v after delete", st)
	}
}

// TestDeletedAddressVersionsAreNotReused: a confirmation mail still queued for a deleted address must
// not go to the address given after it (versions come from a sequence, not from the row).
func TestDeletedAddressVersionsAreNotReused(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	if err := db.SetEmail(ctx, a, "eerste@example.nl"); err != nil {
		t.Fatal(err)
	}
	first := db.emailVersion(t, a)
	if err := db.DeleteEmail(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.SetEmail(ctx, a, "tweede@example.nl"); err != nil {
		t.Fatal(err)
	}
	if second := db.emailVersion(t, a); second == first {
		t.Fatalf("the new address got the deleted one's version %d", first)
	}
	if addr, _, err := db.PrepareConfirmation(ctx, a, first); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Errorf("the deleted address's job would mail %q (%v), want ENOTFOUND", addr, err)
	}
}

// TestUnsentConfirmationCanBeAskedAgain: when a confirmation mail never went out (no link was made),
// giving the same address again after a while queues a new one instead of waiting for a link that
// does not exist.
func TestUnsentConfirmationCanBeAskedAgain(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	a := db.subject(t, bsnA)
	db.reqFile(t, a, reqNew(portal.KindInspection, "nieuw@example.nl"))
	n := len(db.reqJobs(t, "confirm_email", "subject_id"))
	db.reqFile(t, a, reqNew(portal.KindInspection, "nieuw@example.nl"))
	if got := len(db.reqJobs(t, "confirm_email", "subject_id")); got != n {
		t.Errorf("at once: %d confirmation jobs, want still %d", got, n)
	}
	db.clock.Advance(time.Hour)
	db.reqFile(t, a, reqNew(portal.KindInspection, "nieuw@example.nl"))
	if got := len(db.reqJobs(t, "confirm_email", "subject_id")); got != n+1 {
		t.Errorf("an hour later, with no link ever made: %d confirmation jobs, want %d", got, n+1)
	}
}
