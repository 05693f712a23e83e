package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/inzicht/inzicht/portal"
)

// ingestCols are the columns an event reported through the API fills.
var ingestCols = []string{"id", "subject_id", "occurred_at", "received_at", "activity_id", "action", "data_categories",
	"level", "actor_organization", "actor_team", "actor_role", "actor_employee_id", "actor_employee_name", "system",
	"case_ref", "recipient", "access_basis", "break_glass_reason", "consent_ref", "against_will_decision_ref",
	"against_will_reason", "against_will_approved_by", "confidential_until", "confidential_reason", "content_hash",
	"api_key_id", "consent_covered"}

// storedCols is the column order of every write into processing_events (insertEvents): an ingested
// event's columns, the signal a staff view was of, and the span an event received over OTLP came from.
// and the VNG verwerkingsactie an event was made for, and the foreign operation (another organisation's) a span was done for.
var storedCols = append(slices.Clip(ingestCols), "signal_id", "trace_id", "span_id", "parent_span_id", "span_name", "failed",
	"vng_actie_id", "foreign_trace_id", "foreign_span_id", "foreign_entity")

// eventRow is one event as it goes into the log.
type eventRow struct {
	ev        *portal.Event
	subjectID int64
	received  time.Time
	hash      []byte // ev.ContentHash of the person's HMAC
	apiKey    int64  // 0: not reported through the API
	covered   *bool  // consent coverage; nil unless the access basis is consent
	// signal is the signal a staff view was of; a view of a signal the person has not been told of
	// stays confidential until they are (tell reveals it).
	signal *portal.Signal
	// lookup is the person's bsn_hmac, from which their pseudonym in the verifiable log is made.
	lookup []byte
}

func (r eventRow) values() []any {
	e := r.ev
	var aw portal.AgainstWill
	if e.AgainstWill != nil {
		aw = *e.AgainstWill
	}
	var key, signal any
	if r.apiKey > 0 {
		key = r.apiKey
	}
	var until any = e.ConfidentialUntil
	reason := e.ConfidentialReason
	if r.signal != nil {
		signal = copyUUID(r.signal.ID)
		if !r.signal.Told() {
			until, reason = pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}, "signal not yet told"
		}
	}
	var traceID, spanID, parentID, fTrace, fSpan any
	var spanName, fEntity string
	var failed bool
	if s := e.Span; s != nil {
		traceID, spanID, spanName, failed = s.TraceID, s.SpanID, s.Name, s.Failed
		if s.ParentSpanID != "" {
			parentID = s.ParentSpanID
		}
		if f := s.Foreign; f != nil {
			fTrace, fSpan, fEntity = f.TraceID, f.SpanID, f.Entity
		}
	}
	var actie any
	if e.VNG != nil {
		actie = copyUUID(e.VNG.ActieID)
	}
	return []any{copyUUID(e.ID), r.subjectID, e.OccurredAt, r.received, e.Activity, e.Action, e.DataCategories,
		e.Level, e.Actor.Organization, e.Actor.Team, e.Actor.Role, e.Actor.EmployeeID, e.Actor.EmployeeName,
		e.System, e.CaseRef, e.Recipient, e.AccessBasis, e.BreakGlassReason, e.ConsentRef, aw.DecisionRef,
		aw.Reason, aw.ApprovedBy, until, reason, r.hash, key, r.covered, signal, traceID, spanID, parentID, spanName, failed,
		actie, fTrace, fSpan, fEntity}
}

// copyUUID is a UUID in text as COPY sends it best: pgx encodes a string for a uuid column in
// binary only after a failed first try, which builds an error (fmt.Errorf) for every value of every
// row — a few per cent of the ingest server's time. Text that is not a UUID is passed on as it is,
// for PostgreSQL to refuse.
func copyUUID(s string) any {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 { // uuid.Parse also takes forms PostgreSQL does not ("urn:uuid:…")
		return s
	}
	return pgtype.UUID{Bytes: u, Valid: true}
}

