package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// csNew is a complete consent request for bsn ending on until (yyyy-mm-dd).
func csNew(bsn, until string) portal.NewConsent {
	return portal.NewConsent{
		ID:         uuid.NewString(),
		SubjectBSN: bsn,
		CaseRef:    "WMO-2025-0042",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Team: "Wmo", Role: "Consulent",
			Employee: "J. de Vries"},
		DataItem:    "Medische informatie over uw mobiliteit",
		DataHolder:  "Uw huisarts",
		Purpose:     "Bepalen welke vervoersvoorziening bij u past",
		Necessity:   "Zonder deze informatie kunnen we niet beoordelen welke hulp nodig is",
		LegalGround: "Uw huisarts heeft een beroepsgeheim",
		IfRefused:   "We beslissen op basis van de informatie die we al hebben",
		ValidUntil:  until,
	}
}

// csCreate validates a request at the clock's time, as the API does, and stores it; it must be new.
func (d *testDB) csCreate(t *testing.T, nc portal.NewConsent) portal.Consent {
	t.Helper()
	if err := nc.Validate(d.clock.Now()); err != nil {
		t.Fatalf("Validate: %v %v", err, portal.ErrorFields(err))
	}
	c, created, err := d.CreateConsent(context.Background(), nc, "api", 0)
	if err != nil || !created {
		t.Fatalf("CreateConsent: created %v, %v", created, err)
	}
	return c
}

// csDecide records a decision that must succeed.
func (d *testDB) csDecide(t *testing.T, subject int64, id, decision string) portal.Consent {
	t.Helper()
	c, err := d.DecideConsent(context.Background(), subject, id, decision, "")
	if err != nil {
		t.Fatalf("DecideConsent(%s): %v", decision, err)
	}
	return c
}

// csMessages returns the kinds of a subject's inbox messages about consent request id, oldest first.
func (d *testDB) csMessages(t *testing.T, subject int64, id string) []string {
	t.Helper()
	ms, err := d.Messages(context.Background(), subject, 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range slices.Backward(ms) {
		if m.ConsentID == id {
			if m.RequestID != "" || m.SignalID != "" {
				t.Errorf("consent message %+v also names a request or signal", m)
			}
			out = append(out, string(m.Kind))
		}
	}
	return out
}

func (d *testDB) csGet(t *testing.T, id string) portal.Consent {
	t.Helper()
	c, err := d.ConsentByID(context.Background(), id)
	if err != nil {
		t.Fatalf("ConsentByID: %v", err)
	}
	return c
}

func csCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := portal.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want %q", what, err, got, code)
	}
}

