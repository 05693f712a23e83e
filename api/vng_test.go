package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// vngActivity is the verwerkingsactiviteitId of the VNG OAS 0.9 examples, as a register entry's id.
const vngActivity = "5f0bef4c-f66f-4311-84a5-19e8bf359eaf"

// vngExample is a verwerkingsactie made of the examples of the VNG OAS 0.9 (Verwerkingsactie and
// VerwerktObjectBasis). The OAS's objectId example "1234567" is not a BSN; 479580261, the
// example of its objectId query parameter, is.
const vngExample = `{
  "actieNaam": "Zoeken personen",
  "handelingNaam": "Intake",
  "verwerkingNaam": "Huwelijk",
  "verwerkingId": "48086bf2-11b7-4603-9526-67d7c3bb6587",
  "verwerkingsactiviteitId": "5f0bef4c-f66f-4311-84a5-19e8bf359eaf",
  "verwerkingsactiviteitUrl": "https://verwerkingsactiviteiten-api.vng.cloud/api/v1/verwerkingsactiviteiten/5f0bef4c-f66f-4311-84a5-19e8bf359eaf",
  "vertrouwelijkheid": "normaal",
  "bewaartermijn": "P10Y",
  "uitvoerder": "00000001821002193000",
  "systeem": "FooBarApp v2.1",
  "gebruiker": "123456789",
  "gegevensbron": "FooBar Database Publiekszaken",
  "soortAfnemerId": "OIN",
  "afnemerId": "00000001821002193000",
  "verwerkingsactiviteitIdAfnemer": "c5b9f4e7-8c79-41b9-91e2-6268419cb167",
  "verwerkingsactiviteitUrlAfnemer": "https://www.amsterdam.nl/var/api/v1/verwerkingsactiviteiten/5f0bef4c-f66f-4311-84a5-19e8bf359eaf",
  "verwerkingIdAfnemer": "4b698de3-ffba-45e7-8697-a283ec863db2",
  "tijdstip": "2024-04-05T14:35:42+01:00",
  "verwerkteObjecten": [
    {"objecttype": "persoon", "soortObjectId": "BSN", "objectId": "479580261", "betrokkenheid": "Getuige",
     "verwerkteSoortenGegevens": [{"soortGegeven": "BSN"}]}
  ]
}`

const vngBSN = "479580261"

// vngEnv is an API env with the VNG example's register entry and Inzicht's own entries (as serve
// ensures at start: reads are recorded under one), and a key that reads.
func vngEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t)
	if _, err := e.db.PutActivity(context.Background(), testActivity(vngActivity)); err != nil {
		t.Fatal(err)
	}
	if err := e.db.EnsureInternalActivities(context.Background(), "Gemeente Voorbeeldstad"); err != nil {
		t.Fatal(err)
	}
	return e, e.key("privacy-officer", "events:read")
}

// reported returns what the citizen with bsn sees in the log, without the reads of it.
func (e *env) reported(bsn string) []portal.LoggedEvent {
	e.t.Helper()
	var out []portal.LoggedEvent
	for _, le := range e.logged(bsn) {
		if le.Activity.ID != portal.APIReadActivity {
			out = append(out, le)
		}
	}
	return out
}

// actie returns the VNG example as a map, changed by mods.
func actie(t testing.TB, mods ...func(ev)) ev {
	t.Helper()
	var m ev
	if err := json.Unmarshal([]byte(vngExample), &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range mods {
		f(m)
	}
	return m
}

func object(m ev, i int) ev { return m["verwerkteObjecten"].([]any)[i].(map[string]any) }

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) postActie(body []byte) portal.Verwerkingsactie {
	e.t.Helper()
	r := e.do("POST", "/verwerkingsacties", e.eventKey, body)
	if r.status != 201 {
		e.t.Fatalf("POST /verwerkingsacties: %d, want 201; %s", r.status, r.body)
	}
	var va portal.Verwerkingsactie
	r.json(e.t, &va)
	if loc := r.header.Get("Location"); loc != va.URL {
		e.t.Errorf("Location %q, url %q", loc, va.URL)
	}
	return va
}

