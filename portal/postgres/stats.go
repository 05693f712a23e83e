package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// PeriodCounts counts, for [from, to), how rights were exercised and respected. Only aggregates leave
// this function: no BSN, name or single case.
func (db *DB) PeriodCounts(ctx context.Context, label string, from, to time.Time) (portal.PeriodCounts, error) {
	pc := portal.PeriodCounts{Label: label, RequestsByKind: map[string]int{}, Outcomes: map[string]int{},
		SignalRetention: map[string]int{}, ConsentOutcomes: map[string]int{}}
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
		if err := byKey(`SELECT kind, count(*) FROM rights_requests WHERE received_at >= $1 AND received_at < $2 GROUP BY kind`, pc.RequestsByKind); err != nil {
			return err
		}
		if err := byKey(`SELECT outcome, count(*) FROM rights_requests WHERE decided_at >= $1 AND decided_at < $2 GROUP BY outcome`, pc.Outcomes); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE decided_at >= $1 AND decided_at < $2),
 count(*) FILTER (WHERE decided_at >= $1 AND decided_at < $2 AND decided_at <= deadline),
 count(*) FILTER (WHERE received_at >= $1 AND received_at < $2 AND deadline > first_deadline),
 count(*) FILTER (WHERE received_at >= $1 AND received_at < $2 AND status = 'ingetrokken'),
 coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - received_at) / 86400)
   FILTER (WHERE decided_at >= $1 AND decided_at < $2), 0),
 coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - received_at) / 86400)
   FILTER (WHERE decided_at >= $1 AND decided_at < $2), 0),
 count(*) FILTER (WHERE decided_at >= $1 AND decided_at < $2 AND kind = 'bezwaar' AND outcome IN ('toegewezen','deels_toegewezen'))
FROM rights_requests`, from, to).Scan(&pc.Decided, &pc.WithinDeadline, &pc.Extended, &pc.Withdrawn, &pc.MedianDays, &pc.P90Days,
			&pc.ObjectionsGranted); err != nil {
			return fmt.Errorf("requests: %w", err)
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
