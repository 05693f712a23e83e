package web_test

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// confirmAddress confirms the person's pending address with the token the mail job would send.
func (e *env) confirmAddress(subject int64) {
	e.t.Helper()
	ctx := context.Background()
	for v := int64(1); v < 100; v++ {
		if _, tok, err := e.db.PrepareConfirmation(ctx, subject, v); err == nil {
			if err := e.db.ConfirmEmail(ctx, subject, tok); err != nil {
				e.t.Fatal(err)
			}
			return
		}
	}
	e.t.Fatal("no confirmation token")
}

// TestSettingsAndAccessAlerts: two citizens at /instellingen choose differently. A adds an address
// (after a mistyped one and an empty one), sends it twice, confirms it and switches on alerts on
// emergency access with e-mail; B confirms an address and switches everything off. One batch with an
// emergency access to each: A's inbox gets exactly one alert with a link to the processing line, B's
// none; the batch sent again and a confidential emergency access add nothing. A deletes the address
// twice and comes back with the back button: the page says truthfully there is none. A parent acting
// for a child sees why the settings are not theirs and cannot change them.
func TestSettingsAndAccessAlerts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{MailEnabled: true}, web.Deps{})
	ctx := context.Background()
	ca, csrfA := e.citizen(bsnA)
	cb, csrfB := e.citizen(bsnB)
	subA, _ := e.db.EnsureSubject(ctx, bsnA)
	subB, _ := e.db.EnsureSubject(ctx, bsnB)
	status := func(subject int64) portal.EmailStatus {
		st, err := e.db.EmailStatus(ctx, subject)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	if code, body := e.get(ca, "/instellingen"); code != 200 || !strings.Contains(body, "U gaf geen e-mailadres") {
		t.Fatalf("A's settings before anything: %d", code)
	}
	for _, bad := range []string{"geen-adres", "", "a@b", "Jan <jan@example.nl>"} {
		code, _, body := e.post("/instellingen/email", ca, "csrf", csrfA, "email", bad)
		if code != 422 || !strings.Contains(body, "Dit is geen goed e-mailadres") {
			t.Errorf("address %q: %d", bad, code)
		}
		if bad != "" && !strings.Contains(body, `value="`+html.EscapeString(bad)+`"`) {
			t.Errorf("address %q is not shown again to correct", bad)
		}
	}
	if status(subA).HasAddress {
		t.Fatal("a wrong address was stored")
	}
	for range 2 { // a double submit
		code, loc, _ := e.post("/instellingen/email", ca, "csrf", csrfA, "email", "a.jansen@example.nl")
		if code != 303 || loc != "/instellingen?klaar=email" {
			t.Fatalf("set address: %d %s", code, loc)
		}
	}
	if st := status(subA); !st.HasAddress || st.Confirmed {
		t.Fatalf("after setting: %+v", st)
	}
	if _, body := e.get(ca, "/instellingen?klaar=email"); !strings.Contains(body, "a.jansen@example.nl. Dit adres is nog niet bevestigd") ||
		!strings.Contains(body, "Wij stuurden een e-mail met een link") {
		t.Error("the page does not say the address waits for confirmation")
	}
	e.confirmAddress(subA)
	if _, body := e.get(ca, "/instellingen"); !strings.Contains(body, "a.jansen@example.nl. Dit adres is bevestigd") {
		t.Error("the page does not say the address is confirmed")
	}
	// A: alerts on emergency access, with e-mail; all e-mail topics on.
	code, loc, _ := e.post("/instellingen/keuzes", ca, "csrf", csrfA, "mail_requests", "1", "mail_signals", "1",
		"mail_consent", "1", "alert_break_glass", "1", "alert_email", "1")
	if code != 303 || loc != "/instellingen?klaar=choices" {
		t.Fatalf("save A's choices: %d %s", code, loc)
	}
	// B: an address, confirmed, and every box unticked.
	if code, _, _ := e.post("/instellingen/email", cb, "csrf", csrfB, "email", "b@example.nl"); code != 303 {
		t.Fatalf("B's address: %d", code)
	}
	e.confirmAddress(subB)
	if code, _, _ := e.post("/instellingen/keuzes", cb, "csrf", csrfB); code != 303 {
		t.Fatalf("save B's choices: %d", code)
	}
	sa, _ := e.db.NotificationSettings(ctx, subA)
	sb, _ := e.db.NotificationSettings(ctx, subB)
	if !sa.Alerts[portal.AlertBreakGlass] || sa.Alerts[portal.AlertAny] || !sa.AlertEmail || !sa.EmailConsent {
		t.Errorf("A's stored choices: %+v", sa)
	}
	if sb.AnyAlert() || sb.EmailRequests || sb.EmailSignals || sb.EmailConsent || sb.AlertEmail {
		t.Errorf("B's stored choices: %+v", sb)
	}
	if _, body := e.get(cb, "/instellingen?klaar=choices"); strings.Contains(body, `id="alert-break_glass" value="1" checked`) ||
		!strings.Contains(body, "Uw keuzes zijn opgeslagen") {
		t.Error("B's page does not show B's choices")
	}

	glass := func(bsn string) portal.Event {
		return event(bsn, time.Now().Add(-time.Hour), func(ev *portal.Event) {
			ev.AccessBasis, ev.BreakGlassReason = portal.BasisBreakGlass, "Spoed"
		})
	}
	gA, gB := glass(bsnA), glass(bsnB)
	alerts := func(subject int64) []portal.Message {
		ms, err := e.db.Messages(ctx, subject, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []portal.Message
		for _, m := range ms {
			if m.Kind == portal.MessageAccessAlert {
				out = append(out, m)
			}
		}
		return out
	}
	e.ingest(gA, gB)
	e.ingest(gA, gB) // sent again
	secret := glass(bsnA)
	until := time.Now().Add(30 * 24 * time.Hour)
	secret.ConfidentialUntil, secret.ConfidentialReason = &until, "Lopend onderzoek"
	e.ingest(secret)
	if got := alerts(subA); len(got) != 1 || got[0].EventID != gA.ID {
		t.Fatalf("A's alerts: %+v", got)
	}
	if got := alerts(subB); len(got) != 0 {
		t.Fatalf("B chose no alerts but has %d", len(got))
	}
	_, body := e.get(ca, "/berichten")
	if !strings.Contains(body, "Een medewerker heeft uw gegevens bekeken met noodtoegang") ||
		!strings.Contains(body, `href="/verwerkingen/`+gA.ID+`"`) || strings.Contains(body, secret.ID) {
		t.Error("A's inbox does not show the alert with its link (or shows the confidential one)")
	}
	if _, body := e.get(cb, "/berichten"); strings.Contains(body, "noodtoegang") {
		t.Error("B's inbox shows an alert")
	}
	if _, body := e.get(ca, "/verwerkingen/"+gA.ID); !strings.Contains(body, "Spoed") {
		t.Error("the alert's link does not lead to the processing line")
	}

	// Deleting, twice, and the back button.
	for range 2 {
		code, loc, _ := e.post("/instellingen/email/verwijderen", ca, "csrf", csrfA)
		if code != 303 || loc != "/instellingen?klaar=deleted" {
			t.Fatalf("delete: %d %s", code, loc)
		}
	}
	if status(subA).HasAddress {
		t.Fatal("the address is still stored")
	}
	_, body = e.get(ca, "/instellingen")
	if !strings.Contains(body, "U gaf geen e-mailadres") || strings.Contains(body, "a.jansen@example.nl") ||
		strings.Contains(body, `action="/instellingen/email/verwijderen"`) {
		t.Error("after deleting, the page does not say truthfully that there is no address")
	}
	if _, body := e.get(cb, "/instellingen"); !strings.Contains(body, "b@example.nl. Dit adres is bevestigd") {
		t.Error("A's deleting touched B's address")
	}

	// A parent acting for a child: an explanation, and no changes.
	birth := time.Now().In(portal.Amsterdam).AddDate(-10, 0, 0).Format("2006-01-02")
	parent, pcsrf := e.citizen("999990172")
	e.actFor(parent, e.represent("999990172", bsnB, portal.RepParentalAuthority, birth).ID)
	if code, body := e.get(parent, "/instellingen"); code != 200 || !strings.Contains(body, "Alleen die persoon kan ze veranderen") ||
		strings.Contains(body, "b@example.nl") || strings.Contains(body, `action="/instellingen/keuzes"`) {
		t.Errorf("the representative's settings page: %d", code)
	}
	for _, p := range []string{"/instellingen/keuzes", "/instellingen/email", "/instellingen/email/verwijderen"} {
		if code, _, _ := e.post(p, parent, "csrf", pcsrf, "email", "ouder@example.nl", "alert_any", "1"); code != 403 {
			t.Errorf("a representative posts %s: %d", p, code)
		}
	}
	if st := status(subB); !st.Confirmed {
		t.Error("the representative changed B's address")
	}
	if s, _ := e.db.NotificationSettings(ctx, subB); s.AnyAlert() {
		t.Error("the representative changed B's choices")
	}
}
