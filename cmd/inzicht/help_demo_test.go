package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/internal/pdftext"
)

// TestDemoContactAcceptance is issue 18's "help and contact" through the demo, with the municipality's
// own settings: the name, logo and team contact reach the header, the footer, the public pages (for a
// visitor and a logged-in citizen), and the receipt the citizen downloads.
func TestDemoContactAcceptance(t *testing.T) {
	logo := filepath.Join(t.TempDir(), "wapen.svg")
	if err := os.WriteFile(logo, []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20"><circle cx="10" cy="10" r="9" fill="#c00"/></svg>`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, _ := startDemoWith(t, &syncBuffer{}, map[string]string{
		"INZICHT_MUNICIPALITY":    "Gemeente Zeedorp",
		"INZICHT_LOGO_PATH":       logo,
		"INZICHT_CONTACT_PHONE":   "0123 45 67 89",
		"INZICHT_CONTACT_EMAIL":   "avg@zeedorp.nl",
		"INZICHT_CONTACT_ADDRESS": "Postbus 7, 9999 ZZ Zeedorp",
		"INZICHT_CONTACT_HOURS":   "werkdagen 8.30–16.30 uur",
	})
	visitor := newBrowser(t)
	var logoURL string
	for _, p := range []string{"/", "/help", "/privacy", "/toegankelijkheid", "/contact"} {
		resp, page := get(t, visitor, base+p)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		for _, want := range []string{"avg@zeedorp.nl", "Postbus 7, 9999 ZZ Zeedorp", "werkdagen 8.30–16.30 uur", `href="tel:0123456789"`,
			`alt="Gemeente Zeedorp"`, `href="/toegankelijkheid"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", p, want)
			}
		}
		if m := regexp.MustCompile(`src="(/logo/[0-9a-f]+\.svg)"`).FindStringSubmatch(page); m != nil {
			logoURL = m[1]
		}
	}
	if resp, svg := get(t, visitor, base+logoURL); logoURL == "" || resp.StatusCode != 200 || !strings.Contains(svg, "<circle") {
		t.Errorf("the logo %q is not served", logoURL)
	}
	if _, page := get(t, visitor, base+"/privacy"); !strings.Contains(page, "Gemeente Zeedorp is verantwoordelijk") {
		t.Error("the privacy statement does not name the municipality as controller")
	}

	citizen := newBrowser(t)
	if resp, _ := loginCitizen(t, citizen, base, "999993653", "substantieel"); resp.Request.URL.Path != "/overzicht" {
		t.Fatalf("citizen login ended at %s", resp.Request.URL)
	}
	if _, page := get(t, citizen, base+"/help"); !strings.Contains(page, "avg@zeedorp.nl") || !strings.Contains(page, `action="/uitloggen"`) {
		t.Error("a logged-in citizen's help page lacks the contact or the log-out button")
	}
	resp, page := get(t, citizen, base+"/verzoeken/nieuw")
	resp, _ = submitForm(t, citizen, resp.Request.URL, []byte(page), map[string]string{"_action": "/verzoeken", "soort": "inzage",
		"omvang": "alles", "toelichting": "Ik wil alles zien."})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/verzoeken/") {
		t.Fatalf("filing: %d %s", resp.StatusCode, resp.Request.URL)
	}
	resp, pdf := get(t, citizen, base+resp.Request.URL.Path+"/ontvangstbevestiging.pdf")
	txt, err := pdftext.Text([]byte(pdf))
	if resp.StatusCode != 200 || err != nil {
		t.Fatalf("receipt: %d %v", resp.StatusCode, err)
	}
	for _, want := range []string{"(Telefoon: 0123 45 67 89)Tj", "(E-mail: avg@zeedorp.nl)Tj", "(Postadres: Postbus 7, 9999 ZZ Zeedorp)Tj", "(Gemeente Zeedorp)Tj"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the receipt lacks %q", want)
		}
	}
}
