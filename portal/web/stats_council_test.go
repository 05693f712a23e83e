package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/web"
)

// councilRow is one row of the year-on-year tables: this year, last year, change.
type councilRow struct{ This, Last, Change string }

var (
	captionRE = regexp.MustCompile(`(?s)<caption>(.*?)</caption>(.*?)</table>`)
	rowRE     = regexp.MustCompile(`<tr(?: class="total")?><th scope="row">(.*?)</th><td class="num">(.*?)</td><td class="num">(.*?)</td><td class="num change">(.*?)</td></tr>`)
)

// councilTables reads the year-on-year tables of the council page: caption → row label → cells.
func councilTables(page string) map[string]map[string]councilRow {
	out := map[string]map[string]councilRow{}
	for _, m := range captionRE.FindAllStringSubmatch(page, -1) {
		rows := map[string]councilRow{}
		for _, r := range rowRE.FindAllStringSubmatch(m[2], -1) {
			rows[html.UnescapeString(r[1])] = councilRow{html.UnescapeString(r[2]), html.UnescapeString(r[3]), html.UnescapeString(r[4])}
		}
		if len(rows) > 0 {
			out[html.UnescapeString(m[1])] = rows
		}
	}
	return out
}

// TestCouncilDemoShowsTwoYears: with the demo's history loaded, the council sees this year next to
// last year with real figures (no "< 5" among the main ones), the reasons, and a change only where
// both years are shown; the CSV and the open data carry the new figures.
func TestCouncilDemoShowsTwoYears(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, portal.Amsterdam)
	e := newEnv(t, web.Config{}, web.Deps{Now: func() time.Time { return now }})
	ctx := context.Background()
	if _, err := demo.Load(ctx, e.db, now); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadHistory(ctx, e.db, now); err != nil {
		t.Fatal(err)
	}
	council, _ := e.staff("council")
	resp, page := e.do("GET", "/raad", council, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("council page: %d", resp.StatusCode)
	}
	if !strings.Contains(page, "2026 vergeleken met 2025") {
		t.Error("the council page does not compare 2026 with 2025")
	}
	tables := councilTables(page)
	main := map[string][]string{
		"Verzoeken naar soort":                                             {"Totaal", "Inzage", "Correctie", "Bezwaar"},
		"Besluiten naar uitkomst":                                          {"Totaal", "Toegewezen", "Afgewezen"},
		"Waarom een verzoek niet helemaal is toegewezen":                   {"Totaal"},
		"Verzoeken van inwoners":                                           {"Besloten binnen de wettelijke termijn", "Besluiten tegen de wil van de inwoner (correctie, verwijderen, beperken of bezwaar niet helemaal toegewezen)"},
		"Meldingen naar onderwerp":                                         {"Totaal", "Welzijn", "Zorg en ondersteuning", "Huiselijk geweld", "Veiligheid van een kind"},
		"Waarom melden aan de inwoner is uitgesteld (goedgekeurd uitstel)": {"Totaal"},
		"Meldingen":                           {"Direct aan de inwoner gemeld", "Melden uitgesteld (goedgekeurd)"},
		"Vragen om toestemming naar uitkomst": {"Totaal", "Geweigerd"},
		"Toestemming":                         {"Verwerkingen niet gedekt door toestemming", "Verwerkingen tegen de wil van de inwoner", "Noodtoegang (break-the-glass)"},
	}
	for caption, labels := range main {
		rows, ok := tables[caption]
		if !ok {
			t.Errorf("no table %q; tables: %v", caption, keys(tables))
			continue
		}
		for _, l := range labels {
			r, ok := rows[l]
			if !ok {
				t.Errorf("%s: no row %q", caption, l)
				continue
			}
			this, err1 := strconv.Atoi(r.This)
			last, err2 := strconv.Atoi(r.Last)
			if err1 != nil || err2 != nil || this < 5 || last < 5 {
				t.Errorf("%s / %s: %q and %q, want both years shown", caption, l, r.This, r.Last)
				continue
			}
			want := strconv.Itoa(this - last)
			if this > last {
				want = "+" + want
			} else if this < last {
				want = "\u2212" + strconv.Itoa(last-this)
			}
			if r.Change != want {
				t.Errorf("%s / %s: change %q, want %q", caption, l, r.Change, want)
			}
		}
	}
	// Every row with a hidden count has no change; every row with both counts has one.
	hidden := 0
	for caption, rows := range tables {
		for l, r := range rows {
			if strings.HasPrefix(l, "Behandelduur") {
				continue
			}
			suppressed := strings.HasPrefix(r.This, "<") || strings.HasPrefix(r.Last, "<")
			if suppressed {
				hidden++
			}
			if suppressed != (r.Change == "–") {
				t.Errorf("%s / %s: %q, %q, change %q", caption, l, r.This, r.Last, r.Change)
			}
		}
	}
	if hidden == 0 {
		t.Error("no hidden count at all: the suppression is not exercised")
	}

	// The open data and the CSV carry the reasons.
	_, open := e.do("GET", "/open-data/statistieken.json", "", "", nil)
	var doc struct {
		Periods []struct {
			Period     string                     `json:"period"`
			Grounds    map[string]json.RawMessage `json:"refusal_grounds"`
			Deferrals  map[string]json.RawMessage `json:"deferral_reasons"`
			Categories struct {
				Total portal.Cell            `json:"total"`
				By    map[string]portal.Cell `json:"by"`
			} `json:"signals_by_category"`
			AgainstWill portal.Cell `json:"decisions_against_will"`
			CoSigned    portal.Cell `json:"decisions_against_will_cosigned"`
		} `json:"periods"`
	}
	if err := json.Unmarshal([]byte(open), &doc); err != nil || len(doc.Periods) < 2 {
		t.Fatalf("open data: %v %s", err, open)
	}
	for _, p := range doc.Periods[:2] {
		if p.Grounds["by"] == nil || p.Deferrals["by"] == nil || p.Categories.Total.Value < 100 || p.Categories.By["wellbeing"].Value < 5 || p.AgainstWill.Value < 5 {
			t.Errorf("open data %s lacks the reasons: %+v", p.Period, p)
		}
	}
	// Last year only the second half had the four-eyes rule: some co-signed, some not, both shown.
	if p := doc.Periods[1]; p.Period != "2025" || p.CoSigned.Suppressed || p.CoSigned.Value < 5 || p.CoSigned.Value > p.AgainstWill.Value-5 {
		t.Errorf("2025 co-signed %+v of %+v", p.CoSigned, p.AgainstWill)
	}
	_, body := e.do("GET", "/raad/cijfers.csv", council, "", nil)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, rec := range records {
		if rec[0] == "2026" {
			found[rec[1]+"/"+rec[2]] = true
		}
	}
	for _, want := range []string{"Waarom een verzoek niet helemaal is toegewezen/Dwingende gerechtvaardigde gronden",
		"Waarom melden aan de inwoner is uitgesteld (goedgekeurd uitstel)/Gevaar voor de persoon of anderen",
		"Meldingen naar onderwerp/Huiselijk geweld", "Meldingen naar onderwerp/Totaal",
		"/Daarvan getekend door een tweede persoon (teamleider)"} {
		if !found[want] {
			t.Errorf("CSV lacks %q", want)
		}
	}
	// The yearly report puts the year next to the one before.
	resp, pdf := e.do("GET", "/raad/rapportage.pdf?jaar=2026", council, "", nil)
	txt := pdfText(t, pdf)
	if resp.StatusCode != 200 || !strings.Contains(txt, "Verschil") || !strings.Contains(txt, "Dwingende gerechtvaardigde gronden") || !strings.Contains(txt, "2025") {
		t.Errorf("yearly report: %d\n%s", resp.StatusCode, txt)
	}
	// The demo's residents never appear: no BSN, masked or not.
	for _, b := range demo.HistoryBSNs()[:50] {
		for name, body := range map[string]string{"page": page, "open data": open, "CSV": body, "PDF": txt} {
			if strings.Contains(body, b) || strings.Contains(body, portal.MaskBSN(b)) {
				t.Fatalf("%s holds a BSN", name)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
