package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/inzicht/inzicht/internal/benchdb"
)

// Result is what `inzicht bench` prints and writes as JSON.
type Result struct {
	When       time.Time `json:"when"`
	CPUs       int       `json:"cpus"`
	Go         string    `json:"go"`
	PostgreSQL string    `json:"postgresql"`
	// Settings are the planner settings the scratch database was given (ALTER DATABASE … SET).
	Settings []benchdb.Setting `json:"postgresql_settings"`
	Options  Options           `json:"options"`
	Ingest   struct {
		Events int `json:"events"` // per run: log off, log on, COPY
		// Through the API with the verifiable log on, until the last answer and until every event
		// was folded and in a signed checkpoint; the same with the log off.
		APIPerSec        float64 `json:"api_events_per_s"`
		DrainedPerSec    float64 `json:"drained_events_per_s"`
		APIOffPerSec     float64 `json:"api_log_off_events_per_s"`
		DrainedOffPerSec float64 `json:"drained_log_off_events_per_s"`
		RatioLogOnToOff  float64 `json:"ratio_log_on_to_off"`
		LogMet           bool    `json:"log_met"` // ≥ 90 %
		// Lag is how long the oldest stored event not yet in a signed checkpoint had waited, sampled
		// during the log-on run.
		Lag Lag `json:"checkpoint_lag"`
		// Pushbacks are the requests the server answered 503 because too many events waited for the
		// integrator (INZICHT_LOG_MAX_BACKLOG), sent again after Retry-After; in the times above.
		Pushbacks      int     `json:"pushbacks"`
		PushbacksOff   int     `json:"pushbacks_log_off"`
		CopyPerSec     float64 `json:"copy_events_per_s"`
		RatioAPIToCopy float64 `json:"ratio_api_to_copy"` // log on
		Met            bool    `json:"met"`               // ≥ 50 %
		// The same number of other events through the API of two portal processes (the log on), the
		// clients split between them; the ratio is to one process (APIPerSec).
		TwoPerSec        float64 `json:"two_processes_events_per_s"`
		TwoDrainedPerSec float64 `json:"two_processes_drained_events_per_s"`
		RatioTwoToOne    float64 `json:"ratio_two_processes_to_one"`
		TwoPushbacks     int     `json:"two_processes_pushbacks"`
		// The same number of other events as LDV spans over OTLP/HTTP (protobuf).
		OTLPEvents     int     `json:"otlp_events"`
		OTLPPerSec     float64 `json:"otlp_events_per_s"`
		OTLPFailed     int     `json:"otlp_failed_spans"`
		OTLPPushbacks  int     `json:"otlp_pushbacks"`
		RatioOTLPToAPI float64 `json:"ratio_otlp_to_api"`
		OTLPMet        bool    `json:"otlp_met"` // ≥ the native API, no failed span
	} `json:"ingest"`
	EventsInTable int64     `json:"events_in_table"`
	TableBytes    int64     `json:"table_bytes"`
	Reading       []Latency `json:"reading"`
	Statistics    []Latency `json:"statistics"`
	PeakRSSMB     float64   `json:"server_peak_rss_mb"`
	MemoryMet     bool      `json:"memory_met"` // ≤ 150 MB
	Seconds       float64   `json:"seconds"`
}

// writeJSON writes r, indented, to the file name.
func writeJSON(name string, r Result) error {
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encode the result: %w", err)
	}
	if err := os.WriteFile(name, append(j, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: write the result: %w", err)
	}
	return nil
}

