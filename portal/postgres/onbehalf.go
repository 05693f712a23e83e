package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// Rights requests and consent answers given on behalf of someone (issue 16) name the representation
// in their own row (filed_by_representation, decided_by_representation, …). Reads carry its id and
// kind; reads of a single item also open the sealed names.

// onBehalfCols selects the representation id in col and its kind, as two texts ("" when NULL).
func onBehalfCols(col string) string {
	return `coalesce(` + col + `::text, ''), coalesce((SELECT x.kind FROM representations x WHERE x.id = ` + col + `), '')`
}

// onBehalfRow is what onBehalfCols reads.
type onBehalfRow struct{ id, kind string }

func (r onBehalfRow) onBehalf() *portal.OnBehalf {
	if r.id == "" {
		return nil
	}
	return &portal.OnBehalf{RepresentationID: r.id, Kind: r.kind}
}

// repIDArg is the representation id to store: NULL for a person acting for themselves.
func repIDArg(o *portal.OnBehalf) any {
	if o == nil {
		return nil
	}
	return o.RepresentationID
}

// fillOnBehalf opens the names of the representation o names; nil o does nothing.
func (db *DB) fillOnBehalf(ctx context.Context, q querier, o *portal.OnBehalf) error {
	if o == nil {
		return nil
	}
	var nameKey string
	var nameEnc, repEnc []byte
	var repKey *string
	err := q.QueryRow(ctx, `SELECT kind, subject_name_key, subject_name_enc, representative_name_key, representative_name_enc
FROM representations WHERE id = $1::uuid`, o.RepresentationID).Scan(&o.Kind, &nameKey, &nameEnc, &repKey, &repEnc)
	if err != nil {
		return fmt.Errorf("representation %s: %w", o.RepresentationID, err)
	}
	name, err := db.vault.OpenWith(nameKey, nameEnc, representationNameAD(o.RepresentationID))
	if err != nil {
		return fmt.Errorf("representation %s: %w", o.RepresentationID, err)
	}
	o.SubjectName = string(name)
	o.RepresentativeName, err = db.openRepName(o.RepresentationID, repKey, repEnc)
	return err
}

// representationOf checks that repID is a representation of subjectID and returns it as the
// OnBehalf to store, names opened; repID "" (the person themselves) gives nil. Another person's
// representation or an unknown id gives EINVALID: the portal only passes the representation a
// session acts under, checked at every request.
func (db *DB) representationOf(ctx context.Context, q querier, repID string, subjectID int64) (*portal.OnBehalf, error) {
	if repID == "" {
		return nil, nil
	}
	u, err := uuid.Parse(repID)
	if err != nil {
		return nil, portal.Errorf(portal.EINVALID, "not a representation of this person")
	}
	var subject int64
	err = q.QueryRow(ctx, `SELECT subject_id FROM representations WHERE id = $1`, u.String()).Scan(&subject)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && subject != subjectID {
		return nil, portal.Errorf(portal.EINVALID, "not a representation of this person")
	}
	if err != nil {
		return nil, err
	}
	o := &portal.OnBehalf{RepresentationID: u.String()}
	return o, db.fillOnBehalf(ctx, q, o)
}
