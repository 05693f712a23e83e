package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// ingest posts events through the API with concurrent clients, then writes the same rows with plain
// COPY into a table with the same columns and indexes, with as many writers.
func (b *runner) ingest(ctx context.Context, res *Result) error {
	n := b.o.Ingest - b.o.Ingest%b.o.Batch
	if n == 0 {
		return nil
	}
	b.logf("ingest: %d events through the API, batches of %d, %d clients", n, b.o.Batch, b.o.Clients)
	evs := b.events(mrand.New(mrand.NewPCG(3, 5)), n)
	bodies := make([][]byte, 0, n/b.o.Batch)
	for i := 0; i < n; i += b.o.Batch {
		body, err := json.Marshal(map[string]any{"events": evs[i : i+b.o.Batch]})
		if err != nil {
			return fmt.Errorf("bench: encode a batch: %w", err)
		}
		bodies = append(bodies, body)
	}
	var next atomic.Int64
	apiTime, err := parallel(ctx, b.o.Clients, func() error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(bodies) {
				return nil
			}
			req, err := http.NewRequestWithContext(ctx, "POST", b.base+"/api/v1/processing-events", bytes.NewReader(bodies[i]))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+b.key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := b.httpc.Do(req)
			if err != nil {
				return err
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 && resp.StatusCode != 201 {
				return fmt.Errorf("bench: ingest answered %d: %.300s", resp.StatusCode, msg)
			}
		}
	})
	if err != nil {
		return err
	}
	if err := b.otlpIngest(ctx, res, n); err != nil {
		return err
	}
	b.logf("copy: the same %d rows with plain COPY", n)
	if err := b.gen.CreateCopyBaseline(ctx); err != nil {
		return err
	}
	subjects := make(map[string]int64, len(b.bsns))
	for i, bsn := range b.bsns {
		subjects[bsn] = b.subjects[i]
	}
	next.Store(0)
	copyTime, err := parallel(ctx, b.o.Clients, func() error {
		for {
			i := int(next.Add(1)-1) * b.o.Batch
			if i >= n {
				return nil
			}
			if _, err := b.gen.CopyBaseline(ctx, evs[i:i+b.o.Batch], subjects); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	res.Ingest.Events = n
	res.Ingest.APIPerSec = float64(n) / apiTime.Seconds()
	res.Ingest.CopyPerSec = float64(n) / copyTime.Seconds()
	res.Ingest.RatioAPIToCopy = res.Ingest.APIPerSec / res.Ingest.CopyPerSec
	res.Ingest.Met = res.Ingest.RatioAPIToCopy >= 0.5
	if res.Ingest.OTLPEvents > 0 {
		res.Ingest.RatioOTLPToAPI = res.Ingest.OTLPPerSec / res.Ingest.APIPerSec
		res.Ingest.OTLPMet = res.Ingest.RatioOTLPToAPI >= 1 && res.Ingest.OTLPFailed == 0
	}
	return nil
}

// parallel runs fn in n goroutines and returns how long they took together and the first error.
// fn shares its work out itself (an atomic counter); it should stop when ctx is done.
func parallel(ctx context.Context, n int, fn func() error) (time.Duration, error) {
	start := time.Now()
	errs := make(chan error, n)
	for range n {
		go func() { errs <- fn() }()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first == nil {
		first = ctx.Err()
	}
	return time.Since(start), first
}
