package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// Issue 18: texts from the API in English on the citizen's English pages, the "only in Dutch" note,
// destroyed signals, and the access alert after a clerk's view.

const dutchOnly = "This text is only available in Dutch."

// getIn fetches path as the citizen in language l ("nl" or "en") and parses it.
func (e *env) getIn(cookie, l, path string) (int, *goquery.Document, string) {
	e.t.Helper()
	resp, body := e.do("GET", path, "", "", nil, "Cookie", "__Host-inzicht_session="+cookie+"; __Host-inzicht_lang="+l)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, doc, body
}

// apiPost sends a JSON body to the API mounted at /api/v1 and returns the status and body.
func (e *env) apiPost(key, path string, v any) (int, string) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, body := e.do("POST", "/api/v1"+path, "", key, bytes.NewReader(b), "Content-Type", "application/json")
	return resp.StatusCode, body
}

// TestEnglishTextsOnCitizenPages: A's consent request and signal came with English texts, B's
// without. On English pages A reads English; B reads the Dutch texts marked lang="nl" with the note
// that they are only in Dutch; on Dutch pages both read Dutch and no note. What was stored is checked.
func TestEnglishTextsOnCitizenPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	_, key, err := e.db.CreateAPIKey(ctx, "wmo", []string{"consent:write", "signals:write"})
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	consent := func(bsn string, en map[string]any) string {
		id := uuid.NewString()
		b := map[string]any{"id": id, "subject_bsn": bsn, "case_ref": "WMO-7",
			"requested_by": map[string]any{"organization": "Gemeente Voorbeeldstad", "role": "Wmo-consulent"},
			"data_item":    "Uitslag van het knieonderzoek", "data_holder": "Uw huisarts", "purpose": "Passende hulp bij het lopen",
			"necessity": "Om te zien wat u nodig heeft", "legal_ground": "Uw huisarts heeft een beroepsgeheim",
			"if_refused": "We kiezen samen met u zonder deze uitslag", "valid_until": until}
		if en != nil {
			b["en"] = en
		}
		if status, body := e.apiPost(key, "/consent-requests", b); status != 201 {
			t.Fatalf("consent request: %d %s", status, body)
		}
		return id
	}
	signal := func(bsn string, en map[string]any) string {
		id := uuid.NewString()
		b := map[string]any{"id": id, "subject_bsn": bsn, "received_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
			"reporter_kind": "school", "nature": map[string]any{"category": "wellbeing", "summary": "Leerling is vaak afwezig"},
			"urgency": "normal", "handling_team": "Wijkteam Noord", "summary_for_subject": "De school maakt zich zorgen omdat u vaak afwezig bent."}
		if en != nil {
			b["en"] = en
		}
		if status, body := e.apiPost(key, "/signals", b); status != 201 {
			t.Fatalf("signal: %d %s", status, body)
		}
		return id
	}
	consentA := consent(bsnA, map[string]any{"data_item": "Result of the knee examination", "data_holder": "Your GP",
		"purpose": "The right help with walking", "necessity": "To see what you need", "legal_ground": "Your GP has a duty of confidentiality",
		"if_refused": "We choose together with you without this result", "requester_role": "Social support adviser"})
	consentB := consent(bsnB, nil)
	signalA := signal(bsnA, map[string]any{"summary_for_subject": "The school is worried because you are often absent.", "handling_team": "District Team North"})
	signalB := signal(bsnB, nil)

	// Stored: A's request and signal have English texts, B's none.
	subA, subB := mustSubject(t, e, bsnA), mustSubject(t, e, bsnB)
	if c, err := e.db.CitizenConsent(ctx, subA, consentA); err != nil || c.EN == nil || c.EN.DataHolder != "Your GP" {
		t.Fatalf("A's stored request: %+v %v", c.EN, err)
	}
	if c, err := e.db.CitizenConsent(ctx, subB, consentB); err != nil || c.EN != nil {
		t.Fatalf("B's stored request has English texts: %+v %v", c.EN, err)
	}
	if s, err := e.db.CitizenSignal(ctx, subA, "", signalA); err != nil || s.EN == nil || s.EN.HandlingTeam != "District Team North" {
		t.Fatalf("A's stored signal: %+v %v", s.EN, err)
	}
	if s, err := e.db.CitizenSignal(ctx, subB, "", signalB); err != nil || s.EN != nil {
		t.Fatalf("B's stored signal has English texts: %+v %v", s.EN, err)
	}

	ca, acsrf := e.citizen(bsnA)
	cb, bcsrf := e.citizen(bsnB)
	type page struct {
		who, lang, path string
		want, not       []string
		dutchMarked     int // elements with lang="nl" in main
	}
	for _, p := range []page{
		{"A", "en", "/toestemmingen/" + consentA, []string{"Result of the knee examination", "Your GP", "The right help with walking", "duty of confidentiality",
			"Social support adviser"}, []string{dutchOnly, "Uitslag van het knieonderzoek", "beroepsgeheim", "Wmo-consulent"}, 0},
		{"A", "en", "/toestemmingen", []string{"Result of the knee examination — Your GP", "The right help with walking"}, []string{dutchOnly, "knieonderzoek"}, 0},
		{"A", "nl", "/toestemmingen/" + consentA, []string{"Uitslag van het knieonderzoek", "beroepsgeheim", "Wmo-consulent"}, []string{"knee", dutchOnly, "alleen in het Nederlands", "adviser"}, 0},
		{"B", "en", "/toestemmingen/" + consentB, []string{dutchOnly, "Uitslag van het knieonderzoek", "beroepsgeheim", "Wmo-consulent"}, []string{"knee"}, 7},
		{"B", "en", "/toestemmingen", []string{dutchOnly, "Uitslag van het knieonderzoek — Uw huisarts"}, nil, 2},
		{"B", "nl", "/toestemmingen/" + consentB, []string{"Uitslag van het knieonderzoek"}, []string{"alleen in het Nederlands"}, 0},
		{"A", "en", "/signalen/" + signalA, []string{"The school is worried", "District Team North"}, []string{dutchOnly, "De school maakt zich zorgen", "Wijkteam Noord"}, 0},
		{"A", "en", "/signalen", []string{"District Team North"}, []string{"Wijkteam Noord"}, 0},
		{"A", "nl", "/signalen/" + signalA, []string{"De school maakt zich zorgen", "Wijkteam Noord"}, []string{"The school is worried"}, 0},
		{"B", "en", "/signalen/" + signalB, []string{dutchOnly, "De school maakt zich zorgen", "Wijkteam Noord"}, nil, 2},
		{"B", "en", "/signalen", []string{"Wijkteam Noord"}, nil, 1},
	} {
		cookie := ca
		if p.who == "B" {
			cookie = cb
		}
		status, doc, body := e.getIn(cookie, p.lang, p.path)
		if status != 200 {
			t.Errorf("%s %s %s: %d", p.who, p.lang, p.path, status)
			continue
		}
		main := doc.Find("main")
		text := main.Text()
		for _, w := range p.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %s %s lacks %q", p.who, p.lang, p.path, w)
			}
		}
		for _, n := range p.not {
			if strings.Contains(body, n) {
				t.Errorf("%s %s %s shows %q", p.who, p.lang, p.path, n)
			}
		}
		if n := main.Find(`[lang="nl"]`).Length(); n != p.dutchMarked {
			t.Errorf("%s %s %s: %d elements marked Dutch, want %d", p.who, p.lang, p.path, n, p.dutchMarked)
		}
		// Every Dutch text on an English page is marked Dutch: the Dutch words never stand unmarked.
		if p.lang == "en" && p.dutchMarked > 0 {
			clone := main.Clone()
			clone.Find(`[lang="nl"]`).Remove()
			if t2 := clone.Text(); strings.Contains(t2, "knieonderzoek") || strings.Contains(t2, "De school maakt") {
				t.Errorf("%s %s %s: a Dutch text is not marked lang=nl", p.who, p.lang, p.path)
			}
		}
	}
	// B grants, then asks to withdraw: the confirmation quotes what refusing means, marked Dutch.
	e.grant(cb, bcsrf, consentB)
	_, doc, _ := e.getIn(cb, "en", "/toestemmingen/"+consentB+"/intrekken")
	if q := doc.Find(`.confirm p[lang="nl"]`).Text(); q != "We kiezen samen met u zonder deze uitslag" {
		t.Errorf("withdrawal confirmation quotes %q", q)
	}
	_, doc, _ = e.getIn(ca, "en", "/toestemmingen/"+consentA)
	if doc.Find(`main [lang="nl"]`).Length() != 0 {
		t.Error("A's English request has Dutch-marked parts")
	}
	// The receipts say what the pages say: A's English receipt in English, B's with the Dutch texts,
	// said so and marked Dutch.
	e.grant(ca, acsrf, consentA)
	_, doc, _ = e.getIn(ca, "en", "/toestemmingen/"+consentA+"/bewijs")
	if txt := doc.Find("article").Text(); !strings.Contains(txt, "The right help with walking") || strings.Contains(txt, "knieonderzoek") ||
		strings.Contains(txt, "only available in Dutch") || doc.Find(`article [lang="nl"]`).Length() != 0 {
		t.Errorf("A's English receipt: %.400s", txt)
	}
	_, doc, _ = e.getIn(cb, "en", "/toestemmingen/"+consentB+"/bewijs")
	if txt := doc.Find("article").Text(); !strings.Contains(txt, "The texts of the request below are only available in Dutch.") ||
		doc.Find(`article p[lang="nl"]`).Length() != 6 || !strings.Contains(doc.Find(`article p[lang="nl"]`).Text(), "Uitslag van het knieonderzoek") {
		t.Errorf("B's English receipt does not say or mark its Dutch texts: %d marked", doc.Find(`article p[lang="nl"]`).Length())
	}
}

