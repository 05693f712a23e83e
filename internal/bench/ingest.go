package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/inzicht/inzicht/portal"
)

// ingest posts events through the API with concurrent clients twice, to a server with the verifiable
// log off and then to one with it on (other events of the same mix, so the second run also meets a
// slightly larger table), each run timed until the last answer and until the integrator has taken
// every event from the outbox; while the log is on, the age of the oldest event not yet in a signed
// checkpoint is sampled. Then it sends OTLP spans to the log-on server, and writes the first run's
// rows with plain COPY into a table with the same columns and indexes, with as many writers.
// start starts a server with extra environment and returns its stop.
func (b *runner) ingest(ctx context.Context, res *Result, start func(env ...string) (func(), error)) error {
	n := b.o.Ingest - b.o.Ingest%b.o.Batch
	if n == 0 {
		return nil
	}
	r := mrand.New(mrand.NewPCG(3, 5))
	offEvs, onEvs := b.events(r, n), b.events(r, n)

	stop, err := start("INZICHT_VERIFIABLE_LOG=off")
	if err != nil {
		return err
	}
	b.logf("ingest, log off: %d events through the API, batches of %d, %d clients", n, b.o.Batch, b.o.Clients)
	off, err := b.post(ctx, offEvs)
	stop()
	if err != nil {
		return err
	}
	if stop, err = start(); err != nil {
		return err
	}
	defer stop()
	b.logf("ingest, log on: %d other events", n)
	on, err := b.post(ctx, onEvs)
	if err != nil {
		return err
	}
	if err := b.otlpIngest(ctx, res, n); err != nil {
		return err
	}
	if err := b.drain(ctx); err != nil {
		return err
	}
	// Two portal processes on the same database, the clients split between them (issue 20's
	// multi-process figure): as many other events again.
	second, err := StartServer(ctx, b.dbURL, b.hmacKey, b.encKey, b.o.Clients)
	if err != nil {
		return err
	}
	b.servers = append(b.servers, second)
	b.logf("ingest, two processes: %d other events, clients split between pid %d and pid %d", n, b.servers[len(b.servers)-2].PID, second.PID)
	two, err := b.post(ctx, b.events(r, n), target{b.base, b.httpc}, target{second.URL, second.Client})
	second.Stop()
	if err != nil {
		return err
	}
	stop()

	b.logf("copy: the log-off run's %d rows with plain COPY", n)
	if err := b.gen.CreateCopyBaseline(ctx); err != nil {
		return err
	}
	subjects := make(map[string]int64, len(b.bsns))
	for i, bsn := range b.bsns {
		subjects[bsn] = b.subjects[i]
	}
	var next atomic.Int64
	copyTime, err := parallel(ctx, b.o.Clients, func() error {
		for {
			i := int(next.Add(1)-1) * b.o.Batch
			if i >= n {
				return nil
			}
			if _, err := b.gen.CopyBaseline(ctx, offEvs[i:i+b.o.Batch], subjects); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	in := &res.Ingest
	in.Events = n
	in.APIOffPerSec, in.APIPerSec = float64(n)/off.answered.Seconds(), float64(n)/on.answered.Seconds()
	in.DrainedOffPerSec, in.DrainedPerSec = float64(n)/off.drained.Seconds(), float64(n)/on.drained.Seconds()
	in.CopyPerSec = float64(n) / copyTime.Seconds()
	in.RatioAPIToCopy = in.APIPerSec / in.CopyPerSec
	in.Met = in.RatioAPIToCopy >= 0.5
	in.RatioLogOnToOff = in.APIPerSec / in.APIOffPerSec
	in.LogMet = in.RatioLogOnToOff >= 0.9
	in.Lag = on.lag
	in.Pushbacks, in.PushbacksOff = on.pushbacks, off.pushbacks
	in.TwoPerSec, in.TwoDrainedPerSec = float64(n)/two.answered.Seconds(), float64(n)/two.drained.Seconds()
	in.RatioTwoToOne = in.TwoPerSec / in.APIPerSec
	in.TwoPushbacks = two.pushbacks
	in.Lag.Met = in.Lag.Samples > 0 && in.Lag.P99 <= 10
	if in.OTLPEvents > 0 {
		in.RatioOTLPToAPI = in.OTLPPerSec / in.APIPerSec
		in.OTLPMet = in.RatioOTLPToAPI >= 1 && in.OTLPFailed == 0
	}
	return nil
}

// posted is how long one ingest run took: until the last answer, and until the outbox was empty
// (every event folded into the summaries and, with the log on, in a signed checkpoint).
type posted struct {
	answered, drained time.Duration
	lag               Lag
	pushbacks         int // requests answered 503 (the log too far behind) and sent again
}

// drain waits until the server's integrator has emptied the outbox: every event folded into the
// summaries and, with the log on, in a signed checkpoint. The integrator runs every 2 s; it gets a
// minute at most.
func (b *runner) drain(ctx context.Context) error {
	for deadline := time.Now().Add(time.Minute); ; {
		left, _, err := b.gen.Outbox(ctx)
		if err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d events still in the outbox a minute after the last answer", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lagEvery is how often the outbox's oldest event is sampled during an ingest run.
const lagEvery = 250 * time.Millisecond

// post sends evs through the API in batches with concurrent clients and waits for the outbox to
// empty, sampling the age of its oldest event every lagEvery.
//
// With targets, client i sends to targets[i % len(targets)] (several portal processes behind a load
// balancer); without, to the current server.
func (b *runner) post(ctx context.Context, evs []portal.Event, targets ...target) (posted, error) {
	if len(targets) == 0 {
		targets = []target{{b.base, b.httpc}}
	}
	var p posted
	bodies := make([][]byte, 0, len(evs)/b.o.Batch)
	for i := 0; i+b.o.Batch <= len(evs); i += b.o.Batch {
		body, err := json.Marshal(map[string]any{"events": evs[i : i+b.o.Batch]})
		if err != nil {
			return p, fmt.Errorf("bench: encode a batch: %w", err)
		}
		bodies = append(bodies, body)
	}
	begin := time.Now()
	sctx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	var ages []float64
	sampled := make(chan error, 1)
	go func() {
		t := time.NewTicker(lagEvery)
		defer t.Stop()
		for {
			_, age, err := b.gen.Outbox(sctx)
			if err != nil {
				if sctx.Err() != nil {
					err = nil
				}
				sampled <- err
				return
			}
			ages = append(ages, age.Seconds())
			select {
			case <-sctx.Done():
				sampled <- nil
				return
			case <-t.C:
			}
		}
	}()
	var next, pushbacks, clients atomic.Int64
	var err error
	p.answered, err = parallel(ctx, b.o.Clients, func() error {
		to := targets[int(clients.Add(1)-1)%len(targets)]
		for {
			i := int(next.Add(1) - 1)
			if i >= len(bodies) {
				return nil
			}
			status, msg, pushed, err := b.sendTo(ctx, to, "/api/v1/processing-events", "application/json", bodies[i])
			pushbacks.Add(int64(pushed))
			if err != nil {
				return err
			}
			if status != 200 && status != 201 {
				return fmt.Errorf("bench: ingest answered %d: %.300s", status, msg)
			}
		}
	})
	p.pushbacks = int(pushbacks.Load())
	if err != nil {
		return p, err
	}
	if err := b.drain(ctx); err != nil {
		return p, err
	}
	p.drained = time.Since(begin)
	stopSampling()
	if err := <-sampled; err != nil {
		return p, err
	}
	p.lag = lagOf(ages)
	return p, nil
}

// send posts body to the server's path as a client with an API key does, and sends it again after
// Retry-After as long as the server pushes back (503: the verifiable log is too far behind, nothing
// stored). It returns the last answer and how often it was pushed back.
func (b *runner) send(ctx context.Context, path, contentType string, body []byte) (status int, msg []byte, pushed int, err error) {
	return b.sendTo(ctx, target{b.base, b.httpc}, path, contentType, body)
}

// target is a portal process to send to.
type target struct {
	base  string
	httpc *http.Client
}

// sendTo is send to the server t.
func (b *runner) sendTo(ctx context.Context, t target, path, contentType string, body []byte) (status int, msg []byte, pushed int, err error) {
	for {
		req, err := http.NewRequestWithContext(ctx, "POST", t.base+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, pushed, err
		}
		req.Header.Set("Authorization", "Bearer "+b.key)
		req.Header.Set("Content-Type", contentType)
		resp, err := t.httpc.Do(req)
		if err != nil {
			return 0, nil, pushed, err
		}
		msg, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			return resp.StatusCode, msg, pushed, nil
		}
		pushed++
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || wait < 0 {
			return resp.StatusCode, msg, pushed, nil
		}
		select {
		case <-ctx.Done():
			return 0, nil, pushed, ctx.Err()
		case <-time.After(time.Duration(wait) * time.Second):
		}
	}
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