// insertEvents writes events into processing_events with one COPY. Ingested batches and Inzicht's own
// records of staff views both go through here, so whatever comes to watch the log sees a single path.
//
// The same transaction lists the events in event_outbox, one row for the whole call (migration 30):
// the integrator (IntegrateLog) folds them into the persons' summaries and gives them their leaves in
// the verifiable log, and until then the summary a citizen reads adds them itself (summarySQL).
func insertEvents(ctx context.Context, tx pgx.Tx, rows []eventRow) (int64, error) {
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"processing_events"}, storedCols,
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return rows[i].values(), nil }))
	if err != nil {
		return n, err
	}
	ids, subjects := make([]string, len(rows)), make([]int64, len(rows))
	for i := range rows {
		ids[i], subjects[i] = rows[i].ev.ID, rows[i].subjectID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO event_outbox (event_ids, subject_ids) VALUES ($1::uuid[], $2::bigint[])`,
		ids, subjects); err != nil {
		return n, fmt.Errorf("event outbox: %w", err)
	}
	return n, nil
}

// recordStaffView records a staff member's view of a person's data in that person's log, in tx with
// the view itself. about is the signal viewed, or nil. A view without a span gets a new trace. A view
// the person can see now counts for their access alerts like an ingested event (issue 18); a view of
// a signal they were not told about yet alerts when it becomes visible (AlertReleasedLines).
func (db *DB) recordStaffView(ctx context.Context, tx pgx.Tx, s subjectRow, v portal.StaffView, now time.Time, about *portal.Signal) error {
	if v.Span.TraceID == "" {
		v.Span = staffViewSpan(ctx, v)
	}
	ev := v.Event(uuid.NewString(), now)
	row := eventRow{ev: &ev, subjectID: s.id, received: now, hash: ev.ContentHash(s.hmac), signal: about, lookup: s.hmac}
	if _, err := insertEvents(ctx, tx, []eventRow{row}); err != nil {
		return fmt.Errorf("record the view: %w", err)
	}
	if about != nil && !about.Told() {
		return nil
	}
	if _, err := db.raiseAlerts(ctx, tx, []alertCand{{subject: s.id, ev: &ev}}, false, now); err != nil {
		return fmt.Errorf("record the view: %w", err)
	}
	return nil
}

// staffViewSpan is the span a staff view is recorded under, named after the register entry the view
// falls under: the page request's span (portal.ContextWithSpan, set by the portal for every request,
// whose response's traceparent names it), or a new trace when ctx carries none.
func staffViewSpan(ctx context.Context, v portal.StaffView) portal.Span {
	name := "view " + v.Activity
	if s, ok := portal.SpanFromContext(ctx); ok {
		s.Name = name
		return s
	}
	return portal.NewSpan(name)
}

// Ingest stores a batch the caller has validated (portal.ValidateEvents) atomically: every new
// event, or nothing. The register is checked here, in the transaction (portal.CheckRegister: EINVALID
// naming each event citing an activity the register does not hold). An id already stored with the
// same content counts as a duplicate; with other content the whole batch is refused with ECONFLICT.
//
// New events are COPYed straight into processing_events, in id order. When a concurrent batch
// commits one of the same ids first, the COPY fails on the primary key; the transaction is then run
// again and finds that id stored, so it counts as a duplicate and is stored once.
func (db *DB) Ingest(ctx context.Context, apiKeyID int64, events []portal.Event) (portal.IngestResult, error) {
	return db.ingest(ctx, apiKeyID, events, nil)
}

// IngestChecked is Ingest for a batch nobody has checked yet (the API): it is validated against rules
// and the register in the transaction that stores it, with one EINVALID (or ETOOLARGE) error naming
// every broken field of every event (portal.ValidateEvents). It normalizes the events.
func (db *DB) IngestChecked(ctx context.Context, apiKeyID int64, events []portal.Event, rules portal.EventRules) (portal.IngestResult, error) {
	return db.ingest(ctx, apiKeyID, events, &rules)
}

func (db *DB) ingest(ctx context.Context, apiKeyID int64, events []portal.Event, rules *portal.EventRules) (portal.IngestResult, error) {
	res, err := db.ingestOnce(ctx, apiKeyID, events, rules)
	if err != nil {
		var pe *portal.Error
		if errors.As(err, &pe) {
			return portal.IngestResult{}, err
		}
		return portal.IngestResult{}, fmt.Errorf("postgres: ingest %d events: %w", len(events), err)
	}
	return res, nil
}

func (db *DB) ingestOnce(ctx context.Context, apiKeyID int64, events []portal.Event, rules *portal.EventRules) (portal.IngestResult, error) {
	var res portal.IngestResult
	now := db.now().UTC()
	// The first attempt does not look the ids up: a new batch holds none stored (a retry is rare),
	// and the COPY fails on the primary key when it does, or when a concurrent batch commits one of
	// the same ids first. The transaction then runs again, looks the ids up and finds them stored.
	lookup := false
	err := db.transactRepeat(ctx, "processing_events_pkey", func(tx pgx.Tx) error {
		var err error
		res, err = db.ingestTx(ctx, tx, apiKeyID, events, rules, now, lookup)
		lookup = true
		return err
	})
	return res, err
}

// ingestTx stores a batch in tx (see Ingest): checks it against the register (and rules when given),
// finds or creates the subjects, tells duplicates from conflicts by content hash and COPYs the new
// events through insertEvents. The native API, OTLP and VNG verwerkingsacties all come through here.
//
// With lookup false it does not look for ids already stored: the COPY then fails on the primary key
// if one is (see ingestOnce).
func (db *DB) ingestTx(ctx context.Context, tx pgx.Tx, apiKeyID int64, events []portal.Event, rules *portal.EventRules, now time.Time, lookup bool) (portal.IngestResult, error) {
	var res portal.IngestResult
	if err := checkBatch(ctx, tx, events, rules); err != nil {
		return res, err
	}
	bsns := make([]string, len(events))
	ids := make([]string, len(events))
	for i := range events {
		bsns[i], ids[i] = events[i].SubjectBSN, events[i].ID
	}
	subjects, lookups, err := db.subjectIDs(ctx, tx, bsns)
	if err != nil {
		return res, err
	}
	hashes := make([][]byte, len(events))
	for i := range events {
		hashes[i] = events[i].ContentHash(lookups[events[i].SubjectBSN])
	}
	stored := map[int][]byte{}
	if lookup {
		if stored, err = storedHashes(ctx, tx, "processing_events", ids); err != nil {
			return res, err
		}
	}
	var conflicts []int
	fresh := make([]int, 0, len(events))
	seen := make(map[string]bool, len(events))
	for i := range events {
		if h, ok := stored[i]; ok {
			if !bytes.Equal(h, hashes[i]) {
				conflicts = append(conflicts, i)
			}
			continue
		}
		if !seen[ids[i]] { // a repeat inside the batch has the same content (ValidateEvents checks)
			seen[ids[i]] = true
			fresh = append(fresh, i)
		}
	}
	if len(conflicts) > 0 {
		return res, conflictError(conflicts)
	}
	sort.Slice(fresh, func(a, b int) bool { return events[fresh[a]].ID < events[fresh[b]].ID })
	covered, err := db.consentCoverage(ctx, tx, events, fresh, subjects)
	if err != nil {
		return res, fmt.Errorf("check consents: %w", err)
	}
	batch := make([]eventRow, len(fresh))
	for j, i := range fresh {
		batch[j] = eventRow{ev: &events[i], subjectID: subjects[events[i].SubjectBSN], received: now, hash: hashes[i],
			apiKey: apiKeyID, covered: covered[i], lookup: lookups[events[i].SubjectBSN]}
	}
	n, err := insertEvents(ctx, tx, batch)
	if err != nil {
		return res, err
	}
	if err := db.alertBreakGlass(ctx, tx, events, fresh, now); err != nil {
		return res, err
	}
	// The persons' own access alerts (issue 18); one cheap query when nobody in the batch has one.
	if err := db.alertCitizens(ctx, tx, events, fresh, subjects, now); err != nil {
		return res, err
	}
	res.Accepted = int(n)
	res.Duplicates = len(events) - res.Accepted
	return res, nil
}

// StoreChainSpans keeps OTLP spans without a data subject, so that a chain can be followed. A span
// already kept (same trace and span id) with the same content is left as it was; with other content
// it is left as it was too, and its index is returned in conflicts. The caller validates the spans
// (portal.ChainSpan.Validate) and sends each (trace, span id) once.
func (db *DB) StoreChainSpans(ctx context.Context, apiKeyID int64, spans []portal.ChainSpan) (conflicts []int, err error) {
	if len(spans) == 0 {
		return nil, nil
	}
	now := db.now().UTC()
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		conflicts = nil
		b := &pgx.Batch{}
		for _, s := range spans {
			var parent any
			if s.ParentSpanID != "" {
				parent = s.ParentSpanID
			}
			var fTrace, fSpan any
			var fEntity string
			if f := s.Foreign; f != nil {
				fTrace, fSpan, fEntity = f.TraceID, f.SpanID, f.Entity
			}
			b.Queue(`INSERT INTO otlp_chain_spans (trace_id, span_id, parent_span_id, name, started_at, failed, system,
 activity_id, api_key_id, received_at, foreign_trace_id, foreign_span_id, foreign_entity)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
				s.TraceID, s.SpanID, parent, s.Name, s.StartedAt, s.Failed, s.System, s.Activity, apiKeyID, now,
				fTrace, fSpan, fEntity)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		// Compare what is kept now with what was sent: a span kept before with other content conflicts.
		traces, ids := make([]string, len(spans)), make([]string, len(spans))
		for i, s := range spans {
			traces[i], ids[i] = s.TraceID, s.SpanID
		}
		rows, _ := tx.Query(ctx, `SELECT k.i::int, c.parent_span_id, c.name, c.started_at, c.failed, c.system, c.activity_id,
 c.foreign_trace_id, c.foreign_span_id, c.foreign_entity
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(trace_id, span_id, i)
JOIN otlp_chain_spans c ON c.trace_id = k.trace_id AND c.span_id = k.span_id`, traces, ids)
		var i int
		var parent, fTrace, fSpan *string
		var kept portal.ChainSpan
		var fEntity string
		_, err := pgx.ForEachRow(rows, []any{&i, &parent, &kept.Name, &kept.StartedAt, &kept.Failed, &kept.System, &kept.Activity,
			&fTrace, &fSpan, &fEntity}, func() error {
			s := spans[i-1]
			kept.TraceID, kept.SpanID, kept.ParentSpanID, kept.Foreign = s.TraceID, s.SpanID, "", nil
			if parent != nil {
				kept.ParentSpanID = *parent
			}
			if fTrace != nil && fSpan != nil {
				kept.Foreign = &portal.ForeignOperation{TraceID: *fTrace, SpanID: *fSpan, Entity: fEntity}
			}
			if !sameChainSpan(kept, s) {
				conflicts = append(conflicts, i-1)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: store %d chain spans: %w", len(spans), err)
	}
	slices.Sort(conflicts)
	return conflicts, nil
}

// sameChainSpan reports whether a kept chain span has the content of a sent one (times to the
// microsecond that PostgreSQL keeps).
func sameChainSpan(kept, sent portal.ChainSpan) bool {
	if (kept.Foreign == nil) != (sent.Foreign == nil) || kept.Foreign != nil && *kept.Foreign != *sent.Foreign {
		return false
	}
	kept.Foreign, sent.Foreign = nil, nil
	return kept.Span == sent.Span && kept.StartedAt.Equal(sent.StartedAt.Truncate(time.Microsecond)) &&
		kept.System == sent.System && kept.Activity == sent.Activity
}

// checkBatch checks a batch against the register as it stands in tx, and against rules when given
// (see Ingest and IngestChecked). The register is small and entries are never deleted; the table has no foreign key
// for it (see migration 8).
func checkBatch(ctx context.Context, tx pgx.Tx, events []portal.Event, rules *portal.EventRules) error {
	var cited []string
	for i := range events {
		if !slices.Contains(cited, events[i].Activity) {
			cited = append(cited, events[i].Activity)
		}
	}
	rows, _ := tx.Query(ctx, `SELECT id FROM processing_activities WHERE id = ANY($1)`, cited)
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("check activities: %w", err)
	}
	inRegister := func(id string) bool { return slices.Contains(known, id) }
	if rules != nil {
		return portal.ValidateEvents(events, *rules, inRegister)
	}
	return portal.CheckRegister(events, inRegister)
}

