package benchdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/inzicht/inzicht/portal"
)

// GenerateEvents writes counts[i] processing events for subjects[i], spread over [from, to), with a
// realistic mix of activities (acts: the register's entries, at least one), actions and access bases
// (about 1 % break the glass, 0.5 % against the person's will, 1.5 % citing consent of which a tenth
// not covered). It writes server-side with generate_series, in subject order, so ten million rows take minutes, not
// hours. seq makes the ids unique across calls. The subjects' summaries are computed afresh after
// (what the integrator folds for events that arrive through the API). It returns the number of rows
// written.
func (db *DB) GenerateEvents(ctx context.Context, acts []portal.Activity, seq int64, subjects []int64, counts []int, from, to time.Time) (int64, error) {
	// The register is passed in as two arrays (ids, comma-joined categories) and indexed per row: no
	// join, so no plan that could turn a million rows into a nested loop.
	if len(acts) == 0 {
		return 0, errors.New("benchdb: generate events: no activities")
	}
	actIDs, actCats := make([]string, len(acts)), make([]string, len(acts))
	for i, a := range acts {
		actIDs[i], actCats[i] = a.ID, strings.Join(a.DataCategories, ",")
	}
	tag, err := db.pool.Exec(ctx, `
WITH rows AS (
  SELECT s.id AS subject_id, row_number() OVER () AS rn, random() AS r1, random() AS r2, random() AS r3
  FROM unnest($2::bigint[], $3::int[]) AS s(id, n), generate_series(1, s.n) AS g(i)
)
INSERT INTO processing_events (id, subject_id, occurred_at, received_at, activity_id, action, data_categories, level,
  actor_organization, actor_team, actor_role, actor_employee_id, system, case_ref, recipient, access_basis, break_glass_reason,
  consent_ref, consent_covered, against_will_decision_ref, against_will_reason, against_will_approved_by, content_hash)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex($1 + r.rn), 12, '0'))::uuid,
  r.subject_id,
  $4::timestamptz + r.r1 * ($5::timestamptz - $4::timestamptz),
  $4::timestamptz + r.r1 * ($5::timestamptz - $4::timestamptz) + interval '3 minutes',
  a.id,
  x.action,
  a.data_categories[1:1 + floor(r.r3 * cardinality(a.data_categories))::int],
  CASE WHEN r.r3 < 0.3 THEN 'that' ELSE 'what' END,
  (ARRAY['Gemeente Voorbeeldstad','Gemeente Voorbeeldstad','Sociaal Wijkteam','GGD Regio','Zorgaanbieder Noord'])[1 + floor(r.r2 * 5)::int],
  'Team ' || (1 + floor(r.r3 * 12)::int),
  (ARRAY['Wmo-consulent','Jeugdconsulent','Klantmanager inkomen','Medewerker backoffice'])[1 + floor(r.r1 * 4)::int],
  'mw-' || (1 + floor(r.r2 * 400)::int),
  'Zaaksysteem',
  'Z-' || (1 + floor(r.r3 * 900000)::int),
  CASE WHEN x.action = 'disclose' THEN 'Zorgaanbieder Noord' ELSE '' END,
  b.basis,
  CASE WHEN b.basis = 'break_glass' THEN 'Spoedsituatie: crisisdienst buiten kantoortijd' ELSE '' END,
  CASE WHEN b.basis = 'consent' THEN '00000000-0000-4000-9000-000000000001' ELSE '' END,
  CASE WHEN b.basis = 'consent' THEN r.r3 < 0.9 END,
  CASE WHEN b.basis = 'against_will' THEN 'B-2026-' || (r.rn % 1000) ELSE '' END,
  CASE WHEN b.basis = 'against_will' THEN 'Veiligheid van het kind' ELSE '' END,
  CASE WHEN b.basis = 'against_will' THEN 'Teamleider Jeugd' ELSE '' END,
  sha256(int8send($1 + r.rn))
FROM rows r,
  LATERAL (SELECT ($6::text[])[1 + (r.rn * 7919) % cardinality($6::text[])] AS id,
                  string_to_array(($7::text[])[1 + (r.rn * 7919) % cardinality($6::text[])], ',') AS data_categories) a,
  LATERAL (SELECT CASE WHEN r.r2 < 0.010 THEN 'break_glass' WHEN r.r2 < 0.015 THEN 'against_will'
                       WHEN r.r2 < 0.030 THEN 'consent' WHEN r.r2 < 0.20 THEN 'team' WHEN r.r2 < 0.32 THEN 'function'
                       ELSE 'assigned' END AS basis) b,
  LATERAL (SELECT (ARRAY['view','view','view','update','create','disclose'])[1 + floor(r.r1 * 6)::int] AS action) x`,
		seq, subjects, counts, from, to, actIDs, actCats)
	if err != nil {
		return 0, fmt.Errorf("benchdb: generate events: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `SELECT subject_summaries_recompute($1)`, subjects); err != nil {
		return 0, fmt.Errorf("benchdb: generate events: summaries: %w", err)
	}
	return tag.RowsAffected(), nil
}

// GenerateCaseload writes, for the years before until, the rights requests, signals and consent
// requests of a municipality: requests in total (kinds, outcomes, handling times, extensions and
// withdrawals mixed as in practice), a tenth as many signals and a fifth as many consent requests,
// for the given subjects, in one transaction. It is the data the council's figures are computed from.
func (db *DB) GenerateCaseload(ctx context.Context, subjects []int64, requests int, years int, until time.Time) error {
	from := until.AddDate(-years, 0, 0)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
INSERT INTO rights_requests (id, reference, subject_id, kind, status, scope, description, received_at,
  first_deadline, deadline, outcome, motivation, decided_at, updated_at)
SELECT gen_random_uuid(), 'AVG-BENCH-' || i, ($1::bigint[])[1 + (i % cardinality($1::bigint[]))],
  (ARRAY['inzage','inzage','inzage','rectificatie','wissing','beperking','bezwaar','bezwaar'])[1 + i % 8],
  CASE WHEN i % 31 = 0 THEN 'ingetrokken' WHEN rec > $4::timestamptz - interval '40 days' THEN 'in_behandeling' ELSE 'besloten' END,
  '{"all":true}', 'Generated for the benchmark', rec, rec + interval '1 month',
  rec + CASE WHEN i % 13 = 0 THEN interval '3 months' ELSE interval '1 month' END,
  CASE WHEN i % 31 = 0 OR rec > $4::timestamptz - interval '40 days' THEN ''
       ELSE (ARRAY['toegewezen','toegewezen','deels_toegewezen','afgewezen'])[1 + i % 4] END,
  '', CASE WHEN i % 31 = 0 OR rec > $4::timestamptz - interval '40 days' THEN NULL
           ELSE rec + ((i * 37) % 45) * interval '1 day' + (i % 24) * interval '1 hour' END, rec
FROM generate_series(1, $2::int) AS i,
  LATERAL (SELECT $3::timestamptz + (i::float8 / $2) * ($4::timestamptz - $3::timestamptz) AS rec) t`,
			subjects, requests, from, until); err != nil {
			return fmt.Errorf("requests: %w", err)
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO signals (id, subject_id, received_at, registered_at, source, category, told_at, decision_due, retention,
  retention_at, review_at, destroyed_at, reporter_kind, summary, urgency, handling_team, content_hash)
SELECT gen_random_uuid(), ($1::bigint[])[1 + ((i::bigint * 104729) % cardinality($1::bigint[]))], reg, reg, 'api', 'zorgmelding',
  reg + CASE WHEN i % 20 = 0 THEN ((i % 60) + 1) * interval '1 day' ELSE interval '0' END,
  reg + interval '30 days', ret, CASE WHEN ret <> '' THEN reg + interval '20 days' END,
  CASE WHEN ret = 'bewaren' THEN reg + interval '1 year' END, CASE WHEN ret = 'vernietigen' THEN reg + interval '20 days' END,
  CASE WHEN ret <> 'vernietigen' THEN 'professional' END, CASE WHEN ret <> 'vernietigen' THEN 'Generated' END,
  CASE WHEN ret <> 'vernietigen' THEN 'normal' END, CASE WHEN ret <> 'vernietigen' THEN 'Wijkteam' END,
  CASE WHEN ret <> 'vernietigen' THEN sha256(int8send(i)) END
FROM generate_series(1, greatest($2::int / 10, 1)) AS i,
  LATERAL (SELECT $3::timestamptz + (i::float8 / greatest($2::int / 10, 1)) * ($4::timestamptz - $3::timestamptz) AS reg,
                  (ARRAY['vernietigen','vernietigen','actie','bewaren',''])[1 + i % 5] AS ret) t`,
			subjects, requests, from, until); err != nil {
			return fmt.Errorf("signals: %w", err)
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO consents (id, subject_id, case_ref, req_org, req_role, data_item, data_holder, purpose, necessity,
  legal_ground, if_refused, valid_until, source, content_hash, created_at, status, decided_at, granted_at, withdrawn_at, expired_at,
  number, reference)
SELECT gen_random_uuid(), ($1::bigint[])[1 + ((i::bigint * 7919) % cardinality($1::bigint[]))], 'Z-' || i, 'Gemeente Voorbeeldstad',
  'Wmo-consulent', 'Medische gegevens', 'Huisarts', 'Onderzoek naar ondersteuning', 'Nodig voor het besluit', 'Toestemming',
  'Het onderzoek gaat verder zonder deze gegevens', (created + interval '6 months')::date, 'api', sha256(int8send(i)), created, st,
  CASE WHEN st <> 'pending' THEN created + interval '2 days' END,
  CASE WHEN st IN ('granted','withdrawn','expired') THEN created + interval '2 days' END,
  CASE WHEN st = 'withdrawn' THEN created + interval '30 days' END,
  CASE WHEN st = 'expired' THEN created + interval '6 months' END,
  nx.n, 'TS-' || to_char(created AT TIME ZONE 'Europe/Amsterdam', 'YYYY') || '-' || lpad(nx.n::text, greatest(6, length(nx.n::text)), '0')
FROM generate_series(1, greatest($2::int / 5, 1)) AS i,
  LATERAL (SELECT $3::timestamptz + (i::float8 / greatest($2::int / 5, 1)) * ($4::timestamptz - $3::timestamptz) AS created,
                  (ARRAY['granted','granted','granted','refused','withdrawn','expired','pending'])[1 + i % 7] AS st) t,
  LATERAL (SELECT nextval('consent_number') + 0 * i AS n) nx`,
			subjects, requests, from, until); err != nil {
			return fmt.Errorf("consents: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("benchdb: generate caseload: %w", err)
	}
	return nil
}
