package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// IngestColumns are the columns Ingest writes, in order: the benchmark's COPY baseline
// (internal/benchdb) must write the same.
var IngestColumns = ingestCols

// EnsureSubjects registers many citizens in one transaction and returns their ids: the bulk form of
// EnsureSubject that the tests with thousands of people need and the product does not.
func (db *DB) EnsureSubjects(ctx context.Context, bsns []string) (map[string]int64, error) {
	var ids map[string]int64
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		ids, _, err = db.subjectIDs(ctx, tx, bsns)
		return err
	})
	return ids, err
}
