package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// sessionTouch is how stale a session's "last seen" mark may get before a request renews it.
const sessionTouch = 30 * time.Second

func hashID(raw string) []byte {
	h := sha256.Sum256([]byte(raw))
	return h[:]
}

// CreateSession stores a session under the cookie value rawID.
func (db *DB) CreateSession(ctx context.Context, rawID string, s portal.Session) error {
	var subj any
	if s.SubjectID > 0 {
		subj = s.SubjectID
	}
	if s.StaffRoles == nil {
		s.StaffRoles = []string{}
	}
	var tokEnc []byte
	var tokKey string
	if s.IDToken != "" {
		var err error
		if tokKey, tokEnc, err = db.vault.SealWith([]byte(s.IDToken), hashID(rawID)); err != nil {
			return err
		}
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (id_hash, kind, subject_id, staff_sub, staff_name, staff_roles, loa,
csrf_token, created_at, last_seen_at, expires_at, id_token_enc, id_token_key_id, acting_representation_id)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9,$10,$11,$12,$13::uuid)`,
		hashID(rawID), s.Kind, subj, s.StaffSub, s.StaffName, s.StaffRoles, s.LoA, s.CSRFToken, s.CreatedAt, s.ExpiresAt,
		tokEnc, tokKey, nullText(s.ActingFor))
	if err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	return nil
}

// Session returns the live session for rawID and marks it as seen. A session idle for longer than
// idle or past its absolute end is deleted and gives ENOTFOUND.
func (db *DB) Session(ctx context.Context, rawID string, idle time.Duration) (portal.Session, error) {
	s, _, err := db.SessionWithUnread(ctx, rawID, idle)
	return s, err
}

// SessionWithUnread is Session together with the number of unread messages of the session's citizen
// themselves (0 for a staff session), read in the same round trip: every page a citizen sees shows
// that number in its menu, so a page view costs one query for both (see docs/performance.md). The
// number is the citizen's own inbox; a session acting for someone else needs InboxUnreadCount.
func (db *DB) SessionWithUnread(ctx context.Context, rawID string, idle time.Duration) (portal.Session, int, error) {
	now := db.now()
	var s portal.Session
	var subj *int64
	var acting *string
	var unread int
	// The count reads the partial index messages_unread (unread messages only) of one person.
	err := db.pool.QueryRow(ctx, `SELECT kind, subject_id, staff_sub, staff_name, staff_roles, loa, csrf_token, created_at,
 last_seen_at, expires_at, acting_representation_id::text,
 CASE WHEN subject_id IS NULL THEN 0 ELSE (SELECT count(*) FROM messages m WHERE m.subject_id = s.subject_id AND m.read_at IS NULL) END
FROM sessions s WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $3`,
		hashID(rawID), now, now.Add(-idle)).Scan(&s.Kind, &subj, &s.StaffSub, &s.StaffName, &s.StaffRoles, &s.LoA,
		&s.CSRFToken, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &acting, &unread)
	if err == nil && s.LastSeenAt.Before(now.Add(-sessionTouch)) {
		// The "last seen" mark is written at most every sessionTouch, and without waiting for the WAL
		// flush: a page view should not wait for a disk. Losing a mark in a crash only makes the
		// session end sooner. The idle timeout so counts from up to sessionTouch earlier: a session
		// can end that much sooner, never later.
		// The transaction is sent as one batch: one round trip, not four.
		var b pgx.Batch
		b.Queue(`BEGIN`)
		b.Queue(`SET LOCAL synchronous_commit TO OFF`)
		b.Queue(`UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2`, hashID(rawID), now)
		b.Queue(`COMMIT`)
		err = db.pool.SendBatch(ctx, &b).Close()
		s.LastSeenAt = now
	}
	if errors.Is(err, pgx.ErrNoRows) {
		_, _ = db.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashID(rawID))
		return portal.Session{}, 0, portal.Errorf(portal.ENOTFOUND, "no live session")
	}
	if err != nil {
		return portal.Session{}, 0, fmt.Errorf("postgres: session: %w", err)
	}
	if subj != nil {
		s.SubjectID = *subj
	}
	if acting != nil {
		s.ActingFor = *acting
	}
	return s, unread, nil
}

// SetSessionActing makes a citizen's session act under representation repID, or for the citizen
// themselves when repID is "". The caller has checked that the session's citizen is the
// representative and that the representation is in force; the column's foreign key keeps an unknown
// id out.
func (db *DB) SetSessionActing(ctx context.Context, rawID, repID string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET acting_representation_id = $2::uuid WHERE id_hash = $1 AND kind = 'citizen'`,
		hashID(rawID), nullText(repID))
	if err != nil {
		return fmt.Errorf("postgres: set acting: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return portal.Errorf(portal.ENOTFOUND, "no live citizen session")
	}
	return nil
}

