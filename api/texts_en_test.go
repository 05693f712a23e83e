package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// Issue 18: the optional English texts of consent requests and signals. Every exchange is checked
// against api/openapi.json (e.do).

func consentBody(mod func(map[string]any)) (string, map[string]any) {
	id := uuid.NewString()
	b := map[string]any{"id": id, "subject_bsn": bsnA, "case_ref": "WMO-1",
		"requested_by": map[string]any{"organization": "Gemeente Voorbeeldstad", "role": "Wmo-consulent"},
		"data_item":    "Uitslag van het knieonderzoek", "data_holder": "De huisarts", "purpose": "Passende hulp",
		"necessity": "Om te zien wat nodig is", "legal_ground": "Beroepsgeheim", "if_refused": "We kiezen samen",
		"valid_until": time.Now().AddDate(0, 2, 0).Format("2006-01-02")}
	if mod != nil {
		mod(b)
	}
	return id, b
}

func englishConsent() map[string]any {
	return map[string]any{"data_item": "Result of the knee examination", "data_holder": "Your GP",
		"purpose": "The right help", "necessity": "To see what is needed", "legal_ground": "Duty of confidentiality",
		"if_refused": "We choose together"}
}

// TestConsentEnglishTextsAPI: a request with English texts is accepted and its GET returns them as
// sent; one without has no "en"; incomplete, too long, BSN-holding, list-like or non-UTF-8 English
// texts are a 422 naming each field, and nothing is stored.
func TestConsentEnglishTextsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := e.key("wmo", "consent:write", "consent:read")
	count := func() (n int) {
		if err := e.raw.QueryRow(context.Background(), `SELECT count(*) FROM consents`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	refused := []struct {
		name   string
		en     any
		raw    string // replaces the body's "purpose" value in the English texts, raw bytes
		fields []string
	}{
		{"empty object", map[string]any{}, "", []string{"en.data_holder", "en.data_item", "en.if_refused", "en.legal_ground", "en.necessity", "en.purpose"}},
		{"one text only", map[string]any{"purpose": "The right help"}, "", []string{"en.data_holder", "en.data_item", "en.if_refused", "en.legal_ground", "en.necessity"}},
		{"blank text", func() any { m := englishConsent(); m["necessity"] = "   "; return m }(), "", []string{"en.necessity"}},
		{"too long", func() any { m := englishConsent(); m["data_item"] = strings.Repeat("x", 501); return m }(), "", []string{"en.data_item"}},
		{"a BSN", func() any { m := englishConsent(); m["purpose"] = "Help for 999990019"; return m }(), "", []string{"en.purpose"}},
		{"a list", func() any { m := englishConsent(); m["data_holder"] = "Your GP and the hospital"; return m }(), "", []string{"en.data_holder"}},
		{"control character", func() any { m := englishConsent(); m["if_refused"] = "We\u0007choose"; return m }(), "", []string{"en.if_refused"}},
		{"invalid UTF-8", englishConsent(), "\"Help \xff\"", []string{"en.purpose"}},
		{"a BSN in the role", func() any { m := englishConsent(); m["requester_role"] = "Adviser 999990019"; return m }(), "", []string{"en.requester_role"}},
	}
	for _, tc := range refused {
		_, b := consentBody(func(m map[string]any) { m["en"] = tc.en })
		body := mustJSON(t, b)
		if tc.raw != "" {
			body = []byte(strings.Replace(string(body), `"purpose":"The right help"`, `"purpose":`+tc.raw, 1))
		}
		r := e.do("POST", "/consent-requests", key, body)
		if r.status != 422 && r.status != 400 {
			t.Errorf("%s: status %d, want 422 or 400: %s", tc.name, r.status, r.body)
			continue
		}
		p := r.problem(t, r.status)
		var got []string
		for _, f := range p.Errors {
			got = append(got, f.Field)
		}
		slices.Sort(got)
		if d := cmp.Diff(tc.fields, got); d != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tc.name, d)
		}
	}
	// The Dutch texts may not hold a BSN either.
	_, b := consentBody(func(m map[string]any) { m["purpose"] = "Hulp voor 999990019" })
	if p := e.do("POST", "/consent-requests", key, mustJSON(t, b)).problem(t, 422); len(p.Errors) != 1 || p.Errors[0].Field != "purpose" {
		t.Errorf("a BSN in the Dutch purpose: %+v", p.Errors)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d requests stored after refusals", n)
	}

	// Accepted: with English texts (white space trimmed, as for the Dutch texts), and without.
	idEN, b := consentBody(func(m map[string]any) {
		en := englishConsent()
		en["purpose"] = "  The right help \n"
		en["requester_role"] = "Social support adviser"
		m["en"] = en
	})
	if r := e.do("POST", "/consent-requests", key, mustJSON(t, b)); r.status != 201 {
		t.Fatalf("with English texts: %d %s", r.status, r.body)
	}
	idNL, b := consentBody(nil)
	if r := e.do("POST", "/consent-requests", key, mustJSON(t, b)); r.status != 201 {
		t.Fatalf("without English texts: %d %s", r.status, r.body)
	}
	var got struct {
		EN map[string]any `json:"en"`
	}
	e.do("GET", "/consent-requests/"+idEN, key, nil).json(t, &got)
	wantEN := englishConsent()
	wantEN["requester_role"] = "Social support adviser"
	if d := cmp.Diff(wantEN, got.EN); d != "" {
		t.Errorf("GET en (-want +got):\n%s", d)
	}
	var raw map[string]any
	e.do("GET", "/consent-requests/"+idNL, key, nil).json(t, &raw)
	if _, ok := raw["en"]; ok {
		t.Errorf("a request without English texts has en: %v", raw["en"])
	}
	var stored string
	if err := e.raw.QueryRow(context.Background(), `SELECT purpose_en FROM consents WHERE id = $1`, idEN).Scan(&stored); err != nil || stored != "The right help" {
		t.Errorf("stored purpose_en %q, %v", stored, err)
	}
}

