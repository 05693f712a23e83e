package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// PeriodCounts counts, for [from, to), how rights were exercised and respected. Only aggregates leave
// this function: no BSN, name or single case.
func (db *DB) PeriodCounts(ctx context.Context, label string, from, to time.Time) (portal.PeriodCounts, error) {
	pc := portal.PeriodCounts{Label: label, RequestsByKind: map[string]int{}, Outcomes: map[string]int{},
		SignalRetention: map[string]int{}, ConsentOutcomes: map[string]int{}, RefusalGrounds: map[string]int{},
		DeferralReasons: map[string]int{}, SignalCategories: map[string]int{}, Version: portal.StatsVersion}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		// A repeatable-read snapshot, so every figure describes the same moment.
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
			return err
		}
		byKey := func(q string, m map[string]int) error {
			rows, _ := tx.Query(ctx, q, from, to)
			var k string
			var n int
			_, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { m[k] = n; return nil })
			return err
		}
		// Each query reads only the period's rows, through rights_requests_received and _decided.
		rows, _ := tx.Query(ctx, `SELECT kind, count(*), count(*) FILTER (WHERE deadline > first_deadline),
 count(*) FILTER (WHERE status = 'ingetrokken')
FROM rights_requests WHERE received_at >= $1 AND received_at < $2 GROUP BY kind`, from, to)
		var kind string
		var n, extended, withdrawn int
		if _, err := pgx.ForEachRow(rows, []any{&kind, &n, &extended, &withdrawn}, func() error {
			pc.RequestsByKind[kind] = n
			pc.Extended += extended
			pc.Withdrawn += withdrawn
			return nil
		}); err != nil {
			return fmt.Errorf("requests: %w", err)
		}
		// A question is answered, not decided (portal.RequestKind.Answered): its answer is no outcome.
		if err := byKey(`SELECT outcome, count(*) FROM rights_requests WHERE decided_at >= $1 AND decided_at < $2 AND kind <> 'vraag'
GROUP BY outcome`, pc.Outcomes); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE decided_at <= deadline),
 coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - received_at) / 86400), 0),
 coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - received_at) / 86400), 0),
 count(*) FILTER (WHERE kind = 'bezwaar' AND outcome IN ('toegewezen','deels_toegewezen'))
FROM rights_requests WHERE decided_at >= $1 AND decided_at < $2`, from, to).Scan(&pc.Decided, &pc.WithinDeadline,
			&pc.MedianDays, &pc.P90Days, &pc.ObjectionsGranted); err != nil {
			return fmt.Errorf("decisions: %w", err)
		}
		// Why decisions were not a full grant; decisions made before grounds were recorded have none.
		if err := byKey(`SELECT CASE refusal_ground WHEN '' THEN '`+portal.GroundNotRecorded+`' ELSE refusal_ground END, count(*)
FROM rights_requests WHERE decided_at >= $1 AND decided_at < $2 AND outcome IN ('deels_toegewezen','afgewezen') GROUP BY 1`, pc.RefusalGrounds); err != nil {
			return fmt.Errorf("refusal grounds: %w", err)
		}
		// Decisions against the person's will (portal.DecisionAgainstWill) and how many a team lead co-signed.
		if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE cosigned_by <> '')
FROM rights_requests WHERE decided_at >= $1 AND decided_at < $2 AND kind IN ('rectificatie','wissing','beperking','bezwaar') AND outcome IN ('deels_toegewezen','afgewezen')`,
			from, to).Scan(&pc.AgainstWillDecisions, &pc.CoSigned); err != nil {
			return fmt.Errorf("decisions against the will: %w", err)
		}
		if err := byKey(`SELECT category, count(*) FROM signals WHERE registered_at >= $1 AND registered_at < $2 GROUP BY category`, pc.SignalCategories); err != nil {
			return fmt.Errorf("signal categories: %w", err)
		}
		// Each deferred signal counts once, under the reason of its first approved deferral, so that
		// the reasons add up to the deferred signals.
		if err := byKey(`SELECT reason, count(*) FROM (SELECT DISTINCT ON (d.signal_id) d.reason
  FROM signals s JOIN signal_deferrals d ON d.signal_id = s.id AND d.status = 'approved'
  WHERE s.registered_at >= $1 AND s.registered_at < $2 ORDER BY d.signal_id, d.id) first GROUP BY reason`, pc.DeferralReasons); err != nil {
			return fmt.Errorf("deferral reasons: %w", err)
		}
		if err := byKey(`SELECT retention, count(*) FROM signals WHERE registered_at >= $1 AND registered_at < $2 GROUP BY retention`, pc.SignalRetention); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*),
 count(*) FILTER (WHERE told_at IS NOT NULL AND told_at - registered_at < interval '1 minute'),
 count(*) FILTER (WHERE EXISTS (SELECT 1 FROM signal_deferrals d WHERE d.signal_id = s.id AND d.status = 'approved')),
 coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM told_at - registered_at) / 86400)
   FILTER (WHERE EXISTS (SELECT 1 FROM signal_deferrals d WHERE d.signal_id = s.id AND d.status = 'approved') AND told_at IS NOT NULL), 0),
 count(*) FILTER (WHERE retention = 'bewaren' AND EXISTS (SELECT 1 FROM signals n WHERE n.subject_id = s.subject_id
   AND n.registered_at > s.registered_at AND n.registered_at >= $1 AND n.registered_at < $2))
