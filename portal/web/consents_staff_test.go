package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// Consent for staff (issue 17), through the whole portal: the form refuses a blanket request with the
// rule explained, the request gets a TS reference shown to the citizen and on the receipts, staff see
// every request with the citizen's remark and filter them, opening one is recorded in the citizen's
// log, and log lines citing the consent (by reference or UUID) name the TS reference.

func scForm(csrf, item string) []string {
	return []string{"csrf", csrf, "bsn", bsnA, "zaak", "WMO-2026-12", "team", "Wijkteam Noord", "functie", "Wmo-consulent",
		"gegeven", item, "houder", "Uw huisarts", "doel", "Dagbesteding kiezen", "noodzaak", "Om te kiezen wat past",
		"grond", "Beroepsgeheim van de huisarts", "weigeren", "We kiezen samen zonder deze informatie",
		"tot", time.Now().AddDate(0, 2, 0).Format("2006-01-02")}
}

func TestStaffConsentFormExplainsTheBlanketRule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, csrf := e.staff("clerk")
	status, _, body := e.post("/medewerker/toestemmingen", clerk, scForm(csrf, "Alle medische gegevens")...)
	if status != 422 {
		t.Fatalf("blanket request: %d", status)
	}
	for _, want := range []string{
		"een verzoek om &#39;alle medische gegevens&#39; is te ruim (geen algemene toestemming)", // the rule
		`href="#gegeven"`,                          // the error summary links to the field
		`id="gegeven-fout"`, `aria-invalid="true"`, // the message at the field
		`value="Alle medische gegevens"`, `value="WMO-2026-12"`, ">Dagbesteding kiezen</textarea>", // kept as typed
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the form shown again lacks %s", want)
		}
	}
	if strings.Contains(body, "<h1>Er ging iets mis</h1>") || strings.Contains(body, "Wat u invulde klopt niet") {
		t.Error("a blanket request ends on the error page")
	}
	// A list of items is refused with the general one-item message, not the blanket one.
	_, _, body = e.post("/medewerker/toestemmingen", clerk, scForm(csrf, "medicijnen; uitslagen")...)
	if strings.Contains(body, "te ruim") || !strings.Contains(body, "Vraag toestemming voor één gegeven") {
		t.Error("a list of items does not get the one-item message")
	}
	if n := len(scStaffList(t, e, portal.ConsentFilter{})); n != 0 {
		t.Errorf("%d requests stored after refused forms", n)
	}
}

