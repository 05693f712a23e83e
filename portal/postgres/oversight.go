package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// flaggedCols are the columns scanFlagged reads; notCoveredCols the same for lines that cannot be
// judged. Both need processing_events e, subjects s and processing_activities a (left joined).
const flaggedCols = `e.id::text, e.subject_id, s.bsn_hmac, e.occurred_at, e.actor_organization, e.actor_team, e.actor_role,
 e.actor_employee_id, e.actor_employee_name, e.activity_id, coalesce(a.name_nl, ''), coalesce(a.name_en, ''), `

func (db *DB) scanFlagged(row pgx.CollectableRow) (portal.Flagged, error) {
	var f portal.Flagged
	var justified *bool
	var lookup []byte
	var sp spanScan
	err := row.Scan(append([]any{&f.EventID, &f.SubjectID, &lookup, &f.OccurredAt, &f.Organization, &f.Team, &f.Role, &f.EmployeeID,
		&f.EmployeeName, &f.Activity, &f.ActivityName.NL, &f.ActivityName.EN, &f.Reason, &justified, &f.Note, &f.ReviewerName,
		&f.ReviewedAt, &f.Objections, &f.Told}, sp.dest()...)...)
	f.Span = sp.result()
	if justified != nil {
		f.Reviewed, f.Justified = true, *justified
	}
	if err == nil {
		f.Pseudonym = db.vault.Pseudonym(lookup)
	}
	return f, err
}

// Oversight returns the break-the-glass accesses and the processing not covered by consent in f's
// period (newest first, at most f.Limit each; with f.Unjudged only accesses not yet judged), each with
// the person's pseudonym (bsnvault.Pseudonym), and records the privacy officer's view of each citizen
// concerned as a processing event in that citizen's log, in the same transaction.
func (db *DB) Oversight(ctx context.Context, f portal.OversightFilter, by portal.Staff, municipality string) (breakGlass, notCovered []portal.Flagged, err error) {
	now := db.now()
	var until *time.Time
	if !f.To.IsZero() {
		until = &f.To
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+flaggedCols+`e.break_glass_reason, r.justified, coalesce(r.note, ''),
 coalesce(r.reviewer_name, ''), r.reviewed_at,
 coalesce((SELECT array_agg(q.reference ORDER BY q.reference) FROM break_glass_review_objections o
   JOIN rights_requests q ON q.id = o.request_id WHERE o.event_id = e.id), '{}'::text[]),
 EXISTS (SELECT 1 FROM messages m WHERE m.review_event_id = e.id), `+spanCols+`
FROM processing_events e JOIN subjects s ON s.id = e.subject_id LEFT JOIN processing_activities a ON a.id = e.activity_id
 LEFT JOIN break_glass_reviews r ON r.event_id = e.id
WHERE e.access_basis = 'break_glass' AND e.occurred_at >= $1 AND ($2::timestamptz IS NULL OR e.occurred_at < $2)
 AND (NOT $3 OR r.event_id IS NULL)
ORDER BY e.occurred_at DESC LIMIT $4`, f.From, until, f.Unjudged, f.Limit)
		var err error
		if breakGlass, err = pgx.CollectRows(rows, db.scanFlagged); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT `+flaggedCols+`e.consent_ref, NULL::boolean, '', '', NULL::timestamptz, '{}'::text[], false, `+spanCols+`
FROM processing_events e JOIN subjects s ON s.id = e.subject_id LEFT JOIN processing_activities a ON a.id = e.activity_id
WHERE e.consent_covered = false AND e.occurred_at >= $1 AND ($2::timestamptz IS NULL OR e.occurred_at < $2)
ORDER BY e.occurred_at DESC LIMIT $3`, f.From, until, f.Limit)
		if notCovered, err = pgx.CollectRows(rows, db.scanFlagged); err != nil {
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
			if err := db.recordStaffView(ctx, tx, subject, view, now, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return breakGlass, notCovered, wrapErr("oversight", err)
}

// ReviewBreakGlass records the privacy officer's judgement of one break-the-glass access; a later
// judgement replaces an earlier one. It links the judgement to the person's objections (rights
// requests of kind bezwaar) whose scope names the access. A "not justified" judgement tells the person
// in their inbox, once per access however often it is judged again, about their objection when there
// is one (the newest open one, else the newest).
func (db *DB) ReviewBreakGlass(ctx context.Context, eventID string, by portal.Staff, justified bool, note string) error {
	if _, err := uuid.Parse(eventID); err != nil {
		return portal.Errorf(portal.ENOTFOUND, "no such access")
	}
	eventID = strings.ToLower(eventID)
	if m := portal.CheckText(note, portal.MaxNoteLength); m != "" {
		return &portal.Error{Code: portal.EINVALID, Message: "note: " + m}
	}
	if !justified && strings.TrimSpace(note) == "" {
		// The person is told; the objection and the council's figures lean on the reason.
		return &portal.Error{Code: portal.EINVALID, Message: "note: say why the access was not justified"}
	}
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO break_glass_reviews (event_id, justified, note, reviewed_by, reviewer_name, reviewed_at)
SELECT id, $2, $3, $4, $5, $6 FROM processing_events WHERE id = $1 AND access_basis = 'break_glass'
ON CONFLICT (event_id) DO UPDATE SET justified = $2, note = $3, reviewed_by = $4, reviewer_name = $5, reviewed_at = $6`,
			eventID, justified, note, by.Sub, by.Name, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return portal.Errorf(portal.ENOTFOUND, "no such access")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO break_glass_review_objections (event_id, request_id)
SELECT e.id, q.id FROM processing_events e JOIN rights_requests q ON q.subject_id = e.subject_id
WHERE e.id = $1 AND q.kind = 'bezwaar' AND q.scope->'event_ids' ? $2
ON CONFLICT DO NOTHING`, eventID, eventID); err != nil {
			return err
		}
		if justified {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO messages (subject_id, request_id, review_event_id, kind, status, created_at)
SELECT e.subject_id, (SELECT q.id FROM break_glass_review_objections o JOIN rights_requests q ON q.id = o.request_id
  WHERE o.event_id = e.id ORDER BY q.status IN ('besloten', 'ingetrokken'), q.received_at DESC LIMIT 1), e.id, $2, '', $3
FROM processing_events e WHERE e.id = $1
ON CONFLICT (review_event_id) WHERE review_event_id IS NOT NULL DO NOTHING`, eventID, portal.MessageUnjustifiedAccess, now)
		return err
	})
	return wrapErr("review break-glass", err)
}

