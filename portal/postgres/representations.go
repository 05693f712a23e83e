package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// Representations (issue 16). Both persons are subject rows, so no BSN is stored in clear; the
// represented person's name is sealed with the BSN vault (associated data: the representation id,
// so a sealed name cannot be moved to another row). Every change is recorded in
// representation_history with the content before it.

var errNoRepresentation = portal.Errorf(portal.ENOTFOUND, "no such representation")

func representationNameAD(id string) []byte { return []byte("representation_name:" + id) }

// representativeNameAD binds the representative's sealed name to its representation, apart from the
// represented person's name (so the two cannot be swapped).
func representativeNameAD(id string) []byte { return []byte("representative_name:" + id) }

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// repRow is a representations row with the persons as subject ids and the name still sealed.
type repRow struct {
	id                     string
	representative, person int64
	nameEnc                []byte
	nameKey                string
	repNameEnc             []byte
	repNameKey             *string
	birth, kind            string
	parts                  []string
	basisKind, basisRef    string
	from                   string
	until                  *string
	createdAt, updatedAt   time.Time
	endedAt                *time.Time
}

const repCols = `id::text, representative_id, subject_id, subject_name_enc, subject_name_key,
 to_char(subject_birth_date, 'YYYY-MM-DD'), kind, parts, basis_kind, basis_reference,
 to_char(valid_from, 'YYYY-MM-DD'), to_char(valid_until, 'YYYY-MM-DD'), created_at, updated_at, ended_at, representative_name_enc, representative_name_key`

func scanRep(row pgx.Row) (repRow, error) {
	var r repRow
	err := row.Scan(&r.id, &r.representative, &r.person, &r.nameEnc, &r.nameKey, &r.birth, &r.kind, &r.parts,
		&r.basisKind, &r.basisRef, &r.from, &r.until, &r.createdAt, &r.updatedAt, &r.endedAt, &r.repNameEnc, &r.repNameKey)
	return r, err
}

// repContent is the content of a representation as kept in its history: persons by subject id.
type repContent struct {
	RepresentativeID int64             `json:"representative_id"`
	SubjectID        int64             `json:"subject_id"`
	SubjectBirthDate string            `json:"subject_birth_date"`
	Kind             string            `json:"kind"`
	Parts            []string          `json:"parts"`
	LegalBasis       portal.LegalBasis `json:"legal_basis"`
	ValidFrom        string            `json:"valid_from"`
	ValidUntil       string            `json:"valid_until,omitempty"`
	EndedAt          *time.Time        `json:"ended_at,omitempty"`
}

func (r repRow) content() repContent {
	c := repContent{RepresentativeID: r.representative, SubjectID: r.person, SubjectBirthDate: r.birth, Kind: r.kind,
		Parts: r.parts, LegalBasis: portal.LegalBasis{Kind: r.basisKind, Reference: r.basisRef}, ValidFrom: r.from, EndedAt: r.endedAt}
	if r.until != nil {
		c.ValidUntil = *r.until
	}
	return c
}

// open turns a row into the domain type, decrypting both BSNs and the name.
func (db *DB) openRep(ctx context.Context, q querier, r repRow) (portal.StoredRepresentation, error) {
	s := portal.StoredRepresentation{CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, EndedAt: r.endedAt,
		RepresentativeID: r.representative, SubjectID: r.person}
	var err error
	s.Representation, err = db.openContent(ctx, q, r.id, r.content(), r.nameKey, r.nameEnc)
	if err != nil {
		return s, err
	}
	s.RepresentativeName, err = db.openRepName(r.id, r.repNameKey, r.repNameEnc)
	return s, err
}

