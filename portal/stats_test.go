package portal_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal"
)

func TestSuppressExamples(t *testing.T) {
	names := []string{"toegewezen", "deels", "afgewezen"}
	b := portal.Suppress(5, 30, names, []int{20, 7, 3})
	if b.Total.Suppressed || b.Total.Value != 30 || b.Parts[0].Suppressed || !b.Parts[1].Suppressed || !b.Parts[2].Suppressed {
		t.Errorf("one small part must take the smallest other with it: %+v", b)
	}
	b = portal.Suppress(5, 4, names, []int{2, 1, 1})
	if !b.Total.Suppressed || !b.Parts[0].Suppressed {
		t.Errorf("a small total hides everything: %+v", b)
	}
	b = portal.Suppress(5, 30, names, []int{10, 10, 10})
	for _, p := range b.Parts {
		if p.Suppressed {
			t.Errorf("nothing small, nothing hidden: %+v", b)
		}
	}
	if got := b.Total.Text(5); got != "30" {
		t.Errorf("Text = %q", got)
	}
	if got := portal.Single(5, 4).Text(5); got != "< 5" {
		t.Errorf("Single(4) = %q", got)
	}
}

// TestSuppressCannotBeUndone: whatever the counts, every shown count is at least k, and a suppressed
// part never stands alone against a shown total (it could be found by subtraction).
func TestSuppressCannotBeUndone(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		k := 2 + r.IntN(8)
		n := 1 + r.IntN(5)
		parts := make([]int, n)
		total := 0
		for i := range parts {
			parts[i] = r.IntN(3 * k)
			total += parts[i]
		}
		b := portal.Suppress(k, total, nil, parts)
		hidden := 0
		for i, c := range b.Parts {
			if c.Suppressed {
				hidden++
			} else if c.Value < k || c.Value != parts[i] {
				t.Fatalf("k=%d parts=%v: shown part %d = %+v", k, parts, i, c)
			}
		}
		if !b.Total.Suppressed && (b.Total.Value != total || total < k) {
			t.Fatalf("k=%d parts=%v: total %+v", k, parts, b.Total)
		}
		if !b.Total.Suppressed && hidden == 1 {
			t.Fatalf("k=%d parts=%v: one hidden part against a shown total: %+v", k, parts, b)
		}
	}
}

func TestSubsetHidesASmallComplement(t *testing.T) {
	for _, c := range []struct {
		total, v int
		hidden   bool
	}{{7, 6, true}, {20, 15, false}, {20, 3, true}, {4, 4, true}, {30, 30, true}} {
		// 30 of 30 hides too: its complement 0 is below k, and "all of them" is as telling as "1 of 1".
		if got := portal.Subset(5, c.total, c.v); got.Suppressed != c.hidden {
			t.Errorf("Subset(5, %d, %d) suppressed = %v, want %v", c.total, c.v, got.Suppressed, c.hidden)
		}
	}
}

func TestPublishSuppressesComplements(t *testing.T) {
	pc := portal.PeriodCounts{RequestsByKind: map[string]int{"bezwaar": 7}, Decided: 7,
		Outcomes: map[string]int{"toegewezen": 7}, WithinDeadline: 6, SignalRetention: map[string]int{}, ConsentOutcomes: map[string]int{}}
	p := portal.Publish(pc, 5)
	if !p.WithinDeadline.Suppressed {
		t.Error("6 of 7 within the deadline tells that 1 was late")
	}
	if p.Outcomes.Total.Value != 7 || p.MedianDays == nil {
		t.Errorf("published: %+v", p)
	}
}

