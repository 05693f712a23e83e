package journeys

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// headerLayout is how the header's items lie on screen at one width.
type headerLayout struct {
	MainRows   int // lines the main menu's items take
	MainItems  int
	TopRows    int // lines of the upper row (brand, language, log-out)
	Companions int // header items that share a line with "Uitloggen" (-1: no log-out button)
	MainWidth  int // the main menu's items' total width, gaps included, and the room they have
	MainRoom   int
}

// measureHeader groups the header's items into lines by their vertical centres.
func measureHeader(b *tab, width int64) headerLayout {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(width, 900))
	defer b.do(chromedp.EmulateViewport(1280, 900))
	return eval[headerLayout](b, `(() => {
		const rect = e => e.getBoundingClientRect();
		const lines = els => {
			const cs = els.map(e => { const r = rect(e); return (r.top + r.bottom) / 2; }).sort((a, b) => a - b);
			let n = 0, last = -1e9;
			for (const c of cs) { if (c - last > 8) n++; last = c; }
			return n;
		};
		const main = [...document.querySelectorAll(".header-main .nav > li")];
		const top = [document.querySelector(".site-header .brand"), ...document.querySelectorAll(".header-tools .nav > li")];
		const all = [...main, ...top];
		const form = document.querySelector('.site-header form[action="/uitloggen"]');
		let companions = -1;
		if (form) {
			const lo = form.closest("li"), r = rect(lo);
			companions = all.filter(e => e !== lo && (q => q.top < r.bottom - 2 && q.bottom > r.top + 2)(rect(e))).length;
		}
		const ul = document.querySelector(".header-main .nav");
		let w = 0;
		if (main.length) { w = rect(main[main.length-1]).right - rect(main[0]).left; }
		return {MainRows: lines(main), MainItems: main.length, TopRows: lines(top), Companions: companions,
			MainWidth: Math.round(w), MainRoom: ul ? Math.round(ul.clientWidth) : 0};
	})()`)
}

// helpJourney: a visitor without login finds help, the statements and the contact from the footer
// with the keyboard alone; every page passes axe and reflows at 320 px, in Dutch and in English; the
// header keeps its items together from 320 to 1280 px for a citizen and for staff ("Uitloggen" never
// alone on a line).
func helpJourney(t *testing.T, s *browserSuite) {
	b := s.newTab(t)
	b.open("/")
	for _, p := range []struct{ path, text string }{
		{"/help", "Noodtoegang"}, {"/privacy", "verwerkingsverantwoordelijke"},
		{"/toegankelijkheid", "voldoet gedeeltelijk"}, {"/contact", "14 0XX"},
	} {
		b.tabTo(`footer a[href="` + p.path + `"]`)
		b.enter() // checks axe and 320 px
		b.wantPath(p.path)
		b.wantText(p.text, "privacy@voorbeeldstad.nl", "Gemeente Voorbeeldstad")
		if cur := eval[string](b, `document.querySelector('footer a[aria-current="page"]').getAttribute("href")`); cur != p.path {
			t.Errorf("on %s the footer marks %s as the current page", p.path, cur)
		}
	}
	b.wantText("Postbus 100, 1234 AB Voorbeeldstad", "maandag tot en met vrijdag")
	b.shot("journey-help-contact")
	if l := measureHeader(b, 1280); l.MainItems != 0 || l.Companions != -1 || l.TopRows != 1 {
		t.Errorf("a visitor's header at 1280 px: %+v, want no menu, no log-out, one row", l)
	}

	// In English: the same pages, English words.
	b.open("/help")
	b.click(`a[href^="/taal?lang=en"]`)
	b.wantPath("/help")
	if l := eval[string](b, `document.documentElement.lang`); l != "en" {
		t.Fatalf("lang=%q after the switch", l)
	}
	b.wantText("Why was someone allowed to see your data?", "Emergency access", "Dutch Data Protection Authority")
	for _, p := range []struct{ path, text string }{
		{"/privacy", "controller"}, {"/toegankelijkheid", "partially compliant"}, {"/contact", "Opening hours"},
	} {
		b.tabTo(`footer a[href="` + p.path + `"]`)
		b.enter()
		b.wantText(p.text, "Questions? Get in touch")
	}
	b.shot("journey-help-english")

	// The header for a citizen and for staff, from 320 to 1280 px.
	for _, who := range []string{"citizen", "staff"} {
		u := s.newTab(t)
		if who == "citizen" {
			u.loginCitizen("999993653")
		} else {
			u.loginStaff("teamleider")
		}
		u.open("/help")
		for _, w := range []int64{1280, 1024, 768, 320} {
			l := measureHeader(u, w)
			if l.Companions < 1 {
				t.Errorf("%s at %d px: \"Uitloggen\" stands alone on its line (%+v)", who, w, l)
			}
			if w >= 1024 && (l.MainRows != 1 || l.TopRows != 1) {
				t.Errorf("%s at %d px: the main menu takes %d lines and the upper row %d, want 1 and 1 (%+v)", who, w, l.MainRows, l.TopRows, l)
			}
			if l.MainRows > 4 {
				t.Errorf("%s at %d px: the main menu takes %d lines", who, w, l.MainRows)
			}
			t.Logf("%s at %d px: %+v", who, w, l)
		}
		u.shot("journey-help-header-" + who)
	}
}
