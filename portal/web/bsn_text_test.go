package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal/web"
)

// TestNoBSNInFreeText: two citizens write an explanation on one server; the one who types a BSN
// (grouped as people write it) is asked to take it out and nothing is stored; the other's phone
// number and bank account are ordinary text and are stored as typed.
func TestNoBSNInFreeText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	evA, evB := event(bsnA, time.Now().Add(-time.Hour)), event(bsnB, time.Now().Add(-time.Hour))
	e.ingest(evA, evB)
	ca, csrfA := e.citizen(bsnA)
	cb, csrfB := e.citizen(bsnB)

	for _, typed := range []string{"Mijn BSN is 999 993 653, graag aanpassen.", "bsn 9999.93.653", "999993653"} {
		status, _, body := e.post("/verzoeken", ca, "csrf", csrfA, "soort", "rectificatie", "omvang", "keuze",
			"verwerking", evA.ID, "toelichting", typed)
		if status != 422 || !strings.Contains(body, "Haal het burgerservicenummer (BSN) uit deze tekst.") {
			t.Errorf("explanation %q: %d, or the form does not say to take the BSN out", typed, status)
		}
		if strings.Contains(body, "Schrijf uw uitleg") {
			t.Errorf("explanation %q: the form names a rule that was not broken", typed)
		}
	}
	const ordinary = "Bel mij op 06 12345678. Mijn rekening NL91ABNA0417164300 staat verkeerd in zaak Z-2026-000193."
	status, loc, _ := e.post("/verzoeken", cb, "csrf", csrfB, "soort", "rectificatie", "omvang", "keuze",
		"verwerking", evB.ID, "toelichting", ordinary)
	if status != 303 || !strings.HasPrefix(loc, "/verzoeken/") {
		t.Fatalf("an ordinary explanation: %d %s", status, loc)
	}

	ctx := context.Background()
	if rs, err := e.db.Requests(ctx, mustSubject(t, e, bsnA)); err != nil || len(rs) != 0 {
		t.Errorf("refused explanations stored %d requests (%v)", len(rs), err)
	}
	rs, err := e.db.Requests(ctx, mustSubject(t, e, bsnB))
	if err != nil || len(rs) != 1 || rs[0].Description != ordinary {
		t.Fatalf("the ordinary explanation was not stored as typed: %+v %v", rs, err)
	}
}

// TestMultiLineTextIsKept: browsers send a textarea's line breaks as CR LF; an explanation of several
// lines is stored with its line breaks (LF), for the citizen and for a clerk's note alike.
func TestMultiLineTextIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ev := event(bsnA, time.Now().Add(-time.Hour))
	e.ingest(ev)
	ca, csrf := e.citizen(bsnA)
	status, loc, body := e.post("/verzoeken", ca, "csrf", csrf, "soort", "rectificatie", "omvang", "keuze",
		"verwerking", ev.ID, "verwerking", ev.ID, "toelichting", "Eerste regel.\r\nTweede regel.\r\n\r\nNa een witregel.")
	if status != 303 || !strings.HasPrefix(loc, "/verzoeken/") {
		t.Fatalf("a text of several lines: %d %s\n%s", status, loc, body)
	}
	rs, err := e.db.Requests(context.Background(), mustSubject(t, e, bsnA))
	if err != nil || len(rs) != 1 {
		t.Fatalf("stored: %v %v", rs, err)
	}
	if got, want := rs[0].Description, "Eerste regel.\nTweede regel.\n\nNa een witregel."; got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
}
