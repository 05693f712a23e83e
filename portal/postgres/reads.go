package postgres

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// ReadProcessing answers a read of stored processing by another system (the LDV read extension, VNG
// verwerkte-objecten): the events q selects that their person may see (visibleSQL, as in their own
// log), newest first, each with its person's BSN, and — for a query by trace or register entry
// without a person — the chain spans that carry no person. In the same transaction it records the
// read in the log of every person whose events it returns (portal.APIRead.Event): no read without
// its log entry.
//
// A BSN nobody is known by gives no records and no error, so a read does not reveal whether a person
// is known. It returns EINVALID for a query without a target (portal.ReadQuery.Validate) and
// ETOOLARGE when more than portal.MaxReadRecords records match (nothing is returned or recorded).
func (db *DB) ReadProcessing(ctx context.Context, q portal.ReadQuery, r portal.APIRead) ([]portal.LoggedEvent, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	now := db.now().UTC()
	var out []portal.LoggedEvent
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		out = nil
		eq := eventQuery{traceID: q.TraceID, activity: q.Activity, toInclusive: q.ToInclusive, released: q.Released,
			filter: portal.EventFilter{From: q.From, To: q.To, Limit: portal.MaxReadRecords}}
		subjects := map[int64]subjectRow{}
		if q.SubjectBSN != "" {
			s, err := lookupSubjectByHMAC(ctx, tx, db.vault.Lookup(q.SubjectBSN))
			if portal.ErrorCode(err) == portal.ENOTFOUND {
				return nil
			}
			if err != nil {
				return err
			}
			eq.subjectID = s.id
			subjects[s.id] = s
		}
		evs, more, err := queryEvents(ctx, tx, now, eq)
		if err != nil {
			return fmt.Errorf("query events: %w", err)
		}
		var chain []portal.LoggedEvent
		if q.SubjectBSN == "" && q.Released == nil && !more { // chain spans are never confidential, nor released
			if chain, err = chainSpans(ctx, tx, q, portal.MaxReadRecords+1-len(evs)); err != nil {
				return fmt.Errorf("query chain spans: %w", err)
			}
		}
		if more || len(evs)+len(chain) > portal.MaxReadRecords {
			return portal.Errorf(portal.ETOOLARGE, "more than %d processing records match; narrow the period", portal.MaxReadRecords)
		}
		cats := map[int64][]string{}
		for _, e := range evs {
			cats[e.subjectID] = append(cats[e.subjectID], e.DataCategories...)
		}
		bsns, err := db.recordRead(ctx, tx, now, r, cats, subjects)
		if err != nil {
			return err
		}
		for _, e := range evs {
			e.SubjectBSN = bsns[e.subjectID]
			out = append(out, e.LoggedEvent)
		}
		out = append(out, chain...)
		sort.SliceStable(out, func(i, j int) bool { return out[i].OccurredAt.After(out[j].OccurredAt) })
		return nil
	})
	if err != nil {
		return nil, wrapErr("read processing", err)
	}
	return out, nil
}

// recordRead records a read by another system (r) in the log of every person it returned, in tx: one
// event per person (portal.APIRead.Event) with the data categories of that person's returned records
// (cats, by subject id). Events go in subject order (the summary trigger locks their rows in that
// order too). known holds subject rows looked up already. It returns each person's BSN, by subject id.
// Every read of stored processing by another system goes through here.
func (db *DB) recordRead(ctx context.Context, tx pgx.Tx, now time.Time, r portal.APIRead, cats map[int64][]string,
	known map[int64]subjectRow) (map[int64]string, error) {
	ids := make([]int64, 0, len(cats))
	for id := range cats {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	bsns := make(map[int64]string, len(ids))
	reads := make([]eventRow, 0, len(ids))
	for _, id := range ids {
		s, ok := known[id]
		if !ok {
			var err error
			if s, err = lookupSubject(ctx, tx, id); err != nil {
				return nil, err
			}
		}
		bsn, err := db.openBSN(s)
		if err != nil {
			return nil, err
		}
		bsns[id] = bsn
		ev := r.Event(uuid.NewString(), now, cats[id])
		reads = append(reads, eventRow{ev: &ev, subjectID: id, received: now, hash: ev.ContentHash(s.hmac), lookup: s.hmac})
	}
	if len(reads) > 0 {
		if _, err := insertEvents(ctx, tx, reads); err != nil {
			return nil, fmt.Errorf("record the read: %w", err)
		}
	}
	return bsns, nil
}

// chainSpans returns at most limit of the kept spans without a data subject that q selects by trace
// or register entry, newest first. They hold no personal data.
func chainSpans(ctx context.Context, q querier, rq portal.ReadQuery, limit int) ([]portal.LoggedEvent, error) {
	if rq.TraceID == "" && rq.Activity == "" {
		return nil, nil
	}
	sql := `SELECT c.trace_id, c.span_id, c.parent_span_id, c.name, c.started_at, c.failed, c.system, c.activity_id,
 c.received_at, coalesce(a.name_nl, ''), coalesce(a.name_en, ''), coalesce(a.controller, ''),
 c.foreign_trace_id, c.foreign_span_id, c.foreign_entity
FROM otlp_chain_spans c LEFT JOIN processing_activities a ON a.id = c.activity_id WHERE true`
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if rq.TraceID != "" {
		sql += " AND c.trace_id = " + arg(rq.TraceID)
	}
	if rq.Activity != "" {
		sql += " AND c.activity_id = " + arg(rq.Activity)
	}
	if !rq.From.IsZero() {
		sql += " AND c.started_at >= " + arg(rq.From)
	}
	if !rq.To.IsZero() {
		op := " < "
		if rq.ToInclusive {
			op = " <= "
		}
		sql += " AND c.started_at" + op + arg(rq.To)
	}
	sql += " ORDER BY c.started_at DESC, c.span_id LIMIT " + arg(limit)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.LoggedEvent, error) {
		var e portal.LoggedEvent
		var s portal.Span
		var parent, foreignTrace, foreignSpan *string
		var foreignEntity string
		var started, received time.Time
		err := row.Scan(&s.TraceID, &s.SpanID, &parent, &s.Name, &started, &s.Failed, &e.System, &e.Event.Activity,
			&received, &e.Activity.Name.NL, &e.Activity.Name.EN, &e.Activity.Controller, &foreignTrace, &foreignSpan, &foreignEntity)
		if parent != nil {
			s.ParentSpanID = *parent
		}
		if foreignTrace != nil && foreignSpan != nil {
			s.Foreign = &portal.ForeignOperation{TraceID: *foreignTrace, SpanID: *foreignSpan, Entity: foreignEntity}
		}
		e.Span, e.OccurredAt, e.ReceivedAt, e.Activity.ID = &s, started, received, e.Event.Activity
		return e, err
	})
}
