package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// Signals and representation (issue 16), through the whole program: a parent acting for a child
// never sees what must stay hidden from representatives, not in the list, not by its address and not
// in the inbox, until a clerk asks and a second staff member approves a release for that parent.

const (
	srChildBSN   = "999991772" // the child (passes the 11-proef)
	srParent3BSN = "111222333" // a representative whose representation does not cover signals
	srChildBirth = "2016-05-01"
	srWellText   = "Juf ziet dat Daan vaak moe is op school"
	srViolText   = "Buren hoorden geschreeuw en een klap in de woning"
	srDeferText  = "Zorgen over hoe Daan slaapt; vader mag dit nog niet lezen"
)

// staffAs makes a logged-in staff session for one staff member (sub) with roles.
func (e *env) staffAs(sub, name string, roles ...string) (cookie, csrf string) {
	e.t.Helper()
	raw, csrf := uuid.NewString()+uuid.NewString(), uuid.NewString()
	now := time.Now()
	if err := e.db.CreateSession(context.Background(), raw, portal.Session{Kind: "staff", StaffSub: sub,
		StaffName: name, StaffRoles: roles, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	return raw, csrf
}

// srSignal registers a told signal about the child through storage, as the API does.
func (e *env) srSignal(cat, summary string) portal.Signal {
	e.t.Helper()
	s, _, err := e.db.RegisterSignal(context.Background(), portal.NewSignal{ID: uuid.NewString(), SubjectBSN: srChildBSN,
		ReceivedAt: time.Now().Add(-time.Hour), ReporterKind: "school", Nature: portal.Nature{Category: cat, Summary: summary},
		SummaryForSubject: summary, Urgency: "normal", HandlingTeam: "Wijkteam Zuid"}, "api", 0, nil, nil, portal.SignalPolicy{})
	if err != nil || !s.Told() {
		e.t.Fatalf("RegisterSignal: %v (told %v)", err, s.Told())
	}
	return s
}

// srSees reports whether the session sees the signal: in the list, by its address and in the inbox,
// which must agree. A signal not seen leaves no trace of its summary or id in any of the three pages.
func (e *env) srSees(cookie string, s portal.Signal) bool {
	e.t.Helper()
	resp, list := e.do("GET", "/signalen", cookie, "", nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("/signalen: %d", resp.StatusCode)
	}
	inList := strings.Contains(list, `href="/signalen/`+s.ID+`"`)
	resp, one := e.do("GET", "/signalen/"+s.ID, cookie, "", nil)
	if resp.StatusCode != 200 && resp.StatusCode != 404 {
		e.t.Fatalf("/signalen/%s: %d", s.ID, resp.StatusCode)
	}
	_, inbox := e.do("GET", "/berichten", cookie, "", nil)
	inInbox := strings.Contains(inbox, `href="/signalen/`+s.ID+`"`)
	seen := resp.StatusCode == 200
	if inList != seen || inInbox != seen {
		e.t.Errorf("signal %s: listed %v, page %d, in the inbox %v", s.Nature.Category, inList, resp.StatusCode, inInbox)
	}
	if seen && !strings.Contains(one, s.SummaryForSubject) {
		e.t.Errorf("the signal's page does not show its text for the person")
	}
	if !seen {
		for name, body := range map[string]string{"list": list, "inbox": inbox} {
			if strings.Contains(body, s.SummaryForSubject) || strings.Contains(body, s.ID) {
				e.t.Errorf("the %s shows a trace of the hidden %s signal", name, s.Nature.Category)
			}
		}
		// Its address answers exactly as an address naming no signal at all (the address itself
		// comes back in the language switch).
		unknown := uuid.NewString()
		_, none := e.do("GET", "/signalen/"+unknown, cookie, "", nil)
		if strings.ReplaceAll(one, s.ID, unknown) != none {
			e.t.Errorf("the hidden %s signal's page differs from an unknown signal's", s.Nature.Category)
		}
	}
	return seen
}

// unreadBadge is the unread count the layout shows the session, 0 without a badge.
func (e *env) unreadBadge(cookie string) int {
	e.t.Helper()
	_, body := e.do("GET", "/signalen", cookie, "", nil)
	txt := doc(e.t, body).Find(`a[href="/berichten"] .badge`).Text()
	if txt == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.Fields(txt)[0])
	if err != nil {
		e.t.Fatalf("badge %q", txt)
	}
	return n
}

func TestSignalsHiddenFromRepresentatives(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	if err := e.db.EnsureInternalActivities(ctx, "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	wellbeing := e.srSignal("wellbeing", srWellText)
	violence := e.srSignal("domestic_violence", srViolText)
	repP := e.represent(bsnA, srChildBSN, portal.RepParentalAuthority, srChildBirth)
	repP2 := e.represent(bsnB, srChildBSN, portal.RepParentalAuthority, srChildBirth)
	repP3 := e.represent(srParent3BSN, srChildBSN, portal.RepParentalAuthority, srChildBirth, portal.PartLog, portal.PartRequests)
	p, _ := e.citizen(bsnA)
	e.actFor(p, repP.ID)
	p2, _ := e.citizen(bsnB)
	e.actFor(p2, repP2.ID)
	p3, _ := e.citizen(srParent3BSN)
	e.actFor(p3, repP3.ID)
	child, _ := e.citizen(srChildBSN)

	// The parent sees the wellbeing signal, not the one about violence at home; the child sees both.
	if !e.srSees(p, wellbeing) {
		t.Error("the parent does not see the wellbeing signal")
	}
	if e.srSees(p, violence) {
		t.Error("the parent sees the domestic violence signal")
	}
	if !e.srSees(child, wellbeing) || !e.srSees(child, violence) {
		t.Error("the child does not see their own signals")
	}
	if n := e.unreadBadge(child); n != 2 {
		t.Errorf("the child's badge = %d, want 2", n)
	}
	if n := e.unreadBadge(p); n != 1 {
		t.Errorf("the parent's badge = %d, want 1 (the hidden signal's message does not count)", n)
	}
	if _, body := e.do("GET", "/signalen", p, "", nil); !strings.Contains(body, "namens iemand anders") {
		t.Error("the acting parent is not told that some signals are not shown")
	}
	if _, body := e.do("GET", "/signalen", child, "", nil); strings.Contains(body, "namens iemand anders") {
		t.Error("the child is told they act for someone else")
	}

	// A representation without signals: 403, and no signal in the inbox.
	for _, path := range []string{"/signalen", "/signalen/" + wellbeing.ID, "/signalen/" + violence.ID} {
		if resp, _ := e.do("GET", path, p3, "", nil); resp.StatusCode != 403 {
			t.Errorf("%s without the part signals: %d, want 403", path, resp.StatusCode)
		}
	}
	if resp, body := e.do("GET", "/berichten", p3, "", nil); resp.StatusCode != 200 || strings.Contains(body, "/signalen/") {
		t.Errorf("the inbox without the part signals: %d, shows a signal: %v", resp.StatusCode, strings.Contains(body, "/signalen/"))
	}

	// The staff page lists the child's representatives and what they see.
	clerk, clerkCSRF := e.staffAs("sr-clerk", "Sanne Signaal", portal.RoleClerk, portal.RoleTeamLead)
	lead, leadCSRF := e.staffAs("sr-lead", "Lotte Leiding", portal.RoleTeamLead)
	onlyClerk, onlyClerkCSRF := e.staffAs("sr-clerk-2", "Kees Klerk", portal.RoleClerk)
	resp, body := e.do("GET", "/medewerker/signalen/"+violence.ID, clerk, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("staff signal page: %d", resp.StatusCode)
	}
	d := doc(t, body)
	if n := d.Find(`ul.reps > li`).Length(); n != 3 {
		t.Errorf("the staff page lists %d representations, want 3", n)
	}
	if n := d.Find(`form[action="/medewerker/signalen/` + violence.ID + `/vrijgeven"]`).Length(); n != 3 {
		t.Errorf("%d release forms, want one per representation", n)
	}
	if !strings.Contains(body, "Ouder met gezag") || !strings.Contains(body, "Eva de Vries") || !strings.Contains(body, "ziet deze melding niet") {
		t.Error("the staff page does not name the capacity, the representative and that the signal is hidden from them")
	}
	if _, body := e.do("GET", "/medewerker/signalen/"+wellbeing.ID, clerk, "", nil); strings.Contains(body, "/vrijgeven") {
		t.Error("a signal that is not hidden offers a release")
	}

	// A release needs a reason; the one who asked cannot approve it, also as a team lead; a clerk
	// without the team lead role cannot either; another team lead can.
	release := "/medewerker/signalen/" + violence.ID + "/vrijgeven"
	if st, _, body := e.post(release, clerk, "csrf", clerkCSRF, "vertegenwoordiging", repP.ID, "toelichting", " "); st != 422 ||
		!strings.Contains(body, "Schrijf waarom deze vertegenwoordiger") {
		t.Errorf("release without a reason: %d", st)
	}
	if st, _, _ := e.post(release, clerk, "csrf", clerkCSRF, "vertegenwoordiging", uuid.NewString(), "toelichting", "Reden"); st != 404 {
		t.Errorf("release for an unknown representation: %d, want 404", st)
	}
	if st, loc, _ := e.post(release, clerk, "csrf", clerkCSRF, "vertegenwoordiging", repP.ID, "toelichting", "Vader moet de veiligheidsafspraken kennen"); st != 303 {
		t.Fatalf("release: %d %s", st, loc)
	}
	if st, _, _ := e.post(release, clerk, "csrf", clerkCSRF, "vertegenwoordiging", repP.ID, "toelichting", "Nog eens"); st != 409 {
		t.Errorf("second release for the same parent: %d, want 409", st)
	}
	rs, err := e.db.SignalReleases(ctx, violence.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("releases %+v %v", rs, err)
	}
	approve := release + "/" + strconv.FormatInt(rs[0].ID, 10) + "/goedkeuren"
	if st, _, _ := e.post(approve, clerk, "csrf", clerkCSRF); st != 403 {
		t.Errorf("the requester approves their own release: %d, want 403", st)
	}
	if st, _, _ := e.post(approve, onlyClerk, "csrf", onlyClerkCSRF); st != 403 {
		t.Errorf("a clerk without the team lead role approves: %d, want 403", st)
	}
	if e.srSees(p, violence) {
		t.Error("a pending release shows the signal")
	}
	_, body = e.do("GET", "/medewerker/signalen/"+violence.ID, clerk, "", nil)
	if strings.Contains(body, `action="`+approve+`"`) {
		t.Error("the requester is offered to approve their own release")
	}
	_, body = e.do("GET", "/medewerker/signalen/"+violence.ID, lead, "", nil)
	if !strings.Contains(body, `action="`+approve+`"`) || !strings.Contains(body, "Vader moet de veiligheidsafspraken kennen") {
		t.Error("another team lead is not offered to approve the release, with its reason")
	}
	if st, _, _ := e.post(approve, lead, "csrf", leadCSRF); st != 303 {
		t.Fatalf("approve: %d", st)
	}
	if !e.srSees(p, violence) {
		t.Error("after the approved release the parent does not see the signal")
	}
	if n := e.unreadBadge(p); n != 2 {
		t.Errorf("the parent's badge after the release = %d, want 2", n)
	}
	if e.srSees(p2, violence) {
		t.Error("the other parent sees the signal released to one parent")
	}
	if !e.srSees(p2, wellbeing) {
		t.Error("the other parent does not see the wellbeing signal")
	}

	// A deferral that asks to keep a wellbeing signal hidden from representatives, registered on the
	// staff form, approved and then told: the child sees it, the parents do not.
	if st, loc, _ := e.post("/medewerker/signalen", clerk, "csrf", clerkCSRF, "bsn", srChildBSN,
		"ontvangen", time.Now().In(portal.Amsterdam).Format("2006-01-02"), "melder", "school", "categorie", "wellbeing",
		"samenvatting", srDeferText, "urgentie", "normal", "team", "Wijkteam Zuid", "uitstellen", "ja", "reden", "investigation",
		"motivering", "Gesprek met moeder eerst", "herzien", time.Now().AddDate(0, 0, 14).In(portal.Amsterdam).Format("2006-01-02"),
		"verbergen_vertegenwoordigers", "ja"); st != 303 {
		t.Fatalf("register with a deferral: %d %s", st, loc)
	}
	var deferred portal.Signal
	all, err := e.db.StaffSignals(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.ID != wellbeing.ID && s.ID != violence.ID && s.Nature.Category == "wellbeing" {
			deferred = s
		}
	}
	if len(deferred.Deferrals) != 1 || !deferred.Deferrals[0].HideFromRepresentatives {
		t.Fatalf("the deferral does not carry the checkbox: %+v", deferred.Deferrals)
	}
	base := "/medewerker/signalen/" + deferred.ID
	if st, _, _ := e.post(base+"/uitstel/"+strconv.FormatInt(deferred.Deferrals[0].ID, 10)+"/goedkeuren", lead, "csrf", leadCSRF); st != 303 {
		t.Fatalf("approve the deferral: %d", st)
	}
	if st, _, _ := e.post(base+"/melden", clerk, "csrf", clerkCSRF); st != 303 {
		t.Fatalf("tell: %d", st)
	}
	deferred.SummaryForSubject = srDeferText
	if !e.srSees(child, deferred) {
		t.Error("the child does not see the told signal")
	}
	if e.srSees(p, deferred) || e.srSees(p2, deferred) {
		t.Error("a parent sees a signal whose deferral keeps it hidden from representatives")
	}
	if _, body := e.do("GET", base, lead, "", nil); !strings.Contains(body, "verborgen voor vertegenwoordigers") ||
		!strings.Contains(body, "/vrijgeven") {
		t.Error("the staff page does not show the deferral hides the signal, with a release form")
	}
}

// The deferral form on a signal's page carries the checkbox to the stored request.
func TestDeferralFormHidesFromRepresentatives(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, csrf := e.staffAs("sr-clerk", "Sanne Signaal", portal.RoleClerk)
	ns := portal.NewSignal{ID: uuid.NewString(), SubjectBSN: srChildBSN, ReceivedAt: time.Now().Add(-time.Hour), ReporterKind: "school",
		Nature: portal.Nature{Category: "wellbeing", Summary: srWellText}, Urgency: "normal", HandlingTeam: "Wijkteam Zuid"}
	by := portal.Staff{Sub: "sr-clerk", Name: "Sanne Signaal", Roles: []string{portal.RoleClerk}}
	review := time.Now().AddDate(0, 0, 14)
	s, _, err := e.db.RegisterSignal(context.Background(), ns, "staff", 0, &by,
		&portal.DeferralRequest{Reason: "investigation", Motivation: "Eerst uitzoeken", ReviewAt: review}, portal.SignalPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.DecideDeferral(context.Background(), s.ID, s.Deferrals[0].ID, portal.Staff{Sub: "sr-lead", Name: "Lotte"}, true); err != nil {
		t.Fatal(err)
	}
	_, body := e.do("GET", "/medewerker/signalen/"+s.ID, clerk, "", nil)
	if doc(t, body).Find(`input[type="checkbox"][name="verbergen_vertegenwoordigers"]`).Length() != 1 {
		t.Fatal("the deferral form has no checkbox to keep the signal from representatives")
	}
	day := time.Now().AddDate(0, 0, 30).In(portal.Amsterdam).Format("2006-01-02")
	if st, loc, _ := e.post("/medewerker/signalen/"+s.ID+"/uitstel", clerk, "csrf", csrf, "reden", "danger",
		"motivering", "Gevaar voor de moeder", "herzien", day, "verbergen_vertegenwoordigers", "ja"); st != 303 {
		t.Fatalf("request deferral: %d %s", st, loc)
	}
	ss, err := e.db.StaffSignals(context.Background(), 10)
	if err != nil || len(ss) != 1 || len(ss[0].Deferrals) != 2 {
		t.Fatalf("%+v %v", ss, err)
	}
	if d := ss[0].Deferrals; d[0].HideFromRepresentatives || !d[1].HideFromRepresentatives {
		t.Errorf("flags %v %v, want false true", d[0].HideFromRepresentatives, d[1].HideFromRepresentatives)
	}
}
