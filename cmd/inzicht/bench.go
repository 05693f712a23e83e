package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/bsnvault"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/postgres"
	"github.com/inzicht/inzicht/portal/web"
)

// runAsMainEnv makes a test binary behave as the inzicht binary (see TestMain), so the benchmark's
// test can start its server the way the real command does: by running itself.
const runAsMainEnv = "INZICHT_RUN_AS_MAIN"

// benchOptions are the sizes of one benchmark run.
type benchOptions struct {
	Events   int    `json:"events"`   // processing events in the table while reading
	Citizens int    `json:"citizens"` // distinct people in the log
	Ingest   int    `json:"ingest"`   // events posted through the API (and copied with COPY)
	Batch    int    `json:"batch"`
	Clients  int    `json:"clients"` // concurrent HTTP clients / COPY writers
	Reads    int    `json:"reads"`   // requests per reading scenario
	Years    int    `json:"years"`   // years of requests, signals and consent for the statistics
	Requests int    `json:"requests"`
	Server   string `json:"-"`
	JSON     string `json:"-"`
	Keep     bool   `json:"-"`
}

// Latency is one scenario's measured requests.
type Latency struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	P50ms    float64 `json:"p50_ms"`
	P95ms    float64 `json:"p95_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	PerSec   float64 `json:"requests_per_s"`
	Target   string  `json:"target,omitempty"`
	Met      *bool   `json:"met,omitempty"`
}

// BenchResult is what `inzicht bench` prints and writes as JSON.
type BenchResult struct {
	When       time.Time    `json:"when"`
	CPUs       int          `json:"cpus"`
	Go         string       `json:"go"`
	PostgreSQL string       `json:"postgresql"`
	Options    benchOptions `json:"options"`
	Ingest     struct {
		Events         int     `json:"events"`
		APIPerSec      float64 `json:"api_events_per_s"`
		CopyPerSec     float64 `json:"copy_events_per_s"`
		RatioAPIToCopy float64 `json:"ratio_api_to_copy"`
		Met            bool    `json:"met"` // ≥ 50 %
	} `json:"ingest"`
	EventsInTable int64     `json:"events_in_table"`
	TableBytes    int64     `json:"table_bytes"`
	Reading       []Latency `json:"reading"`
	Statistics    []Latency `json:"statistics"`
	PeakRSSMB     float64   `json:"server_peak_rss_mb"`
	MemoryMet     bool      `json:"memory_met"` // ≤ 150 MB
	Seconds       float64   `json:"seconds"`
}

const benchUsage = `usage: inzicht bench [flags]

