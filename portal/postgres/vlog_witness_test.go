package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/internal/testwitness"
	"github.com/inzicht/inzicht/portal/vlog"
)

// TestLogWitnesses pushes the log's checkpoints to two test witnesses (C2SP tlog-witness): the
// published checkpoint then carries both cosignatures, each verifying with its witness's key and the
// log's own signature still verifying; a grown log is cosigned again with a consistency proof from the
// size each witness holds — also after a restart (a new pusher that knows no sizes: the witness's 409
// tells it); a witness that is down does not stop the other; and a witness refuses a checkpoint that
// is not consistent with the one it holds.
func TestLogWitnesses(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := testSigner(t)
	ctx := context.Background()
	w1, err := testwitness.New("witness.gemeente.test", bytes.Repeat([]byte{1}, 32), s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	w2, err := testwitness.New("witness.ap.test", bytes.Repeat([]byte{2}, 32), s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	srv1, srv2 := httptest.NewServer(w1), httptest.NewServer(w2)
	defer srv1.Close()
	defer srv2.Close()
	ws, err := vlog.ParseWitnesses(w1.VerifierKey() + " " + srv1.URL + "\n" + w2.VerifierKey() + " " + srv2.URL + "/")
	if err != nil || len(ws) != 2 {
		t.Fatalf("witnesses: %v %v", ws, err)
	}
	pusher := func() *vlog.Pusher { return &vlog.Pusher{Witnesses: ws, Client: srv1.Client(), Store: db.DB} }
	cosigned := func(size int64) []byte {
		t.Helper()
		cp, n, err := db.LogCheckpoint(ctx)
		if err != nil || n != size {
			t.Fatalf("checkpoint: size %d (want %d) %v", n, size, err)
		}
		if _, err := vlog.OpenCheckpoint(cp, s.VerifierKey()); err != nil {
			t.Fatalf("the log's own signature no longer verifies: %v\n%s", err, cp)
		}
		for _, w := range []*testwitness.Witness{w1, w2} {
			v, err := fnote.NewVerifierForCosignatureV1(w.VerifierKey())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := note.Open(cp, note.VerifierList(v)); err != nil {
				t.Fatalf("no valid cosignature of %s on the published checkpoint: %v\n%s", v.Name(), err, cp)
			}
			if strings.Count(string(cp), "— "+v.Name()+" ") != 1 {
				t.Fatalf("%s cosigned more than once:\n%s", v.Name(), cp)
			}
		}
		return cp
	}

	db.ingest(t, batchOf(5, t0.Add(-time.Hour), bsnA, bsnB))
	integrateAll(t, db.DB, s)
	p := pusher()
	if err := p.Push(ctx); err != nil {
		t.Fatal(err)
	}
	cosigned(5)
	calls := w1.Calls
	if err := p.Push(ctx); err != nil || w1.Calls != calls {
		t.Fatalf("a second push of the same checkpoint: %v, %d calls (want none)", err, w1.Calls-calls)
	}

	// The log grows; a new pusher (a restarted portal) learns each witness's size from its 409.
	db.ingest(t, batchOf(4, t0.Add(-2*time.Hour), bsnA))
	integrateAll(t, db.DB, s)
	if err := pusher().Push(ctx); err != nil {
		t.Fatal(err)
	}
	cosigned(9)
	if w1.Size(s.Origin()) != 9 || w2.Size(s.Origin()) != 9 {
		t.Fatalf("witness sizes %d %d, want 9", w1.Size(s.Origin()), w2.Size(s.Origin()))
	}

	// One witness down: the other still cosigns, the error names the one that failed.
	srv2.Close()
	db.ingest(t, batchOf(2, t0.Add(-3*time.Hour), bsnB))
	integrateAll(t, db.DB, s)
	err = pusher().Push(ctx)
	if err == nil || !strings.Contains(err.Error(), "witness.ap.test") {
		t.Fatalf("push with a witness down: %v", err)
	}
	cp, _, _ := db.LogCheckpoint(ctx)
	if !strings.Contains(string(cp), "— witness.gemeente.test ") || strings.Contains(string(cp), "— witness.ap.test ") {
		t.Fatalf("checkpoint with one witness down:\n%s", cp)
	}

	// A rewritten log (another tree of the same signer) is refused by the witness that holds the real one.
	other := vlog.MemoryHashes{}
	for i := range 12 {
		if _, err := other.Append(int64(i), tlog.RecordHash([]byte{byte(i)})); err != nil {
			t.Fatal(err)
		}
	}
	root, err := tlog.TreeHash(12, &other)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := s.Sign(12, root)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := db.LogConsistency(ctx, 11, 9) // a true proof of the real log: it does not link the forged root
	if err != nil {
		t.Fatal(err)
	}
	_, err = ws[0].AddCheckpoint(ctx, http.DefaultClient, 11, proof, forged)
	var conflict *vlog.ConflictError
	if err == nil || errors.As(err, &conflict) || !strings.Contains(err.Error(), "422") {
		t.Fatalf("a forged checkpoint: %v", err)
	}
}
