package postgres_test

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/postgres"
)

// countingTracer counts the queries a pool sends.
type countingTracer struct{ n atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestReplicaRouting: with a replica attached (here a second pool on the same database, which is not
// in recovery and so never lags), reads allowed to be stale go to it and the rest to the primary; when
// the replica's connections are cut, the next read is answered by the primary without an error and
// the replica is no longer read.
func TestReplicaRouting(t *testing.T) {
	d := newTestDB(t)
	ctx := context.Background()
	d.ingest(t, []portal.Event{event(bsnA, t0.Add(-time.Hour)), event(bsnA, t0.Add(-2*time.Hour))})
	subj := d.subject(t, bsnA)
	url := d.raw.Config().ConnString()
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	tr := &countingTracer{}
	if err := d.AttachReplica(ctx, postgres.ReplicaConfig{URL: url + sep + "application_name=inzicht_replica_test",
		CheckEvery: time.Hour, Log: slog.New(slog.DiscardHandler)}, postgres.WithQueryTracer(tr)); err != nil {
		t.Fatal(err)
	}
	if st := d.ReplicaStatus(); !st.Configured || !st.Usable || st.Lag != 0 {
		t.Fatalf("status after attach: %+v, want configured, usable, no lag", st)
	}
	read := func(ctx context.Context) {
		t.Helper()
		evs, _, err := d.Events(ctx, subj, portal.EventFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Fatalf("read %d events, want 2", len(evs))
		}
		if _, err := d.Summary(ctx, subj); err != nil {
			t.Fatal(err)
		}
	}
	before := tr.n.Load()
	read(ctx) // not allowed: the primary
	if n := tr.n.Load() - before; n != 0 {
		t.Errorf("a read without AllowReplica sent %d queries to the replica", n)
	}
	stale := portal.AllowReplica(ctx)
	read(stale)
	if n := tr.n.Load() - before; n != 2 {
		t.Errorf("reads allowed to be stale sent %d queries to the replica, want 2", n)
	}

	// The replica goes away under the open connections.
	if _, err := d.raw.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'inzicht_replica_test'`); err != nil {
		t.Fatal(err)
	}
	read(stale)
	st := d.ReplicaStatus()
	if st.Usable || st.Fallbacks == 0 {
		t.Errorf("after the replica's connections were cut: %+v, want not usable and a fallback counted", st)
	}
	before = tr.n.Load()
	read(stale)
	if n := tr.n.Load() - before; n != 0 {
		t.Errorf("an unusable replica got %d queries", n)
	}
}

// TestReplicaDownAtStart: a replica that does not answer is not read, and nothing fails.
func TestReplicaDownAtStart(t *testing.T) {
	d := newTestDB(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := d.AttachReplica(ctx, postgres.ReplicaConfig{URL: "postgres://postgres@127.0.0.1:" + strconv.Itoa(port) + "/x?connect_timeout=1",
		CheckEvery: time.Hour, Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	if st := d.ReplicaStatus(); st.Usable {
		t.Fatalf("a replica that does not answer is usable: %+v", st)
	}
	if _, _, err := d.Events(portal.AllowReplica(ctx), d.subject(t, bsnB), portal.EventFilter{Limit: 10}); err != nil {
		t.Errorf("read with the replica down: %v", err)
	}
}