// printResult writes r as a table of figures, targets and whether each was met.
func printResult(w io.Writer, r Result) {
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
	fmt.Fprintf(w, "processing_events: %d rows, %.1f GB with indexes; %d citizens\n", r.EventsInTable,
		float64(r.TableBytes)/(1<<30), r.Options.Citizens)
	fmt.Fprintf(w, "database settings:")
	for _, s := range r.Settings {
		fmt.Fprintf(w, " %s=%s", s.Name, s.Value)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	in := r.Ingest
	fmt.Fprintln(tw, "INGEST\tevents\tAPI events/s\tCOPY events/s\tAPI ÷ COPY\ttarget\tmet")
	fmt.Fprintf(tw, "\t%d\t%.0f\t%.0f\t%.0f %%\t≥ 50 %%\t%s\n", in.Events, in.APIPerSec, in.CopyPerSec,
		100*in.RatioAPIToCopy, yes(in.Met))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintln(tw, "VERIFIABLE LOG\tevents\tlog on ev/s\tlog off ev/s\ton ÷ off\ttarget\tmet")
	fmt.Fprintf(tw, "answered\t%d\t%.0f\t%.0f\t%.0f %%\t≥ 90 %%\t%s\n", in.Events, in.APIPerSec, in.APIOffPerSec,
		100*in.RatioLogOnToOff, yes(in.LogMet))
	fmt.Fprintf(tw, "folded and in the log\t%d\t%.0f\t%.0f\t%.0f %%\t\t\n", in.Events, in.DrainedPerSec, in.DrainedOffPerSec,
		100*in.DrainedPerSec/max(in.DrainedOffPerSec, 1))
	fmt.Fprintf(tw, "pushed back (503, sent again)\t%d requests\t%d\t%d\t\t\t\n", in.Pushbacks+in.PushbacksOff, in.Pushbacks, in.PushbacksOff)
	fmt.Fprintln(tw, "\tsamples\tp50 s\tp99 s\tmax s\t\t")
	fmt.Fprintf(tw, "checkpoint lag\t%d\t%.1f\t%.1f\t%.1f\tp99 ≤ 10 s\t%s\n", in.Lag.Samples, in.Lag.P50, in.Lag.P99, in.Lag.Max,
		yes(in.Lag.Met))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintln(tw, "TWO PROCESSES\tevents\ttwo ev/s\tone ev/s\ttwo ÷ one\t\t")
	fmt.Fprintf(tw, "answered\t%d\t%.0f\t%.0f\t%.0f %%\t\t\n", in.Events, in.TwoPerSec, in.APIPerSec, 100*in.RatioTwoToOne)
	fmt.Fprintf(tw, "folded and in the log\t%d\t%.0f\t%.0f\t%.0f %%\t\t\n", in.Events, in.TwoDrainedPerSec, in.DrainedPerSec,
		100*in.TwoDrainedPerSec/max(in.DrainedPerSec, 1))
	fmt.Fprintf(tw, "pushed back (503, sent again)\t%d requests\t\t\t\t\t\n", in.TwoPushbacks)
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintln(tw, "OTLP INGEST\tspans\tOTLP events/s\tAPI events/s\tOTLP ÷ API\ttarget\tmet")
	fmt.Fprintf(tw, "\t%d\t%.0f\t%.0f\t%.0f %%\t≥ 100 %%, 0 failed (%d)\t%s\n", r.Ingest.OTLPEvents, r.Ingest.OTLPPerSec, r.Ingest.APIPerSec,
		100*r.Ingest.RatioOTLPToAPI, r.Ingest.OTLPFailed, yes(r.Ingest.OTLPMet))
	fmt.Fprintf(tw, "pushed back (503, sent again)\t%d requests\t\t\t\t\t\n", r.Ingest.OTLPPushbacks)
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintln(tw, "READING\trequests\tp50 ms\tp95 ms\tp99 ms\treq/s\ttarget\tmet")
	for _, l := range append(slices.Clone(r.Reading), r.Statistics...) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.0f\t%s\t%s\n", l.Name, l.Requests, l.P50ms, l.P95ms, l.P99ms, l.PerSec, l.Target, met(l.Met))
	}
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintf(tw, "MEMORY\tserver peak RSS\t%.0f MB\t\t\t\t≤ 150 MB\t%s\n", r.PeakRSSMB, yes(r.MemoryMet))
	tw.Flush()
}