func scStaffList(t *testing.T, e *env, f portal.ConsentFilter) []portal.StaffConsent {
	t.Helper()
	cs, err := e.db.StaffConsents(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// scViews counts the staff views of consent requests in the subject's stored log.
func scViews(t *testing.T, e *env, subject int64) []portal.LoggedEvent {
	t.Helper()
	evs, _, err := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []portal.LoggedEvent
	for _, ev := range evs {
		if ev.Activity.ID == portal.ConsentActivity {
			out = append(out, ev)
		}
	}
	return out
}

var tsRef = regexp.MustCompile(`TS-\d{4}-\d{6}`)

func TestStaffSeeConsentAnswersAndTheReferenceIsUsedEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	clerk, csrf := e.staff("clerk")
	status, loc, _ := e.post("/medewerker/toestemmingen", clerk, scForm(csrf, "Medische informatie over uw knie")...)
	if status != 303 {
		t.Fatalf("ask: %d", status)
	}
	stored := scStaffList(t, e, portal.ConsentFilter{})
	if len(stored) != 1 || !portal.IsConsentReference(stored[0].Reference) {
		t.Fatalf("stored %+v", stored)
	}
	x := stored[0]
	ref := x.Reference
	if loc != "/medewerker/toestemmingen?toestemming="+ref {
		t.Errorf("after asking: to %s", loc)
	}
	subA := mustSubject(t, e, bsnA)
	if v := scViews(t, e, subA); len(v) != 0 {
		t.Errorf("asking recorded %d views", len(v))
	}
	_, body := e.do("GET", loc, clerk, "", nil)
	if !strings.Contains(body, "Vraag om toestemming "+ref+" is verstuurd") || !strings.Contains(body, portal.MaskBSN(bsnA)) ||
		strings.Contains(body, bsnA) || !strings.Contains(body, "Wacht op antwoord") {
		t.Error("the staff list lacks the new request, its reference, the masked BSN or its state (or shows the BSN)")
	}

	// The citizen sees the reference, grants with a remark.
	ca, ccsrf := e.citizen(bsnA)
	for _, p := range []string{"/toestemmingen", "/toestemmingen/" + x.ID} {
		if _, body := e.do("GET", p, ca, "", nil); !strings.Contains(body, ref) {
			t.Errorf("%s lacks the reference %s", p, ref)
		}
	}
	if status, _, _ := e.post("/toestemmingen/"+x.ID+"/besluit", ca, "csrf", ccsrf, "besluit", "granted", "opmerking", "alleen over mijn knie"); status != 303 {
		t.Fatalf("grant: %d", status)
	}
	resp, js := e.do("GET", "/toestemmingen/"+x.ID+"/bewijs.json", ca, "", nil)
	if !strings.Contains(js, `"consentReference": "`+ref+`"`) || !strings.Contains(resp.Header.Get("Content-Disposition"), ref) {
		t.Errorf("receipt JSON lacks the reference: %s", js)
	}
	_, pdf := e.do("GET", "/toestemmingen/"+x.ID+"/bewijs.pdf", ca, "", nil)
	if !strings.Contains(pdfText(t, pdf), ref) {
		t.Error("receipt PDF lacks the reference")
	}

	// Staff see the answer, that there is a remark, and filter; the remark itself is read on the request's
	// own page, whose opening is recorded in the citizen's log (listing records nothing, so it shows no
	// citizen's words).
	_, body = e.do("GET", "/medewerker/toestemmingen", clerk, "", nil)
	if strings.Contains(body, "alleen over mijn knie") || !strings.Contains(body, "lees de opmerking") ||
		!strings.Contains(body, "Toestemming gegeven") || !strings.Contains(body, "De inwoner zelf") {
		t.Error("the staff list should show the state, who decided and that there is a remark, not the remark itself")
	}
	for q, want := range map[string]bool{"status=granted": true, "status=refused": false, "status=pending": false,
		"zoek=" + strings.ToLower(ref): true, "zoek=TS-1999": false, "zoek=wmo-2026": true,
		"van=" + time.Now().AddDate(0, 0, -1).Format("2006-01-02"): true, "tot=" + time.Now().AddDate(0, 0, -2).Format("2006-01-02"): false} {
		resp, body := e.do("GET", "/medewerker/toestemmingen?"+q, clerk, "", nil)
		if resp.StatusCode != 200 || strings.Contains(body, "/medewerker/toestemmingen/"+x.ID) != want {
			t.Errorf("filter %s: %d, listed %v, want %v", q, resp.StatusCode, !want, want)
		}
	}
	resp, body = e.do("GET", "/medewerker/toestemmingen?van=gisteren&status=granted", clerk, "", nil)
	if resp.StatusCode != 422 || !strings.Contains(body, `href="#van"`) || !strings.Contains(body, `value="gisteren"`) {
		t.Errorf("a date that is not one: %d", resp.StatusCode)
	}
	if v := scViews(t, e, subA); len(v) != 0 {
		t.Errorf("listing recorded %d views", len(v))
	}

	// Opening the request is a view of the citizen's data, recorded in their log with the reference.
	resp, body = e.do("GET", "/medewerker/toestemmingen/"+x.ID, clerk, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "alleen over mijn knie") || !strings.Contains(body, ref) {
		t.Fatalf("detail: %d", resp.StatusCode)
	}
	views := scViews(t, e, subA)
	if len(views) != 1 || views[0].CaseRef != ref || views[0].Actor.EmployeeID != "medewerker" || views[0].Action != "view" {
		t.Fatalf("views in the citizen's log: %+v", views)
	}
	_, body = e.do("GET", "/verwerkingen/"+views[0].ID, ca, "", nil)
	if !strings.Contains(body, "Uw toestemming vragen en bijhouden") {
		t.Error("the citizen's log does not explain the view")
	}

	// Log lines cite the consent by reference or by UUID: both name the TS reference and link to it.
	after := time.Now() // after the grant, which the portal stored on the real clock
	byRef := event(bsnA, after, func(ev *portal.Event) { ev.AccessBasis, ev.ConsentRef = portal.BasisConsent, ref })
	byID := event(bsnA, after, func(ev *portal.Event) { ev.AccessBasis, ev.ConsentRef = portal.BasisConsent, x.ID })
	before := event(bsnA, time.Now().Add(-72*time.Hour), func(ev *portal.Event) { ev.AccessBasis, ev.ConsentRef = portal.BasisConsent, ref })
	e.ingest(byRef, byID, before)
	for _, ev := range []portal.Event{byRef, byID} {
		got, err := e.db.Event(ctx, subA, ev.ID)
		if err != nil || got.ConsentCovered == nil || !*got.ConsentCovered {
			t.Fatalf("event citing %s: covered %v, %v", ev.ConsentRef, got.ConsentCovered, err)
		}
		_, body := e.do("GET", "/verwerkingen/"+ev.ID, ca, "", nil)
		if !strings.Contains(body, "toestemming "+ref+")") || !strings.Contains(body, `href="/toestemmingen/`+x.ID+`"`) || strings.Contains(body, "toestemming "+x.ID) {
			t.Errorf("the line citing %s does not name %s or link to the consent", ev.ConsentRef, ref)
		}
	}
	// The overview counts the two covered lines, not the one before the grant.
	s, err := e.db.Summary(ctx, subA)
	if err != nil || s.Consent != 2 {
		t.Errorf("summary consent %d (%v), want 2", s.Consent, err)
	}
	_, body = e.do("GET", "/overzicht", ca, "", nil)
	if !strings.Contains(body, `<span class="stat-value">2</span> <span class="stat-label">Met uw toestemming`) {
		t.Error("the overview does not count 2 lines with consent")
	}
	if got := tsRef.FindAllString(body, -1); len(got) > 0 && got[0] != ref {
		t.Errorf("another reference on the overview: %v", got)
	}

}
