package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// TestAccessAlerts: two persons choose differently (A: alerts on break-the-glass with e-mail, B: none)
// and C asks for new organisations only, without e-mail. One batch with an emergency access to each:
// A gets exactly one message and one e-mail job, B nothing, C one message for the new organisation
// and no e-mail; a batch sent again adds nothing; a still-confidential event alerts nobody.
func TestAccessAlerts(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	now := db.clock.Now()
	a, b, c := db.subject(t, bsnA), db.subject(t, bsnB), db.subject(t, bsnC)
	db.confirmEmail(t, a, "a@example.nl")
	db.confirmEmail(t, b, "b@example.nl")
	db.confirmEmail(t, c, "c@example.nl")
	// C's data were processed by the municipality before; nobody chose anything yet: no alert.
	db.ingest(t, []portal.Event{event(bsnC, now.Add(-48*time.Hour))})
	sa := portal.DefaultNotificationSettings()
	sa.Alerts[portal.AlertBreakGlass] = true
	if err := db.SetNotificationSettings(ctx, a, sa); err != nil {
		t.Fatal(err)
	}
	sc := portal.DefaultNotificationSettings()
	sc.Alerts[portal.AlertNewOrg], sc.AlertEmail = true, false
	if err := db.SetNotificationSettings(ctx, c, sc); err != nil {
		t.Fatal(err)
	}
	if got, err := db.NotificationSettings(ctx, b); err != nil || !got.EmailRequests || got.AnyAlert() {
		t.Fatalf("B's defaults: %+v %v", got, err)
	}
	if got, err := db.NotificationSettings(ctx, a); err != nil || !got.Alerts[portal.AlertBreakGlass] || got.Alerts[portal.AlertAny] {
		t.Fatalf("A's stored settings: %+v %v", got, err)
	}
	alerts := func(subject int64) int {
		return db.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1 AND kind = 'access_alert'`, subject)
	}
	mailJobs := func(subject int64) int {
		return db.reqCount(t, `SELECT count(*) FROM river_job j JOIN messages m ON m.id = (j.args->>'message_id')::bigint
WHERE j.kind = 'notify_citizen' AND m.subject_id = $1 AND m.kind = 'access_alert'`, subject)
	}
	glassA := breakGlass(bsnA, now.Add(-time.Hour), "Crisis")
	glassB := breakGlass(bsnB, now.Add(-time.Hour), "Crisis")
	plainA := event(bsnA, now.Add(-time.Hour))
	foreignC := event(bsnC, now.Add(-time.Hour), func(e *portal.Event) { e.Actor.Organization = "Zorgaanbieder Elders" })
	foreignC2 := event(bsnC, now.Add(-50*time.Minute), func(e *portal.Event) { e.Actor.Organization = "Zorgaanbieder Elders" })
	ownC := event(bsnC, now.Add(-time.Hour)) // the municipality processed C's data before: not new
	batch := []portal.Event{glassA, glassB, plainA, foreignC, foreignC2, ownC}
	db.ingest(t, batch)
	if n, j := alerts(a), mailJobs(a); n != 1 || j != 1 {
		t.Fatalf("A: %d messages, %d e-mail jobs; want 1 and 1", n, j)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1 AND alert_event_id = $2 AND status = 'break_glass'`, a, glassA.ID); n != 1 {
		t.Fatalf("A's message is not about the emergency access: %d", n)
	}
	if n, j := alerts(b), mailJobs(b); n != 0 || j != 0 {
		t.Fatalf("B chose no alerts but got %d messages, %d e-mail jobs", n, j)
	}
	if n, j := alerts(c), mailJobs(c); n != 1 || j != 0 {
		t.Fatalf("C: %d messages, %d e-mail jobs; want 1 (one new organisation) and 0", n, j)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1 AND alert_event_id = $2 AND status = 'new_org'`, c, foreignC.ID); n != 1 {
		t.Fatalf("C's message is not about the first event of the new organisation")
	}
	db.ingest(t, batch) // the client's retry
	if alerts(a) != 1 || mailJobs(a) != 1 || alerts(b) != 0 || alerts(c) != 1 {
		t.Fatalf("a batch sent again alerted again: A %d/%d, B %d, C %d", alerts(a), mailJobs(a), alerts(b), alerts(c))
	}
	// The organisation is known now: another event of it is not new.
	db.ingest(t, []portal.Event{event(bsnC, now.Add(-10*time.Minute), func(e *portal.Event) { e.Actor.Organization = "Zorgaanbieder Elders" })})
	if alerts(c) != 1 {
		t.Fatalf("a known organisation alerted again: %d", alerts(c))
	}
	// A confidential emergency access alerts nobody while it is confidential.
	until := now.Add(30 * 24 * time.Hour)
	secret := breakGlass(bsnA, now.Add(-time.Minute), "Fraudeonderzoek")
	secret.ConfidentialUntil, secret.ConfidentialReason = &until, "lopend onderzoek"
	db.ingest(t, []portal.Event{secret})
	if alerts(a) != 1 || mailJobs(a) != 1 {
		t.Fatalf("a confidential access alerted: %d messages, %d jobs", alerts(a), mailJobs(a))
	}
	// A switched everything off: no alert, and the inbox shows the one message with its event.
	if err := db.SetNotificationSettings(ctx, a, portal.DefaultNotificationSettings()); err != nil {
		t.Fatal(err)
	}
	db.ingest(t, []portal.Event{breakGlass(bsnA, now.Add(-time.Minute), "Weer")})
	if alerts(a) != 1 {
		t.Fatalf("alerts off, yet %d messages", alerts(a))
	}
	ms, err := db.Messages(ctx, a, 10)
	if err != nil || len(ms) != 1 || ms[0].Kind != portal.MessageAccessAlert || ms[0].EventID != glassA.ID ||
		ms[0].Status != portal.RequestStatus(portal.AlertBreakGlass) {
		t.Fatalf("A's inbox: %+v %v", ms, err)
	}
}

// TestEmailChoices: a person who switched off e-mails about consent gets the inbox message but no
// e-mail; another with the defaults gets both. Deleting the address stops every e-mail.
func TestEmailChoices(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	db.confirmEmail(t, a, "a@example.nl")
	db.confirmEmail(t, b, "b@example.nl")
	s := portal.DefaultNotificationSettings()
	s.EmailConsent = false
	if err := db.SetNotificationSettings(ctx, a, s); err != nil {
		t.Fatal(err)
	}
	if err := db.SetNotificationSettings(ctx, a, s); err != nil { // a double submit
		t.Fatal(err)
	}
	for _, bsn := range []string{bsnA, bsnB} {
		db.csCreate(t, csNew(bsn, "2025-12-31"))
	}
	jobs := func(subject int64) int {
		return db.reqCount(t, `SELECT count(*) FROM river_job j JOIN messages m ON m.id = (j.args->>'message_id')::bigint
WHERE j.kind = 'notify_citizen' AND m.subject_id = $1`, subject)
	}
	msgs := func(subject int64) int {
		return db.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1`, subject)
	}
	if msgs(a) != 1 || jobs(a) != 0 {
		t.Fatalf("A (no consent e-mail): %d messages, %d jobs", msgs(a), jobs(a))
	}
	if msgs(b) != 1 || jobs(b) != 1 {
		t.Fatalf("B (defaults): %d messages, %d jobs", msgs(b), jobs(b))
	}
	if err := db.DeleteEmail(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteEmail(ctx, b); err != nil { // deleting twice
		t.Fatal(err)
	}
	var id int64
	if err := db.raw.QueryRow(ctx, `SELECT id FROM messages WHERE subject_id = $1`, b).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Notification(ctx, id); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatalf("after deleting the address the queued e-mail still finds one: %v", err)
	}
}

// TestRequestEmailChoiceShown: a request says it is mailed about only while the person has a
// confirmed address and did not switch off e-mails about requests.
func TestRequestEmailChoiceShown(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	a := db.subject(t, bsnA)
	db.confirmEmail(t, a, "a@example.nl")
	r, err := db.CreateRequest(ctx, a, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}})
	if err != nil || !r.HasEmail {
		t.Fatalf("with the defaults: HasEmail %v, %v", r.HasEmail, err)
	}
	s := portal.DefaultNotificationSettings()
	s.EmailRequests = false
	if err := db.SetNotificationSettings(ctx, a, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.RequestByID(ctx, r.ID)
	if err != nil || got.HasEmail {
		t.Fatalf("after switching request e-mails off: HasEmail %v, %v", got.HasEmail, err)
	}
}
