package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// A back-office system reading a consent request sees who decided for the person (the
// representation and its kind) and the child's own answer beside the decision (issue 16); the
// response matches the OpenAPI description (do checks it).
func TestConsentStateOnBehalf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	birth := time.Now().In(portal.Amsterdam).AddDate(-13, -1, 0).Format("2006-01-02")
	rep := portal.Representation{ID: uuid.NewString(), RepresentativeBSN: bsnA, SubjectBSN: bsnB, SubjectName: "Daan de Vries",
		RepresentativeName: "Eva de Vries", SubjectBirthDate: birth, Kind: portal.RepParentalAuthority,
		Parts: []string{portal.PartConsent}, LegalBasis: portal.LegalBasis{Kind: portal.BasisBRPAuthority, Reference: "gezag 1D"},
		ValidFrom: birth}
	if _, _, err := e.db.PutRepresentation(ctx, rep, 0); err != nil {
		t.Fatal(err)
	}
	nc := portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsnB, CaseRef: "JZ-1",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Role: "Jeugdconsulent"},
		DataItem:    "Het verslag van de intern begeleider", DataHolder: "De school", Purpose: "Passende hulp",
		Necessity: "Om te zien wat nodig is", LegalGround: "Geheimhoudingsplicht", IfRefused: "We kiezen samen",
		ValidUntil: time.Now().AddDate(0, 2, 0).Format("2006-01-02")}
	x, _, err := e.db.CreateConsent(ctx, nc, "api", 0)
	if err != nil {
		t.Fatal(err)
	}
	key := e.key("jeugdteam", "consent:read")
	read := func() map[string]any {
		t.Helper()
		r := e.do("GET", "/consent-requests/"+x.ID, key, nil)
		if r.status != 200 {
			t.Fatalf("GET: %d %s", r.status, r.body)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := read(); m["decided_by"] != nil || m["own_answer"] != nil {
		t.Errorf("before any answer: %v", m)
	}
	if _, err := e.db.RecordOwnConsentAnswer(ctx, x.SubjectID, x.ID, portal.ConsentRefused, "Liever niet"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.DecideConsentBy(ctx, x.SubjectID, x.ID, portal.ConsentGranted, "", rep.ID); err != nil {
		t.Fatal(err)
	}
	m := read()
	by, _ := m["decided_by"].(map[string]any)
	if m["status"] != "granted" || by["representation_id"] != rep.ID || by["kind"] != "parental_authority" ||
		by["representative_name"] != "Eva de Vries" || m["own_answer"] != "refused" || m["own_answer_comment"] != "Liever niet" ||
		m["own_answer_at"] == nil || m["withdrawn_by"] != nil {
		t.Errorf("after the parent's decision: %v", m)
	}
}
