package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/api"
)

// TestVNGThroughTheFrontApp is the VNG Verwerkingenlogging API through the real wiring: a supplier
// names its organisation, posts a vertrouwelijk verwerkingsactie (the register entry found by its URL's
// last segment), the citizen does not see it; after PATCH … opgeheven the citizen finds it in
// /verwerkingen under the organisation's name, and the detail page says what VNG does not state.
func TestVNGThroughTheFrontApp(t *testing.T) {
	base, key, _ := startDemo(t, io.Discard)
	oin := fmt.Sprintf("%020d", rand.Uint64()%1e18)
	org := "Gemeente Demostad " + uuid.NewString()[:8]
	if st, body := apiDo(t, base, key, "PUT", "/organisations/"+oin, `{"name":"`+org+`"}`); st != 201 {
		t.Fatalf("PUT organisation: %d %s", st, body)
	}
	actieID, verwerking := uuid.NewString(), uuid.NewString()
	st, body := apiDo(t, base, key, "POST", "/verwerkingsacties", `{"actieId":"`+actieID+`","actieNaam":"Zoeken personen",`+
		`"verwerkingId":"`+verwerking+`","verwerkingsactiviteitUrl":"https://var.example/api/v1/verwerkingsactiviteiten/wmo-onderzoek",`+
		`"vertrouwelijkheid":"vertrouwelijk","uitvoerder":"`+oin+`","systeem":"FooBarApp v2.1",`+
		`"tijdstip":"`+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)+`",`+
		`"verwerkteObjecten":[{"objecttype":"persoon","soortObjectId":"BSN","objectId":"999993653"}]}`)
	if st != 201 {
		t.Fatalf("POST verwerkingsactie: %d %s", st, body)
	}
	var va struct{ URL string }
	if err := json.Unmarshal([]byte(body), &va); err != nil || va.URL != base+"/api/v1/verwerkingsacties/"+actieID {
		t.Errorf("url %q (%v), want under %s", va.URL, err, base)
	}
	id := api.VerwerktObjectID(actieID, 0)

	c := newBrowser(t)
	loginCitizen(t, c, base, "999993653", "substantieel")
	if _, page := get(t, c, base+"/verwerkingen"); strings.Contains(page, id) || strings.Contains(page, org) {
		t.Fatal("/verwerkingen shows a vertrouwelijk verwerkingsactie")
	}
	if st, body := apiDo(t, base, key, "PATCH", "/verwerkingsacties?verwerkingId="+verwerking, `{"vertrouwelijkheid":"opgeheven"}`); st != 204 {
		t.Fatalf("PATCH opgeheven: %d %s", st, body)
	}
	if _, page := get(t, c, base+"/verwerkingen"); !strings.Contains(page, id) || !strings.Contains(page, org) {
		t.Fatal("/verwerkingen does not show the verwerkingsactie after its confidentiality was lifted")
	}
	_, page := get(t, c, base+"/verwerkingen/"+id)
	for _, want := range []string{org, "niet vermeld"} {
		if !strings.Contains(page, want) {
			t.Errorf("the detail page lacks %q", want)
		}
	}
}
