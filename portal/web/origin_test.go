package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestChainOrigin: an event received as a span that was part of a chain started at another
// organisation (LDV foreign operation) tells the citizen so on its detail page, naming the
// organisation when the register knows its URI, else its web address; staff see the span's ids.
func TestChainOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	svb := portal.Activity{ID: "svb-aow", Name: portal.Text{NL: "AOW", EN: "State pension"},
		Purpose: portal.Text{NL: "Pensioen", EN: "Pension"}, LegalBasis: portal.Text{NL: "AOW", EN: "AOW"},
		DataCategories: []string{"identity"}, Retention: "P5Y", Controller: "Sociale Verzekeringsbank",
		URI: "https://svb.example/register/aow"}
	if _, err := e.db.PutActivity(ctx, svb); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	span := func(trace, id string, foreign *portal.ForeignOperation) func(*portal.Event) {
		return func(ev *portal.Event) {
			ev.Span = &portal.Span{TraceID: strings.Repeat(trace, 16), SpanID: strings.Repeat(id, 8), ParentSpanID: strings.Repeat("0e", 8),
				Name: "dossier bekijken", Foreign: foreign}
		}
	}
	own := event(bsnA, now.Add(-3*time.Hour), span("a1", "b1", &portal.ForeignOperation{TraceID: strings.Repeat("f1", 16),
		SpanID: strings.Repeat("f2", 8), Entity: "https://svb.example"}), func(ev *portal.Event) {
		ev.AccessBasis, ev.BreakGlassReason = portal.BasisBreakGlass, "Spoed"
	})
	viaChain := event(bsnA, now.Add(-2*time.Hour), span("a2", "b2", nil))
	plain := event(bsnA, now.Add(-time.Hour), span("a3", "b3", nil))
	// An entity that is an OIN as a URN names the organisation of that OIN.
	if _, err := e.db.PutOrganisation(ctx, portal.Organisation{OIN: "00000001003214345000", Name: "Belastingdienst"}); err != nil {
		t.Fatal(err)
	}
	byOIN := event(bsnA, now.Add(-4*time.Hour), span("a4", "b4", &portal.ForeignOperation{TraceID: strings.Repeat("f5", 16),
		SpanID: strings.Repeat("f6", 8), Entity: "urn:nl:oin:00000001003214345000"}))
	e.ingest(own, viaChain, plain, byOIN)
	key, _, err := e.db.CreateAPIKey(ctx, "zaaksysteem", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.StoreChainSpans(ctx, key.ID, []portal.ChainSpan{{Span: portal.Span{TraceID: strings.Repeat("a2", 16),
		SpanID: strings.Repeat("c2", 8), Name: "verzoek ontvangen", Foreign: &portal.ForeignOperation{TraceID: strings.Repeat("f3", 16),
			SpanID: strings.Repeat("f4", 8), Entity: "https://www.belastingdienst.example/oin/123"}}, StartedAt: now.Add(-2 * time.Hour), System: "zaaksysteem"}}); err != nil {
		t.Fatal(err)
	}

	ca, _ := e.citizen(bsnA)
	for _, c := range []struct {
		id, want string
	}{
		{own.ID, "Deze verwerking hoorde bij een verzoek van Sociale Verzekeringsbank."},
		{viaChain.ID, "Deze verwerking hoorde bij een verzoek van een andere organisatie (www.belastingdienst.example)."},
		{plain.ID, ""},
		{byOIN.ID, "Deze verwerking hoorde bij een verzoek van Belastingdienst."},
	} {
		resp, page := e.do("GET", "/verwerkingen/"+c.id, ca, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", c.id, resp.StatusCode)
		}
		if c.want != "" && !strings.Contains(page, c.want) {
			t.Errorf("%s: the detail page lacks %q", c.id, c.want)
		}
		if c.want == "" && strings.Contains(page, "hoorde bij een verzoek") {
			t.Errorf("%s: the detail page names a request from another organisation", c.id)
		}
		if strings.Contains(page, strings.Repeat("a1", 16)) || strings.Contains(page, "Trace-id") {
			t.Errorf("%s: the citizen sees trace ids", c.id)
		}
	}
	resp, page := e.do("GET", "/verwerkingen/"+own.ID, ca, "", nil, "Accept-Language", "en")
	_ = resp
	if !strings.Contains(page, "This processing was part of a request from Sociale Verzekeringsbank.") &&
		!strings.Contains(page, "Deze verwerking hoorde bij een verzoek van Sociale Verzekeringsbank.") {
		t.Error("the English detail page lacks the origin")
	}

	// The privacy officer sees the break-the-glass event's span and foreign operation.
	officer, _ := e.staff("privacy_officer")
	_, page = e.do("GET", "/toezicht", officer, "", nil)
	for _, want := range []string{strings.Repeat("a1", 16), strings.Repeat("b1", 8), strings.Repeat("0e", 8), "dossier bekijken",
		strings.Repeat("f1", 16), strings.Repeat("f2", 8), "https://svb.example", `role="group" aria-label="Herkomst in het logboek (OpenTelemetry)"`} {
		if !strings.Contains(page, want) {
			t.Errorf("oversight lacks %q", want)
		}
	}
}