func csAt(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if want.IsZero() {
		if got != nil {
			t.Errorf("%s = %v, want unset", what, *got)
		}
		return
	}
	if got == nil || !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestConsentsCreateStoresPendingAndTells(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	nc := csNew(bsnA, "2025-12-01")
	c := db.csCreate(t, nc)
	subA := db.subject(t, bsnA) // CreateConsent made the subject
	if c.ID != nc.ID || c.SubjectID != subA || c.Status != portal.ConsentPending || !c.CreatedAt.Equal(t0) {
		t.Errorf("stored %+v", c)
	}
	if c.RequestedBy != nc.RequestedBy || c.CaseRef != nc.CaseRef || c.DataItem != nc.DataItem ||
		c.DataHolder != nc.DataHolder || c.Purpose != nc.Purpose || c.Necessity != nc.Necessity ||
		c.LegalGround != nc.LegalGround || c.IfRefused != nc.IfRefused || c.ValidUntil != nc.ValidUntil {
		t.Errorf("content does not round-trip:\n got %+v\nwant %+v", c.NewConsent, nc)
	}
	if c.DecidedAt != nil || c.GrantedAt != nil || c.WithdrawnAt != nil || c.ExpiredAt != nil || c.Comment != "" {
		t.Errorf("a new request carries a decision: %+v", c)
	}
	if got := db.csMessages(t, subA, nc.ID); !slices.Equal(got, []string{"consent_asked"}) {
		t.Errorf("messages %v, want [consent_asked]", got)
	}
	if n := db.count(t, "messages"); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	ms, _ := db.Messages(ctx, subA, 10)
	if len(ms) != 1 || ms[0].ConsentID != nc.ID || !ms[0].CreatedAt.Equal(t0) || ms[0].ReadAt != nil {
		t.Errorf("inbox %+v", ms)
	}
	if got := db.csGet(t, nc.ID); got.Status != portal.ConsentPending || got.SubjectID != subA {
		t.Errorf("ConsentByID %+v", got)
	}
	// The citizen sees it; another does not.
	subB := db.subject(t, bsnB)
	if cs, err := db.CitizenConsents(ctx, subA); err != nil || len(cs) != 1 || cs[0].ID != nc.ID {
		t.Errorf("CitizenConsents(A) = %v, %v", cs, err)
	}
	if cs, err := db.CitizenConsents(ctx, subB); err != nil || len(cs) != 0 {
		t.Errorf("CitizenConsents(B) = %v, %v", cs, err)
	}
	if got, err := db.CitizenConsent(ctx, subA, nc.ID); err != nil || got.ID != nc.ID {
		t.Errorf("CitizenConsent(A) = %+v, %v", got, err)
	}
	_, err := db.CitizenConsent(ctx, subB, nc.ID)
	csCode(t, "another citizen's consent", err, portal.ENOTFOUND)
	_, err = db.CitizenConsent(ctx, subA, uuid.NewString())
	csCode(t, "unknown consent", err, portal.ENOTFOUND)
	_, err = db.CitizenConsent(ctx, subA, "not-a-uuid")
	csCode(t, "not an id", err, portal.ENOTFOUND)
	_, err = db.ConsentByID(ctx, uuid.NewString())
	csCode(t, "ConsentByID unknown", err, portal.ENOTFOUND)
	// No e-mail address was ever given: no e-mail job.
	var jobs int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_citizen'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 0 {
		t.Errorf("%d e-mail jobs for a citizen without an address", jobs)
	}
}

func TestConsentsCreateIdempotent(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	nc := csNew(bsnA, "2025-12-01")
	first := db.csCreate(t, nc)
	subA := first.SubjectID
	db.clock.Advance(time.Hour)

	again := nc
	again.ID = strings.ToUpper(again.ID) // normalized by Validate
	again.Purpose = "  " + again.Purpose + " "
	if err := again.Validate(db.clock.Now()); err != nil {
		t.Fatal(err)
	}
	c, created, err := db.CreateConsent(ctx, again, "api", 0)
	if err != nil || created {
		t.Fatalf("the same request again: created %v, %v", created, err)
	}
	if c.ID != nc.ID || !c.CreatedAt.Equal(t0) || c.Status != portal.ConsentPending {
		t.Errorf("the same request again returns %+v, want the stored one", c)
	}
	if got := db.csMessages(t, subA, nc.ID); len(got) != 1 {
		t.Errorf("messages after a repeat: %v, want one", got)
	}

	others := map[string]func(*portal.NewConsent){
		"purpose":     func(c *portal.NewConsent) { c.Purpose = "Een ander doel" },
		"data_holder": func(c *portal.NewConsent) { c.DataHolder = "Uw fysiotherapeut" },
		"valid_until": func(c *portal.NewConsent) { c.ValidUntil = "2025-11-30" },
		"subject":     func(c *portal.NewConsent) { c.SubjectBSN = bsnB },
		"team":        func(c *portal.NewConsent) { c.RequestedBy.Team = "Jeugd" },
	}
	for name, mod := range others {
		o := nc
		mod(&o)
		if err := o.Validate(db.clock.Now()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, created, err := db.CreateConsent(ctx, o, "api", 0)
		csCode(t, "other "+name, err, portal.ECONFLICT)
		if created {
			t.Errorf("other %s: created", name)
		}
		if fs := portal.ErrorFields(err); len(fs) != 1 || fs[0].Field != "id" {
			t.Errorf("other %s: field errors %+v, want [id]", name, fs)
		}
	}
	stored := db.csGet(t, nc.ID)
	if stored.Purpose != nc.Purpose || stored.DataHolder != nc.DataHolder || stored.ValidUntil != nc.ValidUntil ||
		stored.SubjectID != subA || stored.RequestedBy.Team != nc.RequestedBy.Team {
		t.Errorf("a conflicting request changed the stored one: %+v", stored)
	}
	if n := db.count(t, "consents"); n != 1 {
		t.Errorf("%d consents, want 1", n)
	}
	if n := db.count(t, "messages"); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}

	// Once decided, a repeat returns the current state and tells nobody.
	db.csDecide(t, subA, nc.ID, portal.ConsentGranted)
	c, created, err = db.CreateConsent(ctx, nc, "api", 0)
	if err != nil || created || c.Status != portal.ConsentGranted {
		t.Errorf("a repeat after the grant: %+v created %v, %v", c, created, err)
	}
	if n := db.count(t, "messages"); n != 2 {
		t.Errorf("%d messages, want 2 (asked, granted)", n)
	}
}

