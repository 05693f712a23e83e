package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/inzicht/inzicht/internal/benchdb"
	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

// recorder keeps the SQL and arguments of every query the store sends while on.
type recorder struct {
	mu      sync.Mutex
	on      bool
	queries []recorded
}

type recorded struct {
	sql   string
	args  []any
	batch bool // sent in a batch (LogPage)
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.queries = append(r.queries, recorded{d.SQL, d.Args, false})
	}
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The queries of a batch (LogPage) are traced one by one as their results come in.
func (r *recorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (r *recorder) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.queries = append(r.queries, recorded{d.SQL, d.Args, true})
	}
}

func (r *recorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queries
	r.queries = nil
	return q
}

// seqScans returns the relations an EXPLAIN (FORMAT JSON) plan reads with a sequential scan.
func seqScans(plan []byte) ([]string, error) {
	var top []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &top); err != nil {
		return nil, err
	}
	var out []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n["Node Type"] == "Seq Scan" {
			out = append(out, fmt.Sprint(n["Relation Name"]))
		}
		if kids, ok := n["Plans"].([]any); ok {
			for _, k := range kids {
				if m, ok := k.(map[string]any); ok {
					walk(m)
				}
			}
		}
	}
	for _, t := range top {
		walk(t.Plan)
	}
	return out, nil
}

func explain(t *testing.T, raw *pgxpool.Pool, sql string, args ...any) []string {
	t.Helper()
	var plan []byte
	if err := raw.QueryRow(context.Background(), "EXPLAIN (FORMAT JSON) "+sql, args...).Scan(&plan); err != nil {
		t.Fatalf("explain %s: %v", sql, err)
	}
	scans, err := seqScans(plan)
	if err != nil {
		t.Fatal(err)
	}
	return scans
}

