package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/i18n"
	"github.com/inzicht/inzicht/portal/web"
)

var demoContact = portal.Contact{Phone: "14 020", Email: "privacy@voorbeeldstad.nl",
	Address: "Postbus 100, 1234 AB Voorbeeldstad", Hours: "maandag tot en met vrijdag van 9.00 tot 17.00 uur"}

// getLang fetches path in lang with an optional session cookie.
func (e *env) getLang(path, lang, cookie string) (*http.Response, string) {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "__Host-inzicht_session", Value: cookie})
	}
	req.AddCookie(&http.Cookie{Name: "__Host-inzicht_lang", Value: lang})
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var infoPages = []struct{ path, title string }{
	{"/help", "info.help.title"}, {"/privacy", "info.privacy.title"},
	{"/toegankelijkheid", "info.toegankelijkheid.title"}, {"/contact", "info.contact.title"},
}

// TestInfoPagesForEveryone: help, privacy, accessibility and contact render in Dutch and English for
// a visitor without login, a citizen and a staff member; every page's footer links to all four and
// shows the team's contact; the staff keep their own footer wording.
func TestInfoPagesForEveryone(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, web.Config{Contact: demoContact, IdleTimeout: 10 * time.Minute, AbsoluteTimeout: 8 * time.Hour}, web.Deps{})
	citizen, _ := e.citizen(bsnA)
	clerk, _ := e.staff("clerk")
	callers := []struct{ name, cookie string }{{"anonymous", ""}, {"citizen", citizen}, {"staff", clerk}}
	h1 := regexp.MustCompile(`<h1>([^<]*)</h1>`)
	for _, lang := range []string{"nl", "en"} {
		other := map[string]string{"nl": "en", "en": "nl"}[lang]
		for _, c := range callers {
			for _, p := range infoPages {
				resp, body := e.getLang(p.path, lang, c.cookie)
				if resp.StatusCode != 200 {
					t.Errorf("%s %s %s: status %d", lang, c.name, p.path, resp.StatusCode)
					continue
				}
				if m := h1.FindStringSubmatch(body); m == nil || m[1] != cat.T(lang, p.title) {
					t.Errorf("%s %s %s: heading %v, want %q", lang, c.name, p.path, m, cat.T(lang, p.title))
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("%s %s %s: page not marked as %s", lang, c.name, p.path, lang)
				}
				for _, q := range infoPages {
					if !strings.Contains(body, `<a href="`+q.path+`"`) {
						t.Errorf("%s %s %s: the footer lacks the link to %s", lang, c.name, p.path, q.path)
					}
				}
				// The team's contact is in the footer on every page, with its labels.
				for _, want := range []string{"privacy@voorbeeldstad.nl", "Postbus 100, 1234 AB Voorbeeldstad",
					`href="tel:14020"`, "maandag tot en met vrijdag", cat.T(lang, "contact.phone"), cat.T(lang, "footer.contact")} {
					if !strings.Contains(body, want) {
						t.Errorf("%s %s %s: lacks %q", lang, c.name, p.path, want)
					}
				}
				// The header names the municipality beside Inzicht.
				if !strings.Contains(body, `<span class="brand-org">Gemeente Voorbeeldstad</span>`) {
					t.Errorf("%s %s %s: the header lacks the municipality's name", lang, c.name, p.path)
				}
				footer := map[bool]string{true: "footer.staff", false: "footer.about"}[c.name == "staff"]
				if !strings.Contains(body, template(cat.T(lang, footer))) {
					t.Errorf("%s %s %s: footer wording %s missing", lang, c.name, p.path, footer)
				}
				// The other language's titles of these pages do not leak in (the language link aside).
				if cat.T(other, "info.toegankelijkheid.title") != cat.T(lang, "info.toegankelijkheid.title") &&
					strings.Contains(body, cat.T(other, "info.toegankelijkheid.title")) {
					t.Errorf("%s %s %s: shows the %s title of the accessibility statement", lang, c.name, p.path, other)
				}
			}
		}
		// What each page is for.
		_, help := e.getLang("/help", lang, "")
		for _, b := range portal.AccessBases {
			for _, key := range []string{"basis." + b, "help.basis." + b} {
				if !strings.Contains(help, template(cat.T(lang, key))) {
					t.Errorf("%s /help lacks %s", lang, key)
				}
			}
		}
		for _, key := range []string{"help.right.question.name", "help.right.inspection.name", "help.right.correction.name",
			"help.right.erasure.name", "help.right.restriction.name", "help.right.objection.name", "help.right.complaint.name",
			"help.part.acting", "nav.log", "nav.consents", "nav.signals", "nav.requests", "nav.messages"} {
			if !strings.Contains(help, template(cat.T(lang, key))) {
				t.Errorf("%s /help lacks %s", lang, key)
			}
		}
		_, priv := e.getLang("/privacy", lang, "")
		if !strings.Contains(priv, template(cat.T(lang, "privacy.controller", "Gemeente Voorbeeldstad"))) {
			t.Errorf("%s /privacy does not name the municipality as controller", lang)
		}
		// The retention of a session is the configured one.
		if !strings.Contains(priv, template(cat.T(lang, "privacy.retention.session", 10, 8))) {
			t.Errorf("%s /privacy does not name the configured session limits (10 minutes, 8 hours)", lang)
		}
		_, a11y := e.getLang("/toegankelijkheid", lang, "")
		for _, want := range []string{cat.T(lang, "a11y.status"), "axe-core", "WCAG 2.1", "320", template(cat.T(lang, "a11y.limits.pdf")),
			map[string]string{"nl": "1 december 2026", "en": "1 December 2026"}[lang], "privacy@voorbeeldstad.nl"} {
			if !strings.Contains(a11y, want) {
				t.Errorf("%s /toegankelijkheid lacks %q", lang, want)
			}
		}
		_, contact := e.getLang("/contact", lang, "")
		if !strings.Contains(contact, `<a href="mailto:privacy@voorbeeldstad.nl">`) || !strings.Contains(contact, cat.T(lang, "contact.hours")) {
			t.Errorf("%s /contact lacks the e-mail link or the hours", lang)
		}
		// Only Dutch hours are configured: an English page shows them marked as Dutch.
		if marked := strings.Contains(contact, `<dd lang="nl">maandag tot en met vrijdag`); marked != (lang == "en") {
			t.Errorf("%s /contact: Dutch hours marked as Dutch: %v", lang, marked)
		}
	}
}

