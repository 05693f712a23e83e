package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/vlog"
)

// demoLogName is the origin of the demo's verifiable log, signed with a fixed, published key.
const demoLogName = "inzicht-demo.example/log"

// logKey reads the key that signs the verifiable log's checkpoints (docs/verifiable-log.md §7).
// Serve in production needs its own; elsewhere the demo's fixed key stands in, and production
// refuses it.
func (r *envReader) logKey(c *Config, mode string) {
	demo, err := vlog.NewSignerFromSeed(demoLogName, demoKey("log"))
	if err != nil {
		r.bad("INZICHT_LOG_SIGNING_KEY: the demo key: %v", err)
		return
	}
	skey := r.get("INZICHT_LOG_SIGNING_KEY", "")
	switch {
	case skey == "" && c.Env == "production":
		if mode == "serve" {
			r.bad("INZICHT_LOG_SIGNING_KEY: required in production: a note signing key (PRIVATE+KEY+<name>+…), " +
				"see docs/verifiable-log.md")
		} // the tools (migrate, apikey, …) sign nothing
	case skey == "":
		c.LogSigner = demo
	default:
		s, err := vlog.NewSigner(skey)
		if err != nil {
			r.bad("INZICHT_LOG_SIGNING_KEY: want an Ed25519 note signing key (PRIVATE+KEY+<name>+<hash>+<base64>): %v", err)
			return
		}
		c.LogSigner = s
	}
	if r.get("INZICHT_LOG_CHECK_EVERY", "") == "off" {
		c.LogCheckEvery = 0 // no scheduled self-check (inzicht bench: its data are loaded around the log)
	} else {
		c.LogCheckEvery = r.dur("INZICHT_LOG_CHECK_EVERY", 24*time.Hour)
	}
	// Witnesses (docs/verifiable-log.md §8): "<verifier key> <URL>", several separated by ";".
	ws, err := vlog.ParseWitnesses(r.get("INZICHT_LOG_WITNESSES", ""))
	if err != nil {
		r.bad("INZICHT_LOG_WITNESSES: want \"<verifier key> <https URL>\" per witness, separated by ';': %v", err)
	}
	c.LogWitnesses = ws
	switch r.get("INZICHT_VERIFIABLE_LOG", "on") {
	case "on":
	case "off":
		if c.Env == "production" {
			r.bad("INZICHT_VERIFIABLE_LOG: off is for measuring what the log costs, never for production")
		}
		c.LogOff = true
	default:
		r.bad("INZICHT_VERIFIABLE_LOG: want on or off")
	}
	// Pushback (docs/verifiable-log.md §9): about five seconds of the integrator's work under full
	// load on the 2-core bench machine, so that the checkpoint lag stays under 10 s.
	if r.get("INZICHT_LOG_MAX_BACKLOG", "") == "off" {
		c.LogMaxBacklog = 0
	} else {
		c.LogMaxBacklog = r.num("INZICHT_LOG_MAX_BACKLOG", DefaultLogMaxBacklog)
	}
	if c.Env == "production" && c.LogSigner != nil && c.LogSigner.VerifierKey() == demo.VerifierKey() {
		r.bad("INZICHT_LOG_SIGNING_KEY: the published demo key cannot sign in production")
	}
}

// DefaultLogMaxBacklog is INZICHT_LOG_MAX_BACKLOG's default.
const DefaultLogMaxBacklog = 50000

// pushbackHold is how long an ingest request waits for room in the backlog before it is answered
// 503 (api.Config.PushbackHold): the integrator frees 2,000 events a transaction, some ten times a
// second under load.
const pushbackHold = 2 * time.Second

// backlogGate answers api.Config.Pushback: whether more than max events wait in the outbox. The
// count is asked at most once per every (all requests in between share the answer), so that a
// flood of ingest requests adds one small query every quarter second, not one per request. A
// failed count does not push back: the database's trouble then shows in the ingest itself.
type backlogGate struct {
	count func(context.Context) (int64, error)
	max   int64
	every time.Duration
	now   func() time.Time

	mu     sync.Mutex
	at     time.Time
	behind bool
}

func newBacklogGate(count func(context.Context) (int64, error), max int) *backlogGate {
	return &backlogGate{count: count, max: int64(max), every: 250 * time.Millisecond, now: time.Now}
}

