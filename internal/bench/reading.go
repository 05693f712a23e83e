package bench

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/inzicht/inzicht/portal"
	"github.com/inzicht/inzicht/portal/oidcrp"
	"github.com/inzicht/inzicht/portal/web"
)

// session makes a server-side session as a log-in would and returns the cookie's value.
func (b *runner) session(ctx context.Context, s portal.Session) (string, error) {
	raw := oidcrp.Random()
	now := time.Now()
	s.CSRFToken, s.CreatedAt, s.LastSeenAt, s.ExpiresAt = oidcrp.Random(), now, now, now.Add(12*time.Hour)
	if err := b.db.CreateSession(ctx, raw, s); err != nil {
		return "", err
	}
	return raw, nil
}

// hit is one GET of a page with a session.
type hit struct{ path, session string }

// measure runs the hits with the configured number of clients and returns their latencies. Any
// answer but 200 is an error.
func (b *runner) measure(ctx context.Context, name string, hits []hit) (Latency, error) {
	durs := make([]time.Duration, len(hits))
	var next atomic.Int64
	took, err := parallel(ctx, b.o.Clients, func() error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(hits) {
				return nil
			}
			req, err := http.NewRequestWithContext(ctx, "GET", b.base+hits[i].path, nil)
			if err != nil {
				return err
			}
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

// reading fetches the first and a deep page of the log, and the overview, of random citizens, each
// with their own session.
func (b *runner) reading(ctx context.Context, res *Result) error {
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
		c, err := b.gen.EventAtDepth(ctx, b.subjects[i], b.counts[i]*8/10)
		if err != nil {
			return err
		}
		deep = append(deep, hit{"/verwerkingen?na=" + web.LogCursor(c), s})
	}
	// Filtered and searched (issue 18): a search with a filter, which also counts the matches
	// (bounded at 1,000); and the worst case, a search that matches nothing among the heaviest
	// hundredth, which reads every row of the person's log twice (page and count). No target of their
	// own: the figures are reported beside the first and deep pages.
	var searched, nomatch []hit
	for k := range b.o.Reads {
		s, err := sess(r.IntN(len(b.subjects)))
		if err != nil {
			return err
		}
		searched = append(searched, hit{"/verwerkingen?zoek=team&actie=view", s})
		i := many[k%len(many)]
		if s, err = sess(i); err != nil {
			return err
		}
		nomatch = append(nomatch, hit{"/verwerkingen?zoek=geen-treffer-50%25", s})
	}
	for _, sc := range []struct {
		name   string
		hits   []hit
		target bool
	}{{"/verwerkingen first page", first, true}, {"/verwerkingen deep page", deep, true}, {"/overzicht", overview, true},
		{"/verwerkingen search + filter", searched, false}, {"/verwerkingen search, no match, heaviest 1 %", nomatch, false}} {
		l, err := b.measure(ctx, sc.name, sc.hits)
		if err != nil {
			return err
		}
		if sc.target {
			l.judge("p99 ≤ 20 ms", 20)
		}
		res.Reading = append(res.Reading, l)
		b.logf("%s: p50 %.1f ms, p99 %.1f ms", l.Name, l.P50ms, l.P99ms)
	}
	return nil
}

// statistics measures the council's page and the public open data: the first request after start
// (nothing cached in the server) and then repeated requests.
func (b *runner) statistics(ctx context.Context, res *Result) error {
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