// conflictError names the events (by index) whose id is stored with other content.
func conflictError(idx []int) error {
	e := &portal.Error{Code: portal.ECONFLICT, Message: "an event with the same id but other content is already stored; nothing was stored"}
	for _, i := range idx {
		e.Fields = append(e.Fields, portal.FieldError{Index: i, Field: "id", Message: "already stored with other content"})
	}
	return e
}

const eventCols = `e.id::text, e.occurred_at, e.received_at, e.action, e.data_categories, e.level, e.actor_organization,
 e.actor_team, e.actor_role, e.actor_employee_id, e.actor_employee_name, e.system, e.case_ref, e.recipient,
 e.access_basis, e.break_glass_reason, e.consent_ref, e.against_will_decision_ref, e.against_will_reason,
 e.against_will_approved_by, e.confidential_until, e.confidential_reason,
 a.id, a.name_nl, a.name_en, a.purpose_nl, a.purpose_en, a.legal_basis_nl, a.legal_basis_en, a.data_categories,
 a.retention, a.controller, e.consent_covered, ` + consentOfEventCols + `, ` + spanCols

// consentOfEventCols are the id and reference of the consent request an event cites by UUID or by
// TS reference (” when none).
const consentOfEventCols = `coalesce((SELECT c.id::text || ' ' || c.reference FROM consents c WHERE e.access_basis = 'consent'
 AND (c.reference = upper(e.consent_ref) OR c.id = CASE WHEN e.consent_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
 THEN e.consent_ref::uuid END) LIMIT 1), '')`

