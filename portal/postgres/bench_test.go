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

// Council figures at scale. benchData writes five years (1825 days before t0) of generated data with
// generate_series: councilEvents processing events (1 % break-the-glass, 0.5 % against the will,
// 0.2 % not covered by consent), councilRequests rights requests, councilSignals signals and
// councilConsents consent requests, spread over councilSubjects citizens. The full size is a
// million requests and fifty million events; this is the size a test machine can write in a minute,
// and the figures' queries read only a period's rows, so their cost follows the period, not the table.
const (
	councilEvents   = 1_000_000
	councilRequests = 200_000
	councilSignals  = 50_000
	councilConsents = 50_000
	councilSubjects = 20_000
)

func benchData(b *testing.B, bb *testDB) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO subjects (bsn_hmac, bsn_enc, bsn_key_id)
SELECT sha256(('bench-' || i)::bytea), '\x00', 't1' FROM generate_series(1, $1::int) AS i WHERE $2::timestamptz IS NOT NULL`,
		`INSERT INTO processing_events (id, subject_id, occurred_at, activity_id, action, data_categories, level,
  actor_organization, actor_role, access_basis, break_glass_reason, consent_ref, consent_covered, content_hash)
SELECT gen_random_uuid(), 1 + i % $1::int, $2::timestamptz - (i % 1825) * interval '1 day' - (i % 86400) * interval '1 second',
  'wmo-onderzoek', 'view', '{health}', 'what', 'Gemeente', 'Consulent',
  CASE WHEN i % 100 = 0 THEN 'break_glass' WHEN i % 200 = 1 THEN 'against_will' WHEN i % 500 = 2 THEN 'consent' ELSE 'assigned' END,
  CASE WHEN i % 100 = 0 THEN 'nood' ELSE '' END, CASE WHEN i % 500 = 2 THEN 'x' ELSE '' END,
  CASE WHEN i % 500 = 2 THEN false END, '\x00'
FROM generate_series(1, ` + fmt.Sprint(councilEvents) + `) AS i`,
		`INSERT INTO rights_requests (id, number, reference, subject_id, kind, status, scope, description, received_at,
  first_deadline, deadline, outcome, decided_at, updated_at)
SELECT gen_random_uuid(), i, 'AVG-B-' || i, 1 + i % $1::int, (ARRAY['inzage','rectificatie','bezwaar'])[1 + i % 3],
  CASE WHEN i % 50 = 0 THEN 'ingetrokken' ELSE 'besloten' END, '{"all":true}', 'x',
  $2::timestamptz - (i % 1825) * interval '1 day', $2::timestamptz - (i % 1825) * interval '1 day' + interval '1 month',
  $2::timestamptz - (i % 1825) * interval '1 day' + interval '1 month' + CASE WHEN i % 20 = 0 THEN interval '2 months' ELSE interval '0' END,
  CASE WHEN i % 50 = 0 THEN '' ELSE (ARRAY['toegewezen','deels_toegewezen','afgewezen'])[1 + i % 3] END,
  CASE WHEN i % 50 = 0 THEN NULL ELSE $2::timestamptz - (i % 1825) * interval '1 day' + (i % 40) * interval '1 day' END, $2
FROM generate_series(1, ` + fmt.Sprint(councilRequests) + `) AS i`,
		`INSERT INTO signals (id, subject_id, received_at, registered_at, source, category, told_at, decision_due, retention)
SELECT gen_random_uuid(), 1 + i % $1::int, $2::timestamptz - (i % 1825) * interval '1 day',
  $2::timestamptz - (i % 1825) * interval '1 day', 'api', 'zorg',
  CASE WHEN i % 10 = 0 THEN NULL ELSE $2::timestamptz - (i % 1825) * interval '1 day' END,
  $2::timestamptz - (i % 1825) * interval '1 day' + interval '1 month', (ARRAY['','vernietigen','actie','bewaren'])[1 + i % 4]
FROM generate_series(1, ` + fmt.Sprint(councilSignals) + `) AS i`,
		`INSERT INTO consents (id, subject_id, case_ref, req_org, req_role, data_item, data_holder, purpose, necessity,
  legal_ground, if_refused, valid_until, source, content_hash, created_at, status, decided_at, granted_at, number, reference)
SELECT gen_random_uuid(), 1 + i % $1::int, 'Z-1', 'Gemeente', 'Consulent', 'inkomen', 'UWV', 'p', 'n', 'l', 'r',
  ($2::timestamptz - (i % 1825) * interval '1 day' + interval '1 year')::date, 'api', '\x00',
  $2::timestamptz - (i % 1825) * interval '1 day', (ARRAY['pending','granted','refused'])[1 + i % 3],
  CASE WHEN i % 3 > 0 THEN $2::timestamptz - (i % 1825) * interval '1 day' END,
  CASE WHEN i % 3 = 1 THEN $2::timestamptz - (i % 1825) * interval '1 day' END,
  i, 'TS-2025-' || lpad(i::text, greatest(6, length(i::text)), '0')
FROM generate_series(1, ` + fmt.Sprint(councilConsents) + `) AS i`,
	} {
		if _, err := bb.raw.Exec(ctx, q, councilSubjects, t0); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	if _, err := bb.raw.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPeriodCounts counts one year's council figures live from the tables (what every visit
// cost before the figures were stored, and what one period of the refresh job costs).
func BenchmarkPeriodCounts(b *testing.B) {
	bb := newTestDB(b)
	ctx := context.Background()
	benchData(b, bb)
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, portal.Amsterdam)
	for b.Loop() {
		pc, err := bb.PeriodCounts(ctx, "2025", from, from.AddDate(1, 0, 0))
		if err != nil {
			b.Fatal(err)
		}
		if pc.BreakGlass == 0 || pc.Decided == 0 || pc.Signals == 0 || pc.ConsentAsked == 0 {
			b.Fatalf("no figures: %+v", pc)
		}
	}
}

// BenchmarkCouncilFigures reads the stored figures of every period the council page and the open data
// show (three years and their quarters) in one query and publishes them: what a visit costs.
func BenchmarkCouncilFigures(b *testing.B) {
	bb := newTestDB(b)
	ctx := context.Background()
	benchData(b, bb)
	periods := portal.StatisticsPeriods(t0)
	labels := make([]string, len(periods))
	for i, p := range periods {
		labels[i] = p.Label
		if _, err := bb.RefreshPeriod(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		stored, err := bb.StoredPeriods(ctx, labels)
		if err != nil {
			b.Fatal(err)
		}
		if len(stored) != len(periods) {
			b.Fatalf("%d stored periods, want %d", len(stored), len(periods))
		}
		for _, l := range labels {
			if p := portal.PublishStored(stored[l], portal.DefaultSuppressBelow); p.Requests.Total.Value == 0 {
				b.Fatalf("%s: no figures", l)
			}
		}
	}
}

// BenchmarkRefreshStatistics is one run of the refresh job on a warm system: the current quarter and
// the current year computed and stored (closed periods are computed once a day).
func BenchmarkRefreshStatistics(b *testing.B) {
	bb := newTestDB(b)
	ctx := context.Background()
	benchData(b, bb)
	current := []portal.Period{portal.QuarterOf(t0), portal.Year(2025)}
	for b.Loop() {
		for _, p := range current {
			if _, err := bb.RefreshPeriod(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	}
}
