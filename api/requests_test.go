package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/api"
	"github.com/inzicht/inzicht/portal"
)

// fileRequest files a request as a citizen would, through storage.
func (e *env) fileRequest(bsn string, kind portal.RequestKind, text string) portal.RightsRequest {
	e.t.Helper()
	ctx := context.Background()
	sub, err := e.db.EnsureSubject(ctx, bsn)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.db.CreateRequest(ctx, sub, portal.NewRequest{Kind: kind, Scope: portal.Scope{All: true}, Description: text})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

type requestList struct {
	Items []api.RightsRequest `json:"items"`
	Next  string              `json:"next"`
}

func TestRightsRequestsForBackOffice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := e.key("suite", "requests:read")
	corr := e.fileRequest(bsnA, portal.KindCorrection, "Mijn adres is fout.")
	obj := e.fileRequest(bsnB, portal.KindObjection, "Ik maak bezwaar.")
	third := e.fileRequest(bsnA, portal.KindInspection, "Wat heeft u van mij?")
	boss := portal.Staff{Sub: "tl", Name: "Tessa", Roles: []string{portal.RoleTeamLead}}
	ctx := context.Background()
	for _, a := range []portal.Action{{Kind: portal.StepStarted},
		{Kind: portal.StepDecided, Outcome: portal.OutcomeGranted, Corrections: "Adres verbeterd in het zaaksysteem."}} {
		if _, err := e.db.ActOnRequest(ctx, corr.ID, boss, a); err != nil {
			t.Fatal(err)
		}
	}

	// Scopes: only requests:read reads requests.
	for _, k := range []string{e.eventKey, e.regKey, e.readKey} {
		if r := e.do("GET", "/rights-requests", k, nil); r.status != 403 {
			t.Errorf("key without requests:read: %d", r.status)
		}
	}
	if r := e.do("GET", "/rights-requests", "", nil); r.status != 401 {
		t.Errorf("no key: %d", r.status)
	}

	// Paging in filing order, two at a time.
	var page requestList
	e.do("GET", "/rights-requests?limit=2", key, nil).json(t, &page)
	if len(page.Items) != 2 || page.Items[0].ID != corr.ID || page.Items[1].ID != obj.ID || page.Next == "" {
		t.Fatalf("first page: %+v", page)
	}
	if page.Items[0].SubjectBSN != bsnA || page.Items[1].SubjectBSN != bsnB {
		t.Error("the BSN is not given to the back office")
	}
	if page.Items[0].Corrections != "Adres verbeterd in het zaaksysteem." || page.Items[0].Outcome != "toegewezen" ||
		page.Items[0].Timeline != nil {
		t.Errorf("decided correction: %+v", page.Items[0])
	}
	var rest requestList
	e.do("GET", "/rights-requests?limit=2&after="+page.Next, key, nil).json(t, &rest)
	if len(rest.Items) != 1 || rest.Items[0].ID != third.ID || rest.Next != "" {
		t.Fatalf("second page: %+v", rest)
	}

	// Filters.
	var open requestList
	e.do("GET", "/rights-requests?status=open", key, nil).json(t, &open)
	if len(open.Items) != 2 {
		t.Errorf("open: %d items", len(open.Items))
	}
	var corrections requestList
	e.do("GET", "/rights-requests?kind=rectificatie&status=besloten", key, nil).json(t, &corrections)
	if len(corrections.Items) != 1 || corrections.Items[0].ID != corr.ID {
		t.Errorf("decided corrections: %+v", corrections.Items)
	}
	for _, q := range []string{"status=klaar", "kind=klacht", "after=x", "limit=0", "limit=501"} {
		e.do("GET", "/rights-requests?"+q, key, nil).problem(t, 422)
	}

	// One request, with its timeline; staff appear by role only.
	var one api.RightsRequest
	r := e.do("GET", "/rights-requests/"+corr.ID, key, nil)
	r.json(t, &one)
	if one.Reference != corr.Reference || len(one.Timeline) != 3 || one.Timeline[2].Kind != "decided" ||
		one.Timeline[2].ActorRole != "team_lead" {
		t.Errorf("request: %+v", one)
	}
	if strings.Contains(string(r.body), "Tessa") || strings.Contains(string(r.body), `"tl"`) {
		t.Error("the API names a staff member")
	}
	e.do("GET", "/rights-requests/00000000-0000-4000-8000-000000000000", key, nil).problem(t, 404)
	e.do("GET", "/rights-requests/not-a-uuid", key, nil).problem(t, 404)
}