func TestConsentsCreateConcurrentRepeats(t *testing.T) {
	t.Parallel()
	// A client that retries while its first attempt still runs gets the stored request, not an error.
	db := newTestDB(t)
	ctx := context.Background()
	db.subject(t, bsnA)
	nc := csNew(bsnA, "2025-12-01")
	if err := nc.Validate(t0); err != nil {
		t.Fatal(err)
	}
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
			_, c, err := db.CreateConsent(ctx, nc, "api", 0)
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
		t.Errorf("%d concurrent creations of one consent request: %d created, errors %v", n, created, errs)
	}
	if m := db.count(t, "messages"); m != 1 {
		t.Errorf("%d messages, want 1", m)
	}
}

func TestConsentsGrantThenWithdraw(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	nc := csNew(bsnA, "2025-12-01")
	subA := db.csCreate(t, nc).SubjectID

	grantAt := t0.Add(time.Hour)
	db.clock.Set(grantAt)
	c, err := db.DecideConsent(ctx, subA, nc.ID, portal.ConsentGranted, "Alleen over mijn knie graag")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != portal.ConsentGranted || c.Comment != "Alleen over mijn knie graag" {
		t.Errorf("granted: %+v", c)
	}
	csAt(t, "decided_at", c.DecidedAt, grantAt)
	csAt(t, "granted_at", c.GrantedAt, grantAt)
	csAt(t, "withdrawn_at", c.WithdrawnAt, time.Time{})
	if got := db.csMessages(t, subA, nc.ID); !slices.Equal(got, []string{"consent_asked", "consent_granted"}) {
		t.Errorf("messages %v", got)
	}
	_, err = db.DecideConsent(ctx, subA, nc.ID, portal.ConsentGranted, "")
	csCode(t, "grant twice", err, portal.EINVALID)
	_, err = db.DecideConsent(ctx, subA, nc.ID, portal.ConsentRefused, "")
	csCode(t, "refuse a granted one", err, portal.EINVALID)

	withdrawAt := t0.Add(48 * time.Hour)
	db.clock.Set(withdrawAt)
	c = db.csDecide(t, subA, nc.ID, portal.ConsentWithdrawn)
	if c.Status != portal.ConsentWithdrawn {
		t.Errorf("withdrawn: %+v", c)
	}
	csAt(t, "withdrawn_at", c.WithdrawnAt, withdrawAt)
	csAt(t, "granted_at after withdrawal", c.GrantedAt, grantAt)
	csAt(t, "decided_at after withdrawal", c.DecidedAt, grantAt)
	if got := db.csMessages(t, subA, nc.ID); !slices.Equal(got, []string{"consent_asked", "consent_granted", "consent_withdrawn"}) {
		t.Errorf("messages %v", got)
	}
	for _, d := range []string{portal.ConsentWithdrawn, portal.ConsentGranted, portal.ConsentRefused} {
		_, err = db.DecideConsent(ctx, subA, nc.ID, d, "")
		csCode(t, "after withdrawal: "+d, err, portal.EINVALID)
	}
	if got := db.csMessages(t, subA, nc.ID); len(got) != 3 {
		t.Errorf("refused decisions added messages: %v", got)
	}
	if got := db.csGet(t, nc.ID); got.Status != portal.ConsentWithdrawn {
		t.Errorf("stored status %s", got.Status)
	}
}

