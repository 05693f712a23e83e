package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestDemoActingLogin: out of the box, the demo's simulator field "Namens" logs a citizen in to act
// for someone, under a representation the municipality registered through the API; without one the
// login is refused, and no BSN reaches the log.
func TestDemoActingLogin(t *testing.T) {
	logs := &syncBuffer{}
	base, key, _ := startDemo(t, logs)
	t.Cleanup(func() { checkLogsHoldNoBSN(t, logs.String()) })

	id := uuid.NewString()
	status, body := apiDo(t, base, key, "PUT", "/representations/"+id, `{"representative_bsn":"999993653",
 "subject_bsn":"999991772","subject_name":"Piet Pieters","subject_birth_date":"1950-03-03","kind":"authorisation",
 "parts":["log"],"legal_basis":{"kind":"own_authorisation","reference":"Machtiging M-7"},"valid_from":"2024-01-01"}`)
	if status != http.StatusCreated {
		t.Fatalf("register the representation: %d %s", status, body)
	}

	login := func(acting string) (*http.Response, string) {
		c := newBrowser(t)
		resp, page := get(t, c, base+"/inloggen")
		if resp.StatusCode != 200 || !strings.Contains(page, `id="acting_bsn"`) {
			t.Fatalf("the simulator offers no Namens field: %d", resp.StatusCode)
		}
		return submitForm(t, c, resp.Request.URL, []byte(page), map[string]string{"bsn": "999993653", "loa": "substantieel",
			"acting_bsn": acting, "acting_service": "inzicht"})
	}
	resp, page := login("999991772")
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/overzicht" || !strings.Contains(page, "*****1772") {
		t.Fatalf("acting login: %d %s; want the represented person's overview", resp.StatusCode, resp.Request.URL)
	}
	resp, page = login("999998456")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "de gemeente kent deze vertegenwoordiging niet") {
		t.Errorf("acting login without a representation: %d", resp.StatusCode)
	}
}