FROM signals s WHERE registered_at >= $1 AND registered_at < $2`, from, to).Scan(&pc.Signals, &pc.ToldAtOnce, &pc.Deferred,
			&pc.MedianDeferDays, &pc.KeptThenNewAgain); err != nil {
			return fmt.Errorf("signals: %w", err)
		}
		if err := byKey(`SELECT status, count(*) FROM consents WHERE created_at >= $1 AND created_at < $2 GROUP BY status`, pc.ConsentOutcomes); err != nil {
			return err
		}
		for _, n := range pc.ConsentOutcomes {
			pc.ConsentAsked += n
		}
		// Three counts over rare events, each answered from its partial index instead of a scan of the log.
		if err := tx.QueryRow(ctx, `SELECT
 (SELECT count(*) FROM processing_events WHERE consent_covered = false AND occurred_at >= $1 AND occurred_at < $2),
 (SELECT count(*) FROM processing_events WHERE access_basis = 'against_will' AND occurred_at >= $1 AND occurred_at < $2),
 (SELECT count(*) FROM processing_events WHERE access_basis = 'break_glass' AND occurred_at >= $1 AND occurred_at < $2)`,
			from, to).Scan(&pc.NotCovered, &pc.AgainstWill, &pc.BreakGlass); err != nil {
			return fmt.Errorf("events: %w", err)
		}
		return nil
	})
	return pc, wrapErr("period counts", err)
}

// RefreshPeriod computes a period's counts and stores them in stats_periods, replacing what was
// stored. It is idempotent, and safe when two refreshes of the same period overlap: the figures of
// the later computation are kept, whichever finishes first.
func (db *DB) RefreshPeriod(ctx context.Context, p portal.Period) (portal.StoredCounts, error) {
	// Taken before the counts' snapshot, so a computation that started later never loses to an
	// earlier one.
	at := db.now()
	pc, err := db.PeriodCounts(ctx, p.Label, p.From, p.To)
	if err != nil {
		return portal.StoredCounts{}, err
	}
	counts, err := json.Marshal(pc)
	if err != nil {
		return portal.StoredCounts{}, fmt.Errorf("postgres: refresh %s: %w", p.Label, err)
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO stats_periods (period, period_from, period_to, counts, computed_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (period) DO UPDATE SET period_from = EXCLUDED.period_from, period_to = EXCLUDED.period_to,
  counts = EXCLUDED.counts, computed_at = EXCLUDED.computed_at
WHERE stats_periods.computed_at <= EXCLUDED.computed_at`, p.Label, p.From, p.To, counts, at)
	if err != nil {
		return portal.StoredCounts{}, wrapErr("refresh statistics", err)
	}
	return portal.StoredCounts{Period: p, Counts: pc, ComputedAt: at}, nil
}

// StoredPeriods returns the stored counts of the periods with these labels, in one query; a period
// never computed is missing from the map.
func (db *DB) StoredPeriods(ctx context.Context, labels []string) (map[string]portal.StoredCounts, error) {
	rows, _ := db.reader(ctx).Query(ctx, `SELECT period, period_from, period_to, counts, computed_at
FROM stats_periods WHERE period = ANY($1)`, labels)
	out := make(map[string]portal.StoredCounts, len(labels))
	var sc portal.StoredCounts
	var counts []byte
	_, err := pgx.ForEachRow(rows, []any{&sc.Label, &sc.From, &sc.To, &counts, &sc.ComputedAt}, func() error {
		sc.Counts = portal.PeriodCounts{}
		if err := json.Unmarshal(counts, &sc.Counts); err != nil {
			return fmt.Errorf("stored counts of %s: %w", sc.Label, err)
		}
		sc.Counts.Label = sc.Label
		sc.From, sc.To = sc.From.In(portal.Amsterdam), sc.To.In(portal.Amsterdam)
		out[sc.Label] = sc
		return nil
	})
	if err != nil {
		return nil, wrapErr("stored statistics", err)
	}
	return out, nil
}