func TestConsentsRefuse(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	nc := csNew(bsnA, "2025-12-01")
	subA := db.csCreate(t, nc).SubjectID
	at := t0.Add(3 * time.Hour)
	db.clock.Set(at)
	c, err := db.DecideConsent(ctx, subA, nc.ID, portal.ConsentRefused, "Liever niet")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != portal.ConsentRefused || c.Comment != "Liever niet" {
		t.Errorf("refused: %+v", c)
	}
	csAt(t, "decided_at", c.DecidedAt, at)
	csAt(t, "granted_at", c.GrantedAt, time.Time{})
	if got := db.csMessages(t, subA, nc.ID); !slices.Equal(got, []string{"consent_asked", "consent_refused"}) {
		t.Errorf("messages %v", got)
	}
	for _, d := range []string{portal.ConsentGranted, portal.ConsentWithdrawn, portal.ConsentRefused} {
		_, err := db.DecideConsent(ctx, subA, nc.ID, d, "")
		csCode(t, "refused, then "+d, err, portal.EINVALID)
	}
	if got := db.csGet(t, nc.ID); got.Status != portal.ConsentRefused || got.GrantedAt != nil {
		t.Errorf("a refused request changed: %+v", got)
	}
	if got := db.csMessages(t, subA, nc.ID); len(got) != 2 {
		t.Errorf("refused decisions added messages: %v", got)
	}
}

func TestConsentsDecideRefusals(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	nc := csNew(bsnA, "2025-12-01")
	subA := db.csCreate(t, nc).SubjectID
	subB := db.subject(t, bsnB)
	cases := []struct {
		name     string
		subject  int64
		id       string
		decision string
		comment  string
		code     string
	}{
		{"withdraw a pending request", subA, nc.ID, portal.ConsentWithdrawn, "", portal.EINVALID},
		{"another citizen grants", subB, nc.ID, portal.ConsentGranted, "", portal.ENOTFOUND},
		{"another citizen refuses", subB, nc.ID, portal.ConsentRefused, "", portal.ENOTFOUND},
		{"unknown id", subA, uuid.NewString(), portal.ConsentGranted, "", portal.ENOTFOUND},
		{"not an id", subA, "TOESTEMMING-1", portal.ConsentGranted, "", portal.ENOTFOUND},
		{"decision pending", subA, nc.ID, portal.ConsentPending, "", portal.EINVALID},
		{"decision expired", subA, nc.ID, portal.ConsentExpired, "", portal.EINVALID},
		{"unknown decision", subA, nc.ID, "maybe", "", portal.EINVALID},
		{"comment too long", subA, nc.ID, portal.ConsentGranted, strings.Repeat("x", portal.MaxNoteLength+1), portal.EINVALID},
		{"comment with a control character", subA, nc.ID, portal.ConsentGranted, "ja\x00", portal.EINVALID},
	}
	for _, tc := range cases {
		_, err := db.DecideConsent(ctx, tc.subject, tc.id, tc.decision, tc.comment)
		csCode(t, tc.name, err, tc.code)
	}
	if got := db.csGet(t, nc.ID); got.Status != portal.ConsentPending || got.DecidedAt != nil {
		t.Errorf("refused decisions changed the request: %+v", got)
	}
	if n := db.count(t, "messages"); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	// The owner still can.
	db.csDecide(t, subA, nc.ID, portal.ConsentGranted)
}