// spanCols are the columns of the span an event came from (migrations 13 and 14), read by spanScan.
const spanCols = `e.trace_id, e.span_id, e.parent_span_id, e.span_name, e.failed, e.foreign_trace_id, e.foreign_span_id,
 e.foreign_entity`

// spanScan receives spanCols.
type spanScan struct {
	trace, span, parent, fTrace, fSpan *string
	name, fEntity                      string
	failed                             bool
}

func (s *spanScan) dest() []any {
	return []any{&s.trace, &s.span, &s.parent, &s.name, &s.failed, &s.fTrace, &s.fSpan, &s.fEntity}
}

// result returns the span, or nil for an event that did not come from one.
func (s *spanScan) result() *portal.Span {
	if s.trace == nil || s.span == nil {
		return nil
	}
	sp := &portal.Span{TraceID: *s.trace, SpanID: *s.span, Name: s.name, Failed: s.failed}
	if s.parent != nil {
		sp.ParentSpanID = *s.parent
	}
	if s.fTrace != nil && s.fSpan != nil {
		sp.Foreign = &portal.ForeignOperation{TraceID: *s.fTrace, SpanID: *s.fSpan, Entity: s.fEntity}
	}
	return sp
}

func scanEvent(row pgx.CollectableRow) (portal.LoggedEvent, error) {
	var se scannedEvent
	err := row.Scan(se.dest()...)
	return se.event(), err
}

// scannedEvent receives one row of eventCols.
type scannedEvent struct {
	e       portal.LoggedEvent
	consent string // "id reference" of the cited consent request
	aw      portal.AgainstWill
	sp      spanScan
}

func (s *scannedEvent) dest() []any {
	e, a := &s.e, &s.e.Activity
	return append([]any{&e.ID, &e.OccurredAt, &e.ReceivedAt, &e.Action, &e.DataCategories, &e.Level, &e.Actor.Organization,
		&e.Actor.Team, &e.Actor.Role, &e.Actor.EmployeeID, &e.Actor.EmployeeName, &e.System, &e.CaseRef, &e.Recipient,
		&e.AccessBasis, &e.BreakGlassReason, &e.ConsentRef, &s.aw.DecisionRef, &s.aw.Reason, &s.aw.ApprovedBy,
		&e.ConfidentialUntil, &e.ConfidentialReason,
		&a.ID, &a.Name.NL, &a.Name.EN, &a.Purpose.NL, &a.Purpose.EN, &a.LegalBasis.NL, &a.LegalBasis.EN,
		&a.DataCategories, &a.Retention, &a.Controller, &e.ConsentCovered, &s.consent}, s.sp.dest()...)
}

func (s *scannedEvent) event() portal.LoggedEvent {
	e := s.e
	e.Span = s.sp.result()
	e.ConsentID, e.ConsentReference, _ = strings.Cut(s.consent, " ")
	if s.aw != (portal.AgainstWill{}) {
		aw := s.aw
		e.AgainstWill = &aw
	}
	e.Event.Activity = e.Activity.ID
	return e
}

// visibleSQL is the condition under which event e is visible to its person at the time in the
// parameter now (for example "$2"): it is not, or no longer, confidential. Every read of events on a
// person's behalf (their own log, another system reading it through the API) goes through it.
func visibleSQL(now string) string {
	return "(e.confidential_until IS NULL OR e.confidential_until <= " + now + ")"
}

