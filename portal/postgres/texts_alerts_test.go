package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

// Issue 18: English texts of consent requests and signals, access alerts for released confidential
// lines and for staff views that Inzicht records itself.

var csEnglish = portal.ConsentTexts{DataItem: "Medical information about your mobility", DataHolder: "Your GP",
	Purpose: "Deciding which transport service suits you", Necessity: "Without it we cannot judge what help you need",
	LegalGround: "Your GP has a duty of confidentiality", IfRefused: "We decide on the information we already have"}

// TestConsentEnglishTexts: a request with English texts keeps them (stored row and read back), one
// without has none; the same request again is a repeat, with other English texts a conflict; Texts
// picks the language and falls back to Dutch.
func TestConsentEnglishTexts(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	until := t0.AddDate(0, 6, 0).Format("2006-01-02")
	withEN := csNew(bsnA, until)
	en := csEnglish
	withEN.EN = &en
	dutch := csNew(bsnB, until)
	a, b := db.csCreate(t, withEN), db.csCreate(t, dutch)
	if a.EN == nil || *a.EN != csEnglish {
		t.Fatalf("stored English texts: %+v", a.EN)
	}
	if b.EN != nil {
		t.Fatalf("a request without English texts has %+v", b.EN)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM consents WHERE id = $1 AND purpose_en = $2 AND if_refused_en = $3`,
		a.ID, csEnglish.Purpose, csEnglish.IfRefused); n != 1 {
		t.Fatal("the English texts are not in the row")
	}
	if n := db.reqCount(t, `SELECT count(*) FROM consents WHERE id = $1 AND num_nulls(data_item_en, data_holder_en, purpose_en,
 necessity_en, legal_ground_en, if_refused_en) = 6`, b.ID); n != 1 {
		t.Fatal("a request without English texts has English columns")
	}
	got, err := db.CitizenConsent(ctx, db.subject(t, bsnA), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(portal.ConsentTexts{DataItem: csEnglish.DataItem, DataHolder: csEnglish.DataHolder, Purpose: csEnglish.Purpose,
		Necessity: csEnglish.Necessity, LegalGround: csEnglish.LegalGround, IfRefused: csEnglish.IfRefused,
		RequesterRole: withEN.RequestedBy.Role, Lang: "en", RoleLang: "nl"}, got.Texts("en")); d != "" {
		t.Errorf("English texts (-want +got):\n%s", d)
	}
	if tx := got.Texts("nl"); tx.Lang != "nl" || tx.Purpose != withEN.Purpose || tx.DutchOnly("nl") {
		t.Errorf("Dutch texts: %+v", tx)
	}
	other, err := db.CitizenConsent(ctx, db.subject(t, bsnB), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tx := other.Texts("en"); tx.Lang != "nl" || tx.DataItem != dutch.DataItem || !tx.DutchOnly("en") {
		t.Errorf("without English: %+v", tx)
	}
	// The same request again is a repeat; with other English texts a conflict; without them too.
	if _, created, err := db.CreateConsent(ctx, withEN, "api", 0); err != nil || created {
		t.Fatalf("repeat: created %v, %v", created, err)
	}
	changed := withEN
	en2 := csEnglish
	en2.Purpose = "Something else"
	changed.EN = &en2
	if _, _, err := db.CreateConsent(ctx, changed, "api", 0); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Fatalf("other English texts: %v", err)
	}
	changed.EN = nil
	if _, _, err := db.CreateConsent(ctx, changed, "api", 0); portal.ErrorCode(err) != portal.ECONFLICT {
		t.Fatalf("English texts left out: %v", err)
	}
}

// TestSignalEnglishTexts: a signal's English text is stored and read back; a clerk who rewrites the
// Dutch text removes the English one (never an outdated translation), and destroying the signal
// removes every English text.
func TestSignalEnglishTexts(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	now := db.clock.Now()
	ns := sgNew(bsnA, now)
	ns.SummaryForSubject = "Iemand maakt zich zorgen over hoe het thuis gaat."
	ns.EN = &portal.SignalTexts{SummaryForSubject: "Someone is worried about how things are at home.", HandlingTeam: "Social District Team North-East"}
	plain := sgNew(bsnB, now)
	plain.SummaryForSubject = "Iemand maakt zich zorgen."
	db.sgRegister(t, ns, "api", nil, nil)
	db.sgRegister(t, plain, "api", nil, nil)
	subA, subB := db.subject(t, bsnA), db.subject(t, bsnB)
	got, err := db.CitizenSignal(ctx, subA, "", ns.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := portal.SignalTexts{SummaryForSubject: ns.EN.SummaryForSubject, HandlingTeam: ns.EN.HandlingTeam, Lang: "en", TeamLang: "en"}
	if d := cmp.Diff(want, got.Texts("en")); d != "" {
		t.Errorf("English texts (-want +got):\n%s", d)
	}
	if tx := got.Texts("nl"); tx.SummaryForSubject != ns.SummaryForSubject || tx.HandlingTeam != sgTeam {
		t.Errorf("Dutch texts: %+v", tx)
	}
	other, err := db.CitizenSignal(ctx, subB, "", plain.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tx := other.Texts("en"); !tx.DutchOnly("en") || tx.SummaryForSubject != plain.SummaryForSubject || tx.TeamLang != "nl" {
		t.Errorf("without English: %+v", tx)
	}
	// The clerk rewrites the Dutch text: the English text goes, the English team name stays.
	if err := db.SetSubjectSummary(ctx, ns.ID, sgClerk, "Een buurtbewoner maakt zich zorgen."); err != nil {
		t.Fatal(err)
	}
	got, err = db.CitizenSignal(ctx, subA, "", ns.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tx := got.Texts("en"); !tx.DutchOnly("en") || tx.SummaryForSubject != "Een buurtbewoner maakt zich zorgen." || tx.HandlingTeam != ns.EN.HandlingTeam {
		t.Errorf("after the clerk's text: %+v", tx)
	}
	// Destroying removes the English texts with the Dutch ones.
	if err := db.DecideRetention(ctx, ns.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM signals WHERE id = $1 AND subject_summary_en IS NULL AND handling_team_en IS NULL`, ns.ID); n != 1 {
		t.Fatal("English texts survived the destruction")
	}
	got, err = db.CitizenSignal(ctx, subA, "", ns.ID)
	if err != nil || !got.Destroyed() || got.EN != nil || got.Texts("en").SummaryForSubject != "" {
		t.Fatalf("destroyed signal: %+v %v", got, err)
	}
}