Creates a scratch database, starts ` + "`inzicht serve`" + ` against it as a child process, and measures
ingest (API versus plain COPY of the same rows), reading the citizen's log and overview, the
council's figures and the server's peak memory. Prints a table and writes it as JSON.
`

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	var o benchOptions
	fs.IntVar(&o.Events, "events", 10_000_000, "processing events in the table while reading (try 50000000)")
	fs.IntVar(&o.Citizens, "citizens", 100_000, "distinct citizens")
	fs.IntVar(&o.Ingest, "ingest", 200_000, "events posted through the API, and copied with COPY for the baseline")
	fs.IntVar(&o.Batch, "batch", 500, "events per API request")
	fs.IntVar(&o.Clients, "clients", 4, "concurrent clients")
	fs.IntVar(&o.Reads, "reads", 2000, "requests per reading scenario")
	fs.IntVar(&o.Years, "years", 5, "years of rights requests, signals and consent for the council's figures")
	fs.IntVar(&o.Requests, "requests", 1_000_000, "rights requests over those years (a tenth as many signals, a fifth as many consent requests)")
	server := getenv("DATABASE_URL")
	if server == "" {
		server = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&o.Server, "postgres", server, "PostgreSQL server URL; a scratch database is created on it and dropped afterwards")
	fs.StringVar(&o.JSON, "json", "bench-result.json", "write the results here as JSON (empty: do not write)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the scratch database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.Events < o.Ingest || o.Citizens < 1 || o.Batch < 1 || o.Clients < 1 || o.Reads < 1 {
		return errors.New("bench: want --events ≥ --ingest, and positive --citizens, --batch, --clients, --reads")
	}
	b := &bench{o: o, out: stderr}
	res, err := b.run(ctx)
	if err != nil {
		return err
	}
	printBench(stdout, res)
	if o.JSON != "" {
		j, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(o.JSON, append(j, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwritten to %s\n", o.JSON)
	}
	return nil
}

type bench struct {
	o        benchOptions
	out      io.Writer
	db       *postgres.DB
	base     string
	key      string
	bsns     []string
	subjects []int64 // same order as bsns
	counts   []int   // generated events per citizen (same order)
	acts     []portal.Activity
	rss      atomic.Int64 // peak resident set of the server, bytes
	httpc    *http.Client
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "bench %s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func randomKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return k
}

func (b *bench) run(ctx context.Context) (BenchResult, error) {
	start := time.Now()
	res := BenchResult{When: start.UTC(), CPUs: runtime.NumCPU(), Go: runtime.Version(), Options: b.o}
	dbURL, err := scratchURL(b.o.Server)
	if err != nil {
		return res, err
	}
	if err := postgres.EnsureDatabase(ctx, dbURL); err != nil {
		return res, err
	}
	b.logf("scratch database %s", dbName(dbURL))
	if !b.o.Keep {
		defer func() {
			if err := postgres.DropDatabase(context.WithoutCancel(ctx), dbURL, dbName(dbURL)); err != nil {
				b.logf("dropping the scratch database: %v", err)
			}
		}()
	}
	hmacKey, encKey := randomKey(), randomKey()
	v, err := bsnvault.New(hmacKey, "bench", map[string][]byte{"bench": encKey})
	if err != nil {
		return res, err
	}
	db, err := postgres.Open(ctx, dbURL, v)
	if err != nil {
		return res, err
	}
	defer db.Close()
	b.db = db
	if err := db.MigrateUp(ctx); err != nil {
		return res, err
	}
	if res.PostgreSQL, err = db.ServerVersion(ctx); err != nil {
		return res, err
	}
	// The register (the demo's activities) and a key for the back-office.
	if _, err := demo.Load(ctx, db, time.Now()); err != nil {
		return res, err
	}
	if b.acts, err = db.Activities(ctx); err != nil {
		return res, err
	}
	// The generated events span --years; entries that keep events for less long get a longer
	// retention here, or the server's retention job would spend the reading phase removing them.
	for _, a := range b.acts {
		if r, err := portal.ParseRetention(a.Retention); err == nil && r.Cutoff(start).After(start.AddDate(-b.o.Years, 0, -1)) {
			a.Retention = fmt.Sprintf("P%dY", b.o.Years+1)
			if _, err := db.PutActivity(ctx, a); err != nil {
				return res, err
			}
		}
	}
	if _, b.key, err = db.CreateAPIKey(ctx, "bench", []string{"events:write"}); err != nil {
		return res, err
	}
	if err := b.citizens(ctx); err != nil {
		return res, err
	}

	stop, err := b.startServer(ctx, dbURL, hmacKey, encKey)
	if err != nil {
		return res, err
	}
	err = b.ingest(ctx, &res)
	stop()
	if err != nil {
		return res, err
	}
	if err := b.fill(ctx); err != nil {
		return res, err
	}
	b.logf("caseload: %d rights requests, %d signals, %d consent requests over %d years", b.o.Requests, b.o.Requests/10,
		b.o.Requests/5, b.o.Years)
	if err := db.GenerateCaseload(ctx, b.subjects, b.o.Requests, b.o.Years, time.Now()); err != nil {
		return res, err
	}
	b.logf("analyze")
	if err := db.Analyze(ctx); err != nil {
		return res, err
	}
	if res.EventsInTable, res.TableBytes, err = db.TableSize(ctx, "processing_events"); err != nil {
		return res, err
	}
	// A fresh server for reading: nothing cached from the ingest, and its start-up jobs see all data.
	if stop, err = b.startServer(ctx, dbURL, hmacKey, encKey); err != nil {
		return res, err
	}
	defer stop()
	if err := b.reading(ctx, &res); err != nil {
		return res, err
	}
	if err := b.statistics(ctx, &res); err != nil {
		return res, err
	}
	stop()
	res.PeakRSSMB = float64(b.rss.Load()) / (1 << 20)
	res.MemoryMet = res.PeakRSSMB > 0 && res.PeakRSSMB <= 150
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// scratchURL names a new database on the server of the URL.
func scratchURL(server string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("bench: --postgres %q is not a PostgreSQL URL", server)
	}
	u.Path = fmt.Sprintf("/inzicht_bench_%d", time.Now().UnixNano())
	return u.String(), nil
}

func dbName(raw string) string {
	u, _ := url.Parse(raw)
	return strings.TrimPrefix(u.Path, "/")
}

// citizens makes the people of the municipality and how many events each has: most a few dozen, one
// in a hundred (long-term care, youth care) twenty times as many.
func (b *bench) citizens(ctx context.Context) error {
	b.logf("%d citizens", b.o.Citizens)
	r := mrand.New(mrand.NewPCG(7, 11))
	for v := 100_000_000; len(b.bsns) < b.o.Citizens; v += 1 + r.IntN(40) {
		if s := strconv.Itoa(v); portal.ValidBSN(s) {
			b.bsns = append(b.bsns, s)
		}
	}
	b.subjects = make([]int64, len(b.bsns))
	for i := 0; i < len(b.bsns); i += 10_000 {
		part := b.bsns[i:min(i+10_000, len(b.bsns))]
		ids, err := b.db.EnsureSubjects(ctx, part)
		if err != nil {
			return err
		}
		for j, bsn := range part {
			b.subjects[i+j] = ids[bsn]
		}
	}
	weights := make([]float64, len(b.bsns))
	sum := 0.0
	for i := range weights {
		w := 0.2 + 1.6*r.Float64()
		if r.IntN(100) == 0 {
			w *= 20
		}
		weights[i] = w
		sum += w
	}
	total := b.o.Events - b.o.Ingest
	b.counts = make([]int, len(weights))
	left := total
	for i, w := range weights {
		n := int(float64(total) * w / sum)
		if i == len(weights)-1 {
			n = left
		}
		n = max(0, min(n, left))
		b.counts[i] = n
		left -= n
	}
	return nil
}

// startServer runs `inzicht serve` (this very binary) against the scratch database, and samples its
// resident memory until it stops.
func (b *bench) startServer(ctx context.Context, dbURL string, hmacKey, encKey []byte) (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	b.base = "http://" + addr
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "serve")
	cmd.Env = append(os.Environ(),
		runAsMainEnv+"=1",
		"DATABASE_URL="+dbURL, "INZICHT_ADDR="+addr, "INZICHT_BASE_URL="+b.base, "INZICHT_ENV=development",
		"INZICHT_LOG_LEVEL=warn", "INZICHT_API_RATE=100000000",
		// Log-ins are not measured (sessions are made in the database); discovery is lazy, so
		// this issuer is never contacted.
		"INZICHT_OIDC_ISSUER=http://127.0.0.1:9/bench-no-login", "INZICHT_OIDC_CLIENT_ID=bench",
		"INZICHT_OIDC_CLIENT_SECRET="+oidcrp.Random(), "INZICHT_OIDC_REDIRECT_URL="+b.base+"/inloggen/callback",
		"INZICHT_BSN_HMAC_KEY="+base64.StdEncoding.EncodeToString(hmacKey),
		"INZICHT_BSN_ENC_KEYS=bench:"+base64.StdEncoding.EncodeToString(encKey),
		"INZICHT_SMTP_URL=", "INZICHT_CLERK_EMAIL=")
	logs := &tailBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the server: %w", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := peakRSS(cmd.Process.Pid); v > b.rss.Load() {
				b.rss.Store(v)
			}
			select {
			case <-t.C:
			case <-exited:
				return
			}
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if v := peakRSS(cmd.Process.Pid); v > b.rss.Load() {
				b.rss.Store(v)
			}
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			<-sampled
		})
	}
	b.httpc = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: b.o.Clients * 2}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := b.httpc.Get(b.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("bench: the server stopped (%v):\n%s", waitErr, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("bench: the server did not get ready in 30 s:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.logf("server pid %d at %s", cmd.Process.Pid, b.base)
	return stop, nil
}

// peakRSS reads the high-water mark of a process's resident memory (Linux), in bytes; 0 elsewhere.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { t.mu.Lock(); defer t.mu.Unlock(); return string(t.buf) }

// events makes n realistic events for random citizens (the same mix GenerateEvents writes).
func (b *bench) events(r *mrand.Rand, n int) []portal.Event {
	now := time.Now().UTC()
	orgs := []string{"Gemeente Voorbeeldstad", "Sociaal Wijkteam", "GGD Regio", "Zorgaanbieder Noord"}
	roles := []string{"Wmo-consulent", "Jeugdconsulent", "Klantmanager inkomen", "Medewerker backoffice"}
	actions := []string{"view", "view", "view", "update", "create", "disclose"}
	evs := make([]portal.Event, n)
	for i := range evs {
		a := b.acts[r.IntN(len(b.acts))]
		e := portal.Event{ID: uuid.NewString(), OccurredAt: now.Add(-time.Duration(r.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Microsecond),
			SubjectBSN: b.bsns[r.IntN(len(b.bsns))], Activity: a.ID, Action: actions[r.IntN(len(actions))],
			DataCategories: a.DataCategories[:1+r.IntN(len(a.DataCategories))], Level: "what", AccessBasis: "assigned",
			Actor: portal.Actor{Organization: orgs[r.IntN(len(orgs))], Team: fmt.Sprintf("Team %d", 1+r.IntN(12)),
				Role: roles[r.IntN(len(roles))], EmployeeID: fmt.Sprintf("mw-%d", 1+r.IntN(400))},
			System: "Zaaksysteem", CaseRef: fmt.Sprintf("Z-%d", 1+r.IntN(900000))}
		if e.Action == "disclose" {
			e.Recipient = "Zorgaanbieder Noord"
		}
		switch p := r.Float64(); {
		case p < 0.010:
			e.AccessBasis, e.BreakGlassReason = "break_glass", "Spoedsituatie: crisisdienst buiten kantoortijd"
		case p < 0.015:
			e.AccessBasis = "against_will"
			e.AgainstWill = &portal.AgainstWill{DecisionRef: "B-2026-1", Reason: "Veiligheid van het kind", ApprovedBy: "Teamleider Jeugd"}
		case p < 0.20:
			e.AccessBasis = "team"
		case p < 0.32:
			e.AccessBasis = "function"
		}
		e.Normalize()
		evs[i] = e
	}
	return evs
}

// ingest posts events through the API with concurrent clients, then writes the same rows with plain
// COPY into a table with the same columns and indexes, with as many writers.
func (b *bench) ingest(ctx context.Context, res *BenchResult) error {
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
			return err
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
			req, _ := http.NewRequestWithContext(ctx, "POST", b.base+"/api/v1/processing-events", bytes.NewReader(bodies[i]))
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
	b.logf("copy: the same %d rows with plain COPY", n)
	if err := b.db.CreateCopyBaseline(ctx); err != nil {
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
			if _, err := b.db.CopyBaseline(ctx, evs[i:i+b.o.Batch], subjects); err != nil {
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
	return nil
}

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
	return time.Since(start), first
}

// fill writes the rest of the events server-side, in parts of about a million rows.
func (b *bench) fill(ctx context.Context) error {
	to := time.Now()
	from := to.AddDate(-b.o.Years, 0, 0)
	var seq int64
	total := 0
	for i := 0; i < len(b.subjects); {
		j, rows := i, 0
		for j < len(b.subjects) && rows < 1_000_000 {
			rows += b.counts[j]
			j++
		}
		n, err := b.db.GenerateEvents(ctx, seq, b.subjects[i:j], b.counts[i:j], from, to)
		if err != nil {
			return err
		}
		seq += n
		total += int(n)
		b.logf("events: %d of %d written", total+b.o.Ingest, b.o.Events)
		i = j
	}
	return nil
}

func (b *bench) session(ctx context.Context, s portal.Session) (string, error) {
	raw := oidcrp.Random()
	now := time.Now()
	s.CSRFToken, s.CreatedAt, s.LastSeenAt, s.ExpiresAt = oidcrp.Random(), now, now, now.Add(12*time.Hour)
	if err := b.db.CreateSession(ctx, raw, s); err != nil {
		return "", err
	}
	return raw, nil
}

type hit struct{ path, session string }

// measure runs the hits with the configured number of clients and returns their latencies.
func (b *bench) measure(ctx context.Context, name string, hits []hit) (Latency, error) {
	durs := make([]time.Duration, len(hits))
	var next atomic.Int64
	took, err := parallel(ctx, b.o.Clients, func() error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(hits) {
				return nil
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", b.base+hits[i].path, nil)
			req.Header.Set("Cookie", "__Host-inzicht_session="+hits[i].session)
			t := time.Now()
			resp, err := b.httpc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			durs[i] = time.Since(t)
			if resp.StatusCode != 200 {
				return fmt.Errorf("bench: %s %s answered %d", name, hits[i].path, resp.StatusCode)
			}
		}
	})
	if err != nil {
		return Latency{}, err
	}
	return summarize(name, durs, took), nil
}

func summarize(name string, durs []time.Duration, took time.Duration) Latency {
	slices.Sort(durs)
	q := func(p float64) float64 {
		i := int(p*float64(len(durs))+0.5) - 1
		i = max(0, min(i, len(durs)-1))
		return float64(durs[i].Microseconds()) / 1000
	}
	return Latency{Name: name, Requests: len(durs), P50ms: q(0.50), P95ms: q(0.95), P99ms: q(0.99), MaxMs: q(1),
		PerSec: float64(len(durs)) / took.Seconds()}
}

func (l *Latency) judge(target string, p99Limit float64) {
	ok := l.P99ms <= p99Limit
	l.Target, l.Met = target, &ok
}

// reading fetches the first and a deep page of the log, and the overview, of random citizens, each
// with their own session.
func (b *bench) reading(ctx context.Context, res *BenchResult) error {
	r := mrand.New(mrand.NewPCG(13, 17))
	sessions := map[int]string{}
	sess := func(i int) (string, error) {
		if s, ok := sessions[i]; ok {
			return s, nil
		}
		s, err := b.session(ctx, portal.Session{Kind: portal.SessionCitizen, SubjectID: b.subjects[i], LoA: "substantieel"})
		sessions[i] = s
		return s, err
	}
	b.logf("reading: %d requests per scenario, %d clients", b.o.Reads, b.o.Clients)
	var first, deep, overview []hit
	for range b.o.Reads {
		i := r.IntN(len(b.subjects))
		s, err := sess(i)
		if err != nil {
			return err
		}
		first = append(first, hit{"/verwerkingen", s})
		overview = append(overview, hit{"/overzicht", s})
	}
	// Deep pages: citizens with more than four pages, from a position 80 % down their log; half of
	// them among the heaviest hundredth. (At tiny sizes: the citizens with the most events.)
	byCount := make([]int, len(b.subjects))
	for i := range byCount {
		byCount[i] = i
	}
	slices.SortFunc(byCount, func(x, y int) int { return b.counts[y] - b.counts[x] })
	many := byCount[:max(1, len(byCount)/100)]
	several := byCount[:max(1, len(byCount)/20)]
	if n, _ := slices.BinarySearchFunc(byCount, 100, func(i, limit int) int { return limit - b.counts[i] }); n > len(several) {
		several = byCount[:n]
	}
	for k := range b.o.Reads {
		i := several[r.IntN(len(several))]
		if k%2 == 0 {
			i = many[r.IntN(len(many))]
		}
		s, err := sess(i)
		if err != nil {
			return err
		}
		c, err := b.db.EventAtDepth(ctx, b.subjects[i], b.counts[i]*8/10)
		if err != nil {
			return err
		}
		deep = append(deep, hit{"/verwerkingen?na=" + web.LogCursor(c), s})
	}
	for _, sc := range []struct {
		name string
		hits []hit
	}{{"/verwerkingen first page", first}, {"/verwerkingen deep page", deep}, {"/overzicht", overview}} {
		l, err := b.measure(ctx, sc.name, sc.hits)
		if err != nil {
			return err
		}
		l.judge("p99 ≤ 20 ms", 20)
		res.Reading = append(res.Reading, l)
		b.logf("%s: p50 %.1f ms, p99 %.1f ms", l.Name, l.P50ms, l.P99ms)
	}
	return nil
}

// statistics measures the council's page and the public open data: the first request after start
// (nothing cached in the server) and then repeated requests.
func (b *bench) statistics(ctx context.Context, res *BenchResult) error {
	s, err := b.session(ctx, portal.Session{Kind: portal.SessionStaff, StaffSub: "bench-raad", StaffName: "Raadslid", StaffRoles: []string{portal.RoleCouncil}})
	if err != nil {
		return err
	}
	b.logf("statistics: council page and open data on %d years", b.o.Years)
	for _, p := range []string{"/open-data/statistieken.json", "/raad"} {
		cold, err := b.measure(ctx, p+" first request", []hit{{p, s}})
		if err != nil {
			return err
		}
		cold.judge("≤ 200 ms", 200)
		hits := make([]hit, max(1, b.o.Reads/4))
		for i := range hits {
			hits[i] = hit{p, s}
		}
		warm, err := b.measure(ctx, p, hits)
		if err != nil {
			return err
		}
		warm.judge("p99 ≤ 200 ms", 200)
		res.Statistics = append(res.Statistics, cold, warm)
		b.logf("%s: first %.1f ms, then p99 %.1f ms", p, cold.P99ms, warm.P99ms)
	}
	return nil
}

func printBench(w io.Writer, r BenchResult) {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	met := func(b *bool) string {
		if b == nil {
			return ""
		}
		return yes(*b)
	}
	fmt.Fprintf(w, "\nInzicht benchmark — %s, %d CPUs, %s, PostgreSQL %s, %.0f s\n", r.When.Format(time.RFC3339), r.CPUs, r.Go,
		r.PostgreSQL, r.Seconds)
	fmt.Fprintf(w, "processing_events: %d rows, %.1f GB with indexes; %d citizens\n\n", r.EventsInTable,
		float64(r.TableBytes)/(1<<30), r.Options.Citizens)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INGEST\tevents\tAPI events/s\tCOPY events/s\tAPI ÷ COPY\ttarget\tmet")
	fmt.Fprintf(tw, "\t%d\t%.0f\t%.0f\t%.0f %%\t≥ 50 %%\t%s\n", r.Ingest.Events, r.Ingest.APIPerSec, r.Ingest.CopyPerSec,
		100*r.Ingest.RatioAPIToCopy, yes(r.Ingest.Met))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintln(tw, "READING\trequests\tp50 ms\tp95 ms\tp99 ms\treq/s\ttarget\tmet")
	for _, l := range append(slices.Clone(r.Reading), r.Statistics...) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.0f\t%s\t%s\n", l.Name, l.Requests, l.P50ms, l.P95ms, l.P99ms, l.PerSec, l.Target, met(l.Met))
	}
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintf(tw, "MEMORY\tserver peak RSS\t%.0f MB\t\t\t\t≤ 150 MB\t%s\n", r.PeakRSSMB, yes(r.MemoryMet))
	tw.Flush()
}
