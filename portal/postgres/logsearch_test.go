package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

// logSearchData stores the known log of two citizens for the filter and search tests. A has 60 events,
// one an hour back from t0 (i = 0 newest … 59 oldest):
//   - i%3 == 0 (20): passed on (disclose) to "UWV";
//   - i%4 == 0 (15): by "GGD Regio", the others by "Gemeente Voorbeeldstad";
//   - i%6 == 1 (10): under register entry "bijstand" ("Naam bijstand" / "Name bijstand");
//   - i%5 == 2 (12): data category income, the others health;
//   - i == 7: case "Z-1%0", i == 8: case "Z-1x0" (a "%" typed must not match the "x");
//   - i == 9: team "Team a_b", i == 10: team "Team axb" (nor an "_"), i == 11: team "Team a\b".
//
// B has 30 events that match every one of A's searches: by "GGD Regio", passed on to "UWV", case
// "Z-1%0", team "Team a_b", income, "bijstand".
func logSearchData(t *testing.T, db *testDB) (a, b int64, evsA []portal.Event) {
	t.Helper()
	for i := range 60 {
		evsA = append(evsA, event(bsnA, t0.Add(-time.Duration(i)*time.Hour), func(e *portal.Event) {
			if i%3 == 0 {
				e.Action, e.Recipient = "disclose", "UWV"
			}
			if i%4 == 0 {
				e.Actor.Organization = "GGD Regio"
			}
			if i%6 == 1 {
				e.Activity = "bijstand"
			}
			if i%5 == 2 {
				e.DataCategories = []string{"income"}
			}
			switch i {
			case 7:
				e.CaseRef = "Z-1%0"
			case 8:
				e.CaseRef = "Z-1x0"
			case 9:
				e.Actor.Team = "Team a_b"
			case 10:
				e.Actor.Team = "Team axb"
			case 11:
				e.Actor.Team = `Team a\b`
			}
		}))
	}
	db.ingest(t, evsA)
	var evsB []portal.Event
	for i := range 30 {
		evsB = append(evsB, event(bsnB, t0.Add(-time.Duration(i)*time.Hour-time.Minute), func(e *portal.Event) {
			e.Action, e.Recipient, e.Actor.Organization, e.CaseRef, e.Actor.Team = "disclose", "UWV", "GGD Regio", "Z-1%0", "Team a_b"
			e.Activity, e.DataCategories = "bijstand", []string{"income"}
		}))
	}
	db.ingest(t, evsB)
	return db.subject(t, bsnA), db.subject(t, bsnB), evsA
}

