package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/oidctest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/web"
)

// Logging in to act on behalf of someone (DigiD Machtigen style): the provider's claims say for whom;
// the municipality's register decides.

const (
	actingClaim   = "represented_bsn"
	serviceClaim  = "mandate_service"
	bsnLoginChild = bsnB // the represented person; the logged-in citizen is oidctest.DefaultBSN (bsnA)
)

// lockedBuffer collects log lines written from request goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// actingLoginEnv is loginEnv with the citizen claims cc and the log kept.
func actingLoginEnv(t *testing.T, cc oidcrp.CitizenClaims) (*env, *oidctest.Provider, *lockedBuffer) {
	p := oidctest.New(t)
	rp := oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: "http://localhost/inloggen/callback"})
	logs := &lockedBuffer{}
	e := newEnv(t, web.Config{Citizen: cc}, web.Deps{CitizenRP: rp, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err := e.db.EnsureActivity(context.Background(), portal.RepresentativeActivityEntry("Gemeente Voorbeeldstad")); err != nil {
		t.Fatal(err)
	}
	return e, p, logs
}

var actingOn = oidcrp.CitizenClaims{ActingBSNClaim: actingClaim, ActingServiceClaim: serviceClaim, ActingServices: []string{"inzicht"}}

// birthYearsAgo is a date of birth n years before today.
func birthYearsAgo(n int) string { return time.Now().AddDate(-n, 0, -1).Format("2006-01-02") }

// loginWith logs in through the fake provider with extra ID-token claims; it returns the response,
// its body and the new session cookie ("" when none was made).
func loginWith(t *testing.T, e *env, p *oidctest.Provider, claims map[string]any) (*http.Response, string, string) {
	t.Helper()
	p.Reset(oidctest.WithClaims(claims))
	lc, q := startLogin(t, e)
	resp, body := callback(e, lc, q, "")
	sc := ""
	if c := cookieOf(resp, "__Host-inzicht_session"); c != nil {
		sc = c.Value
	}
	return resp, body, sc
}

func TestLoginActingUnderRegisteredRepresentation(t *testing.T) {
	t.Parallel()
	e, p, logs := actingLoginEnv(t, actingOn)
	rep := e.represent(oidctest.DefaultBSN, bsnLoginChild, portal.RepParentalAuthority, birthYearsAgo(8))
	e.ingest(event(bsnLoginChild, time.Now().Add(-time.Hour), func(ev *portal.Event) { ev.Actor.Team = "Jeugdteam Kindzaken" }),
		event(oidctest.DefaultBSN, time.Now().Add(-time.Hour), func(ev *portal.Event) { ev.Actor.Team = "Team Eigen Zaken" }))

	resp, _, sc := loginWith(t, e, p, map[string]any{actingClaim: bsnLoginChild, serviceClaim: "inzicht"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/overzicht" || sc == "" {
		t.Fatalf("callback: %d %s, session %v", resp.StatusCode, resp.Header.Get("Location"), sc != "")
	}
	sess, err := e.db.Session(context.Background(), sc, time.Hour)
	if err != nil || sess.ActingFor != rep.ID || sess.SubjectID != rep.RepresentativeID {
		t.Fatalf("session %+v, %v; want the representative's, acting under %s", sess, err, rep.ID)
	}
	r, body := e.do("GET", "/overzicht", sc, "", nil)
	if r.StatusCode != http.StatusOK || !strings.Contains(body, portal.MaskBSN(bsnLoginChild)) || !strings.Contains(body, "Jeugdteam Kindzaken") {
		t.Fatalf("overview while acting: %d; want the child's data", r.StatusCode)
	}
	if strings.Contains(body, portal.MaskBSN(oidctest.DefaultBSN)) || strings.Contains(body, "Team Eigen Zaken") {
		t.Error("the overview shows the representative's own data")
	}

	// The login itself is recorded in the child's log, as the representative's act.
	acts, err := e.db.RepresentativeActs(context.Background(), portal.ActFilter{SubjectID: rep.SubjectID})
	if err != nil {
		t.Fatal(err)
	}
	var start *portal.RepresentativeAct
	for i, a := range acts {
		if a.What == portal.ActStartActing {
			start = &acts[i]
		}
	}
	if start == nil || start.ActorID != rep.RepresentativeID || start.RepresentationID != rep.ID {
		t.Fatalf("acts %+v: want start_acting by the representative under %s", acts, rep.ID)
	}
	if ev, err := e.db.Event(context.Background(), rep.SubjectID, start.EventID); err != nil || ev.Activity.ID != portal.RepresentativeActivity {
		t.Errorf("the act's event in the child's log: %+v, %v", ev.Activity.ID, err)
	}
	if own, _ := e.db.RepresentativeActs(context.Background(), portal.ActFilter{SubjectID: rep.RepresentativeID}); len(own) != 0 {
		t.Errorf("acts recorded in the representative's own log: %+v", own)
	}
	if strings.Contains(logs.String(), bsnLoginChild) || strings.Contains(logs.String(), oidctest.DefaultBSN) {
		t.Error("a BSN in the log")
	}
}

func TestLoginActingLandsOnACoveredPart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{[]string{portal.PartRequests, portal.PartSignals}, "/verzoeken"},
		{[]string{portal.PartSignals, portal.PartConsent}, "/toestemmingen"},
		{[]string{portal.PartSignals}, "/signalen"},
		{[]string{portal.PartConsent, portal.PartLog}, "/overzicht"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			e, p, _ := actingLoginEnv(t, actingOn)
			rep := e.represent(oidctest.DefaultBSN, bsnLoginChild, portal.RepCuratorship, "1980-05-05", tc.parts...)
			resp, _, sc := loginWith(t, e, p, map[string]any{actingClaim: bsnLoginChild, serviceClaim: "inzicht"})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want || sc == "" {
				t.Fatalf("callback: %d %s; want %s", resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
			if r, _ := e.do("GET", tc.want, sc, "", nil); r.StatusCode != http.StatusOK {
				t.Errorf("landing page %s: %d", tc.want, r.StatusCode)
			}
			if sess, _ := e.db.Session(context.Background(), sc, time.Hour); sess.ActingFor != rep.ID {
				t.Errorf("session acting for %q, want %s", sess.ActingFor, rep.ID)
			}
		})
	}
}

func TestLoginActingRefused(t *testing.T) {
	t.Parallel()
	const someoneElse = "999991772"
	for _, tc := range []struct {
		name   string
		setup  func(e *env)
		claims map[string]any
		says   string
	}{
		{"unknown representation", func(e *env) {}, nil, "de gemeente kent deze vertegenwoordiging niet"},
		{"someone else's representation", func(e *env) {
			e.represent(someoneElse, bsnLoginChild, portal.RepParentalAuthority, birthYearsAgo(8))
		}, nil, "de gemeente kent deze vertegenwoordiging niet"},
		{"the other way round", func(e *env) {
			e.represent(bsnLoginChild, oidctest.DefaultBSN, portal.RepAuthorisation, "1980-05-05")
		}, nil, "de gemeente kent deze vertegenwoordiging niet"},
		{"ended representation", func(e *env) {
			rep := e.represent(oidctest.DefaultBSN, bsnLoginChild, portal.RepParentalAuthority, birthYearsAgo(8))
			if err := e.db.EndRepresentation(context.Background(), rep.ID, 0); err != nil {
				e.t.Fatal(err)
			}
		}, nil, "de gemeente kent deze vertegenwoordiging niet"},
		{"parental authority ended at 16", func(e *env) {
			e.represent(oidctest.DefaultBSN, bsnLoginChild, portal.RepParentalAuthority, birthYearsAgo(16))
		}, nil, "de gemeente kent deze vertegenwoordiging niet"},
		{"bad BSN in the claim", func(e *env) {}, map[string]any{actingClaim: "999993654"}, "geen geldig burgerservicenummer"},
		{"service not accepted", func(e *env) {
			e.represent(oidctest.DefaultBSN, bsnLoginChild, portal.RepParentalAuthority, birthYearsAgo(8))
		}, map[string]any{serviceClaim: "belastingaangifte"}, "andere dienst dan Inzicht"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, p, logs := actingLoginEnv(t, actingOn)
			tc.setup(e)
			claims := map[string]any{actingClaim: bsnLoginChild, serviceClaim: "inzicht"}
			for k, v := range tc.claims {
				claims[k] = v
			}
			resp, body, sc := loginWith(t, e, p, claims)
			if resp.StatusCode != http.StatusForbidden || sc != "" {
				t.Fatalf("callback: %d, session made %v; want 403 without a session", resp.StatusCode, sc != "")
			}
			if !strings.Contains(body, tc.says) || !strings.Contains(body, `href="/inloggen"`) {
				t.Errorf("the page does not say %q with a way to log in again", tc.says)
			}
			if n := allActs(t, e); n != 0 {
				t.Errorf("%d acts recorded for a refused login", n)
			}
			out := logs.String()
			if !strings.Contains(out, "login refused") || !strings.Contains(out, "level=WARN") {
				t.Errorf("no warning logged: %s", out)
			}
			for _, bsn := range []string{bsnLoginChild, oidctest.DefaultBSN, "999993654"} {
				if strings.Contains(out, bsn) || strings.Contains(body, bsn) {
					t.Errorf("BSN %s in the log or on the page", portal.MaskBSN(bsn))
				}
			}
		})
	}
	// In English too.
	e, p, _ := actingLoginEnv(t, actingOn)
	p.Reset(oidctest.WithClaims(map[string]any{actingClaim: bsnLoginChild, serviceClaim: "inzicht"}))
	lc, q := startLogin(t, e)
	resp, body := e.do("GET", "/inloggen/callback?"+q.Encode(), "", "", nil,
		"Cookie", "__Host-inzicht_login="+lc+"; __Host-inzicht_lang=en")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "the municipality does not know this representation") {
		t.Errorf("English refusal: %d", resp.StatusCode)
	}
}

