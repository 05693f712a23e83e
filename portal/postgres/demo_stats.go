package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// The demo's history for the council's figures: two years of finished requests, signals and consent
// requests of synthetic residents, written in bulk (one statement per table) instead of through the
// one-at-a-time paths, so that the demo still starts in seconds. Only the demo uses it. Every row is
// finished (decided or withdrawn requests, told signals with a retention decision, answered consent
// requests), so none of it lands in a clerk's queue; the residents' BSNs go through the vault like
// every other BSN.

// DemoRequest is a finished rights request of the demo's history.
type DemoRequest struct {
	ID, BSN    string
	Kind       portal.RequestKind
	Outcome    portal.Outcome // "" when withdrawn
	Ground     portal.RefusalGround
	CoSignedBy string // the team lead who co-signed a decision against the person's will
	CoSigner   string
	ReceivedAt time.Time
	ClosedAt   time.Time // decided, or withdrawn
	Extended   bool      // the deadline was extended by two months
}

// DemoSignal is a finished signal: told (at once, or when its approved deferral ended) and decided on.
type DemoSignal struct {
	ID, BSN, Category, Reporter, Team string
	RegisteredAt, ToldAt              time.Time
	DeferralReason                    string // "" when telling was not deferred
	Retention                         string // vernietigen, actie, bewaren
	RetentionAt                       time.Time
	ReviewAt                          time.Time // bewaren: when to look again
}

// DemoConsent is an answered consent request.
type DemoConsent struct {
	ID, BSN, Status                    string // granted, refused, withdrawn, expired
	DataItem, DataHolder, Purpose, Org string
	CreatedAt, DecidedAt               time.Time
	WithdrawnAt                        *time.Time
	ValidUntil                         time.Time // a date (Europe/Amsterdam)
}

// DemoHistory is what LoadDemoHistory writes.
type DemoHistory struct {
	Requests []DemoRequest
	Signals  []DemoSignal
	Consents []DemoConsent
}

// DemoHistoryResult counts the new rows.
type DemoHistoryResult struct{ Subjects, Requests, Signals, Consents int }

// LoadDemoHistory writes the history in one transaction; rows whose id is already there are left
// alone, so loading it again adds nothing.
func (db *DB) LoadDemoHistory(ctx context.Context, h DemoHistory) (DemoHistoryResult, error) {
	var res DemoHistoryResult
	var bsns []string
	for _, r := range h.Requests {
		bsns = append(bsns, r.BSN)
	}
	for _, s := range h.Signals {
		bsns = append(bsns, s.BSN)
	}
	for _, c := range h.Consents {
		bsns = append(bsns, c.BSN)
	}
	scope, _ := json.Marshal(portal.Scope{All: true})
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var before int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM subjects`).Scan(&before); err != nil {
			return err
		}
		ids, _, err := db.subjectIDs(ctx, tx, bsns)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) - $1 FROM subjects`, before).Scan(&res.Subjects); err != nil {
			return err
		}
		if res.Requests, err = demoRequests(ctx, tx, h.Requests, ids, scope); err != nil {
			return fmt.Errorf("demo requests: %w", err)
		}
		if res.Signals, err = demoSignals(ctx, tx, h.Signals, ids); err != nil {
			return fmt.Errorf("demo signals: %w", err)
		}
		if res.Consents, err = demoConsents(ctx, tx, h.Consents, ids); err != nil {
			return fmt.Errorf("demo consent requests: %w", err)
		}
		return nil
	})
	return res, wrapErr("demo history", err)
}