// TestLogFiltersAndSearch checks each filter and the text search of a citizen's log against known
// answers, and that one citizen's search never returns another's lines.
func TestLogFiltersAndSearch(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a, b, evsA := logSearchData(t, db)
	idx := map[string]int{}
	for i, e := range evsA {
		idx[e.ID] = i
	}
	// indexes returns the positions (i) of A's events a filter selects, newest first, and checks that
	// CountEvents agrees.
	indexes := func(t *testing.T, subj int64, f portal.EventFilter) []int {
		t.Helper()
		f.Limit = 1000
		evs, more, err := db.Events(ctx, subj, f)
		if err != nil || more {
			t.Fatalf("events: more %v, %v", more, err)
		}
		n, err := db.CountEvents(ctx, subj, f, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(evs) {
			t.Errorf("CountEvents %d, Events returned %d", n, len(evs))
		}
		var out []int
		for _, e := range evs {
			i, ok := idx[e.ID]
			if !ok {
				t.Errorf("event %s is not one of A's", e.ID)
				continue
			}
			out = append(out, i)
		}
		return out
	}
	every := func(n, mod, rest int) []int {
		var out []int
		for i := range n {
			if i%mod == rest {
				out = append(out, i)
			}
		}
		return out
	}
	search := func(text, lang string) *portal.LogSearch { return &portal.LogSearch{Text: text, Lang: lang} }
	for _, tc := range []struct {
		name string
		f    portal.EventFilter
		want []int
	}{
		{"action disclose", portal.EventFilter{Action: "disclose"}, every(60, 3, 0)},
		{"organisation", portal.EventFilter{Organization: "GGD Regio"}, every(60, 4, 0)},
		{"recipient", portal.EventFilter{Recipient: "UWV"}, every(60, 3, 0)},
		{"unknown recipient", portal.EventFilter{Recipient: "SVB"}, nil},
		{"period", portal.EventFilter{From: t0.Add(-19 * time.Hour), To: t0.Add(-9 * time.Hour)},
			[]int{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}},
		{"action and organisation", portal.EventFilter{Action: "disclose", Organization: "GGD Regio"}, []int{0, 12, 24, 36, 48}},
		{"search organisation, any case", portal.EventFilter{Search: search("ggd REGIO", "nl")}, every(60, 4, 0)},
		{"search recipient", portal.EventFilter{Search: search("uwv", "nl")}, every(60, 3, 0)},
		{"search activity name nl", portal.EventFilter{Search: search("naam bijstand", "nl")}, every(60, 6, 1)},
		{"search activity name en", portal.EventFilter{Search: search("name bijstand", "en")}, every(60, 6, 1)},
		{"Dutch name not on English lines", portal.EventFilter{Search: search("naam bijstand", "en")}, nil},
		{"search case reference", portal.EventFilter{Search: search("Z-1x0", "nl")}, []int{8}},
		{"percent sign is literal", portal.EventFilter{Search: search("1%0", "nl")}, []int{7}},
		{"underscore is literal", portal.EventFilter{Search: search("a_b", "nl")}, []int{9}},
		{"backslash is literal", portal.EventFilter{Search: search(`a\b`, "nl")}, []int{11}},
		{"lone percent sign matches only itself", portal.EventFilter{Search: search("%", "nl")}, []int{7}},
		{"search role", portal.EventFilter{Search: search("consulent", "nl")}, every(60, 1, 0)},
		{"action label codes", portal.EventFilter{Search: &portal.LogSearch{Text: "doorgegeven", Lang: "nl", Actions: []string{"disclose"}}}, every(60, 3, 0)},
		{"category label codes", portal.EventFilter{Search: &portal.LogSearch{Text: "inkomen", Lang: "nl", Categories: []string{"income"}}}, every(60, 5, 2)},
		{"search and filter", portal.EventFilter{Organization: "GGD Regio", Search: search("uwv", "nl")}, []int{0, 12, 24, 36, 48}},
		{"search and period", portal.EventFilter{Search: search("uwv", "nl"), From: t0.Add(-19 * time.Hour), To: t0.Add(-9 * time.Hour)},
			[]int{12, 15, 18}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, indexes(t, a, tc.f)); diff != "" {
				t.Errorf("A's events (-want +got):\n%s", diff)
			}
		})
	}

	// B's searches find B's own lines, all 30, and none of A's.
	for _, f := range []portal.EventFilter{{Search: search("1%0", "nl")}, {Search: search("a_b", "nl")}, {Recipient: "UWV"},
		{Organization: "GGD Regio"}, {Action: "disclose"}} {
		f.Limit = 1000
		evs, _, err := db.Events(ctx, b, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 30 {
			t.Errorf("B's filter %+v: %d events, want 30", f, len(evs))
		}
		for _, e := range evs {
			if _, ok := idx[e.ID]; ok {
				t.Errorf("B's filter %+v returned A's event %s", f, e.ID)
			}
		}
	}

	// The options of the filters come from the person's own log.
	actions, recipients, err := db.LogOptions(ctx, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"disclose", "view"}, actions); diff != "" {
		t.Errorf("A's actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"UWV"}, recipients); diff != "" {
		t.Errorf("A's recipients (-want +got):\n%s", diff)
	}
	c := db.subject(t, bsnC)
	actions, recipients, err = db.LogOptions(ctx, c, nil)
	if err != nil || len(actions) != 0 || len(recipients) != 0 {
		t.Errorf("a person without events: actions %v, recipients %v, %v", actions, recipients, err)
	}
}

