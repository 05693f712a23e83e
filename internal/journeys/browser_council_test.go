package journeys

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// councilChartText is what the council page's charts say, as rendered: each label's text, its
// computed font size and its height on screen in CSS pixels.
type councilChartText struct {
	Text     string  `json:"text"`
	FontSize float64 `json:"fontSize"`
	Height   float64 `json:"height"`
}

// councilReadableJourney: the council's page (with the demo's two years of history) is readable at
// 360 and 1280 px wide: every chart label is text of at least 12 px as rendered (not an SVG text
// scaled down with its drawing), the page passes axe, and nothing scrolls sideways at 360 px.
func councilReadableJourney(t *testing.T, s *browserSuite) {
	b := s.newTab(t)
	b.loginStaff("raad")
	b.click(`main a[href="/raad"]`)
	b.wantPath("/raad")
	b.check() // axe, and no sideways scrolling at 320 px
	b.wantText("vergeleken met")
	for _, w := range []int64{360, 1280} {
		b.do(chromedp.EmulateViewport(w, 900))
		labels := eval[[]councilChartText](b, `[...document.querySelectorAll(".trend .chart li, .trend svg text")].map(el => ({
			text: el.textContent.trim(), fontSize: parseFloat(getComputedStyle(el).fontSize), height: el.getBoundingClientRect().height}))`)
		if len(labels) < 8*8 { // eight charts, four counts and four quarters each
			t.Fatalf("at %d px: %d chart labels, want 64", w, len(labels))
		}
		for _, l := range labels {
			// The height on screen catches text scaled by a transform or a viewBox, which the computed
			// font size does not show.
			if l.Text == "" || l.FontSize < 12 || l.Height < 12 {
				t.Errorf("at %d px: chart label %q is %.1f px (%.1f px high), want at least 12", w, l.Text, l.FontSize, l.Height)
			}
		}
		if n := eval[int](b, `document.querySelectorAll(".trend svg text").length`); n != 0 {
			t.Errorf("at %d px: %d labels drawn as SVG text, which scales with the chart", w, n)
		}
		wide := eval[[]float64](b, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		if wide[0] > wide[1] {
			t.Errorf("at %d px the council page scrolls sideways: %v", w, wide)
		}
		// The year-on-year tables: this year next to last, with real figures in the demo.
		cells := eval[[]string](b, `[...document.querySelectorAll("table.compare tr.total td")].map(td => td.textContent.trim())`)
		if len(cells) < 7*3 {
			t.Fatalf("at %d px: %d cells in the totals of the comparison", w, len(cells))
		}
		for i := 0; i+2 < len(cells); i += 3 {
			if cells[i] == "< 5" || cells[i+1] == "< 5" {
				t.Errorf("at %d px: a main total is hidden: %v", w, cells[i:i+3])
			}
		}
	}
	b.do(chromedp.EmulateViewport(1280, 900))
	b.shot("journey-council-readable")
}