// Events returns a page of a citizen's log, newest first, leaving out events that are still
// confidential. It returns at most f.Limit events and whether older ones follow.
func (db *DB) Events(ctx context.Context, subjectID int64, f portal.EventFilter) ([]portal.LoggedEvent, bool, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	evs, more, err := queryEvents(ctx, db.reader(ctx), db.now(), eventQuery{subjectID: subjectID, filter: f})
	if err != nil {
		return nil, false, fmt.Errorf("postgres: events: %w", err)
	}
	out := make([]portal.LoggedEvent, len(evs))
	for i := range evs {
		out[i] = evs[i].LoggedEvent
	}
	return out, more, nil
}

// eventQuery selects visible events: of one person (subjectID) or of anyone (0), narrowed by filter
// and, for reads by other systems, by trace and register entry.
type eventQuery struct {
	subjectID int64
	filter    portal.EventFilter
	traceID   string // the trace; also matches the event whose id is this trace id as a UUID
	activity  string
	// toInclusive makes filter.To part of the period.
	toInclusive bool
	// released: only events that were confidential (true) or never were (false); nil: both.
	released *bool
}

// subjectEvent is a visible event with the person it belongs to.
type subjectEvent struct {
	portal.LoggedEvent
	subjectID int64
}

// queryEvents is the one query for visible events (visibleSQL), newest first: a person's own log
// and the reads of other systems. It returns at most q.filter.Limit events and whether more follow.
func queryEvents(ctx context.Context, db querier, now time.Time, q eventQuery) ([]subjectEvent, bool, error) {
	sql, args, reverse := eventsSQL(now, q)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, err
	}
	return collectEvents(rows, q.filter.Limit, reverse)
}

// eventsSQL is the query of queryEvents, with its arguments; reverse says it reads the index
// backwards (the previous or the last page), so collectEvents turns the rows round.
func eventsSQL(now time.Time, q eventQuery) (string, []any, bool) {
	f := q.filter
	sb := strings.Builder{}
	args := []any{now}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	sb.WriteString(`SELECT e.subject_id, ` + eventCols + ` FROM processing_events e JOIN processing_activities a ON a.id = e.activity_id
WHERE ` + visibleSQL("$1"))
	if q.subjectID != 0 {
		sb.WriteString(" AND e.subject_id = " + arg(q.subjectID))
	}
	if q.traceID != "" {
		if id, err := uuid.Parse(q.traceID); err == nil {
			sb.WriteString(fmt.Sprintf(" AND (e.trace_id = %s OR (e.trace_id IS NULL AND e.id = %s::uuid))", arg(q.traceID), arg(id.String())))
		} else {
			sb.WriteString(" AND e.trace_id = " + arg(q.traceID))
		}
	}
	if q.activity != "" {
		sb.WriteString(" AND e.activity_id = " + arg(q.activity))
	}
	if q.released != nil {
		sb.WriteString(map[bool]string{true: " AND e.confidential_until IS NOT NULL", false: " AND e.confidential_until IS NULL"}[*q.released])
	}
	if !f.From.IsZero() {
		sb.WriteString(" AND e.occurred_at >= " + arg(f.From))
	}
	if !f.To.IsZero() {
		op := " < "
		if q.toInclusive {
			op = " <= "
		}
		sb.WriteString(" AND e.occurred_at" + op + arg(f.To))
	}
	if f.Organization != "" {
		sb.WriteString(" AND e.actor_organization = " + arg(f.Organization))
	}
	if f.Category != "" {
		sb.WriteString(" AND " + arg(f.Category) + " = ANY(e.data_categories)")
	}
	sb.WriteString(filterSQL(f, arg))
	if f.After != nil {
		sb.WriteString(fmt.Sprintf(" AND (e.occurred_at, e.id) < (%s, %s::uuid)", arg(f.After.OccurredAt), arg(f.After.ID)))
	}
	// The previous and the last page are read from the other end of the same index and turned round.
	reverse := f.Before != nil || f.Oldest
	if f.Before != nil {
		sb.WriteString(fmt.Sprintf(" AND (e.occurred_at, e.id) > (%s, %s::uuid)", arg(f.Before.OccurredAt), arg(f.Before.ID)))
	}
	if reverse {
		sb.WriteString(" ORDER BY e.occurred_at, e.id LIMIT " + arg(f.Limit+1))
	} else {
		sb.WriteString(" ORDER BY e.occurred_at DESC, e.id DESC LIMIT " + arg(f.Limit+1))
	}
	return sb.String(), args, reverse
}

// collectEvents reads the rows of eventsSQL: at most limit events, newest first, and whether more follow.
func collectEvents(rows pgx.Rows, limit int, reverse bool) ([]subjectEvent, bool, error) {
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (subjectEvent, error) {
		var se scannedEvent
		var out subjectEvent
		err := row.Scan(append([]any{&out.subjectID}, se.dest()...)...)
		out.LoggedEvent = se.event()
		return out, err
	})
	if err != nil {
		return nil, false, err
	}
	more := len(evs) > limit
	if more {
		evs = evs[:limit]
	}
	if reverse {
		slices.Reverse(evs)
	}
	return evs, more, nil
}

