package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inzicht/inzicht/portal"
)

// TestContactConfig: the team's contact and the logo are read, checked and reported together; the
// demo fills in fictitious values, production leaves them empty unless set.
func TestContactConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	svg := write("logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`))
	png := write("logo.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))
	scripted := write("evil.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	gif := write("logo.gif", []byte("GIF89a...."))
	fakePNG := write("fake.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	big := write("big.svg", append([]byte("<svg>"), make([]byte, 300<<10)...))
	empty := write("empty.svg", nil)

	// Production: nothing set, nothing shown.
	c, err := loadConfig("serve", envOf(prodEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Contact.Set() || c.Logo != nil {
		t.Errorf("production without settings: contact %+v, logo %d bytes", c.Contact, len(c.Logo))
	}
	// The demo: fictitious values.
	d, err := loadConfig("demo", envOf(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if d.Contact.Phone == "" || d.Contact.Email != "privacy@voorbeeldstad.nl" || d.Contact.Address == "" || d.Contact.Hours == "" {
		t.Errorf("demo contact %+v, want every field filled", d.Contact)
	}

	good := prodEnv()
	good["INZICHT_CONTACT_PHONE"] = " +31 (0)20 123-4567 "
	good["INZICHT_CONTACT_EMAIL"] = "privacy@voorbeeldstad.nl"
	good["INZICHT_CONTACT_ADDRESS"] = "Postbus 100, 1234 AB Voorbeeldstad"
	good["INZICHT_CONTACT_HOURS"] = "ma–vr 9.00–17.00 uur"
	good["INZICHT_CONTACT_HOURS_EN"] = "Mon–Fri 9.00–17.00"
	good["INZICHT_LOGO_PATH"] = svg
	c, err = loadConfig("serve", envOf(good))
	if err != nil {
		t.Fatalf("a good contact is refused: %v", err)
	}
	want := portal.Contact{Phone: "+31 (0)20 123-4567", Email: "privacy@voorbeeldstad.nl",
		Address: "Postbus 100, 1234 AB Voorbeeldstad", Hours: "ma–vr 9.00–17.00 uur", HoursEN: "Mon–Fri 9.00–17.00"}
	if c.Contact != want || c.LogoType != "image/svg+xml" || len(c.Logo) == 0 {
		t.Errorf("contact %+v logo %q (%d bytes)", c.Contact, c.LogoType, len(c.Logo))
	}
	good["INZICHT_LOGO_PATH"] = png
	if c, err = loadConfig("serve", envOf(good)); err != nil || c.LogoType != "image/png" {
		t.Errorf("a PNG logo: %v, type %q", err, c.LogoType)
	}

	for _, tc := range []struct{ name, key, value, want string }{
		{"e-mail without domain", "INZICHT_CONTACT_EMAIL", "privacy", "INZICHT_CONTACT_EMAIL"},
		{"e-mail with a name", "INZICHT_CONTACT_EMAIL", "Privacy <privacy@gemeente.nl>", "INZICHT_CONTACT_EMAIL"},
		{"two e-mail addresses", "INZICHT_CONTACT_EMAIL", "a@gemeente.nl, b@gemeente.nl", "INZICHT_CONTACT_EMAIL"},
		{"phone with letters", "INZICHT_CONTACT_PHONE", "bel ons", "INZICHT_CONTACT_PHONE"},
		{"phone too long", "INZICHT_CONTACT_PHONE", strings.Repeat("1", 31), "INZICHT_CONTACT_PHONE"},
		{"address over two lines", "INZICHT_CONTACT_ADDRESS", "Postbus 100\n1234 AB Voorbeeldstad", "INZICHT_CONTACT_ADDRESS"},
		{"hours too long", "INZICHT_CONTACT_HOURS", strings.Repeat("a", 201), "INZICHT_CONTACT_HOURS"},
		{"English hours over two lines", "INZICHT_CONTACT_HOURS_EN", "Mon–Fri\n9–17", "INZICHT_CONTACT_HOURS_EN"},
		{"unreadable logo", "INZICHT_LOGO_PATH", filepath.Join(dir, "missing.svg"), "cannot read"},
		{"logo is a directory", "INZICHT_LOGO_PATH", dir, "INZICHT_LOGO_PATH"},
		{"logo with a script", "INZICHT_LOGO_PATH", scripted, "scripts"},
		{"GIF logo", "INZICHT_LOGO_PATH", gif, "SVG (.svg) or PNG"},
		{"SVG named .png", "INZICHT_LOGO_PATH", fakePNG, "SVG (.svg) or PNG"},
		{"logo too large", "INZICHT_LOGO_PATH", big, "256 KiB"},
		{"empty logo", "INZICHT_LOGO_PATH", empty, "256 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := prodEnv()
			env[tc.key] = tc.value
			_, err := loadConfig("serve", envOf(env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s=%q: error %v, want one naming %q", tc.key, tc.value, err, tc.want)
			}
		})
	}
	// Every problem at once, in one report.
	env := prodEnv()
	env["INZICHT_CONTACT_EMAIL"], env["INZICHT_LOGO_PATH"] = "nope", gif
	if _, err := loadConfig("serve", envOf(env)); err == nil || !strings.Contains(err.Error(), "INZICHT_CONTACT_EMAIL") ||
		!strings.Contains(err.Error(), "INZICHT_LOGO_PATH") {
		t.Errorf("two problems, report: %v", err)
	}
}