// TestEnglishOpeningHours: with English opening hours configured, English pages and letters show them
// and Dutch pages the Dutch ones; nothing is marked as Dutch.
func TestEnglishOpeningHours(t *testing.T) {
	t.Parallel()
	c := demoContact
	c.HoursEN = "Monday to Friday, 9.00 to 17.00"
	e := newEnv(t, web.Config{Contact: c}, web.Deps{})
	_, en := e.getLang("/contact", "en", "")
	_, nl := e.getLang("/contact", "nl", "")
	if !strings.Contains(en, "<dd>Monday to Friday, 9.00 to 17.00</dd>") || strings.Contains(en, "maandag") {
		t.Error("the English contact page does not show the English hours")
	}
	if !strings.Contains(nl, "<dd>maandag tot en met vrijdag") || strings.Contains(nl, "Monday") {
		t.Error("the Dutch contact page does not show the Dutch hours")
	}
}

// template escapes s as html/template prints text (apostrophes, ampersands and quotes).
func template(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", `"`, "&#34;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestInfoPagesWithoutContact: a portal without contact settings shows no empty labels: no contact
// block in the footer, a plain sentence on /contact; with only an e-mail address, only that line.
func TestInfoPagesWithoutContact(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	bare := newEnv(t, web.Config{}, web.Deps{})
	emailOnly := newEnv(t, web.Config{Contact: portal.Contact{Email: "avg@example.nl"}}, web.Deps{})
	for _, lang := range []string{"nl", "en"} {
		for _, p := range append(infoPages, struct{ path, title string }{"/", ""}) {
			_, body := bare.getLang(p.path, lang, "")
			for _, no := range []string{"footer-contact", "contact-details", "<dd></dd>", "tel:", "mailto:",
				">" + cat.T(lang, "contact.phone") + "<", ">" + cat.T(lang, "contact.address") + "<"} {
				if strings.Contains(body, no) {
					t.Errorf("%s %s without contact settings shows %q", lang, p.path, no)
				}
			}
			_, one := emailOnly.getLang(p.path, lang, "")
			if !strings.Contains(one, `<a href="mailto:avg@example.nl">avg@example.nl</a>`) {
				t.Errorf("%s %s: the only contact, the e-mail address, is missing", lang, p.path)
			}
			for _, no := range []string{"<dd></dd>", "tel:", ">" + cat.T(lang, "contact.phone") + "<", ">" + cat.T(lang, "contact.hours") + "<"} {
				if strings.Contains(one, no) {
					t.Errorf("%s %s with only an e-mail address shows %q", lang, p.path, no)
				}
			}
		}
		_, contact := bare.getLang("/contact", lang, "")
		if !strings.Contains(contact, template(cat.T(lang, "contact.none"))) {
			t.Errorf("%s /contact without settings does not say so", lang)
		}
	}
}

// TestLogoInHeader: a configured logo is served under an address naming its content, cached for a
// year and unable to run scripts; the header shows it with the municipality as alt text. Without a
// logo the name is text.
func TestLogoInHeader(t *testing.T) {
	t.Parallel()
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#154273"/></svg>`)
	e := newEnv(t, web.Config{Logo: svg, LogoType: "image/svg+xml"}, web.Deps{})
	_, body := e.getLang("/help", "nl", "")
	m := regexp.MustCompile(`<img class="brand-logo" src="(/logo/[0-9a-f]{16}\.svg)" alt="Gemeente Voorbeeldstad">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the header does not show the logo with the municipality as alt text:\n%s", body)
	}
	if strings.Contains(body, `class="brand-org"`) {
		t.Error("with a logo, the name is its alt text, not repeated as text")
	}
	resp, got := e.getLang(m[1], "nl", "")
	if resp.StatusCode != 200 || got != string(svg) || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("logo: status %d, type %q, body %q", resp.StatusCode, resp.Header.Get("Content-Type"), got)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("logo Cache-Control %q, want a year, immutable", cc)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
		t.Errorf("logo CSP %q lets an SVG opened on its own do things", csp)
	}
	if resp, _ := e.getLang("/logo/0000000000000000.svg", "nl", ""); resp.StatusCode != 404 {
		t.Errorf("another logo address: status %d, want 404", resp.StatusCode)
	}
	// A staff member and a citizen see the logo too.
	clerk, _ := e.staff("clerk")
	citizen, _ := e.citizen(bsnA)
	for _, c := range []string{clerk, citizen} {
		if _, b := e.getLang("/contact", "en", c); !strings.Contains(b, `src="`+m[1]+`" alt="Gemeente Voorbeeldstad"`) {
			t.Error("a logged-in page lacks the logo")
		}
	}
	plain := newEnv(t, web.Config{}, web.Deps{})
	if _, b := plain.getLang("/help", "nl", ""); strings.Contains(b, "brand-logo") || !strings.Contains(b, `<span class="brand-org">Gemeente Voorbeeldstad</span>`) {
		t.Error("without a logo the header shows the name as text")
	}
	if resp, _ := plain.getLang("/logo/0000000000000000.svg", "nl", ""); resp.StatusCode != 404 {
		t.Errorf("no logo configured: /logo answers %d", resp.StatusCode)
	}
}

// TestHeaderMenus: the main menu is on a row of its own and only for a logged-in person; language
// and log-out share the upper row.
func TestHeaderMenus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, web.Config{}, web.Deps{})
	citizen, _ := e.citizen(bsnA)
	clerk, _ := e.staff("clerk")
	_, anon := e.getLang("/help", "nl", "")
	if strings.Contains(anon, `class="header-main"`) || strings.Contains(anon, "/uitloggen") {
		t.Error("a visitor without login gets a main menu or a log-out button")
	}
	for name, c := range map[string]string{"citizen": citizen, "staff": clerk} {
		_, b := e.getLang("/help", "nl", c)
		tools := b[strings.Index(b, `class="header-tools"`):]
		tools = tools[:strings.Index(tools, "</nav>")]
		if !strings.Contains(tools, `action="/uitloggen"`) || !strings.Contains(tools, `href="/taal?lang=en`) {
			t.Errorf("%s: log-out and language are not together in the upper row", name)
		}
		if !strings.Contains(b, `class="header-main"`) {
			t.Errorf("%s: no main menu", name)
		}
	}
}
