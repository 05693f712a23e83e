package bench

import (
	"math"
	"slices"
	"time"
)

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

// summarize turns the durations of one scenario's requests (sorted in place), sent in took, into
// its percentiles (nearest rank) and throughput.
func summarize(name string, durs []time.Duration, took time.Duration) Latency {
	if len(durs) == 0 {
		return Latency{Name: name}
	}
	slices.Sort(durs)
	q := func(p float64) float64 {
		i := int(p*float64(len(durs))+0.5) - 1
		i = max(0, min(i, len(durs)-1))
		return float64(durs[i].Microseconds()) / 1000
	}
	return Latency{Name: name, Requests: len(durs), P50ms: q(0.50), P95ms: q(0.95), P99ms: q(0.99), MaxMs: q(1),
		PerSec: float64(len(durs)) / took.Seconds()}
}

// judge records the target and whether the 99th percentile met it.
func (l *Latency) judge(target string, p99Limit float64) {
	ok := l.P99ms <= p99Limit
	l.Target, l.Met = target, &ok
}

// Lag summarises sampled ages in seconds.
type Lag struct {
	Samples int     `json:"samples"`
	P50     float64 `json:"p50_s"`
	P99     float64 `json:"p99_s"`
	Max     float64 `json:"max_s"`
	Met     bool    `json:"met"` // p99 ≤ 10 s
}

// lagOf returns the median, 99th percentile (nearest rank) and maximum of ages.
func lagOf(ages []float64) Lag {
	if len(ages) == 0 {
		return Lag{}
	}
	s := slices.Clone(ages)
	slices.Sort(s)
	rank := func(q float64) float64 { return s[min(len(s)-1, int(math.Ceil(q*float64(len(s))))-1)] }
	return Lag{Samples: len(s), P50: rank(0.5), P99: rank(0.99), Max: s[len(s)-1]}
}