// Behind reports whether ingest must wait (api.Config.Pushback).
func (g *backlogGate) Behind(ctx context.Context) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := g.now(); g.at.IsZero() || now.Sub(g.at) >= g.every {
		n, err := g.count(ctx)
		g.at, g.behind = now, err == nil && n > g.max
	}
	return g.behind
}

// logMetrics are the verifiable log's figures on /metrics.
type logMetrics struct {
	size, checkpointAt, problems, checkedAt prometheus.Gauge
	lag                                     prometheus.Histogram
}

func newLogMetrics(reg prometheus.Registerer) *logMetrics {
	g := func(name, help string) prometheus.Gauge {
		m := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		reg.MustRegister(m)
		return m
	}
	lag := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "inzicht_log_checkpoint_lag_seconds",
		Help:    "Per signed checkpoint: how long its longest-waiting new leaf waited since it was stored.",
		Buckets: []float64{0.5, 1, 2, 3, 5, 10, 20, 60, 300}})
	reg.MustRegister(lag)
	return &logMetrics{lag: lag,
		size:         g("inzicht_log_size", "Leaves in the verifiable log's tree after this process's last integration."),
		checkpointAt: g("inzicht_log_checkpoint_timestamp_seconds", "When this process last signed a checkpoint (Unix time)."),
		problems: g("inzicht_log_problems", "Mismatches between the database and the verifiable log found by the "+
			"last self-check (0 = they agree); alert on anything above 0."),
		checkedAt: g("inzicht_log_check_timestamp_seconds", "When the last self-check finished (Unix time)."),
	}
}

// checkLog runs the self-check (postgres.DB.CheckLog) every cfg.LogCheckEvery, the first a minute
// (or that period, when shorter) after the start, until ctx ends. A mismatch is logged as an error (kinds, event ids and indexes
// only: no content) and counted in inzicht_log_problems.
func (a *app) checkLog(ctx context.Context) {
	wait := min(time.Minute, a.cfg.LogCheckEvery)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = a.cfg.LogCheckEvery
		c, err := a.db.CheckLog(ctx, a.cfg.LogSigner.VerifierKey())
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("verifiable log: self-check failed to run", "err", err)
			}
			continue
		}
		if a.logm != nil {
			a.logm.problems.Set(float64(len(c.Problems)))
			a.logm.checkedAt.SetToCurrentTime()
		}
		if len(c.Problems) == 0 {
			a.log.Info("verifiable log: self-check passed", "size", c.Size, "leaves", c.Leaves, "pending", c.Pending)
			continue
		}
		for i, p := range c.Problems {
			if i == 20 {
				break
			}
			a.log.Error("verifiable log: mismatch", "kind", p.Kind, "event_id", p.EventID, "index", p.Index)
		}
		a.log.Error("verifiable log: the database no longer matches the log", "problems", len(c.Problems),
			"size", c.Size, "leaves", c.Leaves)
	}
}

// Verifiable log integration: how often, and how many outbox events (folded, and with the log on
// placed as leaves) at most a transaction. A transaction of 1,000 takes about 73 ms on the 2-core
// test machine (BenchmarkIntegrateLog: ≈ 13,600 leaves/s); 2,000 halve the fixed part per
// transaction (checkpoint, tree hashes); one of 10,000 held some 120 MB of the server's memory.
const (
	logEvery = 2 * time.Second
	logBatch = 2000
)

