package web_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// checkFieldError asserts that the page shows the form again with an error at input in: a line in
// the error summary that links to it, a message beside it that its aria-describedby names, and (when
// want is set) a message that says the rule.
func checkFieldError(t *testing.T, body, in, want string) {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if d.Find(`.error-summary a[href="#`+in+`"]`).Length() != 1 {
		t.Errorf("the error summary does not link to #%s", in)
	}
	// The field names its message (besides any hint).
	if got, _ := d.Find("#" + in).Attr("aria-describedby"); !slices.Contains(strings.Fields(got), in+"-fout") {
		t.Errorf("#%s aria-describedby=%q, want it to hold %q", in, got, in+"-fout")
	}
	msg := strings.TrimSpace(d.Find("#" + in + "-fout.field-error").Text())
	if msg == "" {
		t.Errorf("no message at #%s", in)
	}
	if want != "" && !strings.Contains(msg, want) {
		t.Errorf("message at #%s is %q, want it to say %q", in, msg, want)
	}
}

// valueOf returns what the page's form holds in input (or textarea, or the checked option) sel.
func valueOf(t *testing.T, body, sel string) string {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	s := d.Find(sel)
	switch goquery.NodeName(s) {
	case "textarea":
		return s.Text()
	case "select":
		v, _ := s.Find("option[selected]").Attr("value")
		return v
	}
	v, _ := s.Attr("value")
	return v
}

// TestStaffSignalFormShowsFieldErrors: a new signal with a wrong BSN, no summary and a deferral
// without motivation comes back (422) as typed, with the rule at each field, and nothing is stored.
func TestStaffSignalFormShowsFieldErrors(t *testing.T) {
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, csrf := e.staff("clerk")
	today := time.Now().Format("2006-01-02")
	status, _, body := e.post("/medewerker/signalen", clerk, "csrf", csrf, "bsn", "123456789", "ontvangen", today,
		"melder", "school", "melder_naam", "Meester Jansen", "categorie", "neglect", "samenvatting", " ", "urgentie", "crisis",
		"team", "Veilig Thuis Noord", "uitstellen", "ja", "reden", "investigation", "motivering", "",
		"herzien", time.Now().AddDate(0, 0, 14).Format("2006-01-02"))
	if status != 422 {
		t.Fatalf("status %d, want 422: %.300s", status, body)
	}
	checkFieldError(t, body, "bsn", "elfproef")
	checkFieldError(t, body, "samenvatting", "")
	checkFieldError(t, body, "motivering", "")
	for sel, want := range map[string]string{"#bsn": "123456789", "#melder_naam": "Meester Jansen", "#team": "Veilig Thuis Noord",
		"#melder": "school", "#categorie": "neglect", "#urgentie": "crisis", "#reden": "investigation", "#ontvangen": today} {
		if got := valueOf(t, body, sel); got != want {
			t.Errorf("%s holds %q, want %q as typed", sel, got, want)
		}
	}
	if !strings.Contains(body, `id="uitstellen" name="uitstellen" value="ja" checked`) {
		t.Error("the deferral box is no longer ticked")
	}
	if ss, err := e.db.StaffSignals(context.Background(), 10); err != nil || len(ss) != 0 {
		t.Errorf("%d signals stored (%v), want none", len(ss), err)
	}
}

// TestStaffConsentFormShowsFieldErrors: blanket consent ("Alle medische gegevens") comes back (422)
// as typed, saying at the field that one data item is asked per request, and nothing is stored.
func TestStaffConsentFormShowsFieldErrors(t *testing.T) {
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, csrf := e.staff("clerk")
	until := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	for _, lang := range []struct{ cookie, rule string }{{"", "is te ruim (geen algemene toestemming)"}, {"en", "is too broad (no general consent)"}} {
		t.Run("lang="+lang.cookie, func(t *testing.T) {
			fields := []string{"csrf", csrf, "bsn", bsnA, "zaak", "Z-2026-7", "team", "Wijkteam Noord", "functie", "Wmo-consulent",
				"gegeven", "Alle medische gegevens", "houder", "Huisartsenpraktijk De Linde", "doel", "Passende zorg bepalen",
				"noodzaak", "Zonder deze gegevens kunnen we niet beslissen", "grond", "Toestemming (AVG art. 6 lid 1 sub a)",
				"weigeren", "We besluiten op wat we wel weten", "tot", until}
			cookieHdr := []string{}
			if lang.cookie != "" {
				cookieHdr = []string{"Cookie", "__Host-inzicht_session=" + clerk + "; __Host-inzicht_lang=" + lang.cookie}
			}
			var status int
			var body string
			if len(cookieHdr) == 0 {
				status, _, body = e.post("/medewerker/toestemmingen", clerk, fields...)
			} else {
				resp, b := e.do("POST", "/medewerker/toestemmingen", "", "", formBody(fields...), append(formCT, cookieHdr...)...)
				status, body = resp.StatusCode, b
			}
			if status != 422 {
				t.Fatalf("status %d, want 422: %.300s", status, body)
			}
			checkFieldError(t, body, "gegeven", lang.rule)
			for sel, want := range map[string]string{"#gegeven": "Alle medische gegevens", "#zaak": "Z-2026-7", "#bsn": bsnA,
				"#houder": "Huisartsenpraktijk De Linde", "#doel": "Passende zorg bepalen", "#tot": until} {
				if got := valueOf(t, body, sel); got != want {
					t.Errorf("%s holds %q, want %q as typed", sel, got, want)
				}
			}
			if d, _ := goquery.NewDocumentFromReader(strings.NewReader(body)); d.Find(".field-error").Length() != 1 {
				t.Errorf("%d field errors, want only the data item's", d.Find(".field-error").Length())
			}
		})
	}
	subject := mustSubject(t, e, bsnA)
	if cs, err := e.db.CitizenConsents(context.Background(), subject); err != nil || len(cs) != 0 {
		t.Errorf("%d consent requests stored (%v), want none", len(cs), err)
	}
}

