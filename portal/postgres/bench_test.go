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