func TestVNGExampleBodyBecomesTheCitizensEvent(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	before := time.Now().Add(-time.Second)
	va := e.postActie([]byte(vngExample))
	if !portal.ValidEventID(va.ActieID) {
		t.Errorf("actieId %q: Inzicht assigns a UUID when none is sent", va.ActieID)
	}
	if !strings.HasSuffix(va.URL, "/api/v1/verwerkingsacties/"+va.ActieID) {
		t.Errorf("url %q", va.URL)
	}
	if va.TijdstipRegistratie.Before(before) || va.TijdstipRegistratie.After(time.Now().Add(time.Second)) {
		t.Errorf("tijdstipRegistratie %v: set by Inzicht at registration", va.TijdstipRegistratie)
	}
	want := time.Date(2024, 4, 5, 13, 35, 42, 0, time.UTC)
	if !va.Tijdstip.Equal(want) || va.Systeem != "FooBarApp v2.1" || va.Bewaartermijn != "P10Y" || va.Gegevensbron != "FooBar Database Publiekszaken" ||
		len(va.VerwerkteObjecten) != 1 || va.VerwerkteObjecten[0].ObjectID != vngBSN || va.VerwerkteObjecten[0].Betrokkenheid != "Getuige" {
		t.Errorf("stored actie %+v", va)
	}
	objID := api.VerwerktObjectID(va.ActieID, 0)
	if va.VerwerkteObjecten[0].VerwerktObjectID != objID {
		t.Errorf("verwerktObjectId %q, want %q", va.VerwerkteObjecten[0].VerwerktObjectID, objID)
	}
	evs := e.logged(vngBSN)
	if len(evs) != 1 {
		t.Fatalf("the citizen sees %d events, want 1", len(evs))
	}
	got := evs[0]
	if got.ID != objID || got.Activity.ID != vngActivity || !got.OccurredAt.Equal(want) || got.System != "FooBarApp v2.1" ||
		got.Actor.EmployeeID != "123456789" || got.Actor.Organization != "Gemeente Voorbeeldstad" {
		t.Errorf("event %+v", got.Event)
	}
	if got.Action != "" || got.Level != "" || got.AccessBasis != "" || got.Actor.Role != "" {
		t.Errorf("VNG carries no action, level, access basis or role; the event invents %q %q %q %q", got.Action, got.Level, got.AccessBasis, got.Actor.Role)
	}
	if got.Recipient != "organisatie met OIN 00000001821002193000" {
		t.Errorf("recipient %q", got.Recipient)
	}
	if diff := cmp.Diff(testActivity(vngActivity).DataCategories, got.DataCategories); diff != "" {
		t.Errorf("categories are the register entry's (-want +got):\n%s", diff)
	}
	var body string
	if err := e.raw.QueryRow(context.Background(), `SELECT body::text FROM verwerkingsacties`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, vngBSN) {
		t.Errorf("the stored actie holds the BSN in clear: %s", body)
	}

	t.Run("uitvoerder named through the organisations table", func(t *testing.T) {
		r := e.do("PUT", "/organisations/00000001821002193000", e.regKey, []byte(`{"name":"Gemeente Voorbeeldstad, afdeling Burgerzaken"}`))
		if r.status != 201 {
			t.Fatalf("PUT organisation: %d; %s", r.status, r.body)
		}
		if r := e.do("PUT", "/organisations/00000001821002193000", e.regKey, []byte(`{"name":"Gemeente Voorbeeldstad, Burgerzaken"}`)); r.status != 200 {
			t.Fatalf("PUT organisation again: %d; %s", r.status, r.body)
		}
		e.do("PUT", "/organisations/123", e.regKey, []byte(`{"name":"x"}`)).problem(t, 422)
		e.postActie(marshal(t, actie(t, func(m ev) { object(m, 0)["objectId"] = bsnA })))
		evs := e.logged(bsnA)
		if len(evs) != 1 || evs[0].Actor.Organization != "Gemeente Voorbeeldstad, Burgerzaken" || evs[0].Recipient != "Gemeente Voorbeeldstad, Burgerzaken" {
			t.Errorf("events %+v", evs)
		}
	})
}

func TestVNGRetryAndConflict(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	id := uuid.NewString()
	body := marshal(t, actie(t, func(m ev) {
		m["actieId"] = id
		m["verwerkteObjecten"] = append(m["verwerkteObjecten"].([]any),
			map[string]any{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": bsnB},
			map[string]any{"objecttype": "persoon", "soortObjectId": "A-nummer", "objectId": "1234567890"})
	}))
	first := e.postActie(body)
	if first.ActieID != id {
		t.Fatalf("actieId %q, want the one sent", first.ActieID)
	}
	if n := e.rows(); n != 2 {
		t.Fatalf("%d events, want 2 (two persons by BSN; the A-nummer makes none)", n)
	}
	again := e.postActie(body)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("a retry answers the actie as stored (-first +retry):\n%s", diff)
	}
	if n := e.rows(); n != 2 {
		t.Errorf("%d events after a retry, want 2", n)
	}
	if !slices.ContainsFunc(first.VerwerkteObjecten, func(o portal.VerwerktObject) bool { return o.ObjectID == "1234567890" }) {
		t.Errorf("the A-nummer object is not stored: %+v", first.VerwerkteObjecten)
	}
	other := marshal(t, actie(t, func(m ev) { m["actieId"] = id; m["systeem"] = "Other v1" }))
	p := e.do("POST", "/verwerkingsacties", e.eventKey, other).problem(t, 409)
	if len(p.Errors) != 1 || p.Errors[0].Field != "actieId" {
		t.Errorf("409 errors %+v", p.Errors)
	}
	if n := e.rows(); n != 2 {
		t.Errorf("%d events after a conflict, want 2", n)
	}
}