// TestDecisionFormShowsFieldErrors: a rejection without motivation, a partly granted correction
// without corrections and an extension without its reason come back (422) as typed, with the rule at
// the field; the request stays as it was, and showing the form again records no view in the
// citizen's log.
func TestDecisionFormShowsFieldErrors(t *testing.T) {
	e := newEnv(t, web.Config{}, web.Deps{})
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)))
	ca, csrf := e.citizen(bsnA)
	subject := mustSubject(t, e, bsnA)
	clerk, ccsrf := e.staff("clerk")
	file := func(kind portal.RequestKind) string {
		t.Helper()
		_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", string(kind), "omvang", "alles", "toelichting", "Mijn adres klopt niet")
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
		if status, _, _ := e.post("/medewerker/verzoeken/"+id+"/behandelen", clerk, "csrf", ccsrf); status != 303 {
			t.Fatalf("start %s: %d", kind, status)
		}
		return id
	}
	views := func() int {
		t.Helper()
		evs, _, err := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	cases := []struct {
		action    string // besluiten unless set
		name      string
		kind      portal.RequestKind
		fields    []string
		errAt     string
		rule      string
		kept      map[string]string
		checked   string
		noErrorAt string
	}{
		{name: "rejection without motivation", kind: portal.KindInspection, fields: []string{"besluit", "afgewezen"},
			errAt: "toelichting", rule: "motivering", checked: "afgewezen", noErrorAt: "besluit"},
		{name: "partial correction without corrections", kind: portal.KindCorrection,
			fields: []string{"besluit", "deels_toegewezen", "toelichting", "Alleen het huisnummer was fout."},
			errAt:  "correcties", rule: "verbeterd", checked: "deels_toegewezen", noErrorAt: "toelichting",
			kept: map[string]string{"#toelichting": "Alleen het huisnummer was fout."}},
		{action: "verlengen", name: "extension without its reason", kind: portal.KindInspection,
			fields: []string{"maanden", "2", "toelichting", "  "}, errAt: "reden", rule: "meer tijd", noErrorAt: "maanden",
			kept: map[string]string{"#maanden": "2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := file(tc.kind)
			before := views()
			action := tc.action
			if action == "" {
				action = "besluiten"
			}
			status, _, body := e.post("/medewerker/verzoeken/"+id+"/"+action, clerk, append([]string{"csrf", ccsrf}, tc.fields...)...)
			if status != 422 {
				t.Fatalf("status %d, want 422: %.300s", status, body)
			}
			checkFieldError(t, body, tc.errAt, tc.rule)
			if strings.Contains(body, `id="`+tc.noErrorAt+`-fout"`) {
				t.Errorf("an error at %s, which was filled in", tc.noErrorAt)
			}
			if tc.checked != "" && !strings.Contains(body, `value="`+tc.checked+`" checked`) {
				t.Errorf("the chosen outcome %s is no longer checked", tc.checked)
			}
			for sel, want := range tc.kept {
				if got := valueOf(t, body, sel); got != want {
					t.Errorf("%s holds %q, want %q as typed", sel, got, want)
				}
			}
			if strings.Contains(body, "Mijn adres klopt niet") {
				t.Error("the form shown again holds the citizen's own words: that would be an unrecorded view")
			}
			if after := views(); after != before {
				t.Errorf("showing the form again recorded %d events in the citizen's log, want none", after-before)
			}
			r, err := e.db.RequestByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != portal.StatusHandling {
				t.Errorf("the request is %s, want it still being handled", r.Status)
			}
		})
	}
}

func formBody(kv ...string) *strings.Reader {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return strings.NewReader(v.Encode())
}

