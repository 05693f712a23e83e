package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal/postgres"
	"github.com/inzicht/inzicht/portal/postgres/pgtest"
)

func TestMigrations(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
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
	upToDate := postgres.MigrationStatus{Current: 6, Latest: 6, QueueReady: true}
	oneDown := postgres.MigrationStatus{Current: 5, Latest: 6, Pending: []uint{6}, QueueReady: true}
	twoDown := postgres.MigrationStatus{Current: 4, Latest: 6, Pending: []uint{5, 6}, QueueReady: true}
	// Reverting Inzicht's migrations leaves the job queue's tables (River's own versions) alone.
	pending := postgres.MigrationStatus{Current: 0, Latest: 6, Pending: []uint{1, 2, 3, 4, 5, 6}, QueueReady: true}

	t.Run("after pgtest.New", func(t *testing.T) { status(t, upToDate) })
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
		for range 4 {
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
	url := pgtest.NewURL(t)
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
	if diff := cmp.Diff(postgres.MigrationStatus{Latest: 6, Pending: []uint{1, 2, 3, 4, 5, 6}}, got); diff != "" {
		t.Errorf("MigrationStatus (-want +got):\n%s", diff)
	}
}
