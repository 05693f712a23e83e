package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"
)

// HitRate adds one hit to key in the fixed window [start, end) and returns the window's count after
// it (portal/ratelimit's Counter). Every portal process counts in the same rows, so a limit holds for
// the service as a whole. The key is stored as its SHA-256 (it may hold a client's address). One
// statement on the primary: an insert that becomes an increment when the window's row exists.
func (db *DB) HitRate(ctx context.Context, key string, start, end time.Time) (int, error) {
	h := sha256.Sum256([]byte(key))
	var n int
	err := db.pool.QueryRow(ctx, `INSERT INTO rate_limit_windows (key_hash, window_start, window_end, hits) VALUES ($1, $2, $3, 1)
ON CONFLICT (key_hash, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1
RETURNING hits`, h[:], start, end).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count rate: %w", err)
	}
	return n, nil
}

// DeleteEndedRateWindows removes the rate-limit windows that ended before now (the periodic sweep
// of serve) and returns how many.
func (db *DB) DeleteEndedRateWindows(ctx context.Context) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM rate_limit_windows WHERE window_end < $1`, db.now())
	if err != nil {
		return 0, fmt.Errorf("postgres: remove ended rate windows: %w", err)
	}
	return tag.RowsAffected(), nil
}