// releaseAlerts counts a person's release alerts and their e-mail jobs.
func (d *testDB) releaseAlerts(t *testing.T, subject int64) (messages, mails int) {
	t.Helper()
	return d.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1 AND kind = 'access_alert' AND status = 'released'`, subject),
		d.reqCount(t, `SELECT count(*) FROM river_job j JOIN messages m ON m.id = (j.args->>'message_id')::bigint
WHERE j.kind = 'notify_citizen' AND m.subject_id = $1 AND m.kind = 'access_alert' AND m.status = 'released'`, subject)
}

func (d *testDB) sweepReleases(t *testing.T) int {
	t.Helper()
	res, err := d.AlertReleasedLines(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res.Alerted
}

// TestReleaseAlerts: A asks for an alert on any access (with e-mail), B for none, C for break-the-
// glass only. Confidential lines alert nobody while confidential; once released, A gets exactly one
// message per line, also when the sweep runs again or twice at once, and an e-mail unless an earlier
// alert is still unread; B nothing; C only for the emergency access. A line released before A chose
// is not news.
func TestReleaseAlerts(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	a, b, c := db.subject(t, bsnA), db.subject(t, bsnB), db.subject(t, bsnC)
	for s, addr := range map[int64]string{a: "a@example.nl", b: "b@example.nl", c: "c@example.nl"} {
		db.confirmEmail(t, s, addr)
	}
	confidential := func(e portal.Event, until time.Time) portal.Event {
		e.ConfidentialUntil, e.ConfidentialReason = &until, "lopend onderzoek"
		return e
	}
	now := db.clock.Now()
	// Released before A chose anything.
	old := confidential(event(bsnA, now.Add(-time.Hour)), now.Add(time.Hour))
	db.ingest(t, []portal.Event{old})
	db.clock.Advance(2 * time.Hour)
	now = db.clock.Now()
	choose := func(subject int64, r portal.AlertReason) {
		s := portal.DefaultNotificationSettings()
		s.Alerts[r] = true
		if err := db.SetNotificationSettings(ctx, subject, s); err != nil {
			t.Fatal(err)
		}
	}
	choose(a, portal.AlertAny)
	choose(c, portal.AlertBreakGlass)
	lineA := confidential(event(bsnA, now.Add(-time.Hour)), now.Add(24*time.Hour))
	lineB := confidential(event(bsnB, now.Add(-time.Hour)), now.Add(24*time.Hour))
	plainC := confidential(event(bsnC, now.Add(-time.Hour)), now.Add(24*time.Hour))
	glassC := confidential(breakGlass(bsnC, now.Add(-time.Hour), "Crisis"), now.Add(24*time.Hour))
	db.ingest(t, []portal.Event{lineA, lineB, plainC, glassC})
	if n := db.sweepReleases(t); n != 0 {
		t.Fatalf("still-confidential lines alerted %d times", n)
	}
	// One minute before the end: nothing yet.
	db.clock.Advance(24*time.Hour - time.Minute)
	if n := db.sweepReleases(t); n != 0 {
		t.Fatalf("lines alerted before their release: %d", n)
	}
	db.clock.Advance(2 * time.Minute)
	if n := db.sweepReleases(t); n != 2 {
		t.Fatalf("released lines alerted %d times, want 2 (A's line, C's emergency access)", n)
	}
	if m, j := db.releaseAlerts(t, a); m != 1 || j != 1 {
		t.Fatalf("A: %d messages, %d e-mail jobs; want 1 and 1", m, j)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1 AND alert_event_id = $2 AND note = 'any'`, a, lineA.ID); n != 1 {
		t.Fatal("A's message is not about A's released line")
	}
	if n := db.reqCount(t, `SELECT count(*) FROM messages WHERE alert_event_id = $1`, old.ID); n != 0 {
		t.Fatal("a line released before A chose alerted")
	}
	if m, j := db.releaseAlerts(t, b); m != 0 || j != 0 {
		t.Fatalf("B chose no alerts: %d messages, %d e-mail jobs", m, j)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1 AND kind = 'access_alert' AND alert_event_id = $2 AND note = 'break_glass'`, c, glassC.ID); n != 1 {
		t.Fatal("C's emergency access did not alert")
	}
	if m, _ := db.releaseAlerts(t, c); m != 1 {
		t.Fatalf("C has %d release alerts, want 1 (not the plain line)", m)
	}
	// Again, and later: nothing new.
	db.clock.Advance(time.Hour)
	if n := db.sweepReleases(t); n != 0 {
		t.Fatalf("a second sweep alerted %d times", n)
	}
	// Two replicas sweep at once: one message and one e-mail.
	line2 := confidential(event(bsnA, db.clock.Now().Add(-time.Minute)), db.clock.Now().Add(time.Hour))
	db.ingest(t, []portal.Event{line2})
	db.clock.Advance(2 * time.Hour)
	var wg sync.WaitGroup
	total := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := db.AlertReleasedLines(ctx)
			if err != nil {
				t.Error(err)
			}
			total[i] = res.Alerted
		}()
	}
	wg.Wait()
	if total[0]+total[1] != 1 {
		t.Fatalf("two sweeps at once wrote %v messages, want 1 in all", total)
	}
	// A has not read the first alert yet: the second gets its message but no second e-mail.
	if m, j := db.releaseAlerts(t, a); m != 2 || j != 1 {
		t.Fatalf("A after the second line: %d messages, %d e-mail jobs; want 2 and 1", m, j)
	}
	// Once A has read them, the next alert e-mails again.
	read, err := db.Messages(ctx, a, 10)
	if err != nil {
		t.Fatal(err)
	}
	var readIDs []int64
	for _, m := range read {
		readIDs = append(readIDs, m.ID)
	}
	if err := db.MarkMessagesRead(ctx, a, readIDs); err != nil {
		t.Fatal(err)
	}
	line2b := confidential(event(bsnA, db.clock.Now().Add(-time.Minute)), db.clock.Now().Add(time.Hour))
	db.ingest(t, []portal.Event{line2b})
	db.clock.Advance(2 * time.Hour)
	if n := db.sweepReleases(t); n != 1 {
		t.Fatalf("the third line alerted %d times", n)
	}
	if m, j := db.releaseAlerts(t, a); m != 3 || j != 2 {
		t.Fatalf("A after reading and a third line: %d messages, %d e-mail jobs; want 3 and 2", m, j)
	}
	// A switches alerts off: a line released afterwards does not alert.
	if err := db.SetNotificationSettings(ctx, a, portal.DefaultNotificationSettings()); err != nil {
		t.Fatal(err)
	}
	line3 := confidential(event(bsnA, db.clock.Now().Add(-time.Minute)), db.clock.Now().Add(time.Hour))
	db.ingest(t, []portal.Event{line3})
	db.clock.Advance(2 * time.Hour)
	if n := db.sweepReleases(t); n != 0 {
		t.Fatalf("alerts off, yet %d release alerts", n)
	}
	// The inbox shows the message with its line.
	ms, err := db.Messages(ctx, a, 10)
	if err != nil || len(ms) != 3 || ms[0].Status != portal.RequestStatus(portal.AlertReleased) || ms[0].EventID != line2b.ID {
		t.Fatalf("A's inbox: %+v %v", ms, err)
	}
}

// TestStaffViewAlerts: a clerk's view of a signal that Inzicht records in the person's log alerts a
// person who asked for an alert on any access, like an ingested event, exactly once; it does not
// alert a person who asked for emergency accesses only. A view of a signal the person was not told
// about yet alerts only when it becomes visible.
func TestStaffViewAlerts(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	a, b := db.subject(t, bsnA), db.subject(t, bsnB)
	db.confirmEmail(t, a, "a@example.nl")
	sa := portal.DefaultNotificationSettings()
	sa.Alerts[portal.AlertAny] = true
	if err := db.SetNotificationSettings(ctx, a, sa); err != nil {
		t.Fatal(err)
	}
	sb := portal.DefaultNotificationSettings()
	sb.Alerts[portal.AlertBreakGlass] = true
	if err := db.SetNotificationSettings(ctx, b, sb); err != nil {
		t.Fatal(err)
	}
	now := db.clock.Now()
	sigA, sigB := sgNew(bsnA, now), sgNew(bsnB, now)
	db.sgRegister(t, sigA, "api", nil, nil)
	db.sgRegister(t, sigB, "api", nil, nil)
	alerts := func(subject int64) int {
		return db.reqCount(t, `SELECT count(*) FROM messages WHERE subject_id = $1 AND kind = 'access_alert'`, subject)
	}
	if alerts(a) != 0 || alerts(b) != 0 {
		t.Fatal("registering a signal alerted")
	}
	if _, err := db.OpenSignal(ctx, sigA.ID, sgClerk, sgMunicipality); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenSignal(ctx, sigB.ID, sgClerk, sgMunicipality); err != nil {
		t.Fatal(err)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM messages m JOIN processing_events e ON e.id = m.alert_event_id
WHERE m.subject_id = $1 AND m.kind = 'access_alert' AND m.status = 'any' AND e.activity_id = $2 AND e.actor_employee_id = $3`,
		a, portal.SignalActivity, sgClerk.Sub); n != 1 {
		t.Fatalf("A: %d alerts about the clerk's view, want 1", n)
	}
	if n := db.reqCount(t, `SELECT count(*) FROM river_job j JOIN messages m ON m.id = (j.args->>'message_id')::bigint
WHERE j.kind = 'notify_citizen' AND m.subject_id = $1 AND m.kind = 'access_alert'`, a); n != 1 {
		t.Fatalf("A: %d e-mail jobs, want 1", n)
	}
	if alerts(b) != 0 {
		t.Fatal("B asked for emergency accesses only, yet a plain view alerted")
	}
	// A held signal: the clerk's view is kept from A until A is told; then it alerts, once.
	held := sgNew(bsnA, now)
	hold := now.Add(time.Hour)
	held.HoldUntil = &hold
	db.sgRegister(t, held, "api", nil, nil)
	if _, err := db.OpenSignal(ctx, held.ID, sgClerk, sgMunicipality); err != nil {
		t.Fatal(err)
	}
	if alerts(a) != 1 {
		t.Fatalf("a view of a signal A was not told about alerted: %d", alerts(a))
	}
	db.clock.Advance(time.Minute)
	if err := db.TellSignal(ctx, held.ID); err != nil {
		t.Fatal(err)
	}
	db.clock.Advance(time.Minute)
	db.sweepReleases(t)
	db.sweepReleases(t)
	if n := db.reqCount(t, `SELECT count(*) FROM messages m JOIN processing_events e ON e.id = m.alert_event_id
WHERE m.subject_id = $1 AND m.status = 'released' AND e.signal_id = $2`, a, held.ID); n != 1 {
		t.Fatalf("the view of the held signal: %d release alerts after telling, want 1", n)
	}
}
