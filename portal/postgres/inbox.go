package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// The inbox as a reader sees it (portal.MessageFilter): the person themselves reads it through
// Messages, UnreadCount and MarkMessagesRead unchanged; a representative sees only messages of the
// parts the representation covers, and none about a signal hidden from representatives without an
// approved release for that representation.

// actingInbox is the condition on messages m that a representative may see them (request messages:
// not about a request on a signal hidden from them, and for an administrator only about the requests
// they filed). Its parameters are
// $1 the subject, $2, $3 and $4 whether requests, signals and consent are covered, $5 the
// representation and $6 the hidden signal categories; actingArgs gives them.
var actingInbox = `m.subject_id = $1
 AND (m.request_id IS NULL OR ($2 AND NOT EXISTS (SELECT 1 FROM rights_requests rq WHERE rq.id = m.request_id AND (
      EXISTS (SELECT 1 FROM signals s2 WHERE s2.id = rq.signal_id AND ` + hiddenFromRep("s2.id", "s2.category", "$5", "$6") + `)
      OR ((SELECT kind FROM representations WHERE id = $5::uuid) = 'administration'
          AND rq.filed_by_representation IS DISTINCT FROM $5::uuid)))))
 AND (m.signal_id IS NULL OR ($3 AND NOT EXISTS (SELECT 1 FROM signals s WHERE s.id = m.signal_id
      AND ` + hiddenFromRep("s.id", "s.category", "$5", "$6") + `)))
 AND (m.consent_id IS NULL OR $4)
 AND (m.review_event_id IS NULL OR m.request_id IS NOT NULL
      OR EXISTS (SELECT 1 FROM representations WHERE id = $5::uuid AND 'log' = ANY(parts)))
 AND (m.alert_event_id IS NULL OR EXISTS (SELECT 1 FROM representations WHERE id = $5::uuid AND 'log' = ANY(parts)))`

func actingArgs(f portal.MessageFilter, more ...any) []any {
	return append([]any{f.SubjectID, f.Covers(portal.PartRequests), f.Covers(portal.PartSignals), f.Covers(portal.PartConsent),
		f.RepresentationID, portal.HiddenSignalCategories}, more...)
}

// InboxMessages returns the inbox messages f lets its reader see, newest first.
func (db *DB) InboxMessages(ctx context.Context, f portal.MessageFilter, limit int) ([]portal.Message, error) {
	if !f.Acting() {
		return db.Messages(ctx, f.SubjectID, limit)
	}
	if err := checkRepID(f.RepresentationID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, _ := db.pool.Query(ctx, `SELECT m.id, coalesce(m.request_id::text, ''), coalesce(r.reference, ''),
 coalesce(m.signal_id::text, ''), coalesce(m.consent_id::text, ''), coalesce(m.review_event_id::text, m.alert_event_id::text, ''), m.kind, m.status, m.note, m.created_at, m.read_at, coalesce(r.kind, ''), r.first_deadline
FROM messages m LEFT JOIN rights_requests r ON r.id = m.request_id WHERE `+actingInbox+` ORDER BY m.id DESC LIMIT $7`,
		actingArgs(f, limit)...)
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.Message, error) {
		var m portal.Message
		err := row.Scan(&m.ID, &m.RequestID, &m.Reference, &m.SignalID, &m.ConsentID, &m.EventID, &m.Kind, &m.Status, &m.Note, &m.CreatedAt, &m.ReadAt, &m.RequestKind, &m.FirstDeadline)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: inbox messages: %w", err)
	}
	return ms, nil
}

// InboxUnreadCount counts the unread messages f lets its reader see.
func (db *DB) InboxUnreadCount(ctx context.Context, f portal.MessageFilter) (int, error) {
	if !f.Acting() {
		return db.UnreadCount(ctx, f.SubjectID)
	}
	if err := checkRepID(f.RepresentationID); err != nil {
		return 0, err
	}
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM messages m WHERE m.read_at IS NULL AND `+actingInbox,
		actingArgs(f)...).Scan(&n)
	return n, wrapErr("inbox unread count", err)
}

// MarkInboxRead marks the given messages read, as far as f lets its reader see them (other ids are
// ignored).
func (db *DB) MarkInboxRead(ctx context.Context, f portal.MessageFilter, ids []int64) error {
	if !f.Acting() {
		return db.MarkMessagesRead(ctx, f.SubjectID, ids)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := checkRepID(f.RepresentationID); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `UPDATE messages m SET read_at = $8 WHERE m.id = ANY($7) AND m.read_at IS NULL AND `+actingInbox,
		actingArgs(f, ids, db.now())...)
	return wrapErr("mark inbox read", err)
}