func demoRequests(ctx context.Context, tx pgx.Tx, rs []DemoRequest, ids map[string]int64, scope []byte) (int, error) {
	n := len(rs)
	id, subj, kind, outcome, ground, cosig, cosigName := make([]string, n), make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	received, closed, first, deadline := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	extended := make([]bool, n)
	for i, r := range rs {
		id[i], subj[i], kind[i], outcome[i], ground[i] = r.ID, ids[r.BSN], string(r.Kind), string(r.Outcome), string(r.Ground)
		cosig[i], cosigName[i], received[i], closed[i], extended[i] = r.CoSignedBy, r.CoSigner, r.ReceivedAt, r.ClosedAt, r.Extended
		first[i] = portal.Deadline(r.ReceivedAt)
		deadline[i] = first[i]
		if r.Extended {
			deadline[i] = portal.AddMonths(first[i].In(portal.Amsterdam), 2)
		}
	}
	rows, _ := tx.Query(ctx, `WITH src AS (
  SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::bool[])
    AS x(id, subject_id, kind, outcome, ground, cosigned_by, cosigner, received_at, closed_at, first_deadline, deadline, extended)
  WHERE NOT EXISTS (SELECT 1 FROM rights_requests r WHERE r.id = x.id)),
numbered AS (SELECT src.*, nextval('rights_request_number') AS number FROM src)
INSERT INTO rights_requests (id, number, reference, subject_id, kind, status, scope, description, received_at,
  first_deadline, deadline, extension_reason, assignee_sub, assignee_name, outcome, motivation, corrections, decided_at,
  updated_at, refusal_ground, cosigned_by, cosigner_name)
SELECT id, number, 'AVG-' || extract(year FROM received_at AT TIME ZONE 'Europe/Amsterdam') || '-' || lpad(number::text, 6, '0'),
  subject_id, kind, CASE WHEN outcome = '' THEN 'ingetrokken' ELSE 'besloten' END, $13::jsonb,
  'Verzoek uit de demo-geschiedenis van de gemeente.', received_at, first_deadline, deadline,
  CASE WHEN extended THEN 'Veel gegevens bij verschillende teams; meer tijd nodig om alles te verzamelen.' ELSE '' END,
  CASE WHEN outcome = '' THEN '' ELSE 'medewerker' END, CASE WHEN outcome = '' THEN '' ELSE 'Mia Medewerker' END, outcome,
  CASE WHEN outcome IN ('deels_toegewezen','afgewezen') THEN 'Zie de brief: de reden staat erin.' ELSE '' END,
  CASE WHEN kind = 'rectificatie' AND outcome IN ('toegewezen','deels_toegewezen') THEN 'Adres en telefoonnummer aangepast in het zaaksysteem.' ELSE '' END,
  CASE WHEN outcome = '' THEN NULL ELSE closed_at END, closed_at, ground, cosigned_by, cosigner
FROM numbered
RETURNING id`, id, subj, kind, outcome, ground, cosig, cosigName, received, closed, first, deadline, extended, scope)
	added, err := pgx.CollectRows(rows, pgx.RowTo[[16]byte])
	if err != nil || len(added) == 0 {
		return 0, err
	}
	// Their history: filed, perhaps extended, then decided or withdrawn.
	_, err = tx.Exec(ctx, `INSERT INTO rights_request_steps (request_id, at, kind, from_status, to_status, actor_kind, actor_role, actor_sub, actor_name, note)
SELECT r.id, s.at, s.kind, s.from_status, s.to_status, s.actor_kind, s.role, s.sub, s.name, s.note
FROM rights_requests r CROSS JOIN LATERAL (VALUES
  (r.received_at, 'filed', '', 'ontvangen', 'citizen', '', '', '', '', true),
  (r.received_at + interval '1 day', 'started', 'ontvangen', 'in_behandeling', 'staff', 'clerk', 'medewerker', 'Mia Medewerker', '', r.status = 'besloten'),
  (r.received_at + interval '20 days', 'extended', 'in_behandeling', 'verlengd', 'staff', 'clerk', 'medewerker', 'Mia Medewerker', r.extension_reason, r.extension_reason <> ''),
  (r.updated_at, CASE WHEN r.status = 'besloten' THEN 'decided' ELSE 'withdrawn' END,
   CASE WHEN r.status = 'ingetrokken' THEN 'ontvangen' WHEN r.extension_reason <> '' THEN 'verlengd' ELSE 'in_behandeling' END,
   r.status, CASE WHEN r.status = 'besloten' THEN 'staff' ELSE 'citizen' END,
   CASE WHEN r.status = 'besloten' THEN 'clerk' ELSE '' END, CASE WHEN r.status = 'besloten' THEN 'medewerker' ELSE '' END,
   CASE WHEN r.status = 'besloten' THEN 'Mia Medewerker' ELSE '' END, '', true)
) AS s(at, kind, from_status, to_status, actor_kind, role, sub, name, note, present)
WHERE r.id = ANY($1::uuid[]) AND s.present
ORDER BY r.received_at, s.at`, added)
	return len(added), err
}

