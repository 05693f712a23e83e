package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// A back-office system reading rights requests sees who filed one for the person (the
// representation and its kind; the name in the single read) and which signal it is about; the
// responses match the OpenAPI description (do checks it).
func TestRightsRequestOnBehalf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	birth := time.Now().In(portal.Amsterdam).AddDate(-13, -1, 0).Format("2006-01-02")
	rep := portal.Representation{ID: uuid.NewString(), RepresentativeBSN: bsnA, SubjectBSN: bsnB, SubjectName: "Daan de Vries",
		RepresentativeName: "Eva de Vries", SubjectBirthDate: birth, Kind: portal.RepParentalAuthority,
		Parts: []string{portal.PartRequests}, LegalBasis: portal.LegalBasis{Kind: portal.BasisBRPAuthority, Reference: "gezag 1D"},
		ValidFrom: birth}
	if _, _, err := e.db.PutRepresentation(ctx, rep, 0); err != nil {
		t.Fatal(err)
	}
	subB, err := e.db.EnsureSubject(ctx, bsnB)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.db.CreateRequest(ctx, subB, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true},
		Description: "Inzage voor mijn zoon", ByRepresentation: rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	own, err := e.db.CreateRequest(ctx, subB, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true},
		Description: "Zelf"})
	if err != nil {
		t.Fatal(err)
	}
	key := e.key("backoffice", "requests:read")
	get := func(path string) map[string]any {
		t.Helper()
		res := e.do("GET", path, key, nil)
		if res.status != 200 {
			t.Fatalf("GET %s: %d %s", path, res.status, res.body)
		}
		var m map[string]any
		if err := json.Unmarshal(res.body, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	one := get("/rights-requests/" + r.ID)
	fb, _ := one["filed_by"].(map[string]any)
	if fb["representation_id"] != rep.ID || fb["kind"] != portal.RepParentalAuthority || fb["representative_name"] != "Eva de Vries" {
		t.Errorf("filed_by of a request filed by a parent: %v", one["filed_by"])
	}
	if m := get("/rights-requests/" + own.ID); m["filed_by"] != nil {
		t.Errorf("a request the person filed has filed_by %v", m["filed_by"])
	}
	list := get("/rights-requests")
	items, _ := list["items"].([]any)
	found := false
	for _, it := range items {
		m := it.(map[string]any)
		if m["id"] == r.ID {
			found = true
			if fb, _ := m["filed_by"].(map[string]any); fb["representation_id"] != rep.ID {
				t.Errorf("the list's filed_by: %v", m["filed_by"])
			}
		}
	}
	if !found {
		t.Errorf("the request is not in the list: %s", list)
	}
}