// integrateLog takes the outbox's events into the summaries and their leaves into the verifiable log,
// and signs a checkpoint, every logEvery while there are new ones, until ctx ends. Every portal
// process runs it; an advisory lock lets one at a time work (postgres.DB.IntegrateLog). With the log
// off (bench only) it folds the summaries and adds no leaves.
func (a *app) integrateLog(ctx context.Context) {
	signer := a.cfg.LogSigner
	if a.cfg.LogOff {
		signer = nil
	}
	t := time.NewTicker(logEvery)
	defer t.Stop()
	var push *vlog.Pusher
	if len(a.cfg.LogWitnesses) > 0 {
		push = &vlog.Pusher{Witnesses: a.cfg.LogWitnesses, Client: &http.Client{Timeout: 10 * time.Second}, Store: a.db}
	}
	for {
		for {
			res, err := a.db.IntegrateLog(ctx, signer, logBatch)
			if err != nil {
				if ctx.Err() == nil {
					a.log.Warn("verifiable log: integration failed", "err", err)
				}
				break
			}
			if res.Added > 0 || res.Adopted > 0 {
				a.log.Debug("verifiable log: integrated", "added", res.Added, "adopted", res.Adopted, "size", res.Size)
				if a.logm != nil && signer != nil {
					a.logm.size.Set(float64(res.Size))
					a.logm.checkpointAt.SetToCurrentTime()
					if !res.Oldest.IsZero() {
						a.logm.lag.Observe(time.Since(res.Oldest).Seconds())
					}
				}
			}
			if res.Added < logBatch && res.Adopted < logBatch && res.Folded < logBatch { // caught up
				break
			}
		}
		if push != nil {
			// The latest checkpoint to each witness that has not cosigned it yet; a witness that fails is
			// tried again next time.
			if err := push.Push(ctx); err != nil && ctx.Err() == nil && portal.ErrorCode(err) != portal.ENOTFOUND {
				a.log.Warn("verifiable log: witness", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runLog is `inzicht log check|keygen`.
func runLog(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "keygen":
		skey, vkey, err := note.GenerateKey(rand.Reader, args[1])
		if err != nil {
			return fmt.Errorf("log keygen: %w", err)
		}
		fmt.Fprintf(stdout, "INZICHT_LOG_SIGNING_KEY=%s\n# verifier key (published at /log/key): %s\n", skey, vkey)
		return nil
	case len(args) >= 1 && args[0] == "check":
		fs := flag.NewFlagSet("log check", flag.ContinueOnError)
		key := fs.String("key", "", "the verifier key to check the checkpoint with (default: that of INZICHT_LOG_SIGNING_KEY)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		cfg, err := loadConfig("tool", getenv)
		if err != nil {
			return err
		}
		vkey := *key
		if vkey == "" && cfg.LogSigner != nil {
			vkey = cfg.LogSigner.VerifierKey()
		}
		if vkey == "" {
			return errors.New("log check: give -key or set INZICHT_LOG_SIGNING_KEY")
		}
		db, err := openDB(ctx, getenv)
		if err != nil {
			return err
		}
		defer db.Close()
		c, err := db.CheckLog(ctx, vkey)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "checkpoint: %d leaves; tree: %d leaves; waiting: %d\n", c.Size, c.Leaves, c.Pending)
		for _, p := range c.Problems {
			fmt.Fprintf(stdout, "PROBLEM %-10s event %s index %d: %s\n", p.Kind, p.EventID, p.Index, p.Detail)
		}
		if len(c.Problems) > 0 {
			return fmt.Errorf("log check: %d problems: the database no longer matches the log", len(c.Problems))
		}
		fmt.Fprintln(stdout, "the database matches the log")
		return nil
	}
	return errors.New("usage: inzicht log check [-key KEY] | inzicht log keygen NAME")
}

// runVerify is `inzicht verify`: cmd/inzicht-verify's checks made with the portal's own code
// (portal/vlog, golang.org/x/mod/sumdb/tlog), so the two check each other.
func runVerify(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	key := fs.String("key", "", "the log's verifier key to trust; default: the portal's /log/key")
	base := fs.String("url", "", "the portal's address: fetch the current checkpoint and tiles")
	current := fs.String("checkpoint", "", "the current checkpoint from a file")
	previous := fs.String("previous", "", "a checkpoint saved earlier: check that the log only grew since")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: inzicht verify [-key KEY] [-url BASE] [-checkpoint FILE] [-previous FILE] bewijs.json")
	}
	raw, err := readLimited(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := vlog.ParseBundle(raw)
	if err != nil {
		return err
	}
	src := &logSite{ctx: ctx, base: strings.TrimRight(*base, "/")}
	vkey := *key
	if vkey == "" && src.base != "" {
		k, err := src.get("/log/key")
		if err != nil {
			return err
		}
		vkey = strings.TrimSpace(string(k))
	}
	if vkey == "" {
		vkey = b.VerifierKey
		fmt.Fprintln(stdout, "key: the bundle's own; compare it with one you got elsewhere, or give -key")
	}
	if b.VerifierKey != "" && b.VerifierKey != vkey {
		return fmt.Errorf("the bundle names key %q, not the trusted %q", b.VerifierKey, vkey)
	}
	c, err := b.Verify(vkey)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "checkpoint %s: %d leaves; %d entries proven, all of one person; %d pending; %d removed lines proven\n",
		c.Checkpoint.Origin, c.Checkpoint.Size, c.Verified, len(b.Pending), c.Removed)
	switch {
	case len(c.Gaps) == 0:
	case b.Complete:
		fmt.Fprintf(stdout, "MISSING from the person's own sequence: %v\n", c.Gaps)
	default:
		fmt.Fprintf(stdout, "not in this bundle (for a period or filter, so they may lie outside it): %v\n", c.Gaps)
	}
	if b.Complete && len(c.Gaps) > 0 {
		defer func() { // after the other checks, which still run
			if err == nil {
				err = fmt.Errorf("%d lines of the person's own sequence are missing from the bundle: %v", len(c.Gaps), c.Gaps)
			}
		}()
	}
	var cur *vlog.Checkpoint
	if *current != "" || src.base != "" {
		var t []byte
		if *current != "" {
			t, err = readLimited(*current)
		} else {
			t, err = src.get("/log/checkpoint")
		}
		if err != nil {
			return err
		}
		cp, err := vlog.OpenCheckpoint(t, vkey)
		if err != nil {
			return fmt.Errorf("current checkpoint: %w", err)
		}
		cur = &cp
		if err := src.grew(c.Checkpoint, cp); err != nil {
			return fmt.Errorf("from the bundle's checkpoint: %w", err)
		}
		fmt.Fprintf(stdout, "the log only grew from the bundle's %d leaves to the current %d\n", c.Checkpoint.Size, cp.Size)
	}
	if *previous != "" {
		if cur == nil {
			return errors.New("-previous needs the current checkpoint: give -url or -checkpoint")
		}
		t, err := readLimited(*previous)
		if err != nil {
			return err
		}
		prev, err := vlog.OpenCheckpoint(t, vkey)
		if err != nil {
			return fmt.Errorf("%s: %w", *previous, err)
		}
		if err := src.grew(prev, *cur); err != nil {
			return fmt.Errorf("from the saved checkpoint: %w", err)
		}
		fmt.Fprintf(stdout, "the log only grew from the saved %d leaves to the current %d\n", prev.Size, cur.Size)
	}
	fmt.Fprintln(stdout, "OK")
	return nil
}

// logSite reads a portal's published log; as a tlog.TileReader it fetches tiles.
type logSite struct {
	ctx  context.Context
	base string
}

func (s *logSite) get(path string) ([]byte, error) {
	if s.base == "" {
		return nil, errors.New("no portal address (-url)")
	}
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", s.base+path, resp.Status)
	}
	return b, nil
}

func (s *logSite) Height() int { return vlog.TileHeight }

func (s *logSite) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := s.get("/log/" + vlog.TilePath(t))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (s *logSite) SaveTiles([]tlog.Tile, [][]byte) {}

// grew checks that the tree of old is a prefix of the tree of cur (tlog.CheckTree on a proof made
// from the published tiles, which TileHashReader checks against cur's root).
func (s *logSite) grew(old, cur vlog.Checkpoint) error {
	switch {
	case old.Size > cur.Size:
		return fmt.Errorf("the log shrank from %d to %d leaves", old.Size, cur.Size)
	case old.Size == cur.Size:
		if old.Hash != cur.Hash {
			return fmt.Errorf("two different trees of %d leaves: the log was rewritten", cur.Size)
		}
		return nil
	case old.Size == 0:
		return nil
	case s.base == "":
		return errors.New("give -url to fetch the tiles for the consistency proof")
	}
	p, err := tlog.ProveTree(cur.Size, old.Size, tlog.TileHashReader(tlog.Tree{N: cur.Size, Hash: cur.Hash}, s))
	if err != nil {
		return fmt.Errorf("consistency proof: %w", err)
	}
	if err := tlog.CheckTree(p, cur.Size, cur.Hash, old.Size, old.Hash); err != nil {
		return fmt.Errorf("the earlier tree is not a prefix of the current one: the log was rewritten: %w", err)
	}
	return nil
}

func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 64<<20))
}
