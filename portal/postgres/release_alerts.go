package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// AlertReleasedLines raises the access alerts for lines whose confidentiality has ended (issue 18):
// events that were confidential when stored (confidential_until after received_at), whose
// confidential_until has now passed, of a person with an access alert on who changed their alert
// choices before the release (alerts_since), and that did not alert that person yet. The message
// (status portal.AlertReleased, the reason in its note) is written when the line can be seen, never
// before; the e-mail says only that there is a new message.
//
// It is run by the periodic sweep and is safe to run again, after a restart or on two replicas at
// once: a line alerts its person once (messages_alert_once, ON CONFLICT DO NOTHING), and an e-mail is
// queued only for a message this run wrote. Nothing depends on when the previous run was, so a line
// released while the sweep was down still alerts at the next run, and a release committed late is
// not skipped.
//
// Cost: the confidential lines of the persons with an alert on (partial indexes on both sides). Lines
// that do not meet the person's choices (a known organisation for someone with only the new-
// organisation alert) are looked at again at each run; confidential lines are rare.
func (db *DB) AlertReleasedLines(ctx context.Context) (portal.ReleaseAlertResult, error) {
	var res portal.ReleaseAlertResult
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		now := db.now()
		rows, _ := tx.Query(ctx, `SELECT e.id::text, e.subject_id, e.occurred_at, e.access_basis, e.actor_organization
FROM notification_settings ns
JOIN processing_events e ON e.subject_id = ns.subject_id AND e.confidential_until IS NOT NULL
WHERE (ns.alert_any OR ns.alert_new_org OR (ns.alert_break_glass AND e.access_basis = $2)
   OR (ns.alert_against_will AND e.access_basis = $3))
 AND e.confidential_until <= $1 AND e.confidential_until > e.received_at
 AND ns.alerts_since IS NOT NULL AND e.confidential_until > ns.alerts_since
 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.alert_event_id = e.id AND m.subject_id = e.subject_id)
ORDER BY e.subject_id, e.occurred_at, e.id`, now, portal.BasisBreakGlass, portal.BasisAgainstWill)
		type line struct {
			ev      portal.Event
			subject int64
		}
		lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (line, error) {
			var l line
			return l, r.Scan(&l.ev.ID, &l.subject, &l.ev.OccurredAt, &l.ev.AccessBasis, &l.ev.Actor.Organization)
		})
		if err != nil {
			return fmt.Errorf("released lines: %w", err)
		}
		cands := make([]alertCand, len(lines))
		for i := range lines {
			cands[i] = alertCand{subject: lines[i].subject, ev: &lines[i].ev}
		}
		res.Alerted, err = db.raiseAlerts(ctx, tx, cands, true, now)
		return err
	})
	return res, wrapErr("alert released lines", err)
}