func demoSignals(ctx context.Context, tx pgx.Tx, ss []DemoSignal, ids map[string]int64) (int, error) {
	n := len(ss)
	id, subj := make([]string, n), make([]int64, n)
	cat, rep, team, reason, ret, hash := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([][]byte, n)
	reg, told, retAt, review := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]*time.Time, n)
	for i, s := range ss {
		id[i], subj[i], cat[i], rep[i], team[i], reason[i], ret[i] = s.ID, ids[s.BSN], s.Category, s.Reporter, s.Team, s.DeferralReason, s.Retention
		reg[i], told[i], retAt[i] = s.RegisteredAt, s.ToldAt, s.RetentionAt
		if s.Retention == portal.RetainKeep {
			r := s.ReviewAt
			review[i] = &r
		}
		sum := sha256.Sum256([]byte("inzicht-demo/history/signal/" + s.ID))
		hash[i] = sum[:]
	}
	rows, _ := tx.Query(ctx, `WITH src AS (
  SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[],
    $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
    AS x(id, subject_id, category, reporter_kind, team, reason, retention, content_hash, registered_at, told_at, retention_at, review_at)
  WHERE NOT EXISTS (SELECT 1 FROM signals s WHERE s.id = x.id)),
ins AS (
INSERT INTO signals (id, subject_id, received_at, registered_at, source, category, reporter_kind, summary, urgency,
  handling_team, content_hash, told_at, decision_due, retention, retention_at, retention_by, case_ref, review_at, destroyed_at,
  subject_summary, subject_summary_by, subject_summary_at)
SELECT id, subject_id, registered_at - interval '1 hour', registered_at, 'api', category,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE reporter_kind END,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE 'Melding uit de demo-geschiedenis van de gemeente.' END,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE 'normal' END,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE team END,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE content_hash END,
  told_at, registered_at + interval '28 days', retention, retention_at, 'medewerker',
  CASE WHEN retention = 'actie' THEN 'Z-' || extract(year FROM registered_at) || '-' || substr(replace(id::text, '-', ''), 1, 5) ELSE '' END,
  review_at, CASE WHEN retention = 'vernietigen' THEN retention_at END,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE 'Iemand maakte zich zorgen over u en meldde dat bij de gemeente.' END,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE 'api' END,
  CASE WHEN retention = 'vernietigen' THEN NULL ELSE registered_at END
FROM src
RETURNING id)
-- An approved deferral: asked at registration, approved by a team lead within the hour, ended when
-- the person was told.
, def AS (
INSERT INTO signal_deferrals (signal_id, reason, motivation, review_at, requested_by, requester_name, requested_at,
  approve_before, initial, status, decided_by, decider_name, decided_at)
SELECT src.id, src.reason, 'Uitstel uit de demo-geschiedenis.', src.told_at, 'medewerker', 'Mia Medewerker', src.registered_at,
  src.registered_at + interval '3 days', true, 'approved', 'teamleider', 'Tom Teamleider', src.registered_at + interval '1 hour'
FROM src JOIN ins ON ins.id = src.id WHERE src.reason <> '')
SELECT count(*) FROM ins`, id, subj, cat, rep, team, reason, ret, hash, reg, told, retAt, review)
	var added int
	_, err := pgx.ForEachRow(rows, []any{&added}, func() error { return nil })
	return added, err
}

func demoConsents(ctx context.Context, tx pgx.Tx, cs []DemoConsent, ids map[string]int64) (int, error) {
	n := len(cs)
	id, subj, status, item, holder, purpose, org, hash := make([]string, n), make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([][]byte, n)
	created, decided, until := make([]time.Time, n), make([]time.Time, n), make([]string, n)
	withdrawn := make([]*time.Time, n)
	for i, c := range cs {
		id[i], subj[i], status[i], item[i], holder[i], purpose[i], org[i] = c.ID, ids[c.BSN], c.Status, c.DataItem, c.DataHolder, c.Purpose, c.Org
		created[i], decided[i], withdrawn[i] = c.CreatedAt, c.DecidedAt, c.WithdrawnAt
		until[i] = c.ValidUntil.In(portal.Amsterdam).Format("2006-01-02")
		sum := sha256.Sum256([]byte("inzicht-demo/history/consent/" + c.ID))
		hash[i] = sum[:]
	}
	tag, err := tx.Exec(ctx, `WITH src AS (
  SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[],
    $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::date[])
    AS x(id, subject_id, status, data_item, data_holder, purpose, org, content_hash, created_at, decided_at, withdrawn_at, valid_until)
  WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.id = x.id)),
numbered AS (SELECT src.*, nextval('consent_number') AS number FROM src)
INSERT INTO consents (id, subject_id, case_ref, req_org, req_team, req_role, data_item, data_holder, purpose, necessity,
  legal_ground, if_refused, valid_until, source, content_hash, created_at, status, decided_at, granted_at, withdrawn_at,
  expired_at, number, reference)
SELECT id, subject_id, 'Z-' || extract(year FROM created_at) || '-' || lpad((number % 100000)::text, 5, '0'), org, 'Wijkteam', 'Consulent',
  data_item, data_holder, purpose, 'Zonder deze gegevens kunnen wij uw aanvraag niet goed beoordelen.',
  'Toestemming van de inwoner (AVG art. 6 lid 1 onder a)', 'Wij beoordelen uw aanvraag met de gegevens die wij wel hebben.',
  valid_until, 'api', content_hash, created_at, status, decided_at,
  CASE WHEN status IN ('granted','withdrawn','expired') THEN decided_at END, withdrawn_at,
  CASE WHEN status = 'expired' THEN (valid_until + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam' END,
  number, 'TS-' || extract(year FROM created_at AT TIME ZONE 'Europe/Amsterdam') || '-' || lpad(number::text, 6, '0')
FROM numbered`, id, subj, status, item, holder, purpose, org, hash, created, decided, withdrawn, until)
	return int(tag.RowsAffected()), err
}

// ReviewDemoAccesses records the privacy officer's judgement ("justified") of the demo history's
// emergency and not-covered accesses with these event ids, as done at their time plus a week; an
// access already judged is left alone.
func (db *DB) ReviewDemoAccesses(ctx context.Context, eventIDs []string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO break_glass_reviews (event_id, justified, note, reviewed_by, reviewer_name, reviewed_at)
SELECT e.id, true, 'Besproken met het team; de toegang was nodig.', 'privacy', 'Priya Privacy', e.occurred_at + interval '7 days'
FROM processing_events e WHERE e.id = ANY($1::uuid[])
ON CONFLICT (event_id) DO NOTHING`, eventIDs)
	return wrapErr("review demo accesses", err)
}