func TestVNGPatchLiftsConfidentiality(t *testing.T) {
	t.Parallel()
	e, reader := vngEnv(t)
	ctx := context.Background()
	verwerking := uuid.NewString()
	confidential := func(bsn string) []byte {
		return marshal(t, actie(t, func(m ev) {
			m["verwerkingId"], m["vertrouwelijkheid"] = verwerking, "vertrouwelijk"
			object(m, 0)["objectId"] = bsn
		}))
	}
	a := e.postActie(confidential(bsnA))
	e.postActie(confidential(bsnB))
	e.postActie(marshal(t, actie(t, func(m ev) { object(m, 0)["objectId"] = bsnC }))) // another verwerking
	if n := e.rows(); n != 3 {
		t.Fatalf("%d events stored, want 3", n)
	}
	if evs := e.logged(bsnA); len(evs) != 0 {
		t.Fatalf("a vertrouwelijk actie is visible to the citizen: %+v", evs)
	}
	var until time.Time
	if err := e.raw.QueryRow(ctx, `SELECT confidential_until FROM processing_events WHERE vng_actie_id = $1`, a.ActieID).Scan(&until); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(until); d < api.DefaultConfidentialMax-time.Hour || d > api.DefaultConfidentialMax {
		t.Errorf("confidential for %v, want the configured cap %v", d, api.DefaultConfidentialMax)
	}
	// Another system neither reads nor changes it.
	e.do("GET", "/verwerkingsacties/"+a.ActieID, reader, nil).problem(t, 404)
	otherWriter := e.key("other-supplier", "events:write")
	lift := []byte(`{"vertrouwelijkheid":"opgeheven"}`)
	e.do("PATCH", "/verwerkingsacties?verwerkingId="+verwerking, otherWriter, lift).problem(t, 404)

	// Extending while hidden is recorded as an extension of each event.
	if r := e.do("PATCH", "/verwerkingsacties?verwerkingId="+verwerking, e.eventKey, []byte(`{"vertrouwelijkheid":"vertrouwelijk"}`)); r.status != 204 {
		t.Fatalf("PATCH vertrouwelijk while hidden: %d; %s", r.status, r.body)
	}
	var extensions int
	if err := e.raw.QueryRow(ctx, `SELECT count(*) FROM confidentiality_extensions`).Scan(&extensions); err != nil {
		t.Fatal(err)
	}
	if extensions != 2 {
		t.Errorf("%d extensions recorded, want 2 (one per hidden event)", extensions)
	}

	before := time.Now()
	if r := e.do("PATCH", "/verwerkingsacties?verwerkingId="+verwerking, e.eventKey, lift); r.status != 204 {
		t.Fatalf("PATCH opgeheven: %d; %s", r.status, r.body)
	}
	for _, bsn := range []string{bsnA, bsnB} {
		evs := e.logged(bsn)
		if len(evs) != 1 {
			t.Fatalf("after lifting, %s sees %d events, want 1", bsn, len(evs))
		}
		if evs[0].ConfidentialUntil == nil || evs[0].ConfidentialUntil.Before(before.Add(-time.Second)) || evs[0].ConfidentialUntil.After(time.Now()) {
			t.Errorf("confidential_until %v: released at the moment of the PATCH", evs[0].ConfidentialUntil)
		}
	}
	s, err := e.db.Summary(ctx, mustSubject(t, e, bsnA))
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 1 {
		t.Errorf("summary total %d after lifting, want 1", s.Total)
	}
	var label string
	if err := e.raw.QueryRow(ctx, `SELECT vertrouwelijkheid FROM verwerkingsacties WHERE actie_id = $1`, a.ActieID).Scan(&label); err != nil || label != "opgeheven" {
		t.Errorf("vertrouwelijkheid %q (%v), want opgeheven", label, err)
	}
	// What the citizen saw is never hidden again; the bewaartermijn still changes.
	e.do("PATCH", "/verwerkingsacties?verwerkingId="+verwerking, e.eventKey, []byte(`{"vertrouwelijkheid":"vertrouwelijk"}`)).problem(t, 409)
	if r := e.do("PATCH", "/verwerkingsacties?verwerkingId="+verwerking, e.eventKey, []byte(`{"bewaartermijn":"P20Y"}`)); r.status != 204 {
		t.Fatalf("PATCH bewaartermijn: %d; %s", r.status, r.body)
	}
	var got portal.Verwerkingsactie
	e.do("GET", "/verwerkingsacties/"+a.ActieID, reader, nil).json(t, &got)
	if got.Bewaartermijn != "P20Y" || got.Vertrouwelijkheid != "opgeheven" {
		t.Errorf("after PATCH: bewaartermijn %q, vertrouwelijkheid %q", got.Bewaartermijn, got.Vertrouwelijkheid)
	}
	e.do("PATCH", "/verwerkingsacties?verwerkingId="+uuid.NewString(), e.eventKey, lift).problem(t, 404)
}

