package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// A consent request's state carries its TS reference (issue 17; do checks the response against the
// OpenAPI description), and a processing event may cite the consent by that reference.
func TestConsentStateReferenceAndEventsCitingIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	key := e.key("wmo", "consent:write", "consent:read")
	nc := portal.NewConsent{ID: uuid.NewString(), SubjectBSN: bsnA, CaseRef: "WMO-1",
		RequestedBy: portal.ConsentRequester{Organization: "Gemeente Voorbeeldstad", Role: "Wmo-consulent"},
		DataItem:    "Uitslag van het knieonderzoek", DataHolder: "De huisarts", Purpose: "Passende hulp",
		Necessity: "Om te zien wat nodig is", LegalGround: "Beroepsgeheim", IfRefused: "We kiezen samen",
		ValidUntil: time.Now().AddDate(0, 2, 0).Format("2006-01-02")}
	body, _ := json.Marshal(nc)
	r := e.do("POST", "/consent-requests", key, body)
	if r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	var st struct{ ID, Reference string }
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatal(err)
	}
	if !portal.IsConsentReference(st.Reference) {
		t.Fatalf("reference %q", st.Reference)
	}
	r = e.do("GET", "/consent-requests/"+nc.ID, key, nil)
	var got struct{ Reference string }
	if err := json.Unmarshal(r.body, &got); err != nil || got.Reference != st.Reference {
		t.Errorf("GET: reference %q, want %q (%v)", got.Reference, st.Reference, err)
	}
	// An event citing the reference of a request not granted is stored, marked not covered.
	ev := validEvent(bsnA)
	ev["access_basis"], ev["consent_ref"] = "consent", st.Reference
	if r := e.ingest(batch(t, ev)); r.status != 200 && r.status != 201 {
		t.Fatalf("ingest: %d %s", r.status, r.body)
	}
	subject, err := e.db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.db.Event(ctx, subject, ev["id"].(string))
	if err != nil || stored.ConsentCovered == nil || *stored.ConsentCovered || stored.ConsentReference != st.Reference {
		t.Errorf("stored event: covered %v, reference %q, %v", stored.ConsentCovered, stored.ConsentReference, err)
	}
}