func TestConsentsDecideAfterTheEndDate(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	x, y, z := csNew(bsnA, "2025-06-10"), csNew(bsnA, "2025-06-10"), csNew(bsnA, "2025-06-10")
	subA := db.csCreate(t, x).SubjectID
	db.csCreate(t, y)
	db.csCreate(t, z)
	// The last second of 10 June in Amsterdam: still open.
	db.clock.Set(time.Date(2025, 6, 10, 21, 59, 59, 0, time.UTC))
	db.csDecide(t, subA, x.ID, portal.ConsentGranted)
	// Midnight: the request has expired, even before any sweep.
	db.clock.Set(time.Date(2025, 6, 10, 22, 0, 0, 0, time.UTC))
	_, err := db.DecideConsent(ctx, subA, y.ID, portal.ConsentGranted, "")
	csCode(t, "grant an expired request", err, portal.EINVALID)
	_, err = db.DecideConsent(ctx, subA, z.ID, portal.ConsentRefused, "")
	csCode(t, "refuse an expired request", err, portal.EINVALID)
	for _, id := range []string{y.ID, z.ID} {
		if got := db.csGet(t, id); got.Status != portal.ConsentPending || got.DecidedAt != nil {
			t.Errorf("an expired request was decided: %+v", got)
		}
		if got := db.csMessages(t, subA, id); len(got) != 1 {
			t.Errorf("messages %v, want only the question", got)
		}
	}
}

func TestConsentsSweep(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	pending, granted, refused, withdrawn := csNew(bsnA, "2025-06-10"), csNew(bsnA, "2025-06-10"),
		csNew(bsnA, "2025-06-10"), csNew(bsnA, "2025-06-10")
	later := csNew(bsnA, "2025-06-11")
	otherPerson := csNew(bsnB, "2025-06-10")
	subA := db.csCreate(t, pending).SubjectID
	for _, nc := range []portal.NewConsent{granted, refused, withdrawn, later, otherPerson} {
		db.csCreate(t, nc)
	}
	subB := db.subject(t, bsnB)
	db.clock.Advance(time.Hour)
	db.csDecide(t, subA, granted.ID, portal.ConsentGranted)
	db.csDecide(t, subA, refused.ID, portal.ConsentRefused)
	db.csDecide(t, subA, withdrawn.ID, portal.ConsentGranted)
	db.csDecide(t, subA, withdrawn.ID, portal.ConsentWithdrawn)
	db.csDecide(t, subB, otherPerson.ID, portal.ConsentGranted)

	// The last second of the end date: nothing to do.
	db.clock.Set(time.Date(2025, 6, 10, 21, 59, 59, 0, time.UTC))
	if n, err := db.SweepConsents(ctx); err != nil || n != 0 {
		t.Fatalf("sweep on the last day: %d, %v", n, err)
	}
	sweptAt := time.Date(2025, 6, 10, 22, 0, 1, 0, time.UTC) // 11 June, just after midnight in Amsterdam
	db.clock.Set(sweptAt)
	if n, err := db.SweepConsents(ctx); err != nil || n != 3 {
		t.Fatalf("sweep: %d, %v; want 3 (pending, granted, the other person's)", n, err)
	}
	want := map[string]string{pending.ID: portal.ConsentExpired, granted.ID: portal.ConsentExpired,
		otherPerson.ID: portal.ConsentExpired, refused.ID: portal.ConsentRefused,
		withdrawn.ID: portal.ConsentWithdrawn, later.ID: portal.ConsentPending}
	for id, status := range want {
		c := db.csGet(t, id)
		if c.Status != status {
			t.Errorf("%s: status %s, want %s", id, c.Status, status)
		}
		if status == portal.ConsentExpired {
			csAt(t, "expired_at", c.ExpiredAt, sweptAt)
		} else {
			csAt(t, "expired_at of a "+status+" request", c.ExpiredAt, time.Time{})
		}
	}
	if c := db.csGet(t, granted.ID); c.GrantedAt == nil {
		t.Error("expiry lost the grant time")
	}
	for _, id := range []string{pending.ID, granted.ID} {
		if got := db.csMessages(t, subA, id); len(got) == 0 || got[len(got)-1] != "consent_expired" {
			t.Errorf("%s: messages %v, want a last consent_expired", id, got)
		}
	}
	if got := db.csMessages(t, subB, otherPerson.ID); !slices.Equal(got, []string{"consent_asked", "consent_granted", "consent_expired"}) {
		t.Errorf("the other person's messages %v", got)
	}
	for _, id := range []string{refused.ID, withdrawn.ID, later.ID} {
		if got := db.csMessages(t, subA, id); slices.Contains(got, "consent_expired") {
			t.Errorf("%s: told of expiry: %v", id, got)
		}
	}
	msgs := db.count(t, "messages")

	// Once only.
	db.clock.Advance(time.Minute)
	if n, err := db.SweepConsents(ctx); err != nil || n != 0 {
		t.Errorf("second sweep: %d, %v", n, err)
	}
	if n := db.count(t, "messages"); n != msgs {
		t.Errorf("second sweep added %d messages", n-msgs)
	}
	// An expired request can no longer be decided.
	_, err := db.DecideConsent(ctx, subA, pending.ID, portal.ConsentGranted, "")
	csCode(t, "grant after expiry", err, portal.EINVALID)
	_, err = db.DecideConsent(ctx, subA, granted.ID, portal.ConsentWithdrawn, "")
	csCode(t, "withdraw after expiry", err, portal.EINVALID)

	// A day later the next one goes.
	db.clock.Set(time.Date(2025, 6, 11, 22, 0, 0, 0, time.UTC))
	if n, err := db.SweepConsents(ctx); err != nil || n != 1 {
		t.Errorf("sweep a day later: %d, %v; want 1", n, err)
	}
	if c := db.csGet(t, later.ID); c.Status != portal.ConsentExpired {
		t.Errorf("later: %s", c.Status)
	}
}