// grant records the citizen's consent through the form.
func (e *env) grant(cookie, csrf, id string) {
	e.t.Helper()
	if status, _, body := e.post("/toestemmingen/"+id+"/besluit", cookie, "csrf", csrf, "besluit", "granted"); status != 303 {
		e.t.Fatalf("grant: %d %s", status, body)
	}
}

// TestDestroyedSignalPage: a destroyed signal's page says what was destroyed and when and what the
// person can still do (a question, contact); it offers no inspection, correction or objection, in
// Dutch and in English; the list says it too. A signal not destroyed keeps its three actions.
func TestDestroyedSignalPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	now := time.Now()
	reg := func() string {
		ns := portal.NewSignal{ID: uuid.NewString(), SubjectBSN: bsnA, ReceivedAt: now.Add(-time.Hour), ReporterKind: "neighbourhood",
			Nature: portal.Nature{Category: "nuisance", Summary: "Geluidsoverlast"}, Urgency: "normal", HandlingTeam: "Wijkteam Zuid",
			SummaryForSubject: "Een buur meldt geluidsoverlast."}
		if err := ns.Validate(now); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil {
			t.Fatal(err)
		}
		return ns.ID
	}
	gone, kept := reg(), reg()
	clerk := portal.Staff{Sub: "clerk-1", Name: "Carla Klerk", Roles: []string{portal.RoleClerk}}
	if err := e.db.DecideRetention(ctx, gone, clerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	ca, _ := e.citizen(bsnA)
	for _, l := range []struct {
		lang, lead, question, contact string
	}{
		{"nl", "Deze melding is vernietigd op", "Ik heb een vraag over deze melding", "Contact met de gemeente"},
		{"en", "This report was destroyed on", "I have a question about this report", "Contact the municipality"},
	} {
		status, doc, body := e.getIn(ca, l.lang, "/signalen/"+gone)
		if status != 200 {
			t.Fatalf("%s: %d", l.lang, status)
		}
		main := doc.Find("main")
		if !strings.Contains(main.Find(".lead").Text(), l.lead) {
			t.Errorf("%s: the page does not lead with the destruction: %q", l.lang, main.Find(".lead").Text())
		}
		for _, soort := range []string{"inzage", "rectificatie", "bezwaar"} {
			if main.Find(`a[href*="soort=`+soort+`"]`).Length() != 0 {
				t.Errorf("%s: a destroyed signal offers %s", l.lang, soort)
			}
		}
		if q := main.Find(`a[href="/verzoeken/nieuw?melding=` + gone + `&soort=vraag"]`); strings.TrimSpace(q.Text()) != l.question {
			t.Errorf("%s: question link %q", l.lang, q.Text())
		}
		if c := main.Find(`a[href="/contact"]`); strings.TrimSpace(c.Text()) != l.contact {
			t.Errorf("%s: contact link %q", l.lang, c.Text())
		}
		if strings.Contains(body, "geluidsoverlast") || strings.Contains(body, "Wijkteam Zuid") {
			t.Errorf("%s: destroyed content on the page", l.lang)
		}
		// The question form opens for it.
		if status, _, _ := e.getIn(ca, l.lang, "/verzoeken/nieuw?melding="+gone+"&soort=vraag"); status != 200 {
			t.Errorf("%s: question form: %d", l.lang, status)
		}
		// The list says it was destroyed.
		_, list, _ := e.getIn(ca, l.lang, "/signalen")
		item := list.Find(`a[href="/signalen/` + gone + `"]`).Closest("li")
		if !strings.Contains(item.Text(), map[string]string{"nl": "vernietigd op", "en": "destroyed on"}[l.lang]) {
			t.Errorf("%s: list item %q", l.lang, item.Text())
		}
		// A signal not yet decided on says by when the decision comes, not a dash.
		keptItem := list.Find(`a[href="/signalen/` + kept + `"]`).Closest("li")
		if want := map[string]string{"nl": "Het besluit komt uiterlijk op", "en": "It comes by"}[l.lang]; !strings.Contains(keptItem.Text(), want) ||
			strings.Contains(keptItem.Find("dd").Text(), "—") {
			t.Errorf("%s: undecided list item %q", l.lang, keptItem.Text())
		}
		// A signal not destroyed keeps its actions.
		_, other, _ := e.getIn(ca, l.lang, "/signalen/"+kept)
		for _, soort := range []string{"inzage", "rectificatie", "bezwaar"} {
			if other.Find(`main a[href*="soort=`+soort+`"]`).Length() != 1 {
				t.Errorf("%s: a kept signal lacks %s", l.lang, soort)
			}
		}
	}
}

