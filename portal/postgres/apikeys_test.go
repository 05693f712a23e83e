package postgres_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/inzicht/inzicht/portal"
)

var tokenRe = regexp.MustCompile(`^inz_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$`)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	key, token, err := db.CreateAPIKey(ctx, "  Suite Sociaal Domein ", []string{"events:write", "register:write"})
	if err != nil {
		t.Fatal(err)
	}
	m := tokenRe.FindStringSubmatch(token)
	if m == nil {
		t.Fatalf("token %q does not look like inz_<12 hex>_<43 base64url>", token)
	}
	prefix, secret := m[1], m[2]
	if key.Prefix != prefix || key.System != "Suite Sociaal Domein" || key.ID == 0 || key.CreatedAt.IsZero() {
		t.Errorf("key = %+v (prefix in token %s)", key, prefix)
	}
	other, otherToken, err := db.CreateAPIKey(ctx, "other", nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.Prefix == key.Prefix || otherToken == token {
		t.Error("two keys share a prefix or token")
	}

	// The table holds neither the token nor the secret, in any column.
	rows, err := db.raw.Query(ctx, `SELECT concat_ws('|', id, system, prefix, encode(secret_hash, 'hex'),
encode(secret_hash, 'escape'), scopes::text, created_at, last_used_at, revoked_at) FROM api_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var row string
		if err := rows.Scan(&row); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{token, secret, otherToken, otherToken[len("inz_")+13:], secret[:16]} {
			if strings.Contains(row, s) {
				t.Errorf("api_keys row holds token text %q: %s", s, row)
			}
		}
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}

	ignore := cmpopts.IgnoreFields(portal.APIKey{}, "CreatedAt", "LastUsedAt", "RevokedAt")
	got, err := db.AuthenticateAPIKey(ctx, token)
	if err != nil {
		t.Fatalf("AuthenticateAPIKey(valid) = %v", err)
	}
	if diff := cmp.Diff(key, got, ignore); diff != "" {
		t.Errorf("authenticated key (-want +got):\n%s", diff)
	}
	if !got.HasScope("events:write") || got.HasScope("consent:read") {
		t.Errorf("scopes = %v", got.Scopes)
	}
	if got, err := db.AuthenticateAPIKey(ctx, otherToken); err != nil || got.ID != other.ID || len(got.Scopes) != 0 {
		t.Errorf("AuthenticateAPIKey(other) = %+v, %v", got, err)
	}

	flip := func(s string) string {
		b := []byte(s)
		if b[len(b)-1] == 'A' {
			b[len(b)-1] = 'B'
		} else {
			b[len(b)-1] = 'A'
		}
		return string(b)
	}
	refused := []struct{ name, token string }{
		{"wrong secret", flip(token)},
		{"secret of another key", "inz_" + prefix + "_" + otherToken[len("inz_")+13:]},
		{"unknown prefix", "inz_000000000000_" + secret},
		{"secret missing", "inz_" + prefix + "_"},
		{"no secret part", "inz_" + prefix},
		{"no inz_ prefix", prefix + "_" + secret},
		{"short prefix", "inz_" + prefix[:11] + "_" + secret},
		{"empty", ""},
	}
	// Look-up is case-sensitive; only meaningful when the random hex prefix holds a letter.
	if up := strings.ToUpper(prefix); up != prefix {
		refused = append(refused, struct{ name, token string }{"upper-case prefix", "inz_" + up + "_" + secret})
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			if k, err := db.AuthenticateAPIKey(ctx, r.token); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
				t.Errorf("AuthenticateAPIKey(%q) = %+v, %v; want %s", r.token, k, err, portal.EUNAUTHORIZED)
			}
		})
	}

	keys, err := db.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != other.ID || keys[1].ID != key.ID {
		t.Fatalf("APIKeys = %+v, want newest first", keys)
	}
	if keys[1].LastUsedAt == nil {
		t.Error("LastUsedAt not recorded after a successful authentication")
	}

	t.Run("revoked", func(t *testing.T) {
		if err := db.RevokeAPIKey(ctx, key.Prefix); err != nil {
			t.Fatal(err)
		}
		if k, err := db.AuthenticateAPIKey(ctx, token); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
			t.Errorf("revoked key authenticates: %+v, %v", k, err)
		}
		if err := db.RevokeAPIKey(ctx, key.Prefix); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Errorf("revoking twice = %v, want %s", err, portal.ENOTFOUND)
		}
		if _, err := db.AuthenticateAPIKey(ctx, otherToken); err != nil {
			t.Errorf("revoking one key affected another: %v", err)
		}
		keys, err := db.APIKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if keys[1].RevokedAt == nil || keys[0].RevokedAt != nil {
			t.Errorf("RevokedAt: %v / %v", keys[1].RevokedAt, keys[0].RevokedAt)
		}
	})
	t.Run("revoke system keys", func(t *testing.T) {
		if err := db.RevokeSystemKeys(ctx, "other"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AuthenticateAPIKey(ctx, otherToken); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
			t.Errorf("key of a revoked system authenticates: %v", err)
		}
	})
}

func TestCreateAPIKeyInvalid(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	for name, c := range map[string]struct {
		system string
		scopes []string
	}{
		"no system":     {"  ", []string{"events:write"}},
		"unknown scope": {"suite", []string{"events:write", "admin"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, tok, err := db.CreateAPIKey(ctx, c.system, c.scopes); portal.ErrorCode(err) != portal.EINVALID || tok != "" {
				t.Errorf("CreateAPIKey = %q, %v; want %s", tok, err, portal.EINVALID)
			}
		})
	}
	if n := db.count(t, "api_keys"); n != 0 {
		t.Errorf("api_keys rows = %d, want 0", n)
	}
}
