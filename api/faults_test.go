package api_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Text PostgreSQL refuses (NUL) or that is too long is the client's error: 422 naming the field,
// never a 500 that a client would retry for ever.
func TestIngestRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nul := validEvent(bsnA)
	nul["actor"] = ev{"organization": "Gemeente", "role": "Consul\u0000ent"}
	long := validEvent(bsnB)
	long["access_basis"] = "against_will"
	long["against_will"] = ev{"decision_ref": "B-1", "reason": strings.Repeat("x", 5000), "approved_by": "Teamleider"}
	p := e.ingest(batch(t, nul, long)).problem(t, 422)
	if diff := cmp.Diff([]fieldRef{{0, "actor.role"}, {1, "against_will.reason"}}, fieldRefs(p.Errors)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if e.rows() != 0 {
		t.Error("something was stored")
	}
}

// Two batches carrying the same id with different content at the same time: exactly one is stored,
// the other is refused with 409, and nothing else of it is stored.
func TestIngestConcurrentConflict(t *testing.T) {
	t.Parallel()
	for round := 0; round < 5; round++ {
		e := newEnv(t)
		a := validEvent(bsnA)
		b := map[string]any{}
		for k, v := range a {
			b[k] = v
		}
		b["action"] = "update"
		extraA, extraB := validEvent(bsnC), validEvent(bsnD)
		bodies := [][]byte{batch(t, extraA, a), batch(t, extraB, b)}
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.ingest(bodies[i]).status
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 409:
				conflict++
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("round %d: statuses %v, want one 200 and one 409", round, statuses)
		}
		if got := e.rows(); got != 2 {
			t.Fatalf("round %d: %d rows, want 2 (the winning batch only)", round, got)
		}
	}
}
