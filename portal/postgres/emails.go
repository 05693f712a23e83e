package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// subjectEmailAD binds an encrypted notification address to its person, so ciphertext copied to
// another row does not decrypt.
func subjectEmailAD(subjectID int64) []byte {
	return []byte("subject_email:" + strconv.FormatInt(subjectID, 10))
}

// confirmationUnderway is how long a queued confirmation mail counts as on its way: the same address
// given again within it queues no second mail.
const confirmationUnderway = 15 * time.Minute

var errNoEmail = portal.Errorf(portal.ENOTFOUND, "no such e-mail address")

// SetEmail makes addr the person's notification address (issue 18's settings page and the request
// form). See setEmail.
func (db *DB) SetEmail(ctx context.Context, subjectID int64, addr string) error {
	addr, ok := portal.CheckEmail(addr)
	if !ok {
		return &portal.Error{Code: portal.EINVALID, Message: "not a valid e-mail address",
			Fields: []portal.FieldError{{Index: -1, Field: "email", Message: "not a valid e-mail address"}}}
	}
	now := db.now()
	return wrapErr("set e-mail", db.Transact(ctx, func(tx pgx.Tx) error { return db.setEmail(ctx, tx, subjectID, addr, now) }))
}

// setEmail stores addr as the person's notification address in tx and queues one confirmation mail
// to it, which counts as a filing (portal.FilingConfirmation; over the limit it returns the
// *portal.LimitError and the caller's transaction stores nothing). The same address again changes
// nothing when it is confirmed, while the link of its last confirmation mail still works, or while
// that mail is still on its way; another address replaces the old one and is unconfirmed.
func (db *DB) setEmail(ctx context.Context, tx pgx.Tx, subjectID int64, addr string, now time.Time) error {
	if err := db.lockSubject(ctx, tx, subjectID); err != nil {
		return err
	}
	var kid string
	var enc []byte
	var version int64
	var confirmed, queued, expires *time.Time
	err := tx.QueryRow(ctx, `SELECT email_key_id, email_enc, version, confirmed_at, queued_at, token_expires_at FROM subject_emails
WHERE subject_id = $1`, subjectID).Scan(&kid, &enc, &version, &confirmed, &queued, &expires)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("e-mail: %w", err)
	default:
		old, err := db.vault.OpenWith(kid, enc, subjectEmailAD(subjectID))
		if err != nil {
			return fmt.Errorf("e-mail: %w", err)
		}
		// The same address again needs no new mail while a link sent to it still works, or while
		// its mail is still on its way (queued minutes ago). A mail that never went out (SMTP
		// refused it) leaves no token, so giving the address again later sends a new one.
		sent := expires != nil && now.Before(*expires)
		underway := expires == nil && queued != nil && now.Sub(*queued) < confirmationUnderway
		if string(old) == addr && (confirmed != nil || sent || underway) {
			return nil
		}
	}
	if err := db.file(ctx, tx, subjectID, portal.FilingConfirmation, now); err != nil {
		return err
	}
	kid, enc, err = db.vault.SealWith([]byte(addr), subjectEmailAD(subjectID))
	if err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `INSERT INTO subject_emails (subject_id, email_enc, email_key_id, version, queued_at, created_at, updated_at)
VALUES ($1,$2,$3,nextval('subject_email_versions'),$4,$4,$4)
ON CONFLICT (subject_id) DO UPDATE SET email_enc = EXCLUDED.email_enc, email_key_id = EXCLUDED.email_key_id,
 version = EXCLUDED.version, confirmed_at = NULL, token_hash = NULL, token_expires_at = NULL, queued_at = EXCLUDED.queued_at,
 updated_at = EXCLUDED.updated_at
RETURNING version`, subjectID, enc, kid, now).Scan(&version); err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	if _, err := db.jobs.InsertTx(ctx, tx, portal.ConfirmEmailJob{SubjectID: subjectID, Version: version}, nil); err != nil {
		return fmt.Errorf("queue confirmation: %w", err)
	}
	return nil
}

// DeleteEmail removes the person's notification address (issue 18); without one it does nothing.
func (db *DB) DeleteEmail(ctx context.Context, subjectID int64) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM subject_emails WHERE subject_id = $1`, subjectID)
	return wrapErr("delete e-mail", err)
}

// EmailStatus says whether the person has a notification address and whether it is confirmed.
func (db *DB) EmailStatus(ctx context.Context, subjectID int64) (portal.EmailStatus, error) {
	var st portal.EmailStatus
	err := db.pool.QueryRow(ctx, `SELECT confirmed_at FROM subject_emails WHERE subject_id = $1`, subjectID).Scan(&st.ConfirmedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("postgres: e-mail status: %w", err)
	}
	st.HasAddress, st.Confirmed = true, st.ConfirmedAt != nil
	return st, nil
}

// PrepareConfirmation is the confirmation job's first step: it makes a fresh token for the person's
// unconfirmed address of the given version, stores only its hash with an expiry
// portal.EmailConfirmationTTL from now (an earlier token of the address stops working), and returns
// the address and the token for the mail. ENOTFOUND when there is nothing to send: no address, a
// confirmed one, or a newer version (whose own job sends its mail).
func (db *DB) PrepareConfirmation(ctx context.Context, subjectID, version int64) (addr, token string, err error) {
	now := db.now()
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		var kid string
		var enc []byte
		err := tx.QueryRow(ctx, `SELECT email_key_id, email_enc FROM subject_emails
WHERE subject_id = $1 AND version = $2 AND confirmed_at IS NULL FOR UPDATE`, subjectID, version).Scan(&kid, &enc)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoEmail
		}
		if err != nil {
			return err
		}
		b, err := db.vault.OpenWith(kid, enc, subjectEmailAD(subjectID))
		if err != nil {
			return err
		}
		var hash []byte
		token, hash = portal.NewEmailToken()
		if _, err := tx.Exec(ctx, `UPDATE subject_emails SET token_hash = $2, token_expires_at = $3, updated_at = $4
WHERE subject_id = $1`, subjectID, hash, now.Add(portal.EmailConfirmationTTL), now); err != nil {
			return err
		}
		addr = string(b)
		return nil
	})
	if err != nil {
		return "", "", wrapErr("prepare confirmation", err)
	}
	return addr, token, nil
}

// ConfirmEmail confirms the person's address with the token from the confirmation mail. The token
// works once, before it expires, and only for the person whose address it was sent to; anything else
// gives ENOTFOUND and changes nothing.
func (db *DB) ConfirmEmail(ctx context.Context, subjectID int64, token string) error {
	if subjectID <= 0 || !portal.ValidEmailToken(token) {
		return errNoEmail
	}
	now := db.now()
	tag, err := db.pool.Exec(ctx, `UPDATE subject_emails SET confirmed_at = $3, token_hash = NULL, token_expires_at = NULL,
 updated_at = $3 WHERE subject_id = $1 AND token_hash = $2 AND token_expires_at > $3 AND confirmed_at IS NULL`,
		subjectID, portal.HashEmailToken(token), now)
	if err != nil {
		return fmt.Errorf("postgres: confirm e-mail: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return errNoEmail
	}
	return nil
}