// TestClerkSeesSpanIDs: the clerk's view of a request shows, for an event received as a span, its
// trace, span and parent span id, name and foreign operation; the citizen's own pages do not.
func TestClerkSeesSpanIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ev := event(bsnA, time.Now().Add(-24*time.Hour), func(ev *portal.Event) {
		ev.Span = &portal.Span{TraceID: strings.Repeat("9a", 16), SpanID: strings.Repeat("9b", 8), Name: "besluit nemen",
			Foreign: &portal.ForeignOperation{TraceID: strings.Repeat("9c", 16), SpanID: strings.Repeat("9d", 8),
				Entity: "urn:nl:oin:00000009876543210000"}}
	})
	if _, err := e.db.PutOrganisation(context.Background(), portal.Organisation{OIN: "00000009876543210000", Name: "UWV"}); err != nil {
		t.Fatal(err)
	}
	e.ingest(ev)
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles", "toelichting", "Welke gegevens?")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	clerk, _ := e.staff("clerk")
	resp, body := e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("request page: %d", resp.StatusCode)
	}
	for _, want := range []string{"<code>" + strings.Repeat("9a", 16) + "</code>", "<code>" + strings.Repeat("9b", 8) + "</code>",
		"besluit nemen", "<code>" + strings.Repeat("9c", 16) + "</code> / <code>" + strings.Repeat("9d", 8) + "</code> (UWV: urn:nl:oin:00000009876543210000)",
		"Trace-id"} {
		if !strings.Contains(body, want) {
			t.Errorf("the clerk's request page lacks %q", want)
		}
	}
	if strings.Contains(body, "Span-id van de vorige stap") {
		t.Error("a parent span id is labelled for a span without one")
	}
	for _, p := range []string{"/verwerkingen", "/overzicht", "/verwerkingen/" + ev.ID} {
		if _, page := e.do("GET", p, ca, "", nil); strings.Contains(page, strings.Repeat("9a", 16)) {
			t.Errorf("%s shows the citizen a trace id", p)
		}
	}
}

// TestClerkSeesVNGNames: a processing received as a VNG verwerkingsactie shows the clerk the sending
// system's own names of the actie, handeling and verwerking; the citizen never sees them.
func TestClerkSeesVNGNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	body := `{"actieNaam": "Zoeken personen", "handelingNaam": "Intake", "verwerkingNaam": "Huishoudelijke hulp",
		"verwerkingId": "48086bf2-11b7-4603-9526-67d7c3bb6587",
		"verwerkingsactiviteitUrl": "https://gemeente.example/verwerkingsactiviteiten/wmo-onderzoek",
		"vertrouwelijkheid": "normaal", "uitvoerder": "00000001821002193000", "systeem": "FooBarApp v2.1",
		"tijdstip": "` + time.Now().Add(-24*time.Hour).UTC().Format(time.RFC3339) + `",
		"verwerkteObjecten": [{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": "` + bsnA + `"}]}`
	resp, out := e.do("POST", "/api/v1/verwerkingsacties", "", e.keyWrite, strings.NewReader(body), "Content-Type", "application/json")
	if resp.StatusCode != 201 {
		t.Fatalf("POST /verwerkingsacties: %d %s", resp.StatusCode, out)
	}
	ca, csrf := e.citizen(bsnA)
	_, loc, _ := e.post("/verzoeken", ca, "csrf", csrf, "soort", "inzage", "omvang", "alles", "toelichting", "Welke gegevens?")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/verzoeken/"), "?nieuw=1")
	clerk, _ := e.staff("clerk")
	resp, page := e.do("GET", "/medewerker/verzoeken/"+id, clerk, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("request page: %d", resp.StatusCode)
	}
	const want = "Zoeken personen — Intake (Huishoudelijke hulp)"
	if !strings.Contains(page, want) {
		t.Errorf("the clerk's request page lacks the VNG names %q", want)
	}
	if _, page := e.do("GET", "/verwerkingen", ca, "", nil); strings.Contains(page, "Zoeken personen") {
		t.Error("the citizen's log shows the source system's names")
	}
}
