// Package pgtest gives each test its own fresh PostgreSQL database built from the real migrations.
// It never skips: without a server the test fails and says how to start one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/inzicht/inzicht/portal/bsnvault"
	"github.com/inzicht/inzicht/portal/postgres"
)

// ServerURL is the server tests use: INZICHT_TEST_DATABASE_URL, or the local default.
func ServerURL() string {
	if u := os.Getenv("INZICHT_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Vault returns a vault with fixed test keys.
func Vault(t testing.TB) *bsnvault.Vault {
	t.Helper()
	k := []byte(strings.Repeat("k", 32))
	v, err := bsnvault.New([]byte(strings.Repeat("h", 32)), "t1", map[string][]byte{"t1": k})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// NewURL creates an empty, migrated database and returns its URL; it is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "inzicht_test_" + hex.EncodeToString(b)
	url := replaceDB(ServerURL(), name)
	if err := postgres.EnsureDatabase(ctx, url); err != nil {
		t.Fatalf("pgtest: no PostgreSQL for tests (%v). Start one at 127.0.0.1:5432 (user postgres, trust), "+
			"e.g. `bash .ci/run` does, or set INZICHT_TEST_DATABASE_URL", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := postgres.DropDatabase(ctx, ServerURL(), name); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return url
}

// New returns a storage on a fresh migrated database.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	url := NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, url, Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// replaceDB swaps the database name in a postgres:// URL.
func replaceDB(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	i := strings.LastIndex(base, "/")
	if i < len("postgres://") {
		base += "/"
		i = len(base) - 1
	}
	out := base[:i+1] + name
	if query != "" {
		out += "?" + query
	}
	return out
}