// TestStaffViewAlertInInbox: A asks for a message when anyone uses their data, B does not. A clerk
// opens a signal about each: A's inbox has one message about the clerk's view, with no personal
// content in the e-mail job's arguments; B's has none.
func TestStaffViewAlertInInbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	now := time.Now()
	ca, acsrf := e.citizen(bsnA)
	cb, _ := e.citizen(bsnB)
	if status, loc, _ := e.post("/instellingen/keuzes", ca, "csrf", acsrf, "alert_any", "1", "mail_requests", "1"); status != 303 {
		t.Fatalf("save choices: %d %s", status, loc)
	}
	var ids []string
	for _, bsn := range []string{bsnA, bsnB} {
		ns := portal.NewSignal{ID: uuid.NewString(), SubjectBSN: bsn, ReceivedAt: now.Add(-time.Hour), ReporterKind: "school",
			Nature: portal.Nature{Category: "wellbeing", Summary: "Vaak afwezig"}, Urgency: "normal", HandlingTeam: "Wijkteam Noord"}
		if err := ns.Validate(now); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.db.RegisterSignal(ctx, ns, "api", 0, nil, nil, portal.SignalPolicy{}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ns.ID)
	}
	clerk, _ := e.staffAs("clerk-7", "Carla Klerk", portal.RoleClerk)
	for _, id := range ids {
		if status, _ := e.get(clerk, "/medewerker/signalen/"+id); status != 200 {
			t.Fatalf("clerk opens signal: %d", status)
		}
	}
	count := func(bsn string) int {
		ms, err := e.db.Messages(ctx, mustSubject(t, e, bsn), 50)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range ms {
			if m.Kind == portal.MessageAccessAlert {
				n++
			}
		}
		return n
	}
	if count(bsnA) != 1 || count(bsnB) != 0 {
		t.Fatalf("alerts: A %d (want 1), B %d (want 0)", count(bsnA), count(bsnB))
	}
	_, doc, _ := e.getIn(ca, "en", "/berichten")
	if !strings.Contains(doc.Find("main").Text(), "Someone used your data. You asked for this message.") {
		t.Error("A's inbox lacks the alert")
	}
	if _, doc, _ := e.getIn(cb, "en", "/berichten"); strings.Contains(doc.Find("main").Text(), "Someone used your data") {
		t.Error("B got an alert without asking")
	}
}
