package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// TestLogPageIsTheSeparateReads: the log page's one round trip (a batch) answers exactly what the
// summary, the options and the page of events answer one by one, for the person and for someone
// acting for them, first, deep, previous and last pages, with filters and a search.
func TestLogPageIsTheSeparateReads(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	a, _, evsA := logSearchData(t, db)
	deep := &portal.Cursor{OccurredAt: evsA[40].OccurredAt, ID: evsA[40].ID}
	parent := &portal.Acting{Rep: portal.StoredRepresentation{
		Representation: portal.Representation{ID: uuid.NewString(), Kind: portal.RepParentalAuthority}}}
	for _, acting := range []*portal.Acting{nil, parent} {
		for _, f := range []portal.EventFilter{
			{Limit: 25},
			{Limit: 25, After: deep},
			{Limit: 25, Before: deep},
			{Limit: 10, Oldest: true},
			{Limit: 25, Action: "disclose", Organization: "GGD Regio"},
			{Limit: 25, Search: &portal.LogSearch{Text: "uwv", Lang: "nl"}},
			{Limit: 25, Search: &portal.LogSearch{Text: "geen treffer", Lang: "en"}},
		} {
			f.For = acting
			got, err := db.LogPage(ctx, a, f)
			if err != nil {
				t.Fatal(err)
			}
			var want portal.LogPage
			if want.Summary, err = db.SummaryFor(ctx, a, acting); err != nil {
				t.Fatal(err)
			}
			if want.Actions, want.Recipients, err = db.LogOptions(ctx, a, acting); err != nil {
				t.Fatal(err)
			}
			if want.Events, want.More, err = db.Events(ctx, a, f); err != nil {
				t.Fatal(err)
			}
			if len(want.Events) == 0 && f.Search == nil {
				t.Fatalf("filter %+v (acting %v) selects nothing: the comparison would prove little", f, acting != nil)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("filter %+v (acting %v): LogPage differs from the separate reads (-separate +LogPage):\n%s", f, acting != nil, diff)
			}
		}
	}
}