// openRepForPortal turns a row into the domain type for the portal: the names opened, the persons
// as subject ids only. The portal never shows a representation's BSNs, so it reads no subject rows
// and decrypts no BSN (RepresentativeBSN and SubjectBSN stay empty); the API uses openRep.
func (db *DB) openRepForPortal(r repRow) (portal.StoredRepresentation, error) {
	c := r.content()
	s := portal.StoredRepresentation{CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, EndedAt: r.endedAt,
		RepresentativeID: r.representative, SubjectID: r.person, Representation: portal.Representation{ID: r.id,
			SubjectBirthDate: c.SubjectBirthDate, Kind: c.Kind, Parts: c.Parts, LegalBasis: c.LegalBasis,
			ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil}}
	name, err := db.vault.OpenWith(r.nameKey, r.nameEnc, representationNameAD(r.id))
	if err != nil {
		return s, err
	}
	s.SubjectName = string(name)
	s.RepresentativeName, err = db.openRepName(r.id, r.repNameKey, r.repNameEnc)
	return s, err
}

// openRepName opens a sealed representative's name; "" when none was given.
func (db *DB) openRepName(id string, key *string, enc []byte) (string, error) {
	if key == nil || len(enc) == 0 {
		return "", nil
	}
	name, err := db.vault.OpenWith(*key, enc, representativeNameAD(id))
	return string(name), err
}

// sealRepName seals a representative's name; nils when none was given.
func (db *DB) sealRepName(id, name string) (key any, enc []byte, err error) {
	if name == "" {
		return nil, nil, nil
	}
	k, e, err := db.vault.SealWith([]byte(name), representativeNameAD(id))
	return k, e, err
}

func (db *DB) openContent(ctx context.Context, q querier, id string, c repContent, nameKey string, nameEnc []byte) (portal.Representation, error) {
	rep := portal.Representation{ID: id, SubjectBirthDate: c.SubjectBirthDate, Kind: c.Kind, Parts: c.Parts,
		LegalBasis: c.LegalBasis, ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil}
	for _, p := range []struct {
		id  int64
		bsn *string
	}{{c.RepresentativeID, &rep.RepresentativeBSN}, {c.SubjectID, &rep.SubjectBSN}} {
		s, err := lookupSubject(ctx, q, p.id)
		if err != nil {
			return rep, err
		}
		if *p.bsn, err = db.openBSN(s); err != nil {
			return rep, err
		}
	}
	name, err := db.vault.OpenWith(nameKey, nameEnc, representationNameAD(id))
	if err != nil {
		return rep, err
	}
	rep.SubjectName = string(name)
	return rep, nil
}

func nullKey(apiKeyID int64) any {
	if apiKeyID > 0 {
		return apiKeyID
	}
	return nil
}

