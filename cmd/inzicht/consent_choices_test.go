package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/internal/pdftext"
	"github.com/inzicht/inzicht/portal"
)

// TestDemoCitizensChooseDifferently is the round-one consent bug as a whole program: on one running
// server several citizens log in through the DigiD simulator and grant, refuse and withdraw, first one
// after another and then all at once. What each chose must be what the API reports, what their receipt
// (JSON and PDF) says, and what the database holds.
func TestDemoCitizensChooseDifferently(t *testing.T) {
	base, key, dbURL := startDemo(t, io.Discard)
	ask := func(bsn string) string {
		id := uuid.NewString()
		status, body := apiDo(t, base, key, "POST", "/consent-requests", fmt.Sprintf(`{"id":%q,
			"subject_bsn":%q,"case_ref":"Z-2026-0042","requested_by":{"organization":"Gemeente Voorbeeldstad","role":"Wmo-consulent"},
			"data_item":"Medische informatie over wat u lichamelijk kunt","data_holder":"Uw huisarts",
			"purpose":"We denken aan dagbesteding voor u.","necessity":"Om te weten welke dagbesteding bij u past.",
			"legal_ground":"Uw huisarts heeft een beroepsgeheim.","if_refused":"We kiezen dan samen met u zonder deze informatie.",
			"valid_until":%q}`, id, bsn, time.Now().AddDate(0, 3, 0).Format("2006-01-02")))
		if status != 201 {
			t.Fatalf("ask consent: %d %s", status, body)
		}
		return id
	}

	type citizen struct {
		bsn  string
		c    *http.Client
		csrf string
	}
	var people []citizen
	for i := 0; len(people) < 8; i++ {
		bsn := fmt.Sprintf("99999%04d", 500+i) // clear of the demo family (9999900xx–9999901xx)
		if !portal.ValidBSN(bsn) {
			continue
		}
		c := newBrowser(t)
		resp, page := loginCitizen(t, c, base, bsn, "substantieel")
		if resp.StatusCode != 200 {
			t.Fatalf("login %d: %d", len(people), resp.StatusCode)
		}
		people = append(people, citizen{bsn, c, extractCSRF(t, page)})
	}
	type choice struct {
		who      citizen
		id, want string
	}
	// decide posts the form as the page's buttons do; it returns an error instead of failing, so that
	// it can run in goroutines.
	decide := func(ch choice) error {
		path, form := "/toestemmingen/"+ch.id+"/besluit", url.Values{"csrf": {ch.who.csrf}, "besluit": {ch.want}}
		if ch.want == portal.ConsentWithdrawn {
			path, form = "/toestemmingen/"+ch.id+"/intrekken", url.Values{"csrf": {ch.who.csrf}}
		}
		resp, err := ch.who.c.PostForm(base+path, form)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/toestemmingen/"+ch.id {
			return fmt.Errorf("%s %s: %d at %s", ch.want, ch.id, resp.StatusCode, resp.Request.URL.Path)
		}
		return nil
	}

	// One after another: A grants, B refuses twice, A refuses, C grants and withdraws.
	a, b, c := people[0], people[1], people[2]
	seq := []choice{{a, ask(a.bsn), portal.ConsentGranted}, {b, ask(b.bsn), portal.ConsentRefused},
		{b, ask(b.bsn), portal.ConsentRefused}, {a, ask(a.bsn), portal.ConsentRefused}}
	cw := choice{c, ask(c.bsn), portal.ConsentGranted}
	for _, ch := range append(seq, cw) {
		if err := decide(ch); err != nil {
			t.Fatal(err)
		}
	}
	cw.want = portal.ConsentWithdrawn
	if err := decide(cw); err != nil {
		t.Fatal(err)
	}
	all := append(seq, cw)

	// At once: five citizens, two requests each, alternating.
	var par []choice
	for i, p := range people[3:] {
		for j := range 2 {
			want := portal.ConsentGranted
			if (i+j)%2 == 1 {
				want = portal.ConsentRefused
			}
			par = append(par, choice{p, ask(p.bsn), want})
		}
	}
	errs := make(chan error, len(par))
	var wg sync.WaitGroup
	for _, ch := range par {
		wg.Go(func() { errs <- decide(ch) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	all = append(all, par...)

	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, ch := range all {
		who := portal.MaskBSN(ch.who.bsn)
		var stored string
		if err := conn.QueryRow(context.Background(), `SELECT status FROM consents WHERE id = $1`, ch.id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != ch.want {
			t.Errorf("%s chose %s; the database holds %s", who, ch.want, stored)
		}
		if _, body := apiDo(t, base, key, "GET", "/consent-requests/"+ch.id, ""); !strings.Contains(body, `"status":"`+ch.want+`"`) {
			t.Errorf("%s chose %s; the API says %s", who, ch.want, body)
		}
		decided := ch.want
		if ch.want == portal.ConsentWithdrawn {
			decided = portal.ConsentGranted
		}
		if _, js := get(t, ch.who.c, base+"/toestemmingen/"+ch.id+"/bewijs.json"); !strings.Contains(js, `"decision": "`+decided+`"`) {
			t.Errorf("%s chose %s; the JSON receipt says %s", who, ch.want, js)
		}
		resp, pdf := get(t, ch.who.c, base+"/toestemmingen/"+ch.id+"/bewijs.pdf")
		text, err := pdftext.Text([]byte(pdf))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("receipt PDF: %d %v", resp.StatusCode, err)
		}
		granted, refused := strings.Contains(text, "U gaf toestemming op"), strings.Contains(text, "U gaf geen toestemming op")
		if granted != (decided == portal.ConsentGranted) || refused != (decided == portal.ConsentRefused) {
			t.Errorf("%s chose %s; the PDF receipt says granted=%v refused=%v", who, ch.want, granted, refused)
		}
		if withdrawn := strings.Contains(text, "U trok uw toestemming in op"); withdrawn != (ch.want == portal.ConsentWithdrawn) {
			t.Errorf("%s chose %s; the PDF receipt mentions a withdrawal: %v", who, ch.want, withdrawn)
		}
	}
	// Another citizen's receipt stays out of reach.
	if resp, _ := get(t, b.c, base+"/toestemmingen/"+seq[0].id+"/bewijs.pdf"); resp.StatusCode != 404 {
		t.Errorf("B opened A's receipt: %d", resp.StatusCode)
	}
}
