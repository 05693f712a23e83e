package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// BreakGlassSince lists the emergency accesses (break-the-glass) by the municipality's own staff since
// since, newest first, for the team lead's home (PIA §5.3.3: the team lead is told of every one). It
// names the employee, when, the register entry (in lang) and the reason, and whether the privacy officer judged
// it; it names no citizen, so showing it is no view of anyone's data.
func (db *DB) BreakGlassSince(ctx context.Context, since time.Time, municipality, lang string, limit int) ([]portal.Flagged, error) {
	rows, _ := db.pool.Query(ctx, `SELECT e.id::text, s.bsn_hmac, e.occurred_at, e.actor_organization, e.actor_team, e.actor_role,
 e.actor_employee_id, e.actor_employee_name, CASE WHEN $4 = 'en' THEN a.name_en ELSE a.name_nl END, e.break_glass_reason,
 r.event_id IS NOT NULL, coalesce(r.justified, false)
FROM processing_events e
JOIN processing_activities a ON a.id = e.activity_id
JOIN subjects s ON s.id = e.subject_id
LEFT JOIN break_glass_reviews r ON r.event_id = e.id
WHERE e.access_basis = 'break_glass' AND e.occurred_at >= $1 AND e.actor_organization = $2
ORDER BY e.occurred_at DESC, e.id LIMIT $3`, since, municipality, limit, lang)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Flagged, error) {
		var f portal.Flagged
		var lookup []byte
		err := r.Scan(&f.EventID, &lookup, &f.OccurredAt, &f.Organization, &f.Team, &f.Role, &f.EmployeeID, &f.EmployeeName,
			&f.Activity, &f.Reason, &f.Reviewed, &f.Justified)
		if err == nil {
			f.Pseudonym = db.vault.Pseudonym(lookup)
		}
		return f, err
	})
	return out, wrapErr("break-glass since", err)
}