func TestConsentsCitizenListOpenFirst(t *testing.T) {
	t.Parallel()
	// Open requests (pending, end date not passed, at the storage's clock) first, then the newest.
	db := newTestDB(t)
	ctx := context.Background()
	w := csNew(bsnA, "2025-06-02") // pending, but past its end date when listed
	subA := db.csCreate(t, w).SubjectID
	db.clock.Set(t0.Add(time.Hour))
	x := csNew(bsnA, "2025-07-01")
	db.csCreate(t, x)
	db.clock.Set(t0.Add(2 * time.Hour))
	y := csNew(bsnA, "2025-07-01")
	db.csCreate(t, y)
	db.clock.Set(t0.Add(3 * time.Hour))
	z := csNew(bsnA, "2025-07-01")
	db.csCreate(t, z)
	db.clock.Set(t0.Add(4 * time.Hour))
	db.csDecide(t, subA, y.ID, portal.ConsentGranted)

	db.clock.Set(time.Date(2025, 6, 5, 12, 0, 0, 0, time.UTC))
	cs, err := db.CitizenConsents(ctx, subA)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.ID)
	}
	want := []string{z.ID, x.ID, y.ID, w.ID}
	if !slices.Equal(got, want) {
		name := map[string]string{w.ID: "w (pending, past end)", x.ID: "x (pending)", y.ID: "y (granted)", z.ID: "z (pending)"}
		var g, wn []string
		for _, id := range got {
			g = append(g, name[id])
		}
		for _, id := range want {
			wn = append(wn, name[id])
		}
		t.Errorf("order %v, want %v", g, wn)
	}
}

func TestConsentsEmailWhenAnAddressIsKnown(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	subA := db.subject(t, bsnA)
	db.confirmEmail(t, subA, "burger@example.org")
	if _, err := db.CreateRequest(ctx, subA, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true},
		Description: "Graag wil ik weten wat u van mij weet.", Email: "burger@example.org"}); err != nil {
		t.Fatal(err)
	}
	var before int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_citizen'`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	nc := csNew(bsnA, "2025-12-01")
	db.csCreate(t, nc)
	db.csDecide(t, subA, nc.ID, portal.ConsentGranted)
	rows, err := db.raw.Query(ctx, `SELECT m.kind FROM river_job j JOIN messages m ON m.id = (j.args->>'message_id')::bigint
WHERE j.kind = 'notify_citizen' AND m.consent_id = $1 ORDER BY j.id`, nc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	rows.Close()
	if !slices.Equal(kinds, []string{"consent_asked", "consent_granted"}) {
		t.Errorf("e-mail jobs for messages %v, want [consent_asked consent_granted]", kinds)
	}
}

// csCite is an event for bsn at at citing consent ref.
func csCite(bsn string, at time.Time, ref string) portal.Event {
	return event(bsn, at, func(e *portal.Event) { e.AccessBasis, e.ConsentRef = portal.BasisConsent, ref })
}

