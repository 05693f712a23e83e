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

// TestBreakGlassAlertMailed: an emergency access by the municipality's staff reaches the team leads'
// mailbox once, with the time in Amsterdam and nothing about the person, the employee or the reason;
// another organisation's access stored in the same batch is not mailed.
func TestBreakGlassAlertMailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.db.PutActivity(ctx, portal.Activity{ID: "wmo-onderzoek", Name: portal.Text{NL: "Wmo-onderzoek", EN: "Wmo assessment"},
		Purpose: portal.Text{NL: "Hulp", EN: "Support"}, LegalBasis: portal.Text{NL: "Wmo 2015", EN: "Wmo 2015"},
		DataCategories: []string{"care_needs"}, Retention: "P5Y", Controller: municipality}); err != nil {
		t.Fatal(err)
	}
	const leads = "teamleiders@gemeente.example"
	srv := mailtest.Start(t)
	e.start(t, jobs.Config{Mailer: sender(t, srv), TeamLeadEmail: leads})
	// 23:30 UTC on 31 January is 00:30 on 1 February in Amsterdam.
	at := time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC)
	glass := func(org string) portal.Event {
		return portal.Event{ID: uuid.NewString(), OccurredAt: at, SubjectBSN: bsn, Activity: "wmo-onderzoek", Action: "view",
			DataCategories: []string{"care_needs"}, Level: "what", AccessBasis: portal.BasisBreakGlass,
			BreakGlassReason: "Crisis bij Jansen thuis", Actor: portal.Actor{Organization: org, Role: "Consulent",
				EmployeeID: "mw-7", EmployeeName: "Nora Nood"}}
	}
	batch := []portal.Event{glass(municipality), glass("Zorgaanbieder Elders")}
	if _, err := e.db.Ingest(ctx, 0, batch); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(t, 1, wait)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != leads {
		t.Errorf("sent to %v, want %s", m.To, leads)
	}
	text := subject(m) + "\n" + m.Body
	if !strings.Contains(text, "01-02-2026 00:30") || !strings.Contains(m.Body, baseURL+"/medewerker") {
		t.Errorf("the alert lacks the Amsterdam time or the link:\n%s", text)
	}
	for _, not := range []string{bsn, "Crisis", "Jansen", "Nora Nood", "mw-7"} {
		if strings.Contains(text, not) || strings.Contains(string(m.Data), not) {
			t.Errorf("the alert holds %q", not)
		}
	}
	eventually(t, "both alert jobs to complete", func() (bool, string) {
		var n int
		if err := e.raw.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'`,
			portal.BreakGlassAlertJob{}.Kind()).Scan(&n); err != nil {
			return false, err.Error()
		}
		return n == 2, fmt.Sprintf("%d completed", n)
	})
	if _, err := e.db.Ingest(ctx, 0, batch); err != nil { // the client's retry
		t.Fatal(err)
	}
	stillExactly(t, srv, 1)
}