// TestSignalActionFormsShowFieldErrors: a deferral request without motivation and a follow-up
// decision without a case number come back (422) as typed, with the rule at the field; nothing is
// stored, and showing the form again records no view of the signal in the citizen's log.
func TestSignalActionFormsShowFieldErrors(t *testing.T) {
	e := newEnv(t, web.Config{}, web.Deps{})
	clerk, csrf := e.staff("clerk")
	if status, _, body := e.post("/medewerker/signalen", clerk, "csrf", csrf, "bsn", bsnA, "ontvangen", time.Now().Format("2006-01-02"),
		"melder", "school", "categorie", "neglect", "samenvatting", "Zorgen over de verzorging", "urgentie", "normal",
		"team", "Veilig Thuis Noord"); status != 303 {
		t.Fatalf("register: %d %.300s", status, body)
	}
	ss, err := e.db.StaffSignals(context.Background(), 10)
	if err != nil || len(ss) != 1 {
		t.Fatalf("%d signals (%v)", len(ss), err)
	}
	id := ss[0].ID
	subject := mustSubject(t, e, bsnA)
	views := func() int {
		t.Helper()
		evs, _, err := e.db.Events(context.Background(), subject, portal.EventFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	// Opening the signal is recorded: the check below would see a re-read.
	before := views()
	e.do("GET", "/medewerker/signalen/"+id, clerk, "", nil)
	if views() == before {
		t.Fatal("opening a signal recorded no view; this test cannot tell")
	}
	review := time.Now().AddDate(0, 0, 14).Format("2006-01-02")
	cases := []struct {
		name, action, errAt, rule string
		fields                    []string
		kept                      map[string]string
		checked                   string
	}{
		{name: "deferral without motivation", action: "uitstel", errAt: "motivering", rule: "waarom",
			fields: []string{"reden", "investigation", "motivering", "", "herzien", review},
			kept:   map[string]string{"#reden": "investigation", "#herzien": review}},
		{name: "follow-up without case number", action: "bewaarbesluit", errAt: "zaak", rule: "zaaknummer",
			fields: []string{"besluit", portal.RetainAction, "zaak", " "}, checked: portal.RetainAction},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := views()
			status, _, body := e.post("/medewerker/signalen/"+id+"/"+tc.action, clerk, append([]string{"csrf", csrf}, tc.fields...)...)
			if status != 422 {
				t.Fatalf("status %d, want 422: %.300s", status, body)
			}
			checkFieldError(t, body, tc.errAt, tc.rule)
			for sel, want := range tc.kept {
				if got := valueOf(t, body, sel); got != want {
					t.Errorf("%s holds %q, want %q as typed", sel, got, want)
				}
			}
			if tc.checked != "" && !strings.Contains(body, `value="`+tc.checked+`" checked`) {
				t.Errorf("the chosen decision %s is no longer checked", tc.checked)
			}
			if strings.Contains(body, "Zorgen over de verzorging") {
				t.Error("the form shown again holds the signal's content: that would be an unrecorded view")
			}
			if after := views(); after != before {
				t.Errorf("showing the form again recorded %d events in the citizen's log, want none", after-before)
			}
			ss, err := e.db.StaffSignals(context.Background(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ss[0].Deferrals) != 0 || ss[0].Retention != "" {
				t.Errorf("stored: %d deferrals, retention %q", len(ss[0].Deferrals), ss[0].Retention)
			}
		})
	}
}

// TestConsentAnswerShowsFieldErrors: a citizen's answer without a choice comes back (422) with the
// rule at the choice and the comment as typed; the request stays open.
func TestConsentAnswerShowsFieldErrors(t *testing.T) {
	e := newEnv(t, web.Config{}, web.Deps{})
	x, _, err := e.db.CreateConsent(context.Background(), portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsnA, CaseRef: "Z-1",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente", Role: "Consulent"}, DataItem: "Medische informatie",
		DataHolder: "Uw huisarts", Purpose: "Dagbesteding", Necessity: "Om te weten wat past", LegalGround: "Beroepsgeheim",
		IfRefused: "We besluiten zonder", ValidUntil: time.Now().AddDate(0, 6, 0).Format("2006-01-02")}, "staff", 0)
	if err != nil {
		t.Fatal(err)
	}
	ca, csrf := e.citizen(bsnA)
	status, _, body := e.post("/toestemmingen/"+x.ID+"/besluit", ca, "csrf", csrf, "opmerking", "Ik wil eerst met mijn huisarts praten.")
	if status != 422 {
		t.Fatalf("status %d, want 422: %.300s", status, body)
	}
	checkFieldError(t, body, "besluit", "toestemming")
	if got := valueOf(t, body, "#opmerking"); got != "Ik wil eerst met mijn huisarts praten." {
		t.Errorf("the comment holds %q, want it as typed", got)
	}
	got, err := e.db.CitizenConsent(context.Background(), mustSubject(t, e, bsnA), x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != portal.ConsentPending {
		t.Errorf("the request is %s, want it still pending", got.Status)
	}
}
