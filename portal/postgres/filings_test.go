package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

func limits(req, withdraw, confirm int) portal.FilingLimits {
	day := 24 * time.Hour
	return portal.FilingLimits{Request: portal.FilingLimit{Max: req, Window: day},
		Withdrawal: portal.FilingLimit{Max: withdraw, Window: day}, Confirmation: portal.FilingLimit{Max: confirm, Window: day}}
}

func (d *testDB) setLimits(t *testing.T, l portal.FilingLimits) {
	t.Helper()
	if err := d.SetFilingLimits(l); err != nil {
		t.Fatal(err)
	}
}

// wantLimit checks that err is the limit of kind with the given retry time.
func wantLimit(t *testing.T, what string, err error, kind portal.FilingKind, retry time.Time) {
	t.Helper()
	var le *portal.LimitError
	if !errors.As(err, &le) || portal.ErrorCode(err) != portal.ETOOMANY {
		t.Fatalf("%s: %v, want a limit error (ETOOMANY)", what, err)
	}
	if le.Kind != kind || !le.RetryAt.Equal(retry) {
		t.Errorf("%s: limit of %s, retry at %v; want %s at %v", what, le.Kind, le.RetryAt, kind, retry)
	}
}

func TestFilingLimitRequests(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.setLimits(t, limits(3, 3, 3))
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	first := db.clock.Now()
	for range 3 {
		db.reqFile(t, a, reqNew(portal.KindInspection, ""))
		db.clock.Advance(time.Minute)
	}
	_, err := db.CreateRequest(ctx, a, reqNew(portal.KindObjection, ""))
	wantLimit(t, "the fourth request", err, portal.FilingRequest, first.Add(24*time.Hour))
	// Refused, nothing is stored: no request, message, job or filing.
	for table, want := range map[string]int{"rights_requests": 3, "messages": 3, "filings": 3, "rights_request_steps": 3} {
		if n := db.count(t, table); n != want {
			t.Errorf("%d rows in %s, want %d", n, table, want)
		}
	}
	// Another person is not affected.
	db.reqFile(t, b, reqNew(portal.KindInspection, ""))
}

// TestFilingLimitConcurrent: ten submissions at once by one person store exactly the limit.
func TestFilingLimitConcurrent(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.setLimits(t, limits(4, 4, 4))
	a := db.subject(t, bsnA)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.CreateRequest(ctx, a, reqNew(portal.KindInspection, ""))
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		switch portal.ErrorCode(err) {
		case "":
			ok++
		case portal.ETOOMANY:
			refused++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 4 || refused != 6 {
		t.Errorf("%d filed and %d refused, want 4 and 6", ok, refused)
	}
	if n := db.count(t, "rights_requests"); n != 4 {
		t.Errorf("%d requests stored, want exactly the limit 4", n)
	}
}

// TestFilingLimitPerKind: each kind has its own limit; withdrawals of requests and of consents count
// together; an address needing confirmation counts as a confirmation mail.
func TestFilingLimitPerKind(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.setLimits(t, limits(4, 2, 1))
	a := db.subject(t, bsnA)
	now := db.clock.Now()
	var rs []portal.RightsRequest
	for range 4 {
		rs = append(rs, db.reqFile(t, a, reqNew(portal.KindInspection, "")))
	}
	// Requests at their limit: withdrawals still work, up to their own limit.
	if err := db.WithdrawRequest(ctx, a, rs[0].ID); err != nil {
		t.Fatal(err)
	}
	nc := csNew(bsnA, "2025-12-01")
	db.csCreate(t, nc)
	db.csDecide(t, a, nc.ID, portal.ConsentGranted)
	if _, err := db.DecideConsent(ctx, a, nc.ID, portal.ConsentWithdrawn, ""); err != nil {
		t.Fatal(err)
	}
	err := db.WithdrawRequest(ctx, a, rs[1].ID)
	wantLimit(t, "the third withdrawal", err, portal.FilingWithdrawal, now.Add(24*time.Hour))
	if got := db.reqGet(t, rs[1].ID); got.Status != portal.StatusReceived {
		t.Errorf("a refused withdrawal changed the request: %s", got.Status)
	}
	// A consent withdrawal over the limit is refused too.
	nc2 := csNew(bsnA, "2025-12-01")
	db.csCreate(t, nc2)
	db.csDecide(t, a, nc2.ID, portal.ConsentGranted)
	_, err = db.DecideConsent(ctx, a, nc2.ID, portal.ConsentWithdrawn, "")
	wantLimit(t, "a consent withdrawal", err, portal.FilingWithdrawal, now.Add(24*time.Hour))
	if c, _ := db.CitizenConsent(ctx, a, nc2.ID); c.Status != portal.ConsentGranted {
		t.Errorf("a refused withdrawal changed the consent: %s", c.Status)
	}

	// Confirmation mails: one allowed; a second new address is refused, and so is a request that
	// brings one (nothing stored), while a request without an address still goes through.
	b := db.subject(t, bsnB)
	if err := db.SetEmail(ctx, b, "een@example.nl"); err != nil {
		t.Fatal(err)
	}
	wantLimit(t, "a second address", db.SetEmail(ctx, b, "twee@example.nl"), portal.FilingConfirmation, now.Add(24*time.Hour))
	_, err = db.CreateRequest(ctx, b, reqNew(portal.KindInspection, "drie@example.nl"))
	wantLimit(t, "a request with a third address", err, portal.FilingConfirmation, now.Add(24*time.Hour))
	if rs, _ := db.Requests(ctx, b); len(rs) != 0 {
		t.Errorf("%d requests stored for a refused filing", len(rs))
	}
	if got := len(db.reqJobs(t, "confirm_email", "subject_id")); got != 1 {
		t.Errorf("%d confirmation jobs, want 1", got)
	}
	db.reqFile(t, b, reqNew(portal.KindInspection, ""))
}

// TestFilingLimitWindowSlides: a filing stops counting once the window has passed it.
func TestFilingLimitWindowSlides(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	day := 24 * time.Hour
	db.setLimits(t, limits(2, 2, 2))
	a := db.subject(t, bsnA)
	t1 := db.clock.Now()
	db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	db.clock.Set(t1.Add(time.Hour))
	db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	for _, at := range []time.Time{t1.Add(2 * time.Hour), t1.Add(day - time.Second)} {
		db.clock.Set(at)
		_, err := db.CreateRequest(ctx, a, reqNew(portal.KindInspection, ""))
		wantLimit(t, fmt.Sprint("at ", at), err, portal.FilingRequest, t1.Add(day))
	}
	db.clock.Set(t1.Add(day)) // the first filing leaves the window
	db.reqFile(t, a, reqNew(portal.KindInspection, ""))
	_, err := db.CreateRequest(ctx, a, reqNew(portal.KindInspection, ""))
	wantLimit(t, "the next", err, portal.FilingRequest, t1.Add(time.Hour+day))
	// Filings that no longer count are removed.
	if n := db.count(t, "filings"); n != 2 {
		t.Errorf("%d filings kept, want the 2 in the window", n)
	}
}

func TestSetFilingLimitsRefusesNothingAllowed(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	if err := db.SetFilingLimits(limits(0, 1, 1)); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("a zero limit: %v, want EINVALID", err)
	}
	if got := db.FilingLimits(); got != portal.DefaultFilingLimits() {
		t.Errorf("limits %+v after a refused change, want the defaults", got)
	}
}
