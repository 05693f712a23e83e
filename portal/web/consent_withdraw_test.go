package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// TestWithdrawingConsentIsConfirmed: two citizens grant consent; A asks to withdraw, reads what happens
// then and goes back (nothing changes), then confirms (withdrawn, with a notice); B's consent is
// untouched; a second confirmation (the back button) changes nothing more.
func TestWithdrawingConsentIsConfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	ctx := context.Background()
	ca, acsrf := e.citizen(bsnA)
	cb, bcsrf := e.citizen(bsnB)
	xa, xb := e.askConsent(bsnA), e.askConsent(bsnB)
	for _, g := range []struct{ cookie, csrf, id string }{{ca, acsrf, xa}, {cb, bcsrf, xb}} {
		status, loc, _ := e.post("/toestemmingen/"+g.id+"/besluit", g.cookie, "csrf", g.csrf, "besluit", portal.ConsentGranted)
		if status != 303 || loc != "/toestemmingen/"+g.id+"?gedaan=granted" {
			t.Fatalf("grant: %d %s", status, loc)
		}
	}
	if _, body := e.get(ca, "/toestemmingen/"+xa+"?gedaan=granted"); !strings.Contains(body, "U heeft toestemming gegeven") {
		t.Error("no notice after granting")
	}
	state := func(sub int64, id string) string {
		x, err := e.db.CitizenConsent(ctx, sub, id)
		if err != nil {
			t.Fatal(err)
		}
		return x.Status
	}
	subA, subB := mustSubject(t, e, bsnA), mustSubject(t, e, bsnB)
	_, body := e.get(ca, "/toestemmingen/"+xa)
	if strings.Contains(body, `action="/toestemmingen/`+xa+`/intrekken"`) || !strings.Contains(body, `href="/toestemmingen/`+xa+`/intrekken"`) {
		t.Error("the request page withdraws at once instead of asking first")
	}
	st, body := e.get(ca, "/toestemmingen/"+xa+"/intrekken")
	if st != 200 || !strings.Contains(body, "Weet u zeker") || !strings.Contains(body, "Nee, ga terug") {
		t.Fatalf("confirmation page: %d", st)
	}
	if s := state(subA, xa); s != portal.ConsentGranted {
		t.Fatalf("asking to confirm changed the consent to %s", s)
	}
	if st, _ := e.get(cb, "/toestemmingen/"+xa+"/intrekken"); st != 404 {
		t.Errorf("B opens A's confirmation page: %d", st)
	}
	status, loc, _ := e.post("/toestemmingen/"+xa+"/intrekken", ca, "csrf", acsrf)
	if status != 303 || loc != "/toestemmingen/"+xa+"?gedaan=withdrawn" {
		t.Fatalf("withdraw: %d %s", status, loc)
	}
	if _, body := e.get(ca, loc); !strings.Contains(body, "U heeft uw toestemming ingetrokken") {
		t.Error("no notice after withdrawing")
	}
	if s := state(subA, xa); s != portal.ConsentWithdrawn {
		t.Errorf("A's consent is %s after withdrawing", s)
	}
	if s := state(subB, xb); s != portal.ConsentGranted {
		t.Errorf("B's consent is %s", s)
	}
	// The back button: the confirmation page of a withdrawn consent goes back to the request.
	if st, _ := e.get(ca, "/toestemmingen/"+xa+"/intrekken"); st != 303 {
		t.Errorf("confirmation page of a withdrawn consent: %d", st)
	}
	if status, _, _ := e.post("/toestemmingen/"+xa+"/intrekken", ca, "csrf", acsrf); status == 303 {
		t.Error("withdrawing twice succeeded")
	}
}