// filterSQL is the condition of a person's log filter f on events e joined with their register entry a,
// apart from the position in the log (After, Before): the period, organisation, category, access basis,
// action, recipient, the text search, and what someone acting for the person may see. arg adds a
// parameter and returns its placeholder.
func filterSQL(f portal.EventFilter, arg func(any) string) string {
	sb := strings.Builder{}
	if f.Organization != "" {
		sb.WriteString(" AND e.actor_organization = " + arg(f.Organization))
	}
	if f.Category != "" {
		sb.WriteString(" AND " + arg(f.Category) + " = ANY(e.data_categories)")
	}
	if f.AccessBasis != "" {
		sb.WriteString(" AND e.access_basis = " + arg(f.AccessBasis))
	}
	if f.Action != "" {
		sb.WriteString(" AND e.action = " + arg(f.Action))
	}
	if f.Recipient != "" {
		sb.WriteString(" AND e.recipient = " + arg(f.Recipient))
	}
	if f.Search != nil && f.Search.Text != "" {
		sb.WriteString(searchSQL(*f.Search, arg))
	}
	if f.For != nil {
		sb.WriteString(actingSQL(f.For, arg))
	}
	return sb.String()
}

// searchSQL is the condition that the line of event e (with register entry a) shows the text of s.
// It is a case-insensitive substring match (ILIKE) with the LIKE wildcards of the text escaped, so
// that what the citizen typed is matched literally. It has no index of its own and needs none: it is
// only ever added to a query bounded to one person (subject_id), whose rows the index on
// (subject_id, occurred_at, id) delivers newest first, so its cost is at most the person's own rows
// (and a page stops as soon as it is full).
func searchSQL(s portal.LogSearch, arg func(any) string) string {
	p := arg("%" + likeEscaper.Replace(s.Text) + "%")
	name, purpose := "a.name_nl", "a.purpose_nl"
	if s.Lang == "en" { // as portal.Text.In: the English text when there is one
		name, purpose = "coalesce(nullif(a.name_en, ''), a.name_nl)", "coalesce(nullif(a.purpose_en, ''), a.purpose_nl)"
	}
	cols := []string{name, purpose, "e.actor_organization", "e.actor_team", "e.actor_role", "e.recipient", "e.case_ref"}
	conds := make([]string, 0, len(cols)+2)
	for _, c := range cols {
		conds = append(conds, c+" ILIKE "+p)
	}
	if len(s.Actions) > 0 {
		conds = append(conds, "e.action = ANY("+arg(s.Actions)+"::text[])")
	}
	if len(s.Categories) > 0 {
		conds = append(conds, "e.data_categories && "+arg(s.Categories)+"::text[]")
	}
	return " AND (" + strings.Join(conds, " OR ") + ")"
}

// likeEscaper escapes the LIKE wildcards (and the escape character itself, backslash by default).
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// CountEvents counts the events of a person's log that filter f selects (its position and limit aside),
// stopping at max: it returns max+1 when there are more. It is the same bounded query as Events — one
// person's rows through the (subject_id, occurred_at, id) index, filtered — without the page limit,
// so its cost grows with the person's matching events up to max, never past them and never with other
// people's events. The page uses it only with a filter: the unfiltered total is in the summary.
func (db *DB) CountEvents(ctx context.Context, subjectID int64, f portal.EventFilter, max int) (int, error) {
	args := []any{db.now(), subjectID}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	q := `SELECT count(*) FROM (SELECT 1 FROM processing_events e JOIN processing_activities a ON a.id = e.activity_id
WHERE ` + visibleSQL("$1") + " AND e.subject_id = $2"
	if !f.From.IsZero() {
		q += " AND e.occurred_at >= " + arg(f.From)
	}
	if !f.To.IsZero() {
		q += " AND e.occurred_at < " + arg(f.To)
	}
	q += filterSQL(f, arg) + " LIMIT " + arg(max+1) + ") x"
	var n int
	if err := db.reader(ctx).QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count events: %w", err)
	}
	return n, nil
}

// LogOptions returns the actions and recipients in a person's visible log, as someone acting for them
// (acting, nil for the person themselves) may see it, for the filters of /verwerkingen. It reads the
// person's own rows only (through the subject_id index), so it costs what the person's log is long.
func (db *DB) LogOptions(ctx context.Context, subjectID int64, acting *portal.Acting) (actions, recipients []string, err error) {
	sql, args := logOptionsSQL(db.now(), subjectID, acting)
	if err = db.reader(ctx).QueryRow(ctx, sql, args...).Scan(&actions, &recipients); err != nil {
		return nil, nil, fmt.Errorf("postgres: log options: %w", err)
	}
	return actions, recipients, nil
}

// logOptionsSQL is the query of LogOptions, with its arguments.
func logOptionsSQL(now time.Time, subjectID int64, acting *portal.Acting) (string, []any) {
	args := []any{now, subjectID}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	cond := ""
	if acting != nil {
		cond = actingSQL(acting, arg)
	}
	return `SELECT coalesce(array_agg(DISTINCT e.action) FILTER (WHERE e.action <> ''), '{}'),
       coalesce(array_agg(DISTINCT e.recipient) FILTER (WHERE e.recipient <> ''), '{}')
FROM processing_events e WHERE ` + visibleSQL("$1") + ` AND e.subject_id = $2` + cond, args
}

// financialSQL is the condition that event e falls under a register entry marked financial.
const financialSQL = "e.activity_id IN (SELECT activity_id FROM financial_activities)"

