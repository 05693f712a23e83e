package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inzicht/inzicht/portal"
)

func TestIngestSuccess(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	key, _, err := db.CreateAPIKey(ctx, "suite", []string{"events:write"})
	if err != nil {
		t.Fatal(err)
	}
	evs := []portal.Event{
		event(bsnA, t0.Add(-3*time.Hour)),
		event(bsnA, t0.Add(-2*time.Hour)),
		event(bsnB, t0.Add(-1*time.Hour)),
	}
	if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	res, err := db.Ingest(ctx, key.ID, evs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(portal.IngestResult{Accepted: 3}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if n := db.count(t, "processing_events"); n != 3 {
		t.Errorf("processing_events rows = %d, want 3", n)
	}
	if n := db.count(t, "subjects"); n != 2 {
		t.Errorf("subjects rows = %d, want 2", n)
	}
	var withKey, received int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FILTER (WHERE api_key_id = $1), count(*) FILTER (WHERE received_at = $2)
FROM processing_events`, key.ID, t0).Scan(&withKey, &received); err != nil {
		t.Fatal(err)
	}
	if withKey != 3 || received != 3 {
		t.Errorf("rows with api_key_id = %d, with received_at = clock: %d; want 3 and 3", withKey, received)
	}
	// Without a key the column stays NULL.
	res, err = db.Ingest(ctx, 0, []portal.Event{event(bsnC, t0)})
	if err != nil || res.Accepted != 1 {
		t.Fatalf("Ingest without key = %+v, %v", res, err)
	}
	var nullKey int
	if err := db.raw.QueryRow(ctx, `SELECT count(*) FROM processing_events WHERE api_key_id IS NULL`).Scan(&nullKey); err != nil {
		t.Fatal(err)
	}
	if nullKey != 1 {
		t.Errorf("rows without api key = %d, want 1", nullKey)
	}
}

// TestIngestUnknownActivity: an event citing an activity the register lacks refuses the whole batch
// with a 422-style error naming that event, and stores nothing (not even the new person).
func TestIngestUnknownActivity(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	db.ingest(t, []portal.Event{event(bsnA, t0.Add(-time.Hour))})
	evs := []portal.Event{
		event(bsnA, t0.Add(-3*time.Minute)),
		event(bsnB, t0.Add(-2*time.Minute), func(e *portal.Event) { e.Activity = "no-such-activity" }),
		event(bsnC, t0.Add(-1*time.Minute)),
	}
	_, err := db.Ingest(ctx, 0, evs)
	var pe *portal.Error
	if !errors.As(err, &pe) || pe.Code != portal.EINVALID || len(pe.Fields) != 1 || pe.Fields[0].Index != 1 || pe.Fields[0].Field != "activity" {
		t.Fatalf("Ingest = %v, want EINVALID naming event 1's activity", err)
	}
	if n := db.count(t, "processing_events"); n != 1 {
		t.Errorf("processing_events rows = %d, want 1", n)
	}
	if n := db.count(t, "subjects"); n != 1 {
		t.Errorf("subjects rows = %d, want 1", n)
	}
}

func TestIngestAtomicOnDatabaseError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bad  func(*portal.Event)
	}{
		{"action violates the check constraint", func(e *portal.Event) { e.Action = "read" }},
		{"level violates the check constraint", func(e *portal.Event) { e.Level = "how" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newTestDB(t)
			ctx := context.Background()
			db.ingest(t, []portal.Event{event(bsnA, t0.Add(-time.Hour))}) // something already stored
			evs := []portal.Event{
				event(bsnA, t0.Add(-3*time.Minute)),
				event(bsnB, t0.Add(-2*time.Minute), tt.bad), // bsnB is new: its subject row must not stay either
				event(bsnC, t0.Add(-1*time.Minute)),
			}
			res, err := db.Ingest(ctx, 0, evs)
			if err == nil {
				t.Fatalf("Ingest = %+v, want an error", res)
			}
			if res != (portal.IngestResult{}) {
				t.Errorf("result on error = %+v, want zero", res)
			}
			if code := portal.ErrorCode(err); code != portal.EINTERNAL {
				t.Errorf("ErrorCode = %q, want %q", code, portal.EINTERNAL)
			}
			if n := db.count(t, "processing_events"); n != 1 {
				t.Errorf("processing_events rows = %d, want 1 (nothing of the failed batch)", n)
			}
			if n := db.count(t, "subjects"); n != 1 {
				t.Errorf("subjects rows = %d, want 1 (no subject of the failed batch)", n)
			}
			// The connection is usable afterwards and the staging table does not keep rows.
			evs[1] = event(bsnB, t0.Add(-2*time.Minute))
			if res := db.ingest(t, evs); res != (portal.IngestResult{Accepted: 3}) {
				t.Errorf("retry after fix = %+v, want 3 accepted", res)
			}
			if n := db.count(t, "processing_events"); n != 4 {
				t.Errorf("processing_events rows = %d, want 4", n)
			}
		})
	}
}

func TestIngestDuplicates(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	batch := []portal.Event{event(bsnA, t0.Add(-3*time.Hour)), event(bsnB, t0.Add(-2*time.Hour)), event(bsnA, t0.Add(-time.Hour))}
	again := slices.Clone(batch)
	steps := []struct {
		name     string
		events   []portal.Event
		want     portal.IngestResult
		wantRows int
	}{
		{"first", batch, portal.IngestResult{Accepted: 3}, 3},
		{"same batch again", again, portal.IngestResult{Duplicates: 3}, 3},
		{"two old one new", []portal.Event{batch[0], event(bsnC, t0), batch[2]}, portal.IngestResult{Accepted: 1, Duplicates: 2}, 4},
		{"repeat inside one batch", func() []portal.Event { e := event(bsnD, t0); return []portal.Event{e, e} }(),
			portal.IngestResult{Accepted: 1, Duplicates: 1}, 5},
		{"upper-case id of a stored event", func() []portal.Event {
			e := batch[1]
			e.ID = strings.ToUpper(e.ID)
			return []portal.Event{e}
		}(), portal.IngestResult{Duplicates: 1}, 5},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if got := db.ingest(t, s.events); got != s.want {
				t.Errorf("result = %+v, want %+v", got, s.want)
			}
			if n := db.count(t, "processing_events"); n != s.wantRows {
				t.Errorf("processing_events rows = %d, want %d", n, s.wantRows)
			}
		})
	}
}

func TestIngestConflict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*portal.Event)
	}{
		{"other action", func(e *portal.Event) { e.Action = "update" }},
		{"other time", func(e *portal.Event) { e.OccurredAt = e.OccurredAt.Add(time.Second) }},
		{"other subject", func(e *portal.Event) { e.SubjectBSN = bsnE }},
		{"other categories", func(e *portal.Event) { e.DataCategories = []string{"income"} }},
		{"confidentiality added", func(e *portal.Event) {
			u := t0.AddDate(1, 0, 0)
			e.ConfidentialUntil, e.ConfidentialReason = &u, "inquiry"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newTestDB(t)
			ctx := context.Background()
			stored := event(bsnA, t0.Add(-time.Hour))
			db.ingest(t, []portal.Event{stored})

			changed := stored
			tt.change(&changed)
			// A new event for a new subject before the conflicting one and one after: none may stay.
			evs := []portal.Event{event(bsnD, t0.Add(-3*time.Minute)), changed, event(bsnA, t0.Add(-time.Minute))}
			if err := portal.ValidateBatch(evs, t0, func(string) bool { return true }); err != nil {
				t.Fatal(err)
			}
			res, err := db.Ingest(ctx, 0, evs)
			if code := portal.ErrorCode(err); code != portal.ECONFLICT {
				t.Fatalf("Ingest = %+v, %v; want %s", res, err, portal.ECONFLICT)
			}
			if res != (portal.IngestResult{}) {
				t.Errorf("result on conflict = %+v", res)
			}
			want := []portal.FieldError{{Index: 1, Field: "id", Message: "already stored with other content"}}
			if diff := cmp.Diff(want, portal.ErrorFields(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if n := db.count(t, "processing_events"); n != 1 {
				t.Errorf("processing_events rows = %d, want 1", n)
			}
			if n := db.count(t, "subjects"); n != 1 {
				t.Errorf("subjects rows = %d, want 1 (the new subject of the refused batch must not stay)", n)
			}
			// The stored event is unchanged.
			got, err := db.Event(ctx, db.subject(t, bsnA), stored.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Action != stored.Action || !got.OccurredAt.Equal(stored.OccurredAt) {
				t.Errorf("stored event changed: %+v", got.Event)
			}
		})
	}
}

func TestIngestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	bsns := []string{bsnA, bsnB, bsnC, bsnD, bsnE}
	batch := make([]portal.Event, 50)
	for i := range batch {
		batch[i] = event(bsns[i%len(bsns)], t0.Add(-time.Duration(i)*time.Minute))
	}
	if err := portal.ValidateBatch(batch, t0, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	const workers = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]portal.IngestResult, workers)
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs := slices.Clone(batch)
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			results[w], errs[w] = db.Ingest(ctx, 0, evs)
		}()
	}
	close(start)
	wg.Wait()
	accepted, dups := 0, 0
	for w := range workers {
		if errs[w] != nil {
			t.Errorf("worker %d: %v", w, errs[w])
		}
		accepted += results[w].Accepted
		dups += results[w].Duplicates
	}
	if accepted != 50 || dups != 50*(workers-1) {
		t.Errorf("accepted %d duplicates %d, want 50 and %d (results %+v)", accepted, dups, 50*(workers-1), results)
	}
	if n := db.count(t, "processing_events"); n != 50 {
		t.Errorf("processing_events rows = %d, want 50", n)
	}
	if n := db.count(t, "subjects"); n != len(bsns) {
		t.Errorf("subjects rows = %d, want %d", n, len(bsns))
	}
}