// TestLogPagingAndCount walks a citizen's filtered log forwards, backwards and from its last page,
// and checks the bounded count.
func TestLogPagingAndCount(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a, _, evsA := logSearchData(t, db)
	page := func(f portal.EventFilter) ([]string, bool) {
		t.Helper()
		f.Limit = 25
		evs, more, err := db.Events(ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		return ids(evs), more
	}
	cursor := func(id string) *portal.Cursor {
		for _, e := range evsA {
			if e.ID == id {
				return &portal.Cursor{OccurredAt: e.OccurredAt, ID: e.ID}
			}
		}
		t.Fatalf("no event %s", id)
		return nil
	}
	var all []string
	for _, e := range evsA {
		all = append(all, e.ID) // newest first: i = 0 is t0
	}
	p1, more1 := page(portal.EventFilter{})
	p2, more2 := page(portal.EventFilter{After: cursor(p1[24])})
	p3, more3 := page(portal.EventFilter{After: cursor(p2[24])})
	if diff := cmp.Diff(all, append(append(append([]string{}, p1...), p2...), p3...)); diff != "" || !more1 || !more2 || more3 {
		t.Errorf("forward pages (more %v %v %v) (-want +got):\n%s", more1, more2, more3, diff)
	}
	// Back from the third page: the second again, newest first, with newer events before it.
	back, moreBack := page(portal.EventFilter{Before: cursor(p3[0])})
	if diff := cmp.Diff(p2, back); diff != "" || !moreBack {
		t.Errorf("previous page (more %v) (-want +got):\n%s", moreBack, diff)
	}
	// Back from the second page: the first, and nothing newer.
	back, moreBack = page(portal.EventFilter{Before: cursor(p2[0])})
	if diff := cmp.Diff(p1, back); diff != "" || moreBack {
		t.Errorf("first page from the back (more %v) (-want +got):\n%s", moreBack, diff)
	}
	// The last page: the oldest 10 (60 = 25 + 25 + 10), newest first.
	evs, more, err := db.Events(ctx, a, portal.EventFilter{Oldest: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p3, ids(evs)); diff != "" || !more {
		t.Errorf("last page (more %v) (-want +got):\n%s", more, diff)
	}
	// Filtered paging: the 20 passed-on lines in pages of 25 → one page; with a search on top, the
	// same narrowing.
	f := portal.EventFilter{Action: "disclose", Limit: 15}
	evs, more, err = db.Events(ctx, a, f)
	if err != nil || len(evs) != 15 || !more {
		t.Fatalf("disclose page 1: %d events, more %v, %v", len(evs), more, err)
	}
	f.After = &portal.Cursor{OccurredAt: evs[14].OccurredAt, ID: evs[14].ID}
	evs, more, err = db.Events(ctx, a, f)
	if err != nil || len(evs) != 5 || more {
		t.Fatalf("disclose page 2: %d events, more %v, %v", len(evs), more, err)
	}

	// The count: exact up to the cap, cap+1 past it, and it ignores the position and the page size.
	for _, tc := range []struct {
		f    portal.EventFilter
		max  int
		want int
	}{
		{portal.EventFilter{}, 1000, 60},
		{portal.EventFilter{}, 50, 51},
		{portal.EventFilter{}, 60, 60},
		{portal.EventFilter{Action: "disclose", Limit: 5, After: cursor(all[30])}, 1000, 20},
		{portal.EventFilter{Search: &portal.LogSearch{Text: "1%0", Lang: "nl"}}, 1000, 1},
		{portal.EventFilter{From: t0.Add(-19 * time.Hour), To: t0.Add(-9 * time.Hour)}, 1000, 10},
	} {
		n, err := db.CountEvents(ctx, a, tc.f, tc.max)
		if err != nil {
			t.Fatal(err)
		}
		if n != tc.want {
			t.Errorf("CountEvents(%+v, %d) = %d, want %d", tc.f, tc.max, n, tc.want)
		}
	}
}