// actingSQL narrows a read of events e for someone acting for the person: an administrator sees
// financial processing only; no representative sees the records of views of a signal hidden from
// them (hiddenFromRep). arg adds a parameter and returns its placeholder.
func actingSQL(a *portal.Acting, arg func(any) string) string {
	cond := ""
	if a.FinancialOnly() {
		cond += " AND " + financialSQL
	}
	cond += " AND (e.signal_id IS NULL OR NOT EXISTS (SELECT 1 FROM signals hs WHERE hs.id = e.signal_id AND " +
		hiddenFromRep("hs.id", "hs.category", arg(a.Rep.ID), arg(portal.HiddenSignalCategories)) + "))"
	return cond
}

// Event returns one event of a citizen. Another citizen's event, an unknown id and a still
// confidential event all give ENOTFOUND.
func (db *DB) Event(ctx context.Context, subjectID int64, id string) (portal.LoggedEvent, error) {
	return db.EventFor(ctx, subjectID, id, nil)
}

// EventFor is Event for someone acting for the person (acting, nil for the person themselves): an
// event outside what they may see (actingSQL) is ENOTFOUND, as if it did not exist.
func (db *DB) EventFor(ctx context.Context, subjectID int64, id string, acting *portal.Acting) (portal.LoggedEvent, error) {
	if _, err := uuid.Parse(id); err != nil {
		return portal.LoggedEvent{}, portal.Errorf(portal.ENOTFOUND, "no such processing event")
	}
	args := []any{id, subjectID, db.now()}
	cond := ""
	if acting != nil {
		cond = actingSQL(acting, func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
	}
	rows, err := db.reader(ctx).Query(ctx, `SELECT `+eventCols+` FROM processing_events e
JOIN processing_activities a ON a.id = e.activity_id
WHERE e.id = $1::uuid AND e.subject_id = $2 AND `+visibleSQL("$3")+cond, args...)
	if err != nil {
		return portal.LoggedEvent{}, fmt.Errorf("postgres: event: %w", err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanEvent)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, portal.Errorf(portal.ENOTFOUND, "no such processing event")
	}
	if err != nil {
		return e, fmt.Errorf("postgres: event: %w", err)
	}
	if err := db.chainOrigin(ctx, &e); err != nil {
		return e, err
	}
	return e, nil
}

// chainOrigin sets e.Origin and e.OriginOrganization when e came from a span that was part of a chain
// started at another organisation: the span's own foreign operation, or else the first one (by start)
// among the spans kept for the same trace.
func (db *DB) chainOrigin(ctx context.Context, e *portal.LoggedEvent) error {
	if e.Span == nil {
		return nil
	}
	if e.Span.Foreign != nil {
		return db.setOrigin(ctx, e, *e.Span.Foreign)
	}
	var f portal.ForeignOperation
	err := db.pool.QueryRow(ctx, `SELECT foreign_trace_id, foreign_span_id, foreign_entity FROM otlp_chain_spans
WHERE trace_id = $1 AND foreign_trace_id IS NOT NULL ORDER BY started_at, span_id LIMIT 1`, e.Span.TraceID).
		Scan(&f.TraceID, &f.SpanID, &f.Entity)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgres: chain origin: %w", err)
	}
	return db.setOrigin(ctx, e, f)
}

// setOrigin sets e's origin to the foreign operation f and names its organisation when known.
func (db *DB) setOrigin(ctx context.Context, e *portal.LoggedEvent, f portal.ForeignOperation) error {
	name, err := db.OrganizationByEntity(ctx, f.Entity)
	if err != nil {
		return err
	}
	e.Origin, e.OriginOrganization = &f, name
	return nil
}

// OrganizationByEntity names the organisation whose LDV entity is entity, or returns "" when it is
// not known. It is the one place such a name is looked up, in this order: a URI that is a register
// entry's URI (or a URI under it) names that entry's controller; an entity that names an OIN (a bare
// OIN, urn:nl:oin:<OIN>, or a URL whose last path segment is one: portal.EntityOIN) names the
// organisation with that OIN in the organisations table; an entity equal to a controller's name is
// that name.
func (db *DB) OrganizationByEntity(ctx context.Context, entity string) (string, error) {
	entity = strings.TrimSpace(entity)
	if entity == "" {
		return "", nil
	}
	var name string
	err := db.pool.QueryRow(ctx, `SELECT name FROM (
(SELECT a.controller AS name, 1 AS rank FROM activity_uris u JOIN processing_activities a ON a.id = u.activity_id
 WHERE u.uri = $1 OR starts_with(u.uri, rtrim($1, '/') || '/') ORDER BY u.uri = $1 DESC, u.activity_id LIMIT 1)
UNION ALL
(SELECT name, 2 FROM organisations WHERE oin = $2)
UNION ALL
(SELECT controller, 3 FROM processing_activities WHERE lower(controller) = lower($1) LIMIT 1)
) found ORDER BY rank LIMIT 1`, entity, portal.EntityOIN(entity)).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: organisation by entity: %w", err)
	}
	return name, nil
}

// Summary returns counts over a citizen's visible events: the pre-aggregated summary of the events
// that were never confidential (subject_summaries, folded by the integrator; those not folded yet are
// added from the outbox), plus a live count of the rare
// ones that were confidential and are visible now. Its cost does not grow with the size of the log.
// The consent count is of lines whose consent held: the summary counts every consent line, so the
// rare lines whose consent did not hold (consent_covered = false, found through a small partial
// index) are taken off live.
func (db *DB) Summary(ctx context.Context, subjectID int64) (portal.Summary, error) {
	return db.SummaryFor(ctx, subjectID, nil)
}

