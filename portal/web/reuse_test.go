package web_test

// Every handler that a constructor builds is called here several times with different inputs, by
// different people, one after another and at once, on one running app. Round one's decideConsent kept
// the first decision in the closure it returned, so every later citizen's "no" was stored as "yes";
// these tests fail on any handler that carries one request's data into the next.

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/internal/oidctest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/web"
)

// validBSN returns the n-th test BSN that passes the 11-proef (999990000 and up).
func validBSN(t *testing.T, n int) string {
	t.Helper()
	for i := 0; i < 10000; i++ {
		b := fmt.Sprintf("99999%04d", i)
		if portal.ValidBSN(b) {
			if n == 0 {
				return b
			}
			n--
		}
	}
	t.Fatal("no BSN left")
	return ""
}

func (e *env) askConsent(bsn string) string {
	e.t.Helper()
	x, _, err := e.db.CreateConsent(context.Background(), portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsn, CaseRef: "Z-9",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Role: "Wmo-consulent"},
		DataItem:    "Medische informatie over uw mobiliteit", DataHolder: "Uw huisarts", Purpose: "Dagbesteding",
		Necessity: "Om te weten wat past", LegalGround: "Beroepsgeheim van de huisarts", IfRefused: "We kiezen samen zonder",
		ValidUntil: time.Now().AddDate(0, 3, 0).Format("2006-01-02")}, "staff", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return x.ID
}

// wantConsent checks what was stored for a consent request, and what its receipt says.
func (e *env) wantConsent(bsn, cookie, id, want string) {
	e.t.Helper()
	subject := mustSubject(e.t, e, bsn)
	x, err := e.db.CitizenConsent(context.Background(), subject, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if x.Status != want {
		e.t.Errorf("citizen %s, consent %s: stored %q, chose %q", portal.MaskBSN(bsn), id, x.Status, want)
	}
	decision := want
	if want == portal.ConsentWithdrawn {
		decision = portal.ConsentGranted // the receipt records the decision, and the withdrawal beside it
	}
	if _, js := e.do("GET", "/toestemmingen/"+id+"/bewijs.json", cookie, "", nil); !strings.Contains(js, `"decision": "`+decision+`"`) {
		e.t.Errorf("citizen %s, consent %s: receipt says %s, want decision %s", portal.MaskBSN(bsn), id, js, decision)
	}
}

func TestConsentDecisionsAreEachCitizensOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	type citizen struct {
		bsn, cookie, csrf string
	}
	var cs []citizen
	for i := range 12 {
		b := validBSN(t, i)
		cookie, csrf := e.citizen(b)
		cs = append(cs, citizen{b, cookie, csrf})
	}
	decide := func(c citizen, id, choice string) {
		path := "/toestemmingen/" + id + "/besluit"
		kv := []string{"csrf", c.csrf, "besluit", choice}
		if choice == portal.ConsentWithdrawn {
			path, kv = "/toestemmingen/"+id+"/intrekken", kv[:2]
		}
		if status, loc, body := e.post(path, c.cookie, kv...); status != 303 || loc != "/toestemmingen/"+id+"?gedaan="+choice {
			t.Errorf("%s %s: %d %s %s", choice, id, status, loc, body)
		}
	}

	// One after another: A grants, B refuses two, A refuses another, C grants then withdraws.
	a, b, c := cs[0], cs[1], cs[2]
	a1, b1, b2, a2, c1 := e.askConsent(a.bsn), e.askConsent(b.bsn), e.askConsent(b.bsn), e.askConsent(a.bsn), e.askConsent(c.bsn)
	decide(a, a1, portal.ConsentGranted)
	decide(b, b1, portal.ConsentRefused)
	decide(b, b2, portal.ConsentRefused)
	decide(a, a2, portal.ConsentRefused)
	decide(c, c1, portal.ConsentGranted)
	decide(c, c1, portal.ConsentWithdrawn)
	e.wantConsent(a.bsn, a.cookie, a1, portal.ConsentGranted)
	e.wantConsent(b.bsn, b.cookie, b1, portal.ConsentRefused)
	e.wantConsent(b.bsn, b.cookie, b2, portal.ConsentRefused)
	e.wantConsent(a.bsn, a.cookie, a2, portal.ConsentRefused)
	e.wantConsent(c.bsn, c.cookie, c1, portal.ConsentWithdrawn)

	// At once: nine citizens, each deciding two requests, alternating grant and refuse.
	type choice struct {
		who      citizen
		id, want string
	}
	var all []choice
	for i, who := range cs[3:] {
		for j := range 2 {
			want := portal.ConsentGranted
			if (i+j)%2 == 1 {
				want = portal.ConsentRefused
			}
			all = append(all, choice{who, e.askConsent(who.bsn), want})
		}
	}
	var wg sync.WaitGroup
	for _, ch := range all {
		wg.Go(func() { decide(ch.who, ch.id, ch.want) })
	}
	wg.Wait()
	for _, ch := range all {
		e.wantConsent(ch.who.bsn, ch.who.cookie, ch.id, ch.want)
	}
	// A missing or unknown choice is refused and changes nothing.
	d := e.askConsent(a.bsn)
	for _, v := range []string{"", "withdrawn", "GRANTED", "ja"} {
		if status, _, _ := e.post("/toestemmingen/"+d+"/besluit", a.cookie, "csrf", a.csrf, "besluit", v); status != 422 {
			t.Errorf("decision %q: %d", v, status)
		}
	}
	e.wantConsent(a.bsn, a.cookie, a1, portal.ConsentGranted)
	if x, _ := e.db.CitizenConsent(context.Background(), mustSubject(t, e, a.bsn), d); x.Status != portal.ConsentPending {
		t.Errorf("after refused decisions the request is %s", x.Status)
	}
}

