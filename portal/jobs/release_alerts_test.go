package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/internal/mailtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/jobs"
)

// TestReleaseAlertThroughTheSweep: a citizen who asked for an alert on any access gets one message
// and one e-mail when a confidential line about them becomes visible, raised by the periodic sweep;
// the sweep running many times and a new process afterwards add nothing. The e-mail says only that
// there is a new message. Another person with the same kind of line but no alert choice gets nothing.
func TestReleaseAlertThroughTheSweep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.db.PutActivity(ctx, portal.Activity{ID: "wmo-onderzoek", Name: portal.Text{NL: "Wmo-onderzoek", EN: "Wmo assessment"},
		Purpose: portal.Text{NL: "Hulp", EN: "Support"}, LegalBasis: portal.Text{NL: "Wmo 2015", EN: "Wmo 2015"},
		DataCategories: []string{"care_needs"}, Retention: "P5Y", Controller: municipality}); err != nil {
		t.Fatal(err)
	}
	e.confirm(t, citizenEmail)
	s := portal.DefaultNotificationSettings()
	s.Alerts[portal.AlertAny] = true
	if err := e.db.SetNotificationSettings(ctx, e.subject, s); err != nil {
		t.Fatal(err)
	}
	const other = "999990019" // no alert choice
	otherID, err := e.db.EnsureSubject(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(2 * time.Second)
	line := func(bsn string) portal.Event {
		return portal.Event{ID: uuid.NewString(), OccurredAt: time.Now().Add(-time.Minute), SubjectBSN: bsn, Activity: "wmo-onderzoek",
			Action: "view", DataCategories: []string{"care_needs"}, Level: "what", AccessBasis: portal.BasisAssigned,
			Actor:             portal.Actor{Organization: "Zorgaanbieder Elders", Role: "Fraudeonderzoeker", EmployeeName: "Olga Onderzoek"},
			ConfidentialUntil: &until, ConfidentialReason: "lopend fraudeonderzoek"}
	}
	mine, theirs := line(bsn), line(other)
	if _, err := e.db.Ingest(ctx, 0, []portal.Event{mine, theirs}); err != nil {
		t.Fatal(err)
	}
	messages := func(subject int64) int {
		var n int
		if err := e.raw.QueryRow(ctx, `SELECT count(*) FROM messages WHERE subject_id = $1 AND kind = 'access_alert'`, subject).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	sweeps := func() int {
		var n int
		if err := e.raw.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'`, portal.SweepJob{}.Kind()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	srv := mailtest.Start(t)
	a := e.start(t, jobs.Config{Mailer: sender(t, srv), SweepEvery: 300 * time.Millisecond})
	msgs := srv.WaitFor(t, 1, wait)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != citizenEmail {
		t.Errorf("sent to %v", m.To)
	}
	if !strings.Contains(m.Body, "Er is een nieuw bericht voor u") || !strings.Contains(m.Body, baseURL+"/berichten") {
		t.Errorf("not the plain new-message e-mail:\n%s", m.Body)
	}
	for _, not := range []string{bsn, "Zorgaanbieder", "Fraudeonderzoek", "fraudeonderzoek", "Olga", mine.ID} {
		if strings.Contains(subject(m)+m.Body, not) || strings.Contains(string(m.Data), not) {
			t.Errorf("the e-mail holds %q", not)
		}
	}
	if n := messages(e.subject); n != 1 {
		t.Fatalf("%d alert messages, want 1", n)
	}
	// More sweeps of this process, then a new process: nothing new.
	before := sweeps()
	eventually(t, "two more sweeps", func() (bool, string) { return sweeps() >= before+2, fmt.Sprint(sweeps(), " sweeps") })
	stopRunner(t, a)
	before = sweeps()
	e.start(t, jobs.Config{Mailer: sender(t, srv), SweepEvery: 300 * time.Millisecond})
	eventually(t, "sweeps of the new process", func() (bool, string) { return sweeps() >= before+2, fmt.Sprint(sweeps(), " sweeps") })
	stillExactly(t, srv, 1)
	if n := messages(e.subject); n != 1 {
		t.Fatalf("after more sweeps and a restart: %d alert messages, want 1", n)
	}
	if n := messages(otherID); n != 0 {
		t.Fatalf("a person without an alert choice got %d alerts", n)
	}
	var status, note string
	if err := e.raw.QueryRow(ctx, `SELECT status, note FROM messages WHERE subject_id = $1 AND alert_event_id = $2`, e.subject, mine.ID).Scan(&status, &note); err != nil ||
		status != string(portal.AlertReleased) || note != string(portal.AlertAny) {
		t.Errorf("message status %q note %q, %v", status, note, err)
	}
}