// StaffPatterns aggregates views per employee in a period [since, until): how many, how many not through an
// assignment, and how many distinct data categories. Employees with fewer than minViews are left out.
func (db *DB) StaffPatterns(ctx context.Context, since, until time.Time, minViews int) ([]portal.StaffPattern, error) {
	rows, _ := db.pool.Query(ctx, `SELECT actor_employee_id, max(actor_employee_name), max(actor_organization), count(*),
 count(*) FILTER (WHERE access_basis <> 'assigned'),
 (SELECT count(DISTINCT c) FROM processing_events e2, unnest(e2.data_categories) c
  WHERE e2.actor_employee_id = e.actor_employee_id AND e2.occurred_at >= $1 AND e2.occurred_at < $3 AND e2.action = 'view')
FROM processing_events e WHERE occurred_at >= $1 AND occurred_at < $3 AND action = 'view' AND actor_employee_id <> ''
GROUP BY actor_employee_id HAVING count(*) >= $2 ORDER BY actor_employee_id`, since, minViews, until)
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
			if err := db.recordStaffView(ctx, tx, subject, view, now, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapErr("record oversight views", err)
}

// ObjectionJudgements returns the privacy officer's current judgements of the break-the-glass
// accesses linked to an objection (ReviewBreakGlass), oldest access first, for the clerk handling it.
func (db *DB) ObjectionJudgements(ctx context.Context, requestID string) ([]portal.Flagged, error) {
	if _, err := uuid.Parse(requestID); err != nil {
		return nil, nil
	}
	rows, _ := db.pool.Query(ctx, `SELECT e.id::text, e.occurred_at, e.actor_organization, e.actor_team, e.actor_role,
 e.actor_employee_id, e.actor_employee_name, r.justified, r.note, r.reviewer_name, r.reviewed_at
FROM break_glass_review_objections o JOIN break_glass_reviews r ON r.event_id = o.event_id
 JOIN processing_events e ON e.id = o.event_id
WHERE o.request_id = $1 ORDER BY e.occurred_at, e.id`, requestID)
	fs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.Flagged, error) {
		var f portal.Flagged
		err := row.Scan(&f.EventID, &f.OccurredAt, &f.Organization, &f.Team, &f.Role, &f.EmployeeID, &f.EmployeeName,
			&f.Justified, &f.Note, &f.ReviewerName, &f.ReviewedAt)
		f.Reviewed = true
		return f, err
	})
	return fs, wrapErr("objection judgements", err)
}