// TestStaffActTakesEachFormAsItComes calls the clerk's action handlers (staffAct) for several requests
// with different outcomes and extensions.
func TestStaffActTakesEachFormAsItComes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	clerk, csrf := e.staff("clerk")
	subject := mustSubject(t, e, bsnA)
	var ids []string
	for range 4 {
		r, err := e.db.CreateRequest(ctx, subject, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}, Description: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
		if status, _, _ := e.post("/medewerker/verzoeken/"+r.ID+"/behandelen", clerk, "csrf", csrf); status != 303 {
			t.Fatalf("start: %d", status)
		}
	}
	act := func(id, step string, kv ...string) {
		t.Helper()
		if status, _, body := e.post("/medewerker/verzoeken/"+id+"/"+step, clerk, append([]string{"csrf", csrf}, kv...)...); status != 303 {
			t.Fatalf("%s %s: %d %s", step, id, status, body)
		}
	}
	act(ids[0], "verlengen", "maanden", "2", "toelichting", "Veel gegevens bij drie organisaties")
	act(ids[1], "verlengen", "maanden", "1", "toelichting", "Gegevens liggen in het archief")
	act(ids[2], "besluiten", "besluit", "afgewezen", "grond", "manifestly_unfounded", "toelichting", "Het verzoek is kennelijk ongegrond")
	act(ids[3], "besluiten", "besluit", "toegewezen")
	act(ids[0], "besluiten", "besluit", "deels_toegewezen", "grond", "rights_of_others", "toelichting", "Een deel valt onder een uitzondering")

	got := func(id string) portal.RightsRequest {
		r, err := e.db.Request(ctx, subject, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r0, r1, r2, r3 := got(ids[0]), got(ids[1]), got(ids[2]), got(ids[3])
	if !r0.Deadline.Equal(portal.AddMonths(r0.FirstDeadline.In(portal.Amsterdam), 2)) && !r0.Deadline.After(r1.Deadline) {
		t.Errorf("two months' extension: first deadline %v, deadline %v", r0.FirstDeadline, r0.Deadline)
	}
	if !r1.Deadline.After(r1.FirstDeadline) || !r1.Deadline.Before(r0.Deadline) {
		t.Errorf("one month's extension: first deadline %v, deadline %v (the two-month one: %v)", r1.FirstDeadline, r1.Deadline, r0.Deadline)
	}
	for _, c := range []struct {
		r    portal.RightsRequest
		want portal.Outcome
	}{{r0, portal.OutcomePartly}, {r2, portal.OutcomeRejected}, {r3, portal.OutcomeGranted}} {
		if c.r.Status != portal.StatusDecided || c.r.Outcome != c.want {
			t.Errorf("%s: %s %s, want decided %s", c.r.Reference, c.r.Status, c.r.Outcome, c.want)
		}
	}
	if r1.Status != portal.StatusExtended {
		t.Errorf("%s: %s, want extended", r1.Reference, r1.Status)
	}
}

// TestDeferralDecisionsAreEachTheirOwn calls the team lead's approve and reject handlers
// (decideDeferral) in turn for different signals.
func TestDeferralDecisionsAreEachTheirOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	lead, csrf := e.staff(portal.RoleTeamLead)
	requester := portal.Staff{Sub: "consulent-1", Name: "Ada Consulent", Roles: []string{"clerk"}}
	var sigs []portal.Signal
	for i := range 4 {
		bsn := validBSN(t, i)
		s, _, err := e.db.RegisterSignal(ctx, portal.NewSignal{ID: uuid.NewString(), SubjectBSN: bsn, ReceivedAt: time.Now(),
			ReporterKind: "school", Nature: portal.Nature{Category: "wellbeing", Summary: "Zorgen"}, Urgency: "normal",
			HandlingTeam: "Wijkteam"}, "staff", 0, &requester,
			&portal.DeferralRequest{Reason: "investigation", Motivation: "Onderzoek loopt", ReviewAt: time.Now().AddDate(0, 0, 30)},
			portal.SignalPolicy{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Deferrals) != 1 {
			t.Fatalf("signal %d has %d deferrals", i, len(s.Deferrals))
		}
		sigs = append(sigs, s)
	}
	decide := func(s portal.Signal, verb string) {
		t.Helper()
		path := fmt.Sprintf("/medewerker/signalen/%s/uitstel/%d/%s", s.ID, s.Deferrals[0].ID, verb)
		if status, _, body := e.post(path, lead, "csrf", csrf); status != 303 {
			t.Fatalf("%s: %d %s", path, status, body)
		}
	}
	decide(sigs[0], "goedkeuren")
	decide(sigs[1], "afwijzen")
	decide(sigs[2], "goedkeuren")
	decide(sigs[3], "afwijzen")
	all, err := e.db.StaffSignals(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]portal.Signal{}
	for _, s := range all {
		byID[s.ID] = s
	}
	for i, want := range []string{portal.DeferralApproved, portal.DeferralRejected, portal.DeferralApproved, portal.DeferralRejected} {
		s := byID[sigs[i].ID]
		if len(s.Deferrals) != 1 {
			t.Fatalf("signal %d: %d deferrals", i, len(s.Deferrals))
		}
		if s.Deferrals[0].Status != want {
			t.Errorf("signal %d: deferral %s, want %s", i, s.Deferrals[0].Status, want)
		}
		if told := s.Told(); told != (want == portal.DeferralRejected) {
			t.Errorf("signal %d: told %v after the deferral was %s", i, told, want)
		}
	}
}

// TestLoginStartsAreEachTheirOwn alternates citizen and staff logins (startLogin): each goes to its own
// provider with its own state.
func TestLoginStartsAreEachTheirOwn(t *testing.T) {
	t.Parallel()
	pc, ps := oidctest.New(t), oidctest.New(t)
	rp := func(p *oidctest.Provider, cb string) *oidcrp.RP {
		return oidcrp.New(oidcrp.Config{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: "http://localhost" + cb})
	}
	e := newEnv(t, web.Config{}, web.Deps{CitizenRP: rp(pc, "/inloggen/callback"), StaffRP: rp(ps, "/medewerker/inloggen/callback")})
	states := map[string]bool{}
	for i, path := range []string{"/inloggen", "/medewerker/inloggen", "/inloggen", "/medewerker/inloggen", "/medewerker/inloggen", "/inloggen"} {
		resp, _ := e.do("GET", path, "", "", nil)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || err != nil {
			t.Fatalf("%d %s: %d %v", i, path, resp.StatusCode, err)
		}
		want := pc.URL
		if strings.HasPrefix(path, "/medewerker") {
			want = ps.URL
		}
		if !strings.HasPrefix(loc.String(), want) {
			t.Errorf("%d %s went to %s, want %s", i, path, loc, want)
		}
		st := loc.Query().Get("state")
		if st == "" || states[st] {
			t.Errorf("%d %s: state %q empty or reused", i, path, st)
		}
		states[st] = true
	}
}

// TestRoleChecksAreEachTheirOwn sends people with different roles, in turn and at once, through the same
// role check (requireRole).
func TestRoleChecksAreEachTheirOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, _ := e.staff("clerk")
	council, _ := e.staff(portal.RoleCouncil)
	lead, _ := e.staff(portal.RoleTeamLead)
	officer, _ := e.staff(portal.RolePrivacyOfficer)
	citizen, _ := e.citizen(bsnA)
	cases := []struct {
		who  string
		want int
	}{{clerk, 200}, {council, 403}, {clerk, 200}, {officer, 403}, {lead, 200}, {citizen, 403}, {clerk, 200}}
	check := func(i int, who string, want int) {
		if resp, _ := e.do("GET", "/medewerker/verzoeken", who, "", nil); resp.StatusCode != want {
			t.Errorf("case %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
	for i, c := range cases {
		check(i, c.who, c.want)
	}
	var wg sync.WaitGroup
	for round := range 3 {
		for i, c := range cases {
			wg.Go(func() { check(round*100+i, c.who, c.want) })
		}
	}
	wg.Wait()
}

// TestScopeChecksAreEachTheirOwn alternates API keys with and without a scope through the same check
// (requireScope).
func TestScopeChecksAreEachTheirOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	body := func() *strings.Reader {
		return strings.NewReader(`{"events":[` + eventBody(uuid.NewString()) + `]}`)
	}
	for i, c := range []struct {
		key  string
		want int
	}{{e.keyWrite, 200}, {e.keyNone, 403}, {e.keyWrite, 200}, {e.keyNone, 403}, {e.keyNone, 403}, {e.keyWrite, 200}} {
		resp, b := e.do("POST", "/api/v1/processing-events", "", c.key, body(), "Content-Type", "application/json")
		if resp.StatusCode != c.want {
			t.Errorf("case %d: %d %s, want %d", i, resp.StatusCode, b, c.want)
		}
	}
}

func eventBody(id string) string {
	return fmt.Sprintf(`{"id":%q,"occurred_at":%q,"subject_bsn":%q,"activity":"wmo-onderzoek","action":"view",`+
		`"data_categories":["care_needs"],"level":"what","actor":{"organization":"Gemeente Voorbeeldstad","role":"Wmo-consulent"},`+
		`"access_basis":"assigned"}`, id, time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), bsnA)
}
