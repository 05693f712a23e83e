package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/inzicht/inzicht/portal"
)

// alertBreakGlass writes, in the transaction that stores a batch, a notification for the team leads
// for each new emergency access in it, and queues the e-mail to the team leads' mailbox. A batch sent
// again stores nothing new and alerts nobody again (an event's notification is unique).
func (db *DB) alertBreakGlass(ctx context.Context, tx pgx.Tx, events []portal.Event, fresh []int, now time.Time) error {
	var ids []string
	byID := map[string]*portal.Event{}
	for _, i := range fresh {
		if events[i].AccessBasis == portal.BasisBreakGlass {
			ids = append(ids, events[i].ID)
			byID[events[i].ID] = &events[i]
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, _ := tx.Query(ctx, `INSERT INTO staff_notifications (role, kind, event_id, created_at)
SELECT 'team_lead', 'break_glass', id, $2 FROM unnest($1::uuid[]) AS id
ON CONFLICT (kind, event_id) DO NOTHING RETURNING id, event_id::text`, ids, now)
	type made struct {
		id    int64
		event string
	}
	ns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (made, error) {
		var m made
		return m, r.Scan(&m.id, &m.event)
	})
	if err != nil {
		return fmt.Errorf("break-glass notifications: %w", err)
	}
	params := make([]river.InsertManyParams, len(ns))
	for i, n := range ns {
		ev := byID[n.event]
		params[i] = river.InsertManyParams{Args: portal.BreakGlassAlertJob{NotificationID: n.id, OccurredAt: ev.OccurredAt,
			Organization: ev.Actor.Organization}}
	}
	if len(params) > 0 {
		if _, err := db.jobs.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("queue break-glass alerts: %w", err)
		}
	}
	return nil
}

// UnseenBreakGlass returns the emergency accesses of the municipality's staff that the staff member
// has not marked seen, by event id.
func (db *DB) UnseenBreakGlass(ctx context.Context, staffSub, municipality string) (map[string]bool, error) {
	rows, _ := db.pool.Query(ctx, `SELECT n.event_id::text FROM staff_notifications n
JOIN processing_events e ON e.id = n.event_id
WHERE n.kind = 'break_glass' AND e.actor_organization = $2
 AND NOT EXISTS (SELECT 1 FROM staff_notification_reads r WHERE r.notification_id = n.id AND r.staff_sub = $1)`,
		staffSub, municipality)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: unseen break-glass: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// MarkBreakGlassSeen marks the given emergency accesses seen by the staff member (those shown to them:
// one that came in after the page was shown stays new). Marking twice changes nothing.
func (db *DB) MarkBreakGlassSeen(ctx context.Context, staffSub string, eventIDs []string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO staff_notification_reads (notification_id, staff_sub, read_at)
SELECT n.id, $1, $3 FROM staff_notifications n WHERE n.kind = 'break_glass' AND n.event_id::text = ANY($2)
ON CONFLICT DO NOTHING`, staffSub, eventIDs, db.now())
	return wrapErr("mark break-glass seen", err)
}
