package devidp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func withActing(c *Config) {
	c.ActingBSNClaim, c.ActingServiceClaim = "represented_bsn", "mandate_service"
}

// TestActingField: the optional "Namens" field (and the service) put the acting-on-behalf claims,
// under the configured names, into the ID token; left empty, the token has none.
func TestActingField(t *testing.T) {
	e := newEnv(t, withActing)
	f := e.start(citizenID)
	for _, want := range []string{`<legend>Namens iemand anders inloggen`, `<label for="acting_bsn">Namens (BSN van de persoon voor wie u handelt)</label>`,
		`<input id="acting_bsn" name="acting_bsn"`, `aria-describedby="acting_bsn-hint"`, `id="acting_bsn-hint"`,
		`<label for="acting_service">`, `aria-describedby="acting_service-hint"`, `id="acting_service-hint"`} {
		if !strings.Contains(f.page, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if strings.Contains(f.page, `name="acting_bsn" type="text" inputmode="numeric" autocomplete="off" maxlength="20" required`) {
		t.Error("the acting field must be optional")
	}
	claims, _, _ := e.verify(f, e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"substantieel"},
		"acting_bsn": {" 111222333 "}, "acting_service": {"inzicht"}})))
	if claims["bsn"] != "999993653" || claims["represented_bsn"] != "111222333" || claims["mandate_service"] != "inzicht" {
		t.Errorf("claims %v: want the own BSN, the represented BSN and the service", claims)
	}

	// Left empty: no acting claims at all.
	f = e.start(citizenID)
	claims, _, _ = e.verify(f, e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"substantieel"}, "acting_bsn": {""}})))
	for _, c := range []string{"represented_bsn", "mandate_service"} {
		if _, ok := claims[c]; ok {
			t.Errorf("claim %s present without the field filled in", c)
		}
	}

	// Without a service the token carries the acting BSN only.
	f = e.start(citizenID)
	claims, _, _ = e.verify(f, e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"hoog"}, "acting_bsn": {"111222333"}})))
	if _, ok := claims["mandate_service"]; ok || claims["represented_bsn"] != "111222333" {
		t.Errorf("claims %v", claims)
	}
}

func TestActingFieldRefusals(t *testing.T) {
	e := newEnv(t, withActing)
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"letters in the acting BSN", url.Values{"acting_bsn": {"12a"}}, "acting_bsn"},
		{"service without acting BSN", url.Values{"acting_service": {"inzicht"}}, "acting_bsn"},
		{"odd service", url.Values{"acting_bsn": {"111222333"}, "acting_service": {"<script>"}}, "acting_service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := e.start(citizenID)
			tc.form.Set("bsn", "999993653")
			tc.form.Set("loa", "substantieel")
			resp := e.submit(f, tc.form)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert" id="fout"`) {
				t.Fatalf("status %d, want the form again with an error", resp.StatusCode)
			}
			if !strings.Contains(body, `id="`+tc.field+`" name="`+tc.field+`"`) ||
				!strings.Contains(body, `aria-describedby="`+tc.field+`-hint fout" aria-invalid="true"`) {
				t.Errorf("the error is not tied to field %s", tc.field)
			}
			if strings.Contains(body, `aria-describedby="bsn-hint fout"`) {
				t.Error("the own BSN field is marked invalid")
			}
		})
	}
}

// TestActingFieldOff: without acting claim names the form offers no such field and ignores one sent.
func TestActingFieldOff(t *testing.T) {
	e := newEnv(t)
	f := e.start(citizenID)
	if strings.Contains(f.page, "acting_bsn") || strings.Contains(f.page, "Namens") {
		t.Error("the acting field is offered without claim names configured")
	}
	claims, _, _ := e.verify(f, e.code(f, e.submit(f, url.Values{"bsn": {"999993653"}, "loa": {"substantieel"}, "acting_bsn": {"111222333"}})))
	for k, v := range claims {
		if v == "111222333" {
			t.Errorf("claim %s carries the BSN sent in the unoffered field", k)
		}
	}
}

func TestActingClaimNamesChecked(t *testing.T) {
	for _, c := range []Config{{ActingServiceClaim: "svc"}, {ActingBSNClaim: "bsn"}, {ActingBSNClaim: "sub"},
		{ActingBSNClaim: "x", ActingServiceClaim: "x"}} {
		c.Issuer, c.Env, c.Clients = "http://localhost/dev-idp", "development", []Client{{ID: "c", Kind: CitizenClient}}
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), "acting") {
			t.Errorf("%+v: err %v, want a refusal of the acting claim names", c, err)
		}
	}
}
