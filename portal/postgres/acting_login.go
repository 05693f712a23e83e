package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// ActiveRepresentationBetween returns a representation registered by the municipality under which
// the subject representativeID may act for the person with subjectBSN at at (portal's ActiveAt: not
// ended, within its dates, not ended by the age rules). It serves a login that claims to act on
// behalf of someone (DigiD Machtigen style): the municipality's register is the source of truth, so
// a claim without such a representation finds nothing. With several in force the most recently
// registered one is returned. ENOTFOUND when none is in force; a BSN never seen leaves no subject
// row behind.
func (db *DB) ActiveRepresentationBetween(ctx context.Context, representativeID int64, subjectBSN string, at time.Time) (portal.StoredRepresentation, error) {
	none := portal.Errorf(portal.ENOTFOUND, "no representation in force")
	if !portal.ValidBSN(subjectBSN) {
		return portal.StoredRepresentation{}, none
	}
	s, err := lookupSubjectByHMAC(ctx, db.pool, db.vault.Lookup(subjectBSN))
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return portal.StoredRepresentation{}, none
	}
	if err != nil {
		return portal.StoredRepresentation{}, wrapErr("active representation", err)
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+repCols+` FROM representations
 WHERE representative_id = $1 AND subject_id = $2 AND (ended_at IS NULL OR ended_at > $3)
 ORDER BY created_at DESC, id`, representativeID, s.id, at)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (repRow, error) { return scanRep(r) })
	if err != nil {
		return portal.StoredRepresentation{}, wrapErr("active representation", err)
	}
	for _, r := range list {
		o, err := db.openRep(ctx, db.pool, r)
		if err != nil {
			return portal.StoredRepresentation{}, wrapErr("active representation", err)
		}
		if o.ActiveAt(at) {
			return o, nil
		}
	}
	return portal.StoredRepresentation{}, none
}
