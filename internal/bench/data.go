package bench

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// citizens makes the people of the municipality and how many events each has: most a few dozen, one
// in a hundred (long-term care, youth care) twenty times as many. They are registered through the
// product's own EnsureSubject (the HMAC and encryption of the BSN stay the storage's business), by
// --clients workers.
func (b *runner) citizens(ctx context.Context) error {
	b.logf("%d citizens", b.o.Citizens)
	r := mrand.New(mrand.NewPCG(7, 11))
	for v := 100_000_000; len(b.bsns) < b.o.Citizens; v += 1 + r.IntN(40) {
		if s := strconv.Itoa(v); portal.ValidBSN(s) {
			b.bsns = append(b.bsns, s)
		}
	}
	b.subjects = make([]int64, len(b.bsns))
	var next atomic.Int64
	if _, err := parallel(ctx, b.o.Clients, func() error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(b.bsns) {
				return nil
			}
			id, err := b.db.EnsureSubject(ctx, b.bsns[i])
			if err != nil {
				return fmt.Errorf("bench: register citizen %d: %w", i, err)
			}
			b.subjects[i] = id
		}
	}); err != nil {
		return err
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
	total := max(0, b.o.Events-2*b.o.Ingest) // the API's two runs (log off and on) write the rest
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

// events makes n realistic events for random citizens (the mix benchdb.GenerateEvents writes).
func (b *runner) events(r *mrand.Rand, n int) []portal.Event {
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

// fill writes the rest of the events server-side, in parts of about a million rows.
func (b *runner) fill(ctx context.Context) error {
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
		n, err := b.gen.GenerateEvents(ctx, b.acts, seq, b.subjects[i:j], b.counts[i:j], from, to)
		if err != nil {
			return err
		}
		seq += n
		total += int(n)
		b.logf("events: %d of %d written", total+2*b.o.Ingest, b.o.Events)
		i = j
	}
	return nil
}
