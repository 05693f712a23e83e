package postgres_test

import (
	"context"
	"math/rand/v2"
	"testing"
)

// TestOutboxBacklog counts the events taken in and not yet integrated, whatever the batches' sizes;
// integration brings it back to zero.
func TestOutboxBacklog(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	count := func() int64 {
		t.Helper()
		n, err := db.OutboxBacklog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("empty outbox: %d", n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	bsns := benchBSNs(20)
	for _, size := range []int{3, 2} {
		if _, err := db.Ingest(ctx, 0, benchBatch(r, bsns, size)); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 5 {
		t.Errorf("after batches of 3 and 2: %d, want 5", n)
	}
	if _, err := db.IntegrateLog(ctx, testSigner(t), 1000); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("after integration: %d, want 0", n)
	}
}