// TestSignalEnglishTextsAPI: a signal's English text needs the Dutch text for the person, is checked
// like it, and is stored; the receipt echoes no content.
func TestSignalEnglishTextsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := e.key("veilig-thuis", "signals:write")
	now := time.Now()
	body := func(mod func(map[string]any)) (string, []byte) {
		id := uuid.NewString()
		b := map[string]any{"id": id, "subject_bsn": bsnA, "received_at": now.Add(-time.Hour).UTC().Format(time.RFC3339),
			"reporter_kind": "police", "nature": map[string]any{"category": "domestic_violence", "summary": "De politie kwam bij u thuis"},
			"urgency": "normal", "handling_team": "Veilig Thuis", "summary_for_subject": "Iemand maakt zich zorgen over u."}
		mod(b)
		return id, mustJSON(t, b)
	}
	for name, tc := range map[string]struct {
		mod   func(map[string]any)
		field string
	}{
		"no Dutch text": {func(m map[string]any) {
			delete(m, "summary_for_subject")
			m["en"] = map[string]any{"summary_for_subject": "Someone is worried about you."}
		}, "en.summary_for_subject"},
		"empty English text": {func(m map[string]any) { m["en"] = map[string]any{"summary_for_subject": " "} }, "en.summary_for_subject"},
		"a BSN":              {func(m map[string]any) { m["en"] = map[string]any{"summary_for_subject": "About 999990019"} }, "en.summary_for_subject"},
		"team too long": {func(m map[string]any) {
			m["en"] = map[string]any{"summary_for_subject": "Someone is worried.", "handling_team": strings.Repeat("t", 501)}
		}, "en.handling_team"},
		"a BSN in the Dutch text": {func(m map[string]any) { m["summary_for_subject"] = "Over 999990019" }, "summary_for_subject"},
	} {
		_, b := body(tc.mod)
		p := e.do("POST", "/signals", key, b).problem(t, 422)
		if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: %+v", name, p.Errors)
		}
	}
	var n int
	if err := e.raw.QueryRow(context.Background(), `SELECT count(*) FROM signals`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d signals stored after refusals (%v)", n, err)
	}
	id, b := body(func(m map[string]any) {
		m["en"] = map[string]any{"summary_for_subject": "Someone is worried about you.", "handling_team": "Safe at Home"}
	})
	r := e.do("POST", "/signals", key, b)
	if r.status != 201 {
		t.Fatalf("with English: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "worried") {
		t.Errorf("the receipt echoes the text: %s", r.body)
	}
	var summary, team string
	if err := e.raw.QueryRow(context.Background(), `SELECT subject_summary_en, handling_team_en FROM signals WHERE id = $1`, id).Scan(&summary, &team); err != nil ||
		summary != "Someone is worried about you." || team != "Safe at Home" {
		t.Errorf("stored %q %q, %v", summary, team, err)
	}
	// The same signal again is a repeat; with another English text a conflict.
	if r := e.do("POST", "/signals", key, b); r.status != 200 {
		t.Errorf("repeat: %d %s", r.status, r.body)
	}
	other := strings.Replace(string(b), "Safe at Home", "Safe Home", 1)
	e.do("POST", "/signals", key, []byte(other)).problem(t, 409)
}
