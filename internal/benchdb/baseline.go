package benchdb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// copyCols are the columns of processing_events the ingest path writes, in its order. A test in
// portal/postgres compares them with the ingest path's own list, so the baseline cannot silently
// write less than the path it is compared with.
var copyCols = []string{"id", "subject_id", "occurred_at", "received_at", "activity_id", "action", "data_categories",
	"level", "actor_organization", "actor_team", "actor_role", "actor_employee_id", "actor_employee_name", "system",
	"case_ref", "recipient", "access_basis", "break_glass_reason", "consent_ref", "against_will_decision_ref",
	"against_will_reason", "against_will_approved_by", "confidential_until", "confidential_reason", "content_hash",
	"api_key_id", "consent_covered"}

// CopyColumns returns the columns CopyBaseline writes, in order.
func CopyColumns() []string { return slices.Clone(copyCols) }

// CreateCopyBaseline creates bench_copy: the columns, defaults, checks and indexes of
// processing_events (LIKE … INCLUDING ALL; foreign keys are not copied by LIKE). It fails when the
// table exists.
func (db *DB) CreateCopyBaseline(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `CREATE TABLE bench_copy (LIKE processing_events INCLUDING ALL)`); err != nil {
		return fmt.Errorf("benchdb: create copy baseline: %w", err)
	}
	return nil
}

// CopyBaseline writes events with one plain COPY into bench_copy: the rows the ingest path would
// write (same columns and values, a content hash computed the same way), without its checks. An
// event whose BSN is not in subjects gets a NULL subject and fails the COPY.
func (db *DB) CopyBaseline(ctx context.Context, events []portal.Event, subjects map[string]int64) (int64, error) {
	now := time.Now().UTC()
	n, err := db.pool.CopyFrom(ctx, pgx.Identifier{"bench_copy"}, copyCols, pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
		e := &events[i]
		var aw portal.AgainstWill
		if e.AgainstWill != nil {
			aw = *e.AgainstWill
		}
		var subject, covered any
		if id, ok := subjects[e.SubjectBSN]; ok {
			subject = id
		}
		if e.AccessBasis == portal.BasisConsent {
			covered = false
		}
		return []any{e.ID, subject, e.OccurredAt, now, e.Activity, e.Action, e.DataCategories,
			e.Level, e.Actor.Organization, e.Actor.Team, e.Actor.Role, e.Actor.EmployeeID, e.Actor.EmployeeName,
			e.System, e.CaseRef, e.Recipient, e.AccessBasis, e.BreakGlassReason, e.ConsentRef, aw.DecisionRef,
			aw.Reason, aw.ApprovedBy, e.ConfidentialUntil, e.ConfidentialReason, e.ContentHash([]byte(e.SubjectBSN)), nil, covered}, nil
	}))
	if err != nil {
		return n, fmt.Errorf("benchdb: copy baseline: %w", err)
	}
	return n, nil
}
