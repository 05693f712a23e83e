package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/pdftext"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestDecisionPreview: the clerk previews the decision letter with what they typed: a PDF marked as a
// draft with the outcome and motivation, while nothing is decided or sent; an invalid decision shows
// the form's messages instead of a preview.
func TestDecisionPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	e.ingest(event(bsnA, time.Now().Add(-time.Hour)))
	sub, err := e.db.EnsureSubject(ctx, bsnA)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.db.CreateRequest(ctx, sub, portal.NewRequest{Kind: portal.KindObjection, Scope: portal.Scope{All: true}, Description: "Bezwaar"})
	if err != nil {
		t.Fatal(err)
	}
	clerk := portal.Staff{Sub: "medewerker", Name: "Mia Medewerker", Roles: []string{portal.RoleClerk}}
	if _, err := e.db.ActOnRequest(ctx, r.ID, clerk, portal.Action{Kind: portal.StepStarted}); err != nil {
		t.Fatal(err)
	}
	ck, csrf := e.staff("clerk")
	motivation := "Uw bezwaar is gegrond: de verwerking was niet nodig."
	resp, body := e.do("POST", "/medewerker/verzoeken/"+r.ID+"/besluiten", ck, "",
		form("csrf", csrf, "besluit", "toegewezen", "toelichting", motivation, "voorbeeld", "1"),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("preview: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	txt, err := pdftext.Text([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CONCEPT", "gegrond"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	got, err := e.db.Request(ctx, sub, r.ID)
	if err != nil || got.Status != portal.StatusHandling || got.Motivation != "" {
		t.Errorf("after a preview the request is %s with motivation %q (%v): nothing should be stored", got.Status, got.Motivation, err)
	}
	// Without a motivation: the form comes back with its message, no PDF.
	resp, body = e.do("POST", "/medewerker/verzoeken/"+r.ID+"/besluiten", ck, "",
		form("csrf", csrf, "besluit", "afgewezen", "toelichting", "", "voorbeeld", "1"),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 422 || !strings.Contains(body, "motivering") {
		t.Errorf("a preview without motivation: %d", resp.StatusCode)
	}
}