// PutRepresentation stores a validated representation. A new id is created (created true); the same
// content again changes nothing and records nothing; other content replaces it and records the old
// content in its history. An ended representation cannot be changed (ECONFLICT): the municipality
// registers a new one, so the history of the ended one stays as it was.
func (db *DB) PutRepresentation(ctx context.Context, r portal.Representation, apiKeyID int64) (portal.StoredRepresentation, bool, error) {
	r.Normalize()
	if _, err := uuid.Parse(r.ID); err != nil {
		return portal.StoredRepresentation{}, false, portal.Errorf(portal.EINVALID, "the id must be a UUID")
	}
	now := db.now()
	var out portal.StoredRepresentation
	var created bool
	err := db.transactRepeat(ctx, "representations_pkey", func(tx pgx.Tx) error {
		created = false
		ids, _, err := db.subjectIDs(ctx, tx, []string{r.RepresentativeBSN, r.SubjectBSN})
		if err != nil {
			return err
		}
		old, err := scanRep(tx.QueryRow(ctx, `SELECT `+repCols+` FROM representations WHERE id = $1::uuid FOR UPDATE`, r.ID))
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if exists {
			cur, err := db.openRep(ctx, tx, old)
			if err != nil {
				return err
			}
			if cur.Equal(r) {
				out = cur
				return nil
			}
			if old.endedAt != nil {
				return portal.Errorf(portal.ECONFLICT, "this representation has ended and cannot be changed; register a new one")
			}
			// Who acts for whom, and as what, is what acts, requests, consent decisions and signal
			// releases were recorded under: changing it would rewrite them. Dates, parts, names and
			// basis may change; for other persons or another kind the municipality registers a new one.
			if old.representative != ids[r.RepresentativeBSN] || old.person != ids[r.SubjectBSN] || old.kind != r.Kind {
				return portal.Errorf(portal.ECONFLICT, "the representative, the represented person and the kind of a representation cannot change; end it and register a new one")
			}
		}
		kid, enc, err := db.vault.SealWith([]byte(r.SubjectName), representationNameAD(r.ID))
		if err != nil {
			return err
		}
		var until any
		if r.ValidUntil != "" {
			until = r.ValidUntil
		}
		rkid, renc, err := db.sealRepName(r.ID, r.RepresentativeName)
		if err != nil {
			return err
		}
		args := []any{r.ID, ids[r.RepresentativeBSN], ids[r.SubjectBSN], enc, kid, r.SubjectBirthDate, r.Kind, r.Parts,
			r.LegalBasis.Kind, r.LegalBasis.Reference, r.ValidFrom, until, now, renc, rkid, nullKey(apiKeyID)}
		if !exists {
			created = true
			if _, err := tx.Exec(ctx, `INSERT INTO representations (id, representative_id, subject_id, subject_name_enc,
 subject_name_key, subject_birth_date, kind, parts, basis_kind, basis_reference, valid_from, valid_until, created_at,
 representative_name_enc, representative_name_key, created_by, updated_at)
 VALUES ($1::uuid,$2,$3,$4,$5,$6::date,$7,$8,$9,$10,$11::date,$12::date,$13,$14,$15,$16,$13)`, args...); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO representation_history (representation_id, change, changed_at, api_key_id)
VALUES ($1::uuid, 'created', $2, $3)`, r.ID, now, nullKey(apiKeyID))
		} else {
			if err := recordRepChange(ctx, tx, old, portal.RepUpdated, now, apiKeyID); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE representations SET representative_id = $2, subject_id = $3, subject_name_enc = $4,
 subject_name_key = $5, subject_birth_date = $6::date, kind = $7, parts = $8, basis_kind = $9, basis_reference = $10,
 valid_from = $11::date, valid_until = $12::date, updated_at = $13, representative_name_enc = $14,
 representative_name_key = $15 WHERE id = $1::uuid`, args[:15]...)
		}
		if err != nil {
			return err
		}
		row, err := scanRep(tx.QueryRow(ctx, `SELECT `+repCols+` FROM representations WHERE id = $1::uuid`, r.ID))
		if err != nil {
			return err
		}
		out, err = db.openRep(ctx, tx, row)
		return err
	})
	return out, created, wrapErr("put representation", err)
}

