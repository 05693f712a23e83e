package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/inzicht/inzicht/portal"
)

const activityCols = `id, name_nl, name_en, purpose_nl, purpose_en, legal_basis_nl, legal_basis_en, data_categories, retention, controller`

func scanActivity(row pgx.Row) (portal.Activity, error) {
	var a portal.Activity
	err := row.Scan(&a.ID, &a.Name.NL, &a.Name.EN, &a.Purpose.NL, &a.Purpose.EN, &a.LegalBasis.NL, &a.LegalBasis.EN,
		&a.DataCategories, &a.Retention, &a.Controller)
	return a, err
}

// PutActivity creates or updates a register entry and reports whether it was new. The activity must
// be valid (portal.Activity.Validate). The entry's URI is replaced too (an empty one removes it); a
// URI another entry has is ECONFLICT.
func (db *DB) PutActivity(ctx context.Context, a portal.Activity) (created bool, err error) {
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
INSERT INTO processing_activities (`+activityCols+`)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
ON CONFLICT (id) DO UPDATE SET name_nl=$2, name_en=$3, purpose_nl=$4, purpose_en=$5, legal_basis_nl=$6,
  legal_basis_en=$7, data_categories=$8, retention=$9, controller=$10, updated_at=now()
RETURNING (xmax = 0)`,
			a.ID, a.Name.NL, a.Name.EN, a.Purpose.NL, a.Purpose.EN, a.LegalBasis.NL, a.LegalBasis.EN,
			a.DataCategories, a.Retention, a.Controller).Scan(&created); err != nil {
			return err
		}
		if a.Financial {
			if _, err := tx.Exec(ctx, `INSERT INTO financial_activities (activity_id) VALUES ($1) ON CONFLICT DO NOTHING`, a.ID); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `DELETE FROM financial_activities WHERE activity_id = $1`, a.ID); err != nil {
			return err
		}
		if a.URI == "" {
			_, err := tx.Exec(ctx, `DELETE FROM activity_uris WHERE activity_id = $1`, a.ID)
			return err
		}
		var other string
		err := tx.QueryRow(ctx, `SELECT activity_id FROM activity_uris WHERE uri = $1 AND activity_id <> $2`, a.URI, a.ID).Scan(&other)
		if err == nil {
			return &portal.Error{Code: portal.ECONFLICT, Message: "another register entry has this uri: " + other,
				Fields: []portal.FieldError{{Index: -1, Field: "uri", Message: "already the uri of register entry " + other}}}
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO activity_uris (activity_id, uri) VALUES ($1, $2)
ON CONFLICT (activity_id) DO UPDATE SET uri = $2`, a.ID, a.URI)
		return err
	})
	var pe *portal.Error
	if errors.As(err, &pe) {
		return false, err
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" { // a concurrent PUT took the uri first
		return false, &portal.Error{Code: portal.ECONFLICT, Message: "another register entry has this uri",
			Fields: []portal.FieldError{{Index: -1, Field: "uri", Message: "already the uri of another register entry"}}}
	}
	if err != nil {
		return false, fmt.Errorf("postgres: put activity %s: %w", a.ID, err)
	}
	return created, nil
}

// Register lists the register with each entry's URI (the optional activity_uris) and financial mark
// (financial_activities), ordered by id:
// one query for a receiver that matches entries by id or URI. Activities reads the entries' own
// columns only.
func (db *DB) Register(ctx context.Context) ([]portal.Activity, error) {
	rows, err := db.pool.Query(ctx, `SELECT a.id, a.name_nl, a.name_en, a.purpose_nl, a.purpose_en, a.legal_basis_nl,
 a.legal_basis_en, a.data_categories, a.retention, a.controller, coalesce(u.uri, ''), f.activity_id IS NOT NULL
FROM processing_activities a LEFT JOIN activity_uris u ON u.activity_id = a.id
 LEFT JOIN financial_activities f ON f.activity_id = a.id ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: register: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Activity, error) {
		var a portal.Activity
		err := r.Scan(&a.ID, &a.Name.NL, &a.Name.EN, &a.Purpose.NL, &a.Purpose.EN, &a.LegalBasis.NL, &a.LegalBasis.EN,
			&a.DataCategories, &a.Retention, &a.Controller, &a.URI, &a.Financial)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: register: %w", err)
	}
	return as, nil
}

// Activities lists the register, ordered by id.
func (db *DB) Activities(ctx context.Context) ([]portal.Activity, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+activityCols+` FROM processing_activities ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list activities: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Activity, error) { return scanActivity(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list activities: %w", err)
	}
	return as, nil
}

// ActivityIDs returns the set of known activity ids.
func (db *DB) ActivityIDs(ctx context.Context) (map[string]bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM processing_activities`)
	if err != nil {
		return nil, fmt.Errorf("postgres: activity ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: activity ids: %w", err)
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// EnsureActivity adds a register entry when its id is not there yet, and leaves an existing one
// (which the municipality may have worded itself) alone.
func (db *DB) EnsureActivity(ctx context.Context, a portal.Activity) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO processing_activities (`+activityCols+`)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (id) DO NOTHING`,
		a.ID, a.Name.NL, a.Name.EN, a.Purpose.NL, a.Purpose.EN, a.LegalBasis.NL, a.LegalBasis.EN,
		a.DataCategories, a.Retention, a.Controller)
	if err != nil {
		return fmt.Errorf("postgres: ensure activity %s: %w", a.ID, err)
	}
	return nil
}

// EnsureInternalActivities adds the register entries Inzicht records its staff's views under
// (portal.InternalActivities), each only when its id is not there yet (see EnsureActivity).
func (db *DB) EnsureInternalActivities(ctx context.Context, municipality string) error {
	for _, a := range portal.InternalActivities(municipality) {
		if err := db.EnsureActivity(ctx, a); err != nil {
			return err
		}
	}
	return nil
}
