package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// A signal's hold and its text for the person through the API (issue 17): a hold within the
// deferral approval window is accepted and tells nobody yet; a longer one, or one in the past, is a
// 422 naming hold_until; summary_for_subject is stored apart from the reporter's summary.
func TestSignalHoldAndSummaryForSubject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := e.key("veilig-thuis", "signals:write")
	now := time.Now()
	body := func(mod func(map[string]any)) (string, []byte) {
		id := uuid.NewString()
		b := map[string]any{"id": id, "subject_bsn": bsnA, "received_at": now.Add(-time.Hour).UTC().Format(time.RFC3339),
			"reporter_kind": "police", "nature": map[string]any{"category": "domestic_violence", "summary": "De politie kwam bij u thuis"},
			"urgency": "crisis", "handling_team": "Veilig Thuis"}
		mod(b)
		out, _ := json.Marshal(b)
		return id, out
	}
	count := func() (n int) {
		if err := e.raw.QueryRow(context.Background(), `SELECT count(*) FROM signals`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	limit := portal.SignalPolicy{}.HoldEnd(now)
	for name, hold := range map[string]time.Time{"past": now.Add(-time.Minute), "beyond the approval window": limit.Add(time.Hour),
		"ten days": now.Add(10 * 24 * time.Hour)} {
		_, b := body(func(m map[string]any) { m["hold_until"] = hold.UTC().Format(time.RFC3339) })
		p := e.do("POST", "/signals", key, b).problem(t, 422)
		if len(p.Errors) != 1 || p.Errors[0].Field != "hold_until" {
			t.Errorf("%s: %+v", name, p.Errors)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d signals stored after refused holds", n)
	}

	hold := now.Add(2 * time.Hour).UTC().Truncate(time.Second)
	id, b := body(func(m map[string]any) {
		m["hold_until"] = hold.Format(time.RFC3339)
		m["summary_for_subject"] = "Iemand maakt zich zorgen over hoe het thuis gaat."
	})
	r := e.do("POST", "/signals", key, b)
	if r.status != 201 {
		t.Fatalf("held signal: %d %s", r.status, r.body)
	}
	var rc struct {
		Told      bool       `json:"told"`
		ToldAt    *time.Time `json:"told_at"`
		HoldUntil *time.Time `json:"hold_until"`
	}
	r.json(t, &rc)
	if rc.Told || rc.ToldAt != nil || rc.HoldUntil == nil || !rc.HoldUntil.Equal(hold) {
		t.Errorf("receipt of a held signal: %s", r.body)
	}
	var told *time.Time
	var held *time.Time
	var summary, forSubject, by string
	if err := e.raw.QueryRow(context.Background(), `SELECT told_at, hold_until, summary, subject_summary, subject_summary_by
 FROM signals WHERE id = $1`, id).Scan(&told, &held, &summary, &forSubject, &by); err != nil {
		t.Fatal(err)
	}
	if told != nil || held == nil || !held.Equal(hold) || summary != "De politie kwam bij u thuis" ||
		forSubject != "Iemand maakt zich zorgen over hoe het thuis gaat." || by != "api" {
		t.Errorf("stored: told %v, hold %v, %q, %q by %q", told, held, summary, forSubject, by)
	}
	// Sent again: the same signal, nothing changes.
	if r := e.do("POST", "/signals", key, b); r.status != 200 {
		t.Errorf("repeat: %d %s", r.status, r.body)
	}
	// Without a hold the person is told at once; a text too long is refused.
	_, b = body(func(m map[string]any) {})
	r = e.do("POST", "/signals", key, b)
	var now2 struct {
		Told      bool       `json:"told"`
		HoldUntil *time.Time `json:"hold_until"`
	}
	if r.status != 201 {
		t.Fatalf("without a hold: %d %s", r.status, r.body)
	}
	if r.json(t, &now2); !now2.Told || now2.HoldUntil != nil {
		t.Errorf("without a hold: %s", r.body)
	}
	long := make([]byte, portal.MaxSubjectSummary+1)
	for i := range long {
		long[i] = 'a'
	}
	_, b = body(func(m map[string]any) { m["summary_for_subject"] = string(long) })
	if p := e.do("POST", "/signals", key, b).problem(t, 422); len(p.Errors) != 1 || p.Errors[0].Field != "summary_for_subject" {
		t.Errorf("a text too long: %+v", p.Errors)
	}
}
