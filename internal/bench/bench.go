// Package bench is `inzicht bench`: it creates a scratch database, fills it with a municipality's
// years of data, starts `inzicht serve` on it as a child process, and measures ingest (the API
// against plain COPY of the same rows), the citizen's pages, the council's figures and the server's
// peak memory. The SQL that generates the data lives in internal/benchdb; everything else goes
// through the product's own storage (portal/postgres) and HTTP surface.
package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/inzicht/inzicht/internal/benchdb"
	"github.com/inzicht/inzicht/internal/demo"
	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/bsnvault"
	"github.com/inzicht/inzicht/portal/postgres"
)

// Run is the bench command: args are its flags (see -h, which prints the usage to stdout and
// returns nil). It prints the result table on stdout and its progress on stderr, and writes the
// result as JSON when --json names a file. It returns an error for bad flags, an unreachable
// server, and any failed step; the scratch database is dropped in every case unless --keep.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	b := &runner{o: o, out: stderr}
	res, err := b.run(ctx)
	if err != nil {
		return err
	}
	printResult(stdout, res)
	if o.JSON != "" {
		if err := writeJSON(o.JSON, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwritten to %s\n", o.JSON)
	}
	return nil
}

// runner holds one run's state: the scratch database, the server under test and the generated
// population.
type runner struct {
	o        Options
	out      io.Writer
	db       *postgres.DB // the product's storage, for what the product itself can do
	gen      *benchdb.DB  // the benchmark's own SQL
	base     string       // the server's URL
	key      string       // API key with events:write
	bsns     []string
	subjects []int64 // same order as bsns
	counts   []int   // generated events per citizen (same order)
	acts     []portal.Activity
	servers  []*Server    // every server started, for their peak memory
	httpc    *http.Client // the current server's client
	// What a server is started with: the scratch database and the BSN keys.
	dbURL           string
	hmacKey, encKey []byte
}

func (b *runner) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "bench %s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (b *runner) run(ctx context.Context) (Result, error) {
	start := time.Now()
	res := Result{When: start.UTC(), CPUs: runtime.NumCPU(), Go: runtime.Version(), Options: b.o}
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
	b.dbURL, b.hmacKey, b.encKey = dbURL, hmacKey, encKey
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
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return res, fmt.Errorf("bench: connect: %w", err)
	}
	defer pool.Close()
	b.gen = benchdb.New(pool)
	if res.PostgreSQL, err = b.gen.ServerVersion(ctx); err != nil {
		return res, err
	}
	// Planner settings for this machine, on the scratch database only (the server's own settings,
	// shared_buffers among them, are the operator's: docs/operations.md).
	res.Settings = databaseSettings(b.o.Server)
	if err := b.gen.SetForDatabase(ctx, dbName(dbURL), res.Settings); err != nil {
		return res, err
	}
	if err := b.register(ctx, start); err != nil {
		return res, err
	}
	if err := b.citizens(ctx); err != nil {
		return res, err
	}

	if err := b.ingest(ctx, &res, func(env ...string) (func(), error) {
		return b.startServer(ctx, dbURL, hmacKey, encKey, env...)
	}); err != nil {
		return res, err
	}
	if err := b.fill(ctx); err != nil {
		return res, err
	}
	b.logf("caseload: %d rights requests, %d signals, %d consent requests over %d years", b.o.Requests, b.o.Requests/10,
		b.o.Requests/5, b.o.Years)
	if err := b.gen.GenerateCaseload(ctx, b.subjects, b.o.Requests, b.o.Years, time.Now()); err != nil {
		return res, err
	}
	b.logf("vacuum (analyze)")
	if err := b.gen.VacuumAnalyze(ctx); err != nil {
		return res, err
	}
	if res.EventsInTable, res.TableBytes, err = b.gen.TableSize(ctx, "processing_events"); err != nil {
		return res, err
	}
	// A fresh server for reading: nothing cached from the ingest, and its start-up jobs see all data.
	stop, err := b.startServer(ctx, dbURL, hmacKey, encKey)
	if err != nil {
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
	var peak int64
	for _, s := range b.servers {
		peak = max(peak, s.PeakRSS())
	}
	res.PeakRSSMB = float64(peak) / (1 << 20)
	res.MemoryMet = res.PeakRSSMB > 0 && res.PeakRSSMB <= 150
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// startServer starts a server on the scratch database and makes it the one measured.
func (b *runner) startServer(ctx context.Context, dbURL string, hmacKey, encKey []byte, env ...string) (func(), error) {
	s, err := StartServer(ctx, dbURL, hmacKey, encKey, b.o.Clients, env...)
	if err != nil {
		return nil, err
	}
	b.servers = append(b.servers, s)
	b.base, b.httpc = s.URL, s.Client
	b.logf("server pid %d at %s %s", s.PID, s.URL, strings.Join(env, " "))
	return s.Stop, nil
}

// register loads the demo's register and an API key for the back-office.
func (b *runner) register(ctx context.Context, now time.Time) error {
	if _, err := demo.Load(ctx, b.db, now); err != nil {
		return err
	}
	var err error
	if b.acts, err = b.db.Activities(ctx); err != nil {
		return err
	}
	// The generated events span --years; entries that keep events for less long get a longer
	// retention here, or the server's retention job would spend the reading phase removing them.
	for _, a := range b.acts {
		if r, err := portal.ParseRetention(a.Retention); err == nil && r.Cutoff(now).After(now.AddDate(-b.o.Years, 0, -1)) {
			a.Retention = fmt.Sprintf("P%dY", b.o.Years+1)
			if _, err := b.db.PutActivity(ctx, a); err != nil {
				return err
			}
		}
	}
	_, b.key, err = b.db.CreateAPIKey(ctx, "bench", []string{"events:write"})
	return err
}

func randomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never returns an error
	return k
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

// databaseSettings are the planner settings the scratch database gets (docs/operations.md says why):
// random_page_cost for a disk without seek time and a table mostly in memory, no JIT compilation
// (it pays off for long analytical queries, not for page-sized look-ups), and, when PostgreSQL runs
// on this machine, effective_cache_size at half of its memory (what the OS cache can hold besides
// the processes).
func databaseSettings(server string) []benchdb.Setting {
	out := []benchdb.Setting{{Name: "random_page_cost", Value: "1.1"}, {Name: "jit", Value: "off"}}
	if u, err := url.Parse(server); err == nil && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1") {
		if mb := memTotalMB(); mb > 0 {
			out = append(out, benchdb.Setting{Name: "effective_cache_size", Value: fmt.Sprintf("%dMB", mb/2)})
		}
	}
	return out
}

// memTotalMB is this machine's memory in MB (Linux), 0 where /proc/meminfo is missing.
func memTotalMB() int64 {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb >> 10
		}
	}
	return 0
}