// SummaryFor is Summary for someone acting for the person (acting, nil for the person themselves):
// the counts are then made directly over the events they may see (actingSQL); the pre-aggregated
// summary covers every event.
func (db *DB) SummaryFor(ctx context.Context, subjectID int64, acting *portal.Acting) (portal.Summary, error) {
	sql, args := summarySQL(db.now(), subjectID, acting)
	s, err := scanSummary(db.reader(ctx).QueryRow(ctx, sql, args...))
	if err != nil {
		return s, fmt.Errorf("postgres: summary: %w", err)
	}
	return s, nil
}

// summarySQL is the query of SummaryFor, with its arguments: for the person themselves (acting nil)
// the pre-aggregated summary plus the live rest; for someone acting for them, counts made directly
// over the events they may see (actingSQL). scanSummary reads its one row.
func summarySQL(now time.Time, subjectID int64, acting *portal.Acting) (string, []any) {
	args := []any{subjectID, now, now.AddDate(-1, 0, 0)}
	if acting != nil {
		cond := actingSQL(acting, func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
		return `
WITH v AS (SELECT * FROM processing_events e WHERE e.subject_id = $1 AND ` + visibleSQL("$2") + cond + `)
SELECT count(*), count(*) FILTER (WHERE occurred_at >= $3), count(*) FILTER (WHERE access_basis = 'break_glass'),
       count(*) FILTER (WHERE access_basis = 'against_will'), count(*) FILTER (WHERE access_basis = 'consent' AND consent_covered IS NOT FALSE),
       max(occurred_at),
       ARRAY(SELECT DISTINCT actor_organization FROM v WHERE actor_organization <> '' ORDER BY 1),
       ARRAY(SELECT DISTINCT c FROM v, unnest(v.data_categories) AS c ORDER BY 1)
FROM v`, args
	}
	// live: what the pre-aggregated summary does not hold: the events that were confidential and are
	// visible now, and the never-confidential ones still listed in the outbox (not folded yet; the
	// integrator folds a batch and removes it from the outbox in one transaction, so this one
	// statement sees each event in exactly one of the two).
	return `
WITH pend AS (
  SELECT u.id FROM event_outbox o, unnest(o.event_ids, o.subject_ids) AS u(id, s)
  WHERE o.subject_ids @> ARRAY[$1::bigint] AND u.s = $1),
live AS (
  SELECT * FROM processing_events
  WHERE subject_id = $1 AND confidential_until IS NOT NULL AND confidential_until <= $2
  UNION ALL
  SELECT e.* FROM pend JOIN processing_events e ON e.id = pend.id WHERE e.confidential_until IS NULL),
sum AS (SELECT * FROM subject_summaries WHERE subject_id = $1)
SELECT coalesce((SELECT total FROM sum), 0) + (SELECT count(*) FROM live),
       (SELECT count(*) FROM processing_events WHERE subject_id = $1 AND occurred_at >= $3)
         - (SELECT count(*) FROM processing_events WHERE subject_id = $1 AND occurred_at >= $3
              AND confidential_until IS NOT NULL AND confidential_until > $2),
       coalesce((SELECT break_glass FROM sum), 0) + (SELECT count(*) FROM live WHERE access_basis = 'break_glass'),
       coalesce((SELECT against_will FROM sum), 0) + (SELECT count(*) FROM live WHERE access_basis = 'against_will'),
       coalesce((SELECT consent FROM sum), 0) + (SELECT count(*) FROM live WHERE access_basis = 'consent' AND consent_covered IS NOT FALSE)
         - (SELECT count(*) FROM processing_events WHERE subject_id = $1 AND consent_covered = false AND confidential_until IS NULL
              AND id NOT IN (SELECT id FROM pend)),
       greatest((SELECT latest FROM sum), (SELECT max(occurred_at) FROM live)),
       ARRAY(SELECT DISTINCT o FROM (SELECT unnest(organizations) FROM sum
                                      UNION ALL SELECT actor_organization FROM live WHERE actor_organization <> '') AS x(o) ORDER BY o),
       ARRAY(SELECT DISTINCT c FROM (SELECT unnest(categories) FROM sum
                                      UNION ALL SELECT unnest(data_categories) FROM live) AS x(c) ORDER BY c)`, args
}

// scanSummary reads the row of summarySQL.
func scanSummary(row pgx.Row) (portal.Summary, error) {
	var s portal.Summary
	var latest *time.Time
	err := row.Scan(&s.Total, &s.LastYear, &s.BreakGlass, &s.AgainstWill, &s.Consent, &latest, &s.Organizations, &s.Categories)
	if latest != nil {
		s.Latest = *latest
	}
	return s, err
}

// VisibleTo returns which of ids, events of subjectID, someone acting for the person may see
// (actingSQL): for a list already selected otherwise, such as the overview in an inspection decision.
func (db *DB) VisibleTo(ctx context.Context, subjectID int64, ids []string, acting *portal.Acting) (map[string]bool, error) {
	args := []any{subjectID, ids}
	cond := actingSQL(acting, func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
	rows, _ := db.pool.Query(ctx, `SELECT e.id::text FROM processing_events e WHERE e.subject_id = $1 AND e.id = ANY($2::uuid[])`+cond, args...)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: visible to: %w", err)
	}
	out := make(map[string]bool, len(got))
	for _, id := range got {
		out[id] = true
	}
	return out, nil
}
