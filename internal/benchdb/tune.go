package benchdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Setting is one PostgreSQL setting given to a database (ALTER DATABASE … SET), so every new
// connection to it, the server's under test included, plans with it.
type Setting struct {
	Name, Value string
}

// SetForDatabase gives the scratch database dbname the settings. They are planner settings that a
// database may carry (docs/operations.md explains each); shared_buffers is the server's and is not
// among them. It returns an error for a setting PostgreSQL refuses.
func (db *DB) SetForDatabase(ctx context.Context, dbname string, settings []Setting) error {
	for _, s := range settings {
		// Names and values are the benchmark's own constants; the name is an identifier, the value
		// a literal.
		sql := fmt.Sprintf(`ALTER DATABASE %s SET %s = '%s'`, pgx.Identifier{dbname}.Sanitize(), pgx.Identifier{s.Name}.Sanitize(),
			strings.ReplaceAll(s.Value, "'", "''"))
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			return fmt.Errorf("benchdb: set %s for the database: %w", s.Name, err)
		}
	}
	return nil
}

// VacuumAnalyze vacuums and analyses the database after the bulk load: it sets the visibility map and
// the hint bits as autovacuum does on a database that has been running for a while, so the reading
// phase measures that steady state (index-only scans without heap visits, reads that do not write
// hint bits) and not the first hours after a restore.
func (db *DB) VacuumAnalyze(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return fmt.Errorf("benchdb: vacuum: %w", err)
	}
	return nil
}