// TestCitizenQueriesUseIndexes runs every query the citizen's pages send against a processing table
// of realistic shape (300,000 events over 2,000 people, five years, analysed) and fails when the
// plan of one of them reads processing_events sequentially.
func TestCitizenQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	rec := &recorder{}
	db, err := postgres.Open(ctx, url, pgtest.Vault(t), postgres.WithQueryTracer(rec))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	db.SetClock(func() time.Time { return t0 })
	raw, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	for _, id := range []string{"wmo-onderzoek", "bijstand"} {
		if _, err := db.PutActivity(ctx, activity(id)); err != nil {
			t.Fatal(err)
		}
	}
	bsns := benchBSNs(2000)
	ids, err := db.EnsureSubjects(ctx, bsns)
	if err != nil {
		t.Fatal(err)
	}
	subjects, counts := make([]int64, len(bsns)), make([]int, len(bsns))
	for i, b := range bsns {
		subjects[i], counts[i] = ids[b], 150
	}
	acts, err := db.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gen := benchdb.New(raw)
	if _, err := gen.GenerateEvents(ctx, acts, 0, subjects, counts, t0.AddDate(-5, 0, 0), t0); err != nil {
		t.Fatal(err)
	}
	if err := gen.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	who := ids[bsns[7]]
	first, _, err := db.Events(ctx, who, portal.EventFilter{Limit: 200})
	if err != nil || len(first) < 100 {
		t.Fatalf("events: %d, %v", len(first), err)
	}
	deep := first[120]

	rec.on = true
	for _, f := range []portal.EventFilter{
		{Limit: 25},
		{Limit: 25, After: &portal.Cursor{OccurredAt: deep.OccurredAt, ID: deep.ID}},
		{Limit: 25, Organization: deep.Actor.Organization},
		{Limit: 25, Category: deep.DataCategories[0]},
		{Limit: 25, AccessBasis: portal.BasisBreakGlass},
		{Limit: 25, From: t0.AddDate(-1, 0, 0), To: t0},
		// The filters and search of /verwerkingen (issue 18), the previous and the last page, the count.
		{Limit: 25, Action: "disclose"},
		{Limit: 25, Recipient: "UWV"},
		{Limit: 25, Search: &portal.LogSearch{Text: "uwv 50%_", Lang: "en", Actions: []string{"disclose"}, Categories: []string{"income"}}},
		{Limit: 25, Search: &portal.LogSearch{Text: "team", Lang: "nl"}, Organization: deep.Actor.Organization,
			From: t0.AddDate(-2, 0, 0), To: t0},
		{Limit: 25, Before: &portal.Cursor{OccurredAt: deep.OccurredAt, ID: deep.ID}},
		{Limit: 10, Oldest: true, Action: "view"},
	} {
		if _, _, err := db.Events(ctx, who, f); err != nil {
			t.Fatal(err)
		}
		// The log page sends the summary, the options and the page as one batch.
		if _, err := db.LogPage(ctx, who, f); err != nil {
			t.Fatal(err)
		}
		if f.After == nil && f.Before == nil && !f.Oldest {
			if _, err := db.CountEvents(ctx, who, f, 1000); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := db.LogOptions(ctx, who, nil); err != nil {
		t.Fatal(err)
	}
	calls := []func() error{
		func() error { _, err := db.Event(ctx, who, deep.ID); return err },
		func() error { _, err := db.Summary(ctx, who); return err },
		func() error {
			_, _, err := db.ScopeEventsAsOf(ctx, who, portal.Scope{All: true}, 500, t0)
			return err
		},
		func() error {
			_, _, err := db.ScopeEventsAsOf(ctx, who, portal.Scope{Organizations: []string{deep.Actor.Organization}}, 500, t0)
			return err
		},
		func() error {
			_, _, err := db.ScopeEventsAsOf(ctx, who, portal.Scope{Categories: deep.DataCategories}, 500, t0)
			return err
		},
		func() error {
			_, _, err := db.ScopeEventsAsOf(ctx, who, portal.Scope{EventIDs: []string{deep.ID}}, 500, t0)
			return err
		},
		func() error { _, err := db.Requests(ctx, who); return err },
		func() error { _, err := db.Messages(ctx, who, 50); return err },
		func() error { _, err := db.UnreadCount(ctx, who); return err },
		func() error { _, err := db.CitizenSignals(ctx, who, ""); return err },
		func() error { _, err := db.CitizenConsents(ctx, who); return err },
	}
	for _, call := range calls {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	rec.on = false

	checked, batched := 0, 0
	for _, q := range rec.take() {
		sql := strings.TrimSpace(q.sql)
		up := strings.ToUpper(sql)
		if !strings.Contains(sql, "processing_events") || !(strings.HasPrefix(up, "SELECT") || strings.HasPrefix(up, "WITH")) {
			continue
		}
		checked++
		if q.batch {
			batched++
		}
		for _, rel := range explain(t, raw, sql, q.args...) {
			if rel == "processing_events" {
				t.Errorf("sequential scan of processing_events:\n%s", sql)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d queries on processing_events were checked; the recorder missed the citizen's queries", checked)
	}
	if batched < 3*12 { // summary, options and page of each filter above
		t.Errorf("only %d queries of the log page's batch were checked; the recorder missed them", batched)
	}

	// The check itself sees a sequential scan when there is one.
	if scans := explain(t, raw, `SELECT count(*) FROM processing_events WHERE actor_team = $1`, "Team 3"); len(scans) == 0 {
		t.Error("a query without a usable index shows no sequential scan: the plan walker is broken")
	}
}

// TestBenchBaselineColumns keeps the benchmark's plain-COPY baseline honest: it must write every
// column the ingest path writes, in the same order, or the ratio API ÷ COPY flatters the API.
func TestBenchBaselineColumns(t *testing.T) {
	if diff := cmp.Diff(postgres.IngestColumns, benchdb.CopyColumns()); diff != "" {
		t.Errorf("benchdb.CopyColumns differs from the ingest path's columns (-ingest +baseline):\n%s", diff)
	}
}