func mustSubject(t *testing.T, e *env, bsn string) int64 {
	t.Helper()
	id, err := e.db.EnsureSubject(context.Background(), bsn)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestVNGValidation(t *testing.T) {
	t.Parallel()
	e, reader := vngEnv(t)
	del := func(k string) func(ev) { return func(m ev) { delete(m, k) } }
	set := func(k string, v any) func(ev) { return func(m ev) { m[k] = v } }
	obj := func(f func(ev)) func(ev) { return func(m ev) { f(object(m, 0)) } }
	for _, tc := range []struct {
		name  string
		mod   func(ev)
		field string
	}{
		{"vertrouwelijkheid missing", del("vertrouwelijkheid"), "vertrouwelijkheid"},
		{"vertrouwelijkheid not in the enum", set("vertrouwelijkheid", "geheim"), "vertrouwelijkheid"},
		{"vertrouwelijkheid capitalised (OAS 0.1)", set("vertrouwelijkheid", "Normaal"), "vertrouwelijkheid"},
		{"vertrouwelijkheid not a string", set("vertrouwelijkheid", 1), "vertrouwelijkheid"},
		{"tijdstip missing", del("tijdstip"), "tijdstip"},
		{"tijdstip malformed", set("tijdstip", "gisteren"), "tijdstip"},
		{"tijdstip in the future", set("tijdstip", time.Now().Add(time.Hour).Format(time.RFC3339)), "tijdstip"},
		{"verwerkteObjecten missing", del("verwerkteObjecten"), "verwerkteObjecten"},
		{"objecttype missing", obj(func(o ev) { delete(o, "objecttype") }), "verwerkteObjecten[0].objecttype"},
		{"objecttype not in the enum", obj(func(o ev) { o["objecttype"] = "zaak" }), "verwerkteObjecten[0].objecttype"},
		{"soortObjectId missing", obj(func(o ev) { delete(o, "soortObjectId") }), "verwerkteObjecten[0].soortObjectId"},
		{"objectId missing", obj(func(o ev) { delete(o, "objectId") }), "verwerkteObjecten[0].objectId"},
		{"objectId not a BSN", obj(func(o ev) { o["objectId"] = "123456789" }), "verwerkteObjecten[0].objectId"},
		{"soortGegeven missing", obj(func(o ev) { o["verwerkteSoortenGegevens"] = []any{map[string]any{}} }),
			"verwerkteObjecten[0].verwerkteSoortenGegevens[0].soortGegeven"},
		{"actieId not a UUID", set("actieId", "actie-1"), "actieId"},
		{"verwerkingId not a UUID", set("verwerkingId", "v-1"), "verwerkingId"},
		{"uitvoerder not an OIN", set("uitvoerder", "1821002193"), "uitvoerder"},
		{"bewaartermijn not a duration", set("bewaartermijn", "10 jaar"), "bewaartermijn"},
		{"systeem too long", set("systeem", strings.Repeat("s", 243)), "systeem"},
		{"unknown register entry", func(m ev) { m["verwerkingsactiviteitId"] = uuid.NewString(); delete(m, "verwerkingsactiviteitUrl") }, "verwerkingsactiviteitId"},
		{"no register entry", func(m ev) { delete(m, "verwerkingsactiviteitId"); delete(m, "verwerkingsactiviteitUrl") }, "verwerkingsactiviteitId"},
		{"url names another entry", set("verwerkingsactiviteitUrl", "https://var.example/api/v1/verwerkingsactiviteiten/"+uuid.NewString()), "verwerkingsactiviteitUrl"},
		{"afnemerId without its kind", del("soortAfnemerId"), "soortAfnemerId"},
		{"a BSN under another label", obj(func(o ev) { o["soortObjectId"] = "persoonsnummer"; o["objectId"] = bsnB }),
			"verwerkteObjecten[0].objectId"},
		{"an afnemer's BSN under another label", func(m ev) { m["soortAfnemerId"] = "klantnummer"; m["afnemerId"] = bsnB }, "afnemerId"},
		{"unknown field", set("vervallen", false), "vervallen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/verwerkingsacties", e.eventKey, marshal(t, actie(t, tc.mod)))
			p := r.problem(t, 400)
			var names []string
			for _, f := range p.Errors {
				names = append(names, f.Field)
			}
			if !slices.Contains(names, tc.field) {
				t.Errorf("errors %v do not name %s", names, tc.field)
			}
			if len(p.InvalidParams) != len(p.Errors) || len(p.InvalidParams) == 0 || p.InvalidParams[0].Name != p.Errors[0].Field {
				t.Errorf("invalidParams %+v do not repeat errors %+v", p.InvalidParams, p.Errors)
			}
		})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		e.do("POST", "/verwerkingsacties", e.eventKey, []byte(`{"vertrouwelijkheid":`)).problem(t, 400)
	})
	t.Run("the URL alone finds the register entry", func(t *testing.T) {
		e.postActie(marshal(t, actie(t, del("verwerkingsactiviteitId"))))
	})
	if n := e.rows(); n != 1 {
		t.Errorf("%d events stored, want only the one valid actie's", n)
	}
	for _, tc := range []struct{ name, query, body, field string }{
		{"verwerkingId missing", "", `{"vertrouwelijkheid":"opgeheven"}`, "verwerkingId"},
		{"verwerkingId not a UUID", "?verwerkingId=x", `{"vertrouwelijkheid":"opgeheven"}`, "verwerkingId"},
		{"nothing to change", "?verwerkingId=" + uuid.NewString(), `{}`, "vertrouwelijkheid"},
		{"vertrouwelijkheid not in the enum", "?verwerkingId=" + uuid.NewString(), `{"vertrouwelijkheid":"open"}`, "vertrouwelijkheid"},
		{"bewaartermijn not a duration", "?verwerkingId=" + uuid.NewString(), `{"bewaartermijn":"altijd"}`, "bewaartermijn"},
	} {
		t.Run("PATCH "+tc.name, func(t *testing.T) {
			p := e.do("PATCH", "/verwerkingsacties"+tc.query, e.eventKey, []byte(tc.body)).problem(t, 400)
			if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
				t.Errorf("errors %+v, want %s", p.Errors, tc.field)
			}
		})
	}
	for _, tc := range []struct{ name, query, field string }{
		{"objectId missing", "objecttype=persoon&soortObjectId=BSN", "objectId"},
		{"objecttype not in the enum", "objecttype=zaak&soortObjectId=BSN&objectId=" + bsnA, "objecttype"},
		{"soortObjectId other than BSN", "objecttype=persoon&soortObjectId=KvK&objectId=" + bsnA, "soortObjectId"},
		{"beginDatum malformed", "objecttype=persoon&soortObjectId=BSN&objectId=" + bsnA + "&beginDatum=gisteren", "beginDatum"},
		{"vertrouwelijkheid not in the enum", "objecttype=persoon&soortObjectId=BSN&objectId=" + bsnA + "&vertrouwelijkheid=x", "vertrouwelijkheid"},
	} {
		t.Run("GET "+tc.name, func(t *testing.T) {
			p := e.do("GET", "/verwerkingsacties?"+tc.query, reader, nil).problem(t, 400)
			if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
				t.Errorf("errors %+v, want %s", p.Errors, tc.field)
			}
		})
	}
}