func csCovered(b *bool) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprint(*b)
}

// csLogged returns a subject's stored events by id.
func (d *testDB) csLogged(t *testing.T, subject int64) map[string]portal.LoggedEvent {
	t.Helper()
	evs, more, err := d.Events(context.Background(), subject, portal.EventFilter{Limit: 1000})
	if err != nil || more {
		t.Fatalf("Events: more %v, %v", more, err)
	}
	out := map[string]portal.LoggedEvent{}
	for _, e := range evs {
		out[e.ID] = e
	}
	return out
}

func TestConsentsIngestCoverage(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	g := csNew(bsnA, "2025-06-30")     // granted, later withdrawn
	k := csNew(bsnA, "2025-06-10")     // granted, runs out
	p := csNew(bsnA, "2025-06-30")     // never decided
	r := csNew(bsnA, "2025-06-30")     // refused
	other := csNew(bsnB, "2025-06-30") // bsnB's, granted
	subA := db.csCreate(t, g).SubjectID
	for _, nc := range []portal.NewConsent{k, p, r, other} {
		db.csCreate(t, nc)
	}
	subB := db.subject(t, bsnB)
	grantAt := t0.Add(time.Hour)
	db.clock.Set(grantAt)
	db.csDecide(t, subA, g.ID, portal.ConsentGranted)
	db.csDecide(t, subA, k.ID, portal.ConsentGranted)
	db.csDecide(t, subA, r.ID, portal.ConsentRefused)
	db.csDecide(t, subB, other.ID, portal.ConsentGranted)
	withdrawAt := t0.Add(5 * 24 * time.Hour)
	db.clock.Set(withdrawAt)
	db.csDecide(t, subA, g.ID, portal.ConsentWithdrawn)

	db.clock.Set(time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC))
	tr, fa := "true", "false"
	between := t0.Add(2 * time.Hour)
	cases := []struct {
		name string
		ev   portal.Event
		want string
	}{
		{"granted, before withdrawal", csCite(bsnA, between, g.ID), tr},
		{"at the grant", csCite(bsnA, grantAt, g.ID), tr},
		{"just before withdrawal", csCite(bsnA, withdrawAt.Add(-time.Second), g.ID), tr},
		{"before the grant", csCite(bsnA, t0.Add(30*time.Minute), g.ID), fa},
		{"at the withdrawal", csCite(bsnA, withdrawAt, g.ID), fa},
		{"after the withdrawal", csCite(bsnA, withdrawAt.Add(time.Hour), g.ID), fa},
		{"last second of the end date", csCite(bsnA, time.Date(2025, 6, 10, 21, 59, 59, 0, time.UTC), k.ID), tr},
		{"after the end date (Amsterdam midnight)", csCite(bsnA, time.Date(2025, 6, 10, 22, 0, 0, 0, time.UTC), k.ID), fa},
		{"long after the end date", csCite(bsnA, time.Date(2025, 6, 20, 9, 0, 0, 0, time.UTC), k.ID), fa},
		{"another person's consent", csCite(bsnA, between, other.ID), fa},
		{"my consent cited for another person", csCite(bsnB, between, g.ID), fa},
		{"the other person's own consent", csCite(bsnB, between, other.ID), tr},
		{"never decided", csCite(bsnA, between, p.ID), fa},
		{"refused", csCite(bsnA, between, r.ID), fa},
		{"unknown UUID", csCite(bsnA, between, uuid.NewString()), fa},
		{"not a UUID", csCite(bsnA, between, "TOESTEMMING-2025-1"), fa},
		{"almost a UUID", csCite(bsnA, between, g.ID[:35]+"x"), fa},
		{"upper-case id", csCite(bsnA, between, strings.ToUpper(g.ID)), tr},
		{"id without dashes", csCite(bsnA, between, strings.ReplaceAll(g.ID, "-", "")), tr},
		{"assigned", event(bsnA, between), "nil"},
		{"assigned, citing a consent anyway", event(bsnA, between, func(e *portal.Event) { e.ConsentRef = g.ID }), "nil"},
		{"team", event(bsnA, between, func(e *portal.Event) { e.AccessBasis = portal.BasisTeam }), "nil"},
		{"function", event(bsnA, between, func(e *portal.Event) { e.AccessBasis = portal.BasisFunction }), "nil"},
		{"break glass", event(bsnA, between, func(e *portal.Event) {
			e.AccessBasis, e.BreakGlassReason = portal.BasisBreakGlass, "Spoed"
		}), "nil"},
		{"against will", event(bsnA, between, func(e *portal.Event) {
			e.AccessBasis = portal.BasisAgainstWill
			e.AgainstWill = &portal.AgainstWill{DecisionRef: "B-1", Reason: "Gevaar", ApprovedBy: "Teamleider"}
		}), "nil"},
	}
	var evs []portal.Event
	for _, c := range cases {
		evs = append(evs, c.ev)
	}
	if res := db.ingest(t, evs); res.Accepted != len(evs) || res.Duplicates != 0 {
		t.Fatalf("ingest: %+v, want all %d accepted: uncovered events are stored too", res, len(evs))
	}
	if n := db.count(t, "processing_events"); n != len(evs) {
		t.Fatalf("%d events stored, want %d", n, len(evs))
	}
	logged := map[int64]map[string]portal.LoggedEvent{subA: db.csLogged(t, subA), subB: db.csLogged(t, subB)}
	for _, c := range cases {
		sub := subA
		if c.ev.SubjectBSN == bsnB {
			sub = subB
		}
		got, ok := logged[sub][c.ev.ID]
		if !ok {
			t.Errorf("%s: event not stored", c.name)
			continue
		}
		if s := csCovered(got.ConsentCovered); s != c.want {
			t.Errorf("%s: consent covered = %s, want %s", c.name, s, c.want)
		}
		if got.ConsentRef != c.ev.ConsentRef {
			t.Errorf("%s: consent_ref %q, want %q", c.name, got.ConsentRef, c.ev.ConsentRef)
		}
	}
	// The mark is fixed at ingest: a repeat does not re-evaluate it, nor does a later sweep.
	if res := db.ingest(t, evs[:1]); res.Duplicates != 1 {
		t.Errorf("repeat: %+v", res)
	}
	if _, err := db.SweepConsents(ctx); err != nil {
		t.Fatal(err)
	}
	if e, err := db.Event(ctx, subA, evs[0].ID); err != nil || csCovered(e.ConsentCovered) != tr {
		t.Errorf("after a repeat and a sweep: %s, %v", csCovered(e.ConsentCovered), err)
	}
}

