package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// benchBSNs are valid BSNs for many citizens.
func benchBSNs(n int) []string {
	var out []string
	for v := 100000000; len(out) < n; v += 7 {
		s := fmt.Sprint(v)
		if portal.ValidBSN(s) {
			out = append(out, s)
		}
	}
	return out
}

func benchBatch(r *rand.Rand, bsns []string, n int) []portal.Event {
	evs := make([]portal.Event, n)
	for i := range evs {
		evs[i] = portal.Event{ID: uuid.NewString(), OccurredAt: t0.Add(-time.Duration(r.IntN(1e6)) * time.Second),
			SubjectBSN: bsns[r.IntN(len(bsns))], Activity: "wmo-onderzoek", Action: "view",
			DataCategories: []string{"care_needs", "health"}, Level: "what", AccessBasis: "assigned",
			Actor:  portal.Actor{Organization: "Gemeente Voorbeeldstad", Team: "Wijkteam Noord", Role: "Wmo-consulent", EmployeeID: "mw-1"},
			System: "Suite", CaseRef: "Z-2026-00001"}
		evs[i].Normalize()
	}
	return evs
}

// BenchmarkIngest stores batches of 500 events through the ingest path (subjects, staging COPY,
// INSERT ... ON CONFLICT); BenchmarkCopyRaw copies the same rows with plain COPY into a table with the
// same columns and indexes. Their ratio is what the ingest path costs over the physical limit.
func BenchmarkIngest(b *testing.B) {
	bb := newTestDB(b)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	bsns := benchBSNs(2000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := benchBatch(r, bsns, 500)
		b.StartTimer()
		if _, err := bb.Ingest(ctx, 0, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
}

// rawCols are the columns the ingest path writes.
var rawCols = []string{"id", "subject_id", "occurred_at", "received_at", "activity_id", "action", "data_categories",
	"level", "actor_organization", "actor_team", "actor_role", "actor_employee_id", "actor_employee_name", "system",
	"case_ref", "recipient", "access_basis", "break_glass_reason", "consent_ref", "against_will_decision_ref",
	"against_will_reason", "against_will_approved_by", "confidential_until", "confidential_reason", "content_hash",
	"api_key_id"}

func BenchmarkCopyRaw(b *testing.B) {
	bb := newTestDB(b)
	ctx := context.Background()
	if _, err := bb.raw.Exec(ctx, `CREATE TABLE raw_events (LIKE processing_events INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	bsns := benchBSNs(2000)
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := benchBatch(r, bsns, 500)
		b.StartTimer()
		_, err := bb.raw.CopyFrom(ctx, pgx.Identifier{"raw_events"}, rawCols, pgx.CopyFromSlice(len(batch), func(j int) ([]any, error) {
			e := batch[j]
			return []any{e.ID, int64(1 + j%2000), e.OccurredAt, now, e.Activity, e.Action, e.DataCategories, e.Level,
				e.Actor.Organization, e.Actor.Team, e.Actor.Role, e.Actor.EmployeeID, e.Actor.EmployeeName, e.System,
				e.CaseRef, e.Recipient, e.AccessBasis, e.BreakGlassReason, e.ConsentRef, "", "", "", e.ConfidentialUntil,
				e.ConfidentialReason, e.ContentHash([]byte(e.SubjectBSN)), nil}, nil
		}))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPeriodCounts measures one year's council figures on generated data: 5 years of 200,000
// processing events (1 % break-the-glass, 0.5 % against the will, 0.2 % not covered by consent) and
// 20,000 rights requests, written with generate_series (the scale is a parameter of the data, not of
// the query plan; issue 7 runs it at full size).
func BenchmarkPeriodCounts(b *testing.B) {
	bb := newTestDB(b)
	ctx := context.Background()
	sub, err := bb.EnsureSubject(ctx, bsnA)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bb.raw.Exec(ctx, `
INSERT INTO processing_events (id, subject_id, occurred_at, activity_id, action, data_categories, level,
  actor_organization, actor_role, access_basis, break_glass_reason, consent_ref, consent_covered, content_hash)
SELECT gen_random_uuid(), $1, $2::timestamptz - (i % 1825) * interval '1 day', 'wmo-onderzoek', 'view', '{health}', 'what',
  'Gemeente', 'Consulent',
  CASE WHEN i % 100 = 0 THEN 'break_glass' WHEN i % 200 = 1 THEN 'against_will' WHEN i % 500 = 2 THEN 'consent' ELSE 'assigned' END,
  CASE WHEN i % 100 = 0 THEN 'nood' ELSE '' END, CASE WHEN i % 500 = 2 THEN 'x' ELSE '' END,
  CASE WHEN i % 500 = 2 THEN false END, '\x00'
FROM generate_series(1, 200000) AS i`, sub, t0); err != nil {
		b.Fatal(err)
	}
	if _, err := bb.raw.Exec(ctx, `
INSERT INTO rights_requests (id, number, reference, subject_id, kind, status, scope, description, received_at,
  first_deadline, deadline, outcome, decided_at, updated_at)
SELECT gen_random_uuid(), i, 'AVG-B-' || i, $1, (ARRAY['inzage','rectificatie','bezwaar'])[1 + i % 3], 'besloten', '{"all":true}',
  'x', $2::timestamptz - (i % 1825) * interval '1 day', $2::timestamptz - (i % 1825) * interval '1 day' + interval '1 month',
  $2::timestamptz - (i % 1825) * interval '1 day' + interval '1 month', 'toegewezen',
  $2::timestamptz - (i % 1825) * interval '1 day' + (i % 40) * interval '1 day', $2
FROM generate_series(1, 20000) AS i`, sub, t0); err != nil {
		b.Fatal(err)
	}
	if _, err := bb.raw.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, portal.Amsterdam)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pc, err := bb.PeriodCounts(ctx, "2025", from, from.AddDate(1, 0, 0))
		if err != nil {
			b.Fatal(err)
		}
		if pc.BreakGlass == 0 || pc.Decided == 0 {
			b.Fatalf("no figures: %+v", pc)
		}
	}
}
