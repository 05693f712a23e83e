package bench

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Options are the sizes of one benchmark run.
type Options struct {
	Events    int    `json:"events"`   // processing events in the table while reading
	Citizens  int    `json:"citizens"` // distinct people in the log
	Ingest    int    `json:"ingest"`   // events posted through the API per run (log off, log on; as many OTLP spans; copied with COPY)
	Batch     int    `json:"batch"`
	OTLPBatch int    `json:"otlp_batch"` // spans per OTLP export request
	Clients   int    `json:"clients"`    // concurrent HTTP clients / COPY writers
	Reads     int    `json:"reads"`      // requests per reading scenario
	Years     int    `json:"years"`      // years of requests, signals and consent for the statistics
	Requests  int    `json:"requests"`
	Server    string `json:"-"`
	JSON      string `json:"-"`
	Keep      bool   `json:"-"`
}

const usage = `usage: inzicht bench [flags]

Creates a scratch database, starts ` + "`inzicht serve`" + ` against it as a child process, and measures
ingest (API with the verifiable log off and on, versus plain COPY of the same rows; the checkpoint
lag), reading the citizen's log and overview, the
council's figures and the server's peak memory. Prints a table and writes it as JSON.

`

// parseOptions reads the command line. Asked for help (-h, -help, --help) it prints the usage to
// stdout and returns flag.ErrHelp; other mistakes are explained on stderr and returned.
func parseOptions(args []string, getenv func(string) string, stdout, stderr io.Writer) (Options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	// The flag package writes the usage for -h and for mistakes alike; which stream it belongs on is
	// known only after parsing.
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	fs.Usage = func() { fmt.Fprint(&msg, usage); fs.PrintDefaults() }
	var o Options
	fs.IntVar(&o.Events, "events", 10_000_000, "processing events in the table while reading (try 50000000)")
	fs.IntVar(&o.Citizens, "citizens", 100_000, "distinct citizens")
	fs.IntVar(&o.Ingest, "ingest", 200_000, "events posted through the API, once with the verifiable log off and once with it on (and as many as OTLP spans); the first run's are copied with COPY for the baseline")
	fs.IntVar(&o.Batch, "batch", 500, "events per API request")
	fs.IntVar(&o.OTLPBatch, "otlp-batch", 512, "spans per OTLP export request (the OpenTelemetry SDK's default batch size)")
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
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = msg.WriteTo(stdout)
		return o, err
	case err != nil:
		_, _ = msg.WriteTo(stderr)
		return o, fmt.Errorf("bench: %w", err)
	case fs.NArg() > 0:
		return o, fmt.Errorf("bench: unexpected argument %q (see inzicht bench -h)", fs.Arg(0))
	}
	if o.Events < o.Ingest || o.Citizens < 1 || o.Batch < 1 || o.OTLPBatch < 1 || o.Clients < 1 || o.Reads < 1 {
		return o, errors.New("bench: want --events ≥ --ingest, and positive --citizens, --batch, --otlp-batch, --clients, --reads")
	}
	return o, nil
}
