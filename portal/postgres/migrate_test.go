package postgres_test

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/internal/pgtest"
	"github.com/inzicht/inzicht/migrations"
	"github.com/inzicht/inzicht/portal/postgres"
)

func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewEmptyURL(t), pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	status := func(t *testing.T, want postgres.MigrationStatus) {
		t.Helper()
		got, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("MigrationStatus (-want +got):\n%s", diff)
		}
		upToDate, err := db.SchemaUpToDate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if upToDate != want.UpToDate() || got.UpToDate() != want.UpToDate() {
			t.Errorf("SchemaUpToDate = %v, status says %v, want %v", upToDate, got.UpToDate(), want.UpToDate())
		}
	}
	n := latestMigration(t)
	upToDate := postgres.MigrationStatus{Current: n, Latest: n, QueueReady: true}
	oneDown := postgres.MigrationStatus{Current: n - 1, Latest: n, Pending: versions(n, n), QueueReady: true}
	twoDown := postgres.MigrationStatus{Current: n - 2, Latest: n, Pending: versions(n-1, n), QueueReady: true}
	// Reverting Inzicht's migrations leaves the job queue's tables (River's own versions) alone.
	pending := postgres.MigrationStatus{Current: 0, Latest: n, Pending: versions(1, n), QueueReady: true}

	t.Run("up from scratch", func(t *testing.T) {
		if err := db.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		status(t, upToDate)
	})
	t.Run("up again is a no-op", func(t *testing.T) {
		if err := db.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		status(t, upToDate)
	})
	t.Run("down one", func(t *testing.T) {
		if err := db.MigrateDown(ctx); err != nil {
			t.Fatal(err)
		}
		status(t, oneDown)
		if _, err := db.Activities(ctx); err != nil {
			t.Errorf("Activities after reverting only the newest migration: %v", err)
		}
	})
	t.Run("down two", func(t *testing.T) {
		if err := db.MigrateDown(ctx); err != nil {
			t.Fatal(err)
		}
		status(t, twoDown)
		if _, err := db.Activities(ctx); err != nil {
			t.Errorf("Activities after reverting two migrations: %v", err)
		}
	})
	t.Run("down", func(t *testing.T) {
		for range n - 2 {
			if err := db.MigrateDown(ctx); err != nil {
				t.Fatal(err)
			}
		}
		status(t, pending)
		if _, err := db.Activities(ctx); err == nil {
			t.Error("Activities works without tables")
		}
	})
	t.Run("down with nothing applied fails", func(t *testing.T) {
		if err := db.MigrateDown(ctx); err == nil {
			t.Error("MigrateDown with nothing applied succeeded")
		}
		status(t, pending)
	})
	t.Run("up", func(t *testing.T) {
		if err := db.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		status(t, upToDate)
		if _, err := db.PutActivity(ctx, activity("after-migrate")); err != nil {
			t.Errorf("PutActivity after MigrateUp: %v", err)
		}
		if id, err := db.EnsureSubject(ctx, bsnA); err != nil || id == 0 {
			t.Errorf("EnsureSubject after MigrateUp = %d, %v", id, err)
		}
	})
}

func TestMigrationStatusEmptyDatabase(t *testing.T) {
	t.Parallel()
	url := pgtest.NewEmptyURL(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, pgtest.Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := latestMigration(t)
	if diff := cmp.Diff(postgres.MigrationStatus{Latest: n, Pending: versions(1, n)}, got); diff != "" {
		t.Errorf("MigrationStatus (-want +got):\n%s", diff)
	}
}

// latestMigration counts the embedded up migrations; they are numbered 1..n without gaps
// (TestMigrationFilesNumberedWithoutGaps would fail otherwise).
func latestMigration(t *testing.T) uint {
	t.Helper()
	ups, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil || len(ups) == 0 {
		t.Fatalf("no migrations embedded: %v", err)
	}
	return uint(len(ups))
}

func versions(from, to uint) []uint {
	var vs []uint
	for v := from; v <= to; v++ {
		vs = append(vs, v)
	}
	return vs
}

func TestMigrationFilesNumberedWithoutGaps(t *testing.T) {
	t.Parallel()
	ups, _ := fs.Glob(migrations.FS, "*.up.sql")
	for i, name := range ups {
		if want := fmt.Sprintf("%06d_", i+1); !strings.HasPrefix(name, want) {
			t.Errorf("migration %d is %s, want a name starting %s", i+1, name, want)
		}
		down := strings.TrimSuffix(name, ".up.sql") + ".down.sql"
		if _, err := fs.Stat(migrations.FS, down); err != nil {
			t.Errorf("%s has no %s", name, down)
		}
	}
}
