package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// SetFilingLimits sets how much one person may file (configuration, at start-up). Without it the
// storage applies portal.DefaultFilingLimits. It returns the limits' validation error.
func (db *DB) SetFilingLimits(l portal.FilingLimits) error {
	if err := l.Validate(); err != nil {
		return err
	}
	db.limits.Store(&l)
	return nil
}

// FilingLimits returns the limits in force.
func (db *DB) FilingLimits() portal.FilingLimits {
	if l := db.limits.Load(); l != nil {
		return *l
	}
	return portal.DefaultFilingLimits()
}

// lockSubject locks the person's subjects row for the rest of tx, so their filings are counted one
// after the other, also across portal processes. FOR NO KEY UPDATE does not block rows elsewhere
// that merely reference the person (events, messages) from being written meanwhile.
func (db *DB) lockSubject(ctx context.Context, tx pgx.Tx, subjectID int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM subjects WHERE id = $1 FOR NO KEY UPDATE`, subjectID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return portal.Errorf(portal.ENOTFOUND, "no such person")
	}
	return err
}

// file records one filing of kind by the person in tx, or refuses it with a *portal.LimitError when
// the person reached the limit of that kind. It locks the person first, so concurrent filings cannot
// both pass; the row is written in the caller's transaction, so a filing that fails later is not
// counted. Rows that no longer count are removed on the way.
func (db *DB) file(ctx context.Context, tx pgx.Tx, subjectID int64, kind portal.FilingKind, now time.Time) error {
	if err := db.lockSubject(ctx, tx, subjectID); err != nil {
		return err
	}
	limit := db.FilingLimits().For(kind)
	since := now.Add(-limit.Window)
	if _, err := tx.Exec(ctx, `DELETE FROM filings WHERE subject_id = $1 AND kind = $2 AND at <= $3`,
		subjectID, kind, since); err != nil {
		return fmt.Errorf("filings: %w", err)
	}
	rows, _ := tx.Query(ctx, `SELECT at FROM filings WHERE subject_id = $1 AND kind = $2 AND at > $3 ORDER BY at`,
		subjectID, kind, since)
	earlier, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return fmt.Errorf("filings: %w", err)
	}
	if err := limit.Check(kind, earlier, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO filings (subject_id, kind, at) VALUES ($1,$2,$3)`, subjectID, kind, now); err != nil {
		return fmt.Errorf("filings: %w", err)
	}
	return nil
}