// recordRepChange keeps old's content before a change.
func recordRepChange(ctx context.Context, tx pgx.Tx, old repRow, change string, now time.Time, apiKeyID int64) error {
	content, err := json.Marshal(old.content())
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO representation_history (representation_id, change, changed_at, api_key_id,
 old_content, old_name_enc, old_name_key, old_rep_name_enc, old_rep_name_key) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9)`,
		old.id, change, now, nullKey(apiKeyID), content, old.nameEnc, old.nameKey, old.repNameEnc, old.repNameKey)
	return err
}

// EndRepresentation ends a representation now (DELETE through the API): the row stays, with when
// and by which key it ended, and the history records the content it had. Ending an ended
// representation again changes nothing; an unknown id is ENOTFOUND.
func (db *DB) EndRepresentation(ctx context.Context, id string, apiKeyID int64) error {
	if _, err := uuid.Parse(id); err != nil {
		return errNoRepresentation
	}
	now := db.now()
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		old, err := scanRep(tx.QueryRow(ctx, `SELECT `+repCols+` FROM representations WHERE id = $1::uuid FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoRepresentation
		}
		if err != nil || old.endedAt != nil {
			return err
		}
		if err := recordRepChange(ctx, tx, old, portal.RepEnded, now, apiKeyID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE representations SET ended_at = $2, ended_by = $3, updated_at = $2 WHERE id = $1::uuid`,
			id, now, nullKey(apiKeyID))
		return err
	})
	return wrapErr("end representation", err)
}

// Representation returns one stored representation; ENOTFOUND when there is none.
func (db *DB) Representation(ctx context.Context, id string) (portal.StoredRepresentation, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.StoredRepresentation{}, errNoRepresentation
	}
	row, err := scanRep(db.pool.QueryRow(ctx, `SELECT `+repCols+` FROM representations WHERE id = $1::uuid`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return portal.StoredRepresentation{}, errNoRepresentation
	}
	if err != nil {
		return portal.StoredRepresentation{}, wrapErr("representation", err)
	}
	s, err := db.openRep(ctx, db.pool, row)
	return s, wrapErr("representation", err)
}

// RepresentationForPortal is Representation for the portal (openRepForPortal: no BSNs); ENOTFOUND
// when there is none.
func (db *DB) RepresentationForPortal(ctx context.Context, id string) (portal.StoredRepresentation, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.StoredRepresentation{}, errNoRepresentation
	}
	row, err := scanRep(db.pool.QueryRow(ctx, `SELECT `+repCols+` FROM representations WHERE id = $1::uuid`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return portal.StoredRepresentation{}, errNoRepresentation
	}
	if err != nil {
		return portal.StoredRepresentation{}, wrapErr("representation", err)
	}
	s, err := db.openRepForPortal(row)
	return s, wrapErr("representation", err)
}

// RepresentationsOf lists the representations, ended ones included, in which bsn is the
// representative (asRepresentative) or the represented person, oldest first. A BSN never seen gives
// an empty list and leaves no subject row behind.
func (db *DB) RepresentationsOf(ctx context.Context, bsn string, asRepresentative bool) ([]portal.StoredRepresentation, error) {
	s, err := lookupSubjectByHMAC(ctx, db.pool, db.vault.Lookup(bsn))
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return []portal.StoredRepresentation{}, nil
	}
	if err != nil {
		return nil, wrapErr("representations", err)
	}
	col := "subject_id"
	if asRepresentative {
		col = "representative_id"
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+repCols+` FROM representations WHERE `+col+` = $1 ORDER BY created_at, id`, s.id)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (repRow, error) { return scanRep(r) })
	if err != nil {
		return nil, wrapErr("representations", err)
	}
	out := make([]portal.StoredRepresentation, 0, len(list))
	for _, r := range list {
		o, err := db.openRep(ctx, db.pool, r)
		if err != nil {
			return nil, wrapErr("representations", err)
		}
		out = append(out, o)
	}
	return out, nil
}

// RepresentationHistory returns a representation's recorded changes, oldest first, with the old
// content opened.
func (db *DB) RepresentationHistory(ctx context.Context, id string) ([]portal.RepresentationChange, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errNoRepresentation
	}
	type hrow struct {
		change  string
		at      time.Time
		key     *int64
		content []byte
		enc     []byte
		nameKey *string
		repEnc  []byte
		repKey  *string
	}
	rows, _ := db.pool.Query(ctx, `SELECT change, changed_at, api_key_id, old_content, old_name_enc, old_name_key,
 old_rep_name_enc, old_rep_name_key FROM representation_history WHERE representation_id = $1::uuid ORDER BY id`, id)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hrow, error) {
		var h hrow
		err := r.Scan(&h.change, &h.at, &h.key, &h.content, &h.enc, &h.nameKey, &h.repEnc, &h.repKey)
		return h, err
	})
	if err != nil {
		return nil, wrapErr("representation history", err)
	}
	out := make([]portal.RepresentationChange, 0, len(list))
	for _, h := range list {
		c := portal.RepresentationChange{Change: h.change, ChangedAt: h.at}
		if h.key != nil {
			c.APIKeyID = *h.key
		}
		if h.content != nil {
			var rc repContent
			if err := json.Unmarshal(h.content, &rc); err != nil {
				return nil, wrapErr("representation history", err)
			}
			old, err := db.openContent(ctx, db.pool, id, rc, *h.nameKey, h.enc)
			if err != nil {
				return nil, wrapErr("representation history", err)
			}
			if old.RepresentativeName, err = db.openRepName(id, h.repKey, h.repEnc); err != nil {
				return nil, wrapErr("representation history", err)
			}
			c.Old = &old
		}
		out = append(out, c)
	}
	return out, nil
}