// DeleteSession ends a session server-side; the cookie is worthless afterwards.
func (db *DB) DeleteSession(ctx context.Context, rawID string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashID(rawID))
	if err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

// EndSession deletes a session and returns the ID token of its login ("" when none was kept), for
// the logout at the identity provider.
func (db *DB) EndSession(ctx context.Context, rawID string) (string, error) {
	var enc []byte
	var key string
	err := db.pool.QueryRow(ctx, `DELETE FROM sessions WHERE id_hash = $1 RETURNING id_token_enc, id_token_key_id`,
		hashID(rawID)).Scan(&enc, &key)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: end session: %w", err)
	}
	if len(enc) == 0 {
		return "", nil
	}
	tok, err := db.vault.OpenWith(key, enc, hashID(rawID))
	if err != nil {
		return "", nil // a key since removed: log out without the hint rather than not at all
	}
	return string(tok), nil
}

// DeleteExpiredSessions removes sessions past their absolute end or idle limit and stale logins.
func (db *DB) DeleteExpiredSessions(ctx context.Context, idle time.Duration) (int64, error) {
	now := db.now()
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, now, now.Add(-idle))
	if err != nil {
		return 0, fmt.Errorf("postgres: expire sessions: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM oidc_logins WHERE created_at <= $1`, now.Add(-portal.LoginTTL)); err != nil {
		return 0, fmt.Errorf("postgres: expire logins: %w", err)
	}
	return tag.RowsAffected(), nil
}

// CreateLogin stores a pending login under the cookie value rawID.
func (db *DB) CreateLogin(ctx context.Context, rawID string, l portal.PendingLogin) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO oidc_logins (id_hash, kind, state, nonce, verifier, return_to, created_at)
VALUES ($1,$2,$3,$4,$5,$6,$7)`, hashID(rawID), l.Kind, l.State, l.Nonce, l.Verifier, l.ReturnTo, db.now())
	if err != nil {
		return fmt.Errorf("postgres: create login: %w", err)
	}
	return nil
}

// TakeLogin returns and deletes the pending login for rawID (single use); ENOTFOUND when there is
// none or it is older than portal.LoginTTL.
func (db *DB) TakeLogin(ctx context.Context, rawID string) (portal.PendingLogin, error) {
	var l portal.PendingLogin
	var created time.Time
	err := db.pool.QueryRow(ctx, `DELETE FROM oidc_logins WHERE id_hash = $1
RETURNING kind, state, nonce, verifier, return_to, created_at`, hashID(rawID)).Scan(&l.Kind, &l.State, &l.Nonce,
		&l.Verifier, &l.ReturnTo, &created)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && db.now().Sub(created) > portal.LoginTTL) {
		return portal.PendingLogin{}, portal.Errorf(portal.ENOTFOUND, "no pending login")
	}
	if err != nil {
		return portal.PendingLogin{}, fmt.Errorf("postgres: take login: %w", err)
	}
	return l, nil
}
