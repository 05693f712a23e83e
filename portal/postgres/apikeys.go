package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// CreateAPIKey makes a key for system with scopes and returns it with the secret token, which is
// shown once: only its SHA-256 is stored. Tokens look like "inz_<prefix>_<secret>".
func (db *DB) CreateAPIKey(ctx context.Context, system string, scopes []string) (portal.APIKey, string, error) {
	system = strings.TrimSpace(system)
	if system == "" {
		return portal.APIKey{}, "", portal.Errorf(portal.EINVALID, "a system name is required")
	}
	for _, s := range scopes {
		if !slices.Contains(portal.Scopes, s) {
			return portal.APIKey{}, "", portal.Errorf(portal.EINVALID, "unknown scope %q (known: %s)", s, strings.Join(portal.Scopes, ", "))
		}
	}
	p := make([]byte, 6)
	secret := make([]byte, 32)
	if _, err := rand.Read(p); err != nil {
		return portal.APIKey{}, "", err
	}
	if _, err := rand.Read(secret); err != nil {
		return portal.APIKey{}, "", err
	}
	k := portal.APIKey{System: system, Prefix: hex.EncodeToString(p), Scopes: scopes}
	if k.Scopes == nil {
		k.Scopes = []string{}
	}
	sec := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(sec))
	err := db.pool.QueryRow(ctx, `INSERT INTO api_keys (system, prefix, secret_hash, scopes) VALUES ($1,$2,$3,$4)
RETURNING id, created_at`, k.System, k.Prefix, sum[:], k.Scopes).Scan(&k.ID, &k.CreatedAt)
	if err != nil {
		return portal.APIKey{}, "", fmt.Errorf("postgres: create api key: %w", err)
	}
	return k, "inz_" + k.Prefix + "_" + sec, nil
}

// AuthenticateAPIKey returns the live key for a token, or EUNAUTHORIZED.
func (db *DB) AuthenticateAPIKey(ctx context.Context, token string) (portal.APIKey, error) {
	unauth := portal.Errorf(portal.EUNAUTHORIZED, "unknown or revoked API key")
	rest, ok := strings.CutPrefix(token, "inz_")
	if !ok {
		return portal.APIKey{}, unauth
	}
	prefix, secret, ok := strings.Cut(rest, "_")
	if !ok || len(prefix) != 12 {
		return portal.APIKey{}, unauth
	}
	var k portal.APIKey
	var hash []byte
	err := db.pool.QueryRow(ctx, `SELECT id, system, prefix, scopes, created_at, secret_hash FROM api_keys
WHERE prefix = $1 AND revoked_at IS NULL`, prefix).Scan(&k.ID, &k.System, &k.Prefix, &k.Scopes, &k.CreatedAt, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return portal.APIKey{}, unauth
	}
	if err != nil {
		return portal.APIKey{}, fmt.Errorf("postgres: api key: %w", err)
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 {
		return portal.APIKey{}, unauth
	}
	// Record use at most once a minute per key, so hot ingest does not write this row on every batch.
	_, _ = db.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = now() WHERE id = $1
AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, k.ID)
	return k, nil
}

// APIKeys lists every key, newest first.
func (db *DB) APIKeys(ctx context.Context) ([]portal.APIKey, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, system, prefix, scopes, created_at, last_used_at, revoked_at
FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list api keys: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.APIKey, error) {
		var k portal.APIKey
		err := r.Scan(&k.ID, &k.System, &k.Prefix, &k.Scopes, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
		return k, err
	})
}

// RevokeAPIKey revokes the key with the given prefix; ENOTFOUND when no live key has it.
func (db *DB) RevokeAPIKey(ctx context.Context, prefix string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL`, prefix)
	if err != nil {
		return fmt.Errorf("postgres: revoke api key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return portal.Errorf(portal.ENOTFOUND, "no live API key with prefix %q", prefix)
	}
	return nil
}

// RevokeSystemKeys revokes every live key of a system (the demo makes a fresh key at each start).
func (db *DB) RevokeSystemKeys(ctx context.Context, system string) error {
	if _, err := db.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE system = $1 AND revoked_at IS NULL`, system); err != nil {
		return fmt.Errorf("postgres: revoke keys of %s: %w", system, err)
	}
	return nil
}
