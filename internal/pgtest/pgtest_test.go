package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/jackc/pgx/v5"
)

// tables counts the tables of the public schema in the database at url.
func tables(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewURLIsMigratedAndNewEmptyURLIsEmpty(t *testing.T) {
	t.Parallel()
	if n := tables(t, NewURL(t)); n < 10 {
		t.Errorf("NewURL: %d tables, want a migrated database", n)
	}
	if n := tables(t, NewEmptyURL(t)); n != 0 {
		t.Errorf("NewEmptyURL: %d tables, want none", n)
	}
	db := New(t)
	st, err := db.MigrationStatus(context.Background())
	if err != nil || !st.UpToDate() {
		t.Errorf("New: status %+v, %v; want up to date", st, err)
	}
}

// TestHalfMadeTemplateIsRebuilt: a run killed while migrating the template leaves a database that is
// not marked as a template; the next run drops it and builds it again instead of copying it.
func TestHalfMadeTemplateIsRebuilt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "inzicht_tmpl_test_" + hex.EncodeToString(b) // not the real template: other packages copy that one
	conn, err := admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := admin(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE false")
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	if ready, err := templateReady(ctx, conn, name); err != nil || ready {
		t.Fatalf("a bare database counts as a template: %v %v", ready, err)
	}
	if err := ensureTemplate(ctx, name, 42); err != nil {
		t.Fatal(err)
	}
	if ready, err := templateReady(ctx, conn, name); err != nil || !ready {
		t.Fatalf("after ensureTemplate: ready %v, %v", ready, err)
	}
	// Copy it as NewURL does: the copy is migrated.
	copyName := name + "_copy"
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{copyName}.Sanitize()+" TEMPLATE "+ident); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{copyName}.Sanitize()+" WITH (FORCE)") //nolint:errcheck
	if n := tables(t, replaceDB(ServerURL(), copyName)); n < 10 {
		t.Errorf("copy of the rebuilt template: %d tables", n)
	}
	// A second call finds it ready and leaves it alone.
	if err := ensureTemplate(ctx, name, 42); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentBuildsMakeOneTemplate: test binaries that start at once all wait for one build
// under the advisory lock and then find the template ready.
func TestConcurrentBuildsMakeOneTemplate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "inzicht_tmpl_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := admin(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE false")
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- ensureTemplate(ctx, name, 43) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	conn, err := admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if ready, err := templateReady(ctx, conn, name); err != nil || !ready {
		t.Errorf("ready %v, %v", ready, err)
	}
}