func TestConsentsIngestOtherUUIDSpellingsAreNotLost(t *testing.T) {
	t.Parallel()
	// Spellings of a UUID that the uuid package accepts must not break the batch: the event is stored
	// (and, since it names the granted consent, covered).
	db := newTestDB(t)
	ctx := context.Background()
	g := csNew(bsnA, "2025-06-30")
	subA := db.csCreate(t, g).SubjectID
	db.clock.Set(t0.Add(time.Hour))
	db.csDecide(t, subA, g.ID, portal.ConsentGranted)
	db.clock.Set(t0.Add(24 * time.Hour))
	for _, ref := range []string{"{" + g.ID + "}", "urn:uuid:" + g.ID} {
		ev := csCite(bsnA, t0.Add(2*time.Hour), ref)
		evs := []portal.Event{ev}
		if err := portal.ValidateBatch(evs, db.clock.Now(), func(string) bool { return true }); err != nil {
			t.Fatalf("ValidateBatch(%q): %v", ref, err)
		}
		if _, err := db.Ingest(ctx, 0, evs); err != nil {
			t.Errorf("consent_ref %q: the batch is refused: %v", ref, err)
			continue
		}
		e, err := db.Event(ctx, subA, ev.ID)
		if err != nil {
			t.Errorf("consent_ref %q: event lost: %v", ref, err)
			continue
		}
		if csCovered(e.ConsentCovered) != "true" {
			t.Errorf("consent_ref %q: covered = %s, want true", ref, csCovered(e.ConsentCovered))
		}
	}
}
