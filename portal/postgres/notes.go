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

// AddNote stores a staff member's internal note on request n.RequestID (portal.NewNote.Validate is
// checked here too). The note names the person the request is about (the request's subject, read in
// the same statement), the author (sub, name, role) and the time. Nothing else is written: no inbox
// message, no e-mail, no line in the person's log. The same token sent again by the same author for
// the same request and text (a double submit) stores nothing and returns the note stored the first
// time with dup set; a token already used for anything else is refused (ECONFLICT).
func (db *DB) AddNote(ctx context.Context, by portal.Staff, n portal.NewNote) (note portal.Note, dup bool, err error) {
	if err := n.Validate(); err != nil {
		return note, false, err
	}
	if _, err := uuid.Parse(n.RequestID); err != nil {
		return note, false, errNoRequest
	}
	if by.Sub == "" {
		return note, false, portal.Errorf(portal.EFORBIDDEN, "a note needs its author")
	}
	now := db.now()
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		dup = false
		row := tx.QueryRow(ctx, `INSERT INTO request_notes (request_id, subject_id, token, author_sub, author_name, author_role, body, created_at)
SELECT r.id, r.subject_id, $2::uuid, $3, $4, $5, $6, $7 FROM rights_requests r WHERE r.id = $1::uuid
ON CONFLICT (token) DO NOTHING
RETURNING id`, n.RequestID, n.Token, by.Sub, by.Name, by.Role(), n.Text, now)
		var id int64
		switch err := row.Scan(&id); {
		case err == nil:
			note, err = noteByID(ctx, tx, id)
			return err
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		// Nothing inserted: no such request, or the token was used before.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rights_requests WHERE id = $1::uuid)`, n.RequestID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return errNoRequest
		}
		var earlier int64
		if err := tx.QueryRow(ctx, `SELECT id FROM request_notes WHERE token = $1::uuid`, n.Token).Scan(&earlier); err != nil {
			return err
		}
		if note, err = noteByID(ctx, tx, earlier); err != nil {
			return err
		}
		if note.RequestID != n.RequestID || note.AuthorSub != by.Sub || note.Text != n.Text {
			note = portal.Note{}
			return portal.Errorf(portal.ECONFLICT, "this form was already used for another note")
		}
		dup = true
		return nil
	})
	return note, dup, wrapErr("add note", err)
}

const noteCols = `n.id, n.request_id::text, r.reference, n.subject_id, n.author_sub, n.author_name, n.author_role, n.body, n.created_at`

func scanNote(row pgx.Row) (portal.Note, error) {
	var n portal.Note
	err := row.Scan(&n.ID, &n.RequestID, &n.Reference, &n.SubjectID, &n.AuthorSub, &n.AuthorName, &n.AuthorRole, &n.Text, &n.CreatedAt)
	return n, err
}

func noteByID(ctx context.Context, q querier, id int64) (portal.Note, error) {
	return scanNote(q.QueryRow(ctx, `SELECT `+noteCols+` FROM request_notes n JOIN rights_requests r ON r.id = n.request_id
WHERE n.id = $1`, id))
}

func collectNotes(rows pgx.Rows, err error) ([]portal.Note, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Note, error) { return scanNote(r) })
}

// RequestNotes returns the internal notes on one request, newest first. Only for staff who may open
// the case (the caller checks the role); reading them records nothing by itself, since they are read
// with the case file, whose opening is recorded.
func (db *DB) RequestNotes(ctx context.Context, requestID string) ([]portal.Note, error) {
	if _, err := uuid.Parse(requestID); err != nil {
		return nil, errNoRequest
	}
	ns, err := collectNotes(db.pool.Query(ctx, `SELECT `+noteCols+` FROM request_notes n JOIN rights_requests r ON r.id = n.request_id
WHERE n.request_id = $1::uuid ORDER BY n.created_at DESC, n.id DESC`, requestID))
	if err != nil {
		return nil, fmt.Errorf("postgres: request notes: %w", err)
	}
	return ns, nil
}

// SubjectNotesAsOf returns every internal note about the person (on any of their requests) written
// at or before asOf, oldest first: the list an inspection decision taken at asOf answers with.
func (db *DB) SubjectNotesAsOf(ctx context.Context, subjectID int64, asOf time.Time) ([]portal.Note, error) {
	ns, err := collectNotes(db.pool.Query(ctx, `SELECT `+noteCols+` FROM request_notes n JOIN rights_requests r ON r.id = n.request_id
WHERE n.subject_id = $1 AND n.created_at <= $2 ORDER BY n.created_at, n.id`, subjectID, asOf))
	if err != nil {
		return nil, fmt.Errorf("postgres: notes about a person: %w", err)
	}
	return ns, nil
}
