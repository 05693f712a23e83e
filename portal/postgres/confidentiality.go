package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// ExtendConfidentiality keeps a still confidential event hidden for longer, on behalf of key, and
// records who asked, when, the old and new end and why (confidentiality_extensions), in one
// transaction. x must be validated (portal.ConfidentialityExtension.Validate), which also caps
// x.Until.
//
// Only a key of the system that reported the event may extend it; any other event, another
// system's, a staff view tied to a signal, or an unknown id gives ENOTFOUND. An event that is not
// confidential (any more) gives ECONFLICT: what a citizen could see is never hidden again. An end
// not after the current one gives EINVALID (this is an extension, never a shortening).
//
// The event's content hash keeps the original report, so a retry of that report stays a harmless
// duplicate. The per-person summaries fold only never-confidential events (migration 7), so the
// event stays out of them; the update trigger recomputes that person's summary all the same.
func (db *DB) ExtendConfidentiality(ctx context.Context, eventID string, key portal.APIKey, x portal.ConfidentialityExtension) (portal.ExtensionReceipt, error) {
	notFound := portal.Errorf(portal.ENOTFOUND, "no such processing event reported by this system")
	if _, err := uuid.Parse(eventID); err != nil || !portal.ValidEventID(eventID) {
		return portal.ExtensionReceipt{}, notFound
	}
	var r portal.ExtensionReceipt
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		now := db.now().UTC()
		var (
			until   *time.Time
			forever bool
			system  string
			signal  bool
		)
		err := tx.QueryRow(ctx, `SELECT CASE WHEN e.confidential_until = 'infinity' THEN NULL ELSE e.confidential_until END,
       coalesce(e.confidential_until = 'infinity', false), k.system, e.signal_id IS NOT NULL
FROM processing_events e JOIN api_keys k ON k.id = e.api_key_id
WHERE e.id = $1::uuid
FOR UPDATE OF e`, eventID).Scan(&until, &forever, &system, &signal)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return err
		}
		if system != key.System || signal || forever {
			return notFound
		}
		if until == nil || !until.After(now) {
			return portal.Errorf(portal.ECONFLICT, "the event is not confidential (any more): what the citizen can see is never hidden again")
		}
		if !x.Until.After(*until) {
			return &portal.Error{Code: portal.EINVALID, Message: "an extension must end later than the current confidentiality",
				Fields: []portal.FieldError{{Index: -1, Field: "until", Message: "must lie after " + until.UTC().Format(time.RFC3339)}}}
		}
		if _, err := tx.Exec(ctx, `UPDATE processing_events SET confidential_until = $2 WHERE id = $1::uuid`, eventID, x.Until); err != nil {
			return fmt.Errorf("update the event: %w", err)
		}
		if err := amendConfidentiality(ctx, tx, now, "e.id = $1::uuid", eventID); err != nil {
			return err
		}
		r = portal.ExtensionReceipt{EventID: eventID, PreviousUntil: until.UTC(), Until: x.Until.UTC(), ExtendedAt: now}
		return tx.QueryRow(ctx, `INSERT INTO confidentiality_extensions (event_id, api_key_id, extended_at, previous_until, new_until, reason)
VALUES ($1::uuid, $2, $3, $4, $5, $6) RETURNING id`, eventID, key.ID, now, *until, x.Until, x.Reason).Scan(&r.ID)
	})
	if err != nil {
		var pe *portal.Error
		if errors.As(err, &pe) {
			return portal.ExtensionReceipt{}, err
		}
		return portal.ExtensionReceipt{}, fmt.Errorf("postgres: extend confidentiality of %s: %w", eventID, err)
	}
	return r, nil
}

// ConfidentialityExtensions returns the recorded extensions of one event, oldest first.
func (db *DB) ConfidentialityExtensions(ctx context.Context, eventID string) ([]portal.ExtensionReceipt, error) {
	rows, _ := db.pool.Query(ctx, `SELECT id, event_id::text, previous_until, new_until, extended_at
FROM confidentiality_extensions WHERE event_id = $1::uuid ORDER BY extended_at, id`, eventID)
	xs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[portal.ExtensionReceipt])
	if err != nil {
		return nil, fmt.Errorf("postgres: confidentiality extensions of %s: %w", eventID, err)
	}
	return xs, nil
}