// TestStatisticsPeriods: three years, newest first, each followed by its quarters that have begun;
// the last four quarters are among them.
func TestStatisticsPeriods(t *testing.T) {
	now := time.Date(2025, 5, 10, 9, 0, 0, 0, portal.Amsterdam)
	var got []string
	for _, p := range portal.StatisticsPeriods(now) {
		got = append(got, p.Label)
	}
	want := "2025 2025-K1 2025-K2 2024 2024-K1 2024-K2 2024-K3 2024-K4 2023 2023-K1 2023-K2 2023-K3 2023-K4"
	if strings.Join(got, " ") != want {
		t.Errorf("periods %v, want %s", got, want)
	}
	var last []string
	for _, p := range portal.LastQuarters(now, 4) {
		last = append(last, p.Label)
	}
	if strings.Join(last, " ") != "2024-K3 2024-K4 2025-K1 2025-K2" {
		t.Errorf("last quarters %v", last)
	}
	q := portal.QuarterOf(time.Date(2025, 3, 31, 23, 30, 0, 0, time.UTC)) // 1 April 01:30 in Amsterdam
	if q.Label != "2025-K2" || !q.From.Equal(time.Date(2025, 4, 1, 0, 0, 0, 0, portal.Amsterdam)) {
		t.Errorf("quarter of a UTC evening: %+v", q)
	}
}

// TestNeedsRefresh: current periods always, closed ones when missing, computed before they closed, or
// a day old.
func TestNeedsRefresh(t *testing.T) {
	now := time.Date(2025, 5, 10, 9, 0, 0, 0, portal.Amsterdam)
	cur, closed := portal.QuarterOf(now), portal.Quarter(2025, 1)
	stored := func(p portal.Period, at time.Time) *portal.StoredCounts {
		return &portal.StoredCounts{Period: p, ComputedAt: at, Counts: portal.PeriodCounts{Version: portal.StatsVersion}}
	}
	for _, c := range []struct {
		name string
		p    portal.Period
		s    *portal.StoredCounts
		want bool
	}{
		{"current, just computed", cur, stored(cur, now), true},
		{"closed, missing", closed, nil, true},
		{"closed, computed an hour ago", closed, stored(closed, now.Add(-time.Hour)), false},
		{"closed, computed 25 hours ago", closed, stored(closed, now.Add(-25*time.Hour)), true},
		{"closed, computed an hour ago by an older version", closed, &portal.StoredCounts{Period: closed, ComputedAt: now.Add(-time.Hour)}, true},
	} {
		if got := portal.NeedsRefresh(c.p, c.s, now); got != c.want {
			t.Errorf("%s: NeedsRefresh = %v, want %v", c.name, got, c.want)
		}
	}
	// An hour after the quarter closed, figures computed a minute before its end are computed again.
	if !portal.NeedsRefresh(closed, stored(closed, closed.To.Add(-time.Minute)), closed.To.Add(time.Hour)) {
		t.Error("figures computed before the period closed are not computed again")
	}
}

// TestReasonsSuppressLikeEveryBreakdown: one small reason among large ones hides a second, so the
// small one cannot be found by subtraction from the total.
func TestReasonsSuppressLikeEveryBreakdown(t *testing.T) {
	pc := portal.PeriodCounts{Label: "2025",
		DeferralReasons:  map[string]int{"danger": 9, "crisis_intervention": 6, "investigation": 7, "third_party": 2},
		SignalCategories: map[string]int{"wellbeing": 20, "care_needs": 12, "domestic_violence": 9, "child_safety": 8, "neglect": 6, "debts": 7, "housing": 5, "nuisance": 5, "health": 5, "other": 5},
		RefusalGrounds:   map[string]int{"data_correct": 3}, AgainstWillDecisions: 12, CoSigned: 12}
	p := portal.Publish(pc, 5)
	hidden := func(b portal.Breakdown) []string {
		var out []string
		for i, c := range b.Parts {
			if c.Suppressed {
				out = append(out, b.Names[i])
			}
		}
		return out
	}
	if got := hidden(p.DeferralReasons); len(got) != 2 || got[0] != "crisis_intervention" || got[1] != "third_party" || p.DeferralReasons.Total.Value != 24 {
		t.Errorf("deferral reasons: hidden %v, total %+v; want third_party and the smallest other (crisis_intervention)", got, p.DeferralReasons.Total)
	}
	if got := hidden(p.SignalCategories); len(got) != 0 || p.SignalCategories.Total.Value != 82 {
		t.Errorf("signal categories: hidden %v, total %+v", got, p.SignalCategories.Total)
	}
	if !p.RefusalGrounds.Total.Suppressed {
		t.Errorf("3 refusals shown: %+v", p.RefusalGrounds.Total)
	}
	for _, n := range p.RefusalGrounds.Names {
		if n == portal.GroundNotRecorded {
			t.Error("a not-recorded row without such refusals")
		}
	}
	// 12 of 12 co-signed: the zero complement says only that none skipped the four eyes, so it shows.
	if p.AgainstWillDecs.Value != 12 || p.CoSigned.Suppressed || p.CoSigned.Value != 12 {
		t.Errorf("against the will %+v, co-signed %+v", p.AgainstWillDecs, p.CoSigned)
	}
	// 10 of 12: the two without a co-signature are below k, so the part is hidden as any subset.
	pc2 := pc
	pc2.CoSigned = 10
	if p := portal.Publish(pc2, 5); !p.CoSigned.Suppressed {
		t.Errorf("10 of 12 co-signed shown: %+v", p.CoSigned)
	}
	pc.RefusalGrounds[portal.GroundNotRecorded] = 1
	if p := portal.Publish(pc, 5); p.RefusalGrounds.Names[len(p.RefusalGrounds.Names)-1] != portal.GroundNotRecorded {
		t.Errorf("refusals without a ground have no row: %v", p.RefusalGrounds.Names)
	}
}