func TestLoginActingClaimIgnored(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cc     oidcrp.CitizenClaims
		claims map[string]any
	}{
		// Feature off: even a registered representation is not acted under, a bad claim not refused.
		{"feature off", oidcrp.CitizenClaims{}, map[string]any{actingClaim: bsnLoginChild, serviceClaim: "inzicht"}},
		{"feature off, bad claim", oidcrp.CitizenClaims{}, map[string]any{actingClaim: "nonsense"}},
		{"own BSN", actingOn, map[string]any{actingClaim: oidctest.DefaultBSN, serviceClaim: "inzicht"}},
		{"no claim", actingOn, map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, p, _ := actingLoginEnv(t, tc.cc)
			e.represent(oidctest.DefaultBSN, bsnLoginChild, portal.RepParentalAuthority, birthYearsAgo(8))
			resp, _, sc := loginWith(t, e, p, tc.claims)
			// Not acting under the claim: a citizen who may act for someone chooses at /namens first.
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/namens" || sc == "" {
				t.Fatalf("callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if sess, err := e.db.Session(context.Background(), sc, time.Hour); err != nil || sess.ActingFor != "" {
				t.Errorf("session %+v, %v; want one for the citizen themselves", sess, err)
			}
			r, body := e.do("GET", "/overzicht", sc, "", nil)
			if r.StatusCode != http.StatusOK || !strings.Contains(body, portal.MaskBSN(oidctest.DefaultBSN)) ||
				strings.Contains(body, portal.MaskBSN(bsnLoginChild)) {
				t.Errorf("overview: %d; want the citizen's own", r.StatusCode)
			}
			if n := allActs(t, e); n != 0 {
				t.Errorf("%d acts recorded", n)
			}
		})
	}
}

// allActs counts every representative's act recorded.
func allActs(t *testing.T, e *env) int {
	t.Helper()
	acts, err := e.db.RepresentativeActs(context.Background(), portal.ActFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(acts)
}