func TestVNGReadReplaceDelete(t *testing.T) {
	t.Parallel()
	e, reader := vngEnv(t)
	ctx := context.Background()
	at := func(d string) func(ev) { return func(m ev) { m["tijdstip"] = d } }
	person := func(bsn string) func(ev) { return func(m ev) { object(m, 0)["objectId"] = bsn } }
	older := e.postActie(marshal(t, actie(t, at("2025-01-10T09:00:00Z"), person(bsnA))))
	newer := e.postActie(marshal(t, actie(t, at("2025-06-10T09:00:00Z"), person(bsnA))))
	e.postActie(marshal(t, actie(t, at("2025-06-11T09:00:00Z"), person(bsnB))))

	list := func(query string) (out struct {
		Count    int
		Next     *string
		Previous *string
		Results  []portal.Verwerkingsactie
	}) {
		t.Helper()
		r := e.do("GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId="+bsnA+query, reader, nil)
		if r.status != 200 {
			t.Fatalf("list: %d; %s", r.status, r.body)
		}
		r.json(t, &out)
		return out
	}
	l := list("")
	if l.Count != 2 || len(l.Results) != 2 || l.Results[0].ActieID != newer.ActieID || l.Results[1].ActieID != older.ActieID || l.Next != nil || l.Previous != nil {
		t.Fatalf("list by BSN: %+v", l)
	}
	if diff := cmp.Diff(newer, l.Results[0]); diff != "" {
		t.Errorf("listed actie differs from the stored one (-post +list):\n%s", diff)
	}
	if l := list("&beginDatum=2025-06-01"); l.Count != 1 || l.Results[0].ActieID != newer.ActieID {
		t.Errorf("beginDatum: %+v", l)
	}
	if l := list("&eindDatum=2025-06-10"); l.Count != 1 || l.Results[0].ActieID != older.ActieID {
		t.Errorf("eindDatum (exclusive): %+v", l)
	}
	if l := list("&vertrouwelijkheid=vertrouwelijk"); l.Count != 0 || l.Results == nil {
		t.Errorf("vertrouwelijkheid filter: %+v", l)
	}
	if r := e.do("GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId="+bsnD, reader, nil); r.status != 200 || !strings.Contains(string(r.body), `"count":0`) {
		t.Errorf("a person never seen: %d %s", r.status, r.body)
	}

	var one portal.Verwerkingsactie
	e.do("GET", "/verwerkingsacties/"+older.ActieID, reader, nil).json(t, &one)
	if diff := cmp.Diff(older, one); diff != "" {
		t.Errorf("GET one (-post +get):\n%s", diff)
	}
	e.do("GET", "/verwerkingsacties/"+uuid.NewString(), reader, nil).problem(t, 404)
	e.do("GET", "/verwerkingsacties/not-a-uuid", reader, nil).problem(t, 404)

	// PUT replaces: the citizen's event follows; only the reporting system may.
	replacement := marshal(t, actie(t, at("2025-01-10T09:00:00Z"), person(bsnA), func(m ev) { m["systeem"] = "FooBarApp v2.2" }))
	e.do("PUT", "/verwerkingsacties/"+older.ActieID, e.key("other-supplier", "events:write"), replacement).problem(t, 404)
	r := e.do("PUT", "/verwerkingsacties/"+older.ActieID, e.eventKey, replacement)
	if r.status != 200 {
		t.Fatalf("PUT: %d; %s", r.status, r.body)
	}
	var put portal.Verwerkingsactie
	r.json(t, &put)
	if put.ActieID != older.ActieID || put.Systeem != "FooBarApp v2.2" {
		t.Errorf("PUT answer %+v", put)
	}
	e.do("PUT", "/verwerkingsacties/"+uuid.NewString(), e.eventKey, replacement).problem(t, 404)
	e.do("PUT", "/verwerkingsacties/"+older.ActieID, e.eventKey, marshal(t, actie(t, func(m ev) { m["actieId"] = uuid.NewString() }))).problem(t, 400)
	evs := e.reported(bsnA)
	systems := map[string]string{}
	for _, ev := range evs {
		systems[ev.ID] = ev.System
	}
	if len(evs) != 2 || systems[api.VerwerktObjectID(older.ActieID, 0)] != "FooBarApp v2.2" {
		t.Errorf("after PUT the citizen sees %v", systems)
	}

	if r := e.do("DELETE", "/verwerkingsacties/"+older.ActieID, e.eventKey, nil); r.status != 204 {
		t.Fatalf("DELETE: %d; %s", r.status, r.body)
	}
	e.do("GET", "/verwerkingsacties/"+older.ActieID, reader, nil).problem(t, 404)
	e.do("DELETE", "/verwerkingsacties/"+older.ActieID, e.eventKey, nil).problem(t, 404)
	if evs := e.reported(bsnA); len(evs) != 1 || evs[0].ID != api.VerwerktObjectID(newer.ActieID, 0) {
		t.Errorf("after DELETE the citizen sees %+v", evs)
	}
	removals, err := e.db.VerwerkingsactieRemovals(ctx, older.ActieID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, rm := range removals {
		kinds = append(kinds, fmt.Sprintf("%s:%d", rm.Kind, rm.EventsRemoved))
	}
	if diff := cmp.Diff([]string{"replace:1", "delete:1"}, kinds); diff != "" {
		t.Errorf("recorded removals (-want +got):\n%s", diff)
	}

	// After a PATCH, a PUT of the report as first posted replaces (it is no retry of the POST).
	if r := e.do("PATCH", "/verwerkingsacties?verwerkingId=48086bf2-11b7-4603-9526-67d7c3bb6587", e.eventKey, []byte(`{"bewaartermijn":"P20Y"}`)); r.status != 204 {
		t.Fatalf("PATCH: %d; %s", r.status, r.body)
	}
	r = e.do("PUT", "/verwerkingsacties/"+newer.ActieID, e.eventKey, marshal(t, actie(t, at("2025-06-10T09:00:00Z"), person(bsnA))))
	var back portal.Verwerkingsactie
	r.json(t, &back)
	if r.status != 200 || back.Bewaartermijn != "P10Y" {
		t.Errorf("PUT of the original after PATCH: %d, bewaartermijn %q, want 200 and P10Y", r.status, back.Bewaartermijn)
	}
}

func TestVNGListPages(t *testing.T) {
	t.Parallel()
	e, reader := vngEnv(t)
	objs := []any{map[string]any{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": bsnC}}
	for i := range 101 {
		e.postActie(marshal(t, actie(t, func(m ev) {
			m["verwerkteObjecten"] = objs
			m["tijdstip"] = time.Date(2025, 1, 1, 0, i, 0, 0, time.UTC).Format(time.RFC3339)
		})))
	}
	var p1, p2 struct {
		Count    int
		Next     *string
		Previous *string
		Results  []portal.Verwerkingsactie
	}
	e.do("GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId="+bsnC, reader, nil).json(t, &p1)
	if p1.Count != 101 || len(p1.Results) != 100 || p1.Next == nil || p1.Previous != nil {
		t.Fatalf("page 1: count %d, %d results, next %v", p1.Count, len(p1.Results), p1.Next)
	}
	u, err := url.Parse(*p1.Next)
	if err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/verwerkingsacties?"+u.RawQuery, reader, nil).json(t, &p2)
	if len(p2.Results) != 1 || p2.Next != nil || p2.Previous == nil || p2.Results[0].Tijdstip.Minute() != 0 {
		t.Errorf("page 2: %d results, next %v, previous %v", len(p2.Results), p2.Next, p2.Previous)
	}
}

// TestVNGReadsAreRecorded reads acties back through GET /verwerkingsacties and
// /verwerkingsacties/{actieId}: another system's read lands in the log of every person in the acties
// returned (one event each, in the caller's trace, the response's traceparent naming the stored span);
// the reporting system reading its own acties back is not recorded.
func TestVNGReadsAreRecorded(t *testing.T) {
	t.Parallel()
	e, reader := vngEnv(t)
	both := e.postActie(marshal(t, actie(t, func(m ev) {
		m["verwerkteObjecten"] = []any{
			map[string]any{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": bsnA},
			map[string]any{"objecttype": "persoon", "soortObjectId": "BSN", "objectId": bsnB},
		}
	})))
	const caller = "4bf92f3577b34da6a3ce929d0e0e4736"
	const callerSpan = "00f067aa0ba902b7"
	tp := map[string]string{"traceparent": "00-" + caller + "-" + callerSpan + "-01"}

	count := func(bsn string) int { evs, _ := e.reads(bsn); return len(evs) }
	r := e.sendWith("GET", "/verwerkingsacties/"+both.ActieID, reader, nil, tp)
	if r.status != 200 {
		t.Fatalf("GET one: %d; %s", r.status, r.body)
	}
	for _, bsn := range []string{bsnA, bsnB} {
		evs, spans := e.reads(bsn)
		if len(evs) != 1 {
			t.Fatalf("%s: %d reads after GET one, want 1", bsn, len(evs))
		}
		if evs[0].Recipient != "privacy-officer" || evs[0].Action != "disclose" || !slices.Contains(evs[0].DataCategories, "care_needs") {
			t.Errorf("%s: read event %+v", bsn, evs[0].Event)
		}
		if s := spans[0]; s.TraceID != caller || s.Parent != callerSpan || r.header.Get("traceparent") != "00-"+caller+"-"+s.SpanID+"-01" {
			t.Errorf("%s: stored span %+v, traceparent %q", bsn, s, r.header.Get("traceparent"))
		}
	}

	// The list by person A returns the actie, with B in it: both logs get the read.
	r = e.do("GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId="+bsnA, reader, nil)
	if r.status != 200 || r.header.Get("traceparent") == "" {
		t.Fatalf("list: %d, traceparent %q; %s", r.status, r.header.Get("traceparent"), r.body)
	}
	if a, b := count(bsnA), count(bsnB); a != 2 || b != 2 {
		t.Errorf("after the list: %d reads in A's log, %d in B's, want 2 and 2", a, b)
	}
	if n := count(bsnC); n != 0 {
		t.Errorf("C, in no actie, has %d reads", n)
	}
	// A person nobody reported about: nothing read, nothing recorded.
	e.do("GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId="+bsnC, reader, nil)
	if n := count(bsnC); n != 0 {
		t.Errorf("an empty list recorded %d reads", n)
	}

	// The reporting system reading back what it reported discloses nothing: not recorded.
	own := e.key("suite", "events:read")
	if r := e.do("GET", "/verwerkingsacties/"+both.ActieID, own, nil); r.status != 200 {
		t.Fatalf("own GET: %d; %s", r.status, r.body)
	}
	if r := e.do("GET", "/verwerkingsacties?objecttype=persoon&soortObjectId=BSN&objectId="+bsnB, own, nil); r.status != 200 {
		t.Fatalf("own list: %d; %s", r.status, r.body)
	}
	if a, b := count(bsnA), count(bsnB); a != 2 || b != 2 {
		t.Errorf("after the reporting system's own reads: %d reads in A's log, %d in B's, want 2 and 2", a, b)
	}
}

// TestVNGActivityByURI: verwerkingsactiviteitUrl is matched exactly against the register entries'
// URIs first, and only then by its last path segment against their ids.
func TestVNGActivityByURI(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	ctx := context.Background()
	byURI := testActivity("wmo-aanvraag")
	// The URI ends in the id of another entry (the VNG example's): the exact URI must win.
	byURI.URI = "https://register.example/verwerkingsactiviteiten/" + vngActivity
	if _, err := e.db.PutActivity(ctx, byURI); err != nil {
		t.Fatal(err)
	}
	other := testActivity("jeugdhulp")
	other.URI = "https://register.example/var/jeugd"
	if _, err := e.db.PutActivity(ctx, other); err != nil {
		t.Fatal(err)
	}
	person := func(bsn string) func(ev) { return func(m ev) { object(m, 0)["objectId"] = bsn } }
	url := func(u string) func(ev) {
		return func(m ev) { delete(m, "verwerkingsactiviteitId"); m["verwerkingsactiviteitUrl"] = u }
	}
	activityOf := func(bsn string) string {
		t.Helper()
		evs := e.reported(bsn)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", bsn, len(evs))
		}
		return evs[0].Activity.ID
	}
	e.postActie(marshal(t, actie(t, person(bsnA), url(byURI.URI))))
	if got := activityOf(bsnA); got != "wmo-aanvraag" {
		t.Errorf("URL equal to an entry's URI: activity %q, want wmo-aanvraag", got)
	}
	e.postActie(marshal(t, actie(t, person(bsnB), url(other.URI))))
	if got := activityOf(bsnB); got != "jeugdhulp" {
		t.Errorf("URL whose last segment is no id: activity %q, want jeugdhulp", got)
	}
	// No entry has this URI: the last segment, an entry's id, decides (a VAR URL).
	e.postActie(marshal(t, actie(t, person(bsnC), url("https://var.example/api/v1/verwerkingsactiviteiten/"+vngActivity))))
	if got := activityOf(bsnC); got != vngActivity {
		t.Errorf("fallback by last segment: activity %q, want %s", got, vngActivity)
	}
	// The id and a URL naming another entry disagree.
	p := e.do("POST", "/verwerkingsacties", e.eventKey, marshal(t, actie(t, person(bsnD), func(m ev) {
		m["verwerkingsactiviteitUrl"] = byURI.URI
	}))).problem(t, 400)
	if len(p.Errors) != 1 || p.Errors[0].Field != "verwerkingsactiviteitUrl" {
		t.Errorf("id and URL of different entries: %+v", p.Errors)
	}
}

// TestVNGBSNLabels: a BSN written as "Burgerservicenummer" or "bsn-nummer" is a BSN (an event for
// the person, never stored in clear); an afnemer by BSN appears to the citizen as a person, never as a
// number, and an afnemer by another identifier by its kind only.
func TestVNGBSNLabels(t *testing.T) {
	t.Parallel()
	e, _ := vngEnv(t)
	e.postActie(marshal(t, actie(t, func(m ev) {
		object(m, 0)["soortObjectId"] = "Burgerservicenummer"
		m["soortAfnemerId"], m["afnemerId"] = "bsn-nummer", bsnC
	})))
	got := e.logged(vngBSN)
	if len(got) != 1 || got[0].Recipient != "natuurlijk persoon" {
		t.Fatalf("the person by Burgerservicenummer: %+v", got)
	}
	e.postActie(marshal(t, actie(t, func(m ev) {
		m["actieId"] = uuid.NewString()
		object(m, 0)["objectId"] = bsnB
		m["soortAfnemerId"], m["afnemerId"] = "KvK-nummer", "12345678"
	})))
	if got := e.logged(bsnB); len(got) != 1 || got[0].Recipient != "afnemer (KvK-nummer)" || strings.Contains(got[0].Recipient, "12345678") {
		t.Errorf("an afnemer by KvK number appears as %+v", got)
	}
}