// TestChangeNeverUsesASuppressedCell: the year-on-year change shows only when both years show.
func TestChangeNeverUsesASuppressedCell(t *testing.T) {
	for _, c := range []struct {
		cur, prev portal.Cell
		want      int
		ok        bool
	}{
		{portal.Cell{Value: 12}, portal.Cell{Value: 9}, 3, true},
		{portal.Cell{Value: 9}, portal.Cell{Value: 12}, -3, true},
		{portal.Cell{Value: 7}, portal.Cell{Value: 7}, 0, true},
		{portal.Cell{Suppressed: true}, portal.Cell{Value: 12}, 0, false},
		{portal.Cell{Value: 12}, portal.Cell{Suppressed: true}, 0, false},
		{portal.Cell{Suppressed: true}, portal.Cell{Suppressed: true}, 0, false},
	} {
		if d, ok := portal.Change(c.cur, c.prev); d != c.want || ok != c.ok {
			t.Errorf("Change(%+v, %+v) = %d, %v; want %d, %v", c.cur, c.prev, d, ok, c.want, c.ok)
		}
	}
	// Through Publish: a year whose count is hidden gives no change, whatever the other year shows.
	this := portal.Publish(portal.PeriodCounts{BreakGlass: 3}, 5)
	last := portal.Publish(portal.PeriodCounts{BreakGlass: 40}, 5)
	if _, ok := portal.Change(this.BreakGlass, last.BreakGlass); ok {
		t.Error("a change computed from a hidden count")
	}
}

// Issue 18: questions and Awb objections are rows of "requests by kind", suppressed like every row.
func TestPublishCountsQuestionsAndAwbObjectionsByKind(t *testing.T) {
	pc := portal.PeriodCounts{RequestsByKind: map[string]int{"inzage": 30, "vraag": 12, "awb_bezwaar": 2}, Outcomes: map[string]int{},
		SignalRetention: map[string]int{}, ConsentOutcomes: map[string]int{}}
	p := portal.Publish(pc, 5)
	cell := func(name string) portal.Cell {
		for i, n := range p.Requests.Names {
			if n == name {
				return p.Requests.Parts[i]
			}
		}
		t.Fatalf("requests by kind has no row %q: %v", name, p.Requests.Names)
		return portal.Cell{}
	}
	if c := cell("vraag"); c.Suppressed || c.Value != 12 {
		t.Errorf("questions: %+v", c)
	}
	if c := cell("awb_bezwaar"); !c.Suppressed {
		t.Errorf("two Awb objections are shown: %+v", c)
	}
	if p.Requests.Total.Value != 44 || p.Requests.Total.Suppressed {
		t.Errorf("total %+v", p.Requests.Total)
	}
}
