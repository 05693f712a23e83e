package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

func scanFlagged(row pgx.CollectableRow) (portal.Flagged, error) {
	var f portal.Flagged
	var justified *bool
	var sp spanScan
	err := row.Scan(append([]any{&f.EventID, &f.SubjectID, &f.OccurredAt, &f.Organization, &f.Team, &f.Role, &f.EmployeeID, &f.EmployeeName,
		&f.Activity, &f.Reason, &justified, &f.Note, &f.ReviewerName}, sp.dest()...)...)
	f.Span = sp.result()
	if justified != nil {
		f.Reviewed, f.Justified = true, *justified
	}
	return f, err
}

// Oversight returns the break-the-glass accesses and the processing not covered by consent since a
// moment (newest first, at most limit each), and records the privacy officer's view of each citizen
// concerned as a processing event in that citizen's log, in the same transaction.
func (db *DB) Oversight(ctx context.Context, since time.Time, limit int, by portal.Staff, municipality string) (breakGlass, notCovered []portal.Flagged, err error) {
	now := db.now()
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT e.id::text, e.subject_id, e.occurred_at, e.actor_organization, e.actor_team, e.actor_role,
 e.actor_employee_id, e.actor_employee_name, e.activity_id, e.break_glass_reason, r.justified, coalesce(r.note, ''),
 coalesce(r.reviewer_name, ''), `+spanCols+`
FROM processing_events e LEFT JOIN break_glass_reviews r ON r.event_id = e.id
WHERE e.access_basis = 'break_glass' AND e.occurred_at >= $1 ORDER BY e.occurred_at DESC LIMIT $2`, since, limit)
		var err error
		if breakGlass, err = pgx.CollectRows(rows, scanFlagged); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT e.id::text, e.subject_id, e.occurred_at, e.actor_organization, e.actor_team, e.actor_role,
 e.actor_employee_id, e.actor_employee_name, e.activity_id, e.consent_ref, NULL::boolean, '', '', `+spanCols+`
FROM processing_events e WHERE e.consent_covered = false AND e.occurred_at >= $1 ORDER BY e.occurred_at DESC LIMIT $2`, since, limit)
		if notCovered, err = pgx.CollectRows(rows, scanFlagged); err != nil {
			return err
		}
		view := portal.StaffView{By: by, RoleLabel: portal.RoleLabel(portal.RolePrivacyOfficer), Municipality: municipality,
			Activity: portal.OversightActivity, Level: "that", Categories: []string{"identity"}, AccessBasis: portal.BasisFunction}
		view.Span = staffViewSpan(ctx, view) // one page, one span, in the log of every citizen listed
		seen := map[int64]bool{}
		for _, f := range append(append([]portal.Flagged{}, breakGlass...), notCovered...) {
			if seen[f.SubjectID] {
				continue
			}
			seen[f.SubjectID] = true
			subject, err := lookupSubject(ctx, tx, f.SubjectID)
			if err != nil {
				return err
			}
			if err := recordStaffView(ctx, tx, subject, view, now, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return breakGlass, notCovered, wrapErr("oversight", err)
}

// ReviewBreakGlass records the privacy officer's judgement of one break-the-glass access; a later
// judgement replaces an earlier one.
func (db *DB) ReviewBreakGlass(ctx context.Context, eventID string, by portal.Staff, justified bool, note string) error {
	if _, err := uuid.Parse(eventID); err != nil {
		return portal.Errorf(portal.ENOTFOUND, "no such access")
	}
	if m := portal.CheckText(note, portal.MaxNoteLength); m != "" {
		return &portal.Error{Code: portal.EINVALID, Message: "note: " + m}
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO break_glass_reviews (event_id, justified, note, reviewed_by, reviewer_name, reviewed_at)
SELECT id, $2, $3, $4, $5, $6 FROM processing_events WHERE id = $1 AND access_basis = 'break_glass'
ON CONFLICT (event_id) DO UPDATE SET justified = $2, note = $3, reviewed_by = $4, reviewer_name = $5, reviewed_at = $6`,
		eventID, justified, note, by.Sub, by.Name, db.now())
	if err != nil {
		return fmt.Errorf("postgres: review break-glass: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return portal.Errorf(portal.ENOTFOUND, "no such access")
	}
	return nil
}

// StaffPatterns aggregates views per employee since a moment: how many, how many not through an
// assignment, and how many distinct data categories. Employees with fewer than minViews are left out.
func (db *DB) StaffPatterns(ctx context.Context, since time.Time, minViews int) ([]portal.StaffPattern, error) {
	rows, _ := db.pool.Query(ctx, `SELECT actor_employee_id, max(actor_employee_name), max(actor_organization), count(*),
 count(*) FILTER (WHERE access_basis <> 'assigned'),
 (SELECT count(DISTINCT c) FROM processing_events e2, unnest(e2.data_categories) c
  WHERE e2.actor_employee_id = e.actor_employee_id AND e2.occurred_at >= $1 AND e2.action = 'view')
FROM processing_events e WHERE occurred_at >= $1 AND action = 'view' AND actor_employee_id <> ''
GROUP BY actor_employee_id HAVING count(*) >= $2 ORDER BY actor_employee_id`, since, minViews)
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.StaffPattern, error) {
		var p portal.StaffPattern
		err := r.Scan(&p.EmployeeID, &p.EmployeeName, &p.Organization, &p.Views, &p.Unassigned, &p.Categories)
		return p, err
	})
	return ps, wrapErr("staff patterns", err)
}

// RecordOversightViews records, in the log of each person listed, that the privacy officer saw what
// was done in their name under an ended or disputed representation (the oversight page's section on
// representatives): their name, the acts and a dispute's reason.
func (db *DB) RecordOversightViews(ctx context.Context, by portal.Staff, municipality string, subjectIDs []int64) error {
	if len(subjectIDs) == 0 {
		return nil
	}
	now := db.now()
	view := portal.StaffView{By: by, RoleLabel: portal.RoleLabel(portal.RolePrivacyOfficer), Municipality: municipality,
		Activity: portal.OversightActivity, Level: "what", Categories: []string{"identity"}, AccessBasis: portal.BasisFunction}
	view.Span = staffViewSpan(ctx, view)
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		seen := map[int64]bool{}
		for _, id := range subjectIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			subject, err := lookupSubject(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := recordStaffView(ctx, tx, subject, view, now, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapErr("record oversight views", err)
}
