package portal_test

import (
	"math/rand/v2"
	"testing"

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
