package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// subjectIDs returns the subject row id of every BSN, creating rows for BSNs not seen before. The
// BSN is stored only as a keyed HMAC and as AES-GCM ciphertext.
func (db *DB) subjectIDs(ctx context.Context, tx pgx.Tx, bsns []string) (map[string]int64, map[string][]byte, error) {
	lookups := make(map[string][]byte, len(bsns))
	byHMAC := make(map[string]string, len(bsns))
	var hmacs [][]byte
	for _, b := range bsns {
		if _, ok := lookups[b]; ok {
			continue
		}
		h := db.vault.Lookup(b)
		lookups[b] = h
		byHMAC[string(h)] = b
		hmacs = append(hmacs, h)
	}
	ids := make(map[string]int64, len(lookups))
	collect := func(rows pgx.Rows) error {
		var id int64
		var h []byte
		_, err := pgx.ForEachRow(rows, []any{&id, &h}, func() error {
			ids[byHMAC[string(h)]] = id
			return nil
		})
		return err
	}
	// A join on unnest, not "= ANY($1)": on a small table the planner picks a sequential scan that
	// compares every row with every array element (seen: 10 ms for 450 look-ups in 2,000 rows).
	rows, _ := tx.Query(ctx, `SELECT s.id, s.bsn_hmac FROM unnest($1::bytea[]) AS h(v) JOIN subjects s ON s.bsn_hmac = h.v`, hmacs)
	if err := collect(rows); err != nil {
		return nil, nil, fmt.Errorf("postgres: look up subjects: %w", err)
	}
	if len(ids) == len(lookups) {
		return ids, lookups, nil
	}
	// New subjects are inserted in HMAC order, so concurrent batches lock rows in the same order.
	missing := make([]string, 0, len(lookups)-len(ids))
	for b := range lookups {
		if _, ok := ids[b]; !ok {
			missing = append(missing, b)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return bytes.Compare(lookups[missing[i]], lookups[missing[j]]) < 0 })
	var newH, newEnc [][]byte
	var newKey []string
	for _, b := range missing {
		h := lookups[b]
		kid, ct, err := db.vault.Seal(b)
		if err != nil {
			return nil, nil, err
		}
		newH, newEnc, newKey = append(newH, h), append(newEnc, ct), append(newKey, kid)
	}
	// ON CONFLICT DO UPDATE (a no-op) returns the row also when a concurrent batch inserted it first.
	rows, _ = tx.Query(ctx, `
INSERT INTO subjects (bsn_hmac, bsn_enc, bsn_key_id)
SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::text[])
ON CONFLICT (bsn_hmac) DO UPDATE SET bsn_hmac = EXCLUDED.bsn_hmac
RETURNING id, bsn_hmac`, newH, newEnc, newKey)
	if err := collect(rows); err != nil {
		return nil, nil, fmt.Errorf("postgres: add subjects: %w", err)
	}
	return ids, lookups, nil
}

// EnsureSubject returns the subject id of a BSN, creating the row when needed (at login).
func (db *DB) EnsureSubject(ctx context.Context, bsn string) (int64, error) {
	var id int64
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		ids, _, err := db.subjectIDs(ctx, tx, []string{bsn})
		id = ids[bsn]
		return err
	})
	return id, err
}

// subjectRow is a person's row: the BSN sealed, and its keyed HMAC, which stands in for the BSN in
// content hashes.
type subjectRow struct {
	id    int64
	keyID string
	enc   []byte
	hmac  []byte
}

// lookupSubject reads a person's row in q; ENOTFOUND when there is none. The BSN stays sealed until
// openBSN: not every caller needs it in clear.
func lookupSubject(ctx context.Context, q querier, id int64) (subjectRow, error) {
	s := subjectRow{id: id}
	err := q.QueryRow(ctx, `SELECT bsn_key_id, bsn_enc, bsn_hmac FROM subjects WHERE id = $1`, id).Scan(&s.keyID, &s.enc, &s.hmac)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, portal.Errorf(portal.ENOTFOUND, "no such person")
	}
	return s, err
}

// lookupSubjectByHMAC reads the row of the person whose BSN has the look-up key h (bsnvault's
// Lookup) in q; ENOTFOUND when there is none. It never creates a row: a read must not reveal, or
// leave behind, whether a BSN is known.
func lookupSubjectByHMAC(ctx context.Context, q querier, h []byte) (subjectRow, error) {
	s := subjectRow{hmac: h}
	err := q.QueryRow(ctx, `SELECT id, bsn_key_id, bsn_enc FROM subjects WHERE bsn_hmac = $1`, h).Scan(&s.id, &s.keyID, &s.enc)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, portal.Errorf(portal.ENOTFOUND, "no such person")
	}
	return s, err
}

// openBSN decrypts the BSN of a person's row.
func (db *DB) openBSN(s subjectRow) (string, error) { return db.vault.Open(s.keyID, s.enc, s.hmac) }

// SubjectBSN decrypts the BSN of a subject (to show it masked, or to staff). ENOTFOUND when there is
// no such person.
func (db *DB) SubjectBSN(ctx context.Context, subjectID int64) (string, error) {
	s, err := lookupSubject(ctx, db.pool, subjectID)
	if err != nil {
		return "", wrapErr("subject", err)
	}
	return db.openBSN(s)
}
