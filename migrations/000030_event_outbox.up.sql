-- Issue 19 and 20: ingest writes one outbox row per batch; the integrator folds the batch into the
-- per-person summaries and makes its leaves of the verifiable log (docs/verifiable-log.md §3,
-- docs/performance.md "Ingest round two").
--
-- Before this migration every stored event wrote its leaf into log_leaves (a second COPY of ~900
-- bytes an event) and the statement trigger processing_events_summaries_insert folded the batch into
-- subject_summaries, both in the ingest transaction. Now that transaction writes the events and one
-- row here: the ids of its events and, in the same order, their people. The integrator
-- (postgres.DB.IntegrateLog), under the log's advisory lock, reads the events, folds them into the
-- summaries, gives them their leaves and places in the tree, and deletes the row: all in one
-- transaction, so an event is folded and logged exactly once. The summary a citizen reads adds the
-- events still listed here (summarySQL), so it never lags behind their log.
CREATE TABLE event_outbox (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_ids   uuid[] NOT NULL,
    subject_ids bigint[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(), -- for the checkpoint lag
    CHECK (cardinality(event_ids) = cardinality(subject_ids))
);

DROP TRIGGER processing_events_summaries_insert ON processing_events;
DROP FUNCTION subject_summaries_fold();

-- fold_events adds the given events that are still stored and were never confidential to their
-- people's summaries, in subject order (concurrent folds lock summary rows in the same order). Only
-- the integrator calls it, for events it takes from event_outbox.
CREATE FUNCTION subject_summaries_fold_events(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO subject_summaries AS s (subject_id, total, break_glass, against_will, consent, latest, organizations, categories)
    SELECT v.subject_id, count(*) FILTER (WHERE c.ord = 1),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'break_glass'),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'against_will'),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'consent'),
           max(v.occurred_at),
           coalesce(array_agg(DISTINCT v.actor_organization) FILTER (WHERE v.actor_organization <> ''), '{}'),
           array_agg(DISTINCT c.cat)
    FROM processing_events v, unnest(v.data_categories) WITH ORDINALITY AS c(cat, ord)
    WHERE v.id = ANY (ids) AND v.confidential_until IS NULL
    GROUP BY v.subject_id
    ORDER BY v.subject_id
    ON CONFLICT (subject_id) DO UPDATE SET
        total = s.total + excluded.total,
        break_glass = s.break_glass + excluded.break_glass,
        against_will = s.against_will + excluded.against_will,
        consent = s.consent + excluded.consent,
        latest = greatest(s.latest, excluded.latest),
        organizations = CASE WHEN excluded.organizations <@ s.organizations THEN s.organizations
            ELSE ARRAY(SELECT DISTINCT x FROM unnest(s.organizations || excluded.organizations) x ORDER BY x) END,
        categories = CASE WHEN excluded.categories <@ s.categories THEN s.categories
            ELSE ARRAY(SELECT DISTINCT x FROM unnest(s.categories || excluded.categories) x ORDER BY x) END;
$$;

-- recompute rebuilds the summaries of the given people from their folded events: those not listed in
-- event_outbox any more (the listed ones are added by the reader and folded by the integrator).
CREATE OR REPLACE FUNCTION subject_summaries_recompute(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM subject_summaries WHERE subject_id = ANY (ids);
    INSERT INTO subject_summaries (subject_id, total, break_glass, against_will, consent, latest, organizations, categories)
    SELECT v.subject_id, count(*) FILTER (WHERE c.ord = 1),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'break_glass'),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'against_will'),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'consent'),
           max(v.occurred_at),
           coalesce(array_agg(DISTINCT v.actor_organization) FILTER (WHERE v.actor_organization <> ''), '{}'),
           array_agg(DISTINCT c.cat)
    FROM processing_events v, unnest(v.data_categories) WITH ORDINALITY AS c(cat, ord)
    WHERE v.subject_id = ANY (ids) AND v.confidential_until IS NULL
      AND v.id NOT IN (SELECT u.id FROM event_outbox o, unnest(o.event_ids) AS u(id) WHERE o.subject_ids && ids)
    GROUP BY v.subject_id
    ORDER BY v.subject_id;
$$;

-- The log's state row: the integrator updates it first in every transaction, and whatever changes
-- or removes stored events locks it first (the trigger below; retention and VNG removals lock it
-- before their statement, postgres.lockLog). So such a change waits for an integration under way to
-- commit, and its next statements see that integration's summaries, leaves and outbox; under
-- REPEATABLE READ it fails with a serialization error instead and is run again on a new snapshot.
CREATE TABLE log_state (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    integrations bigint NOT NULL DEFAULT 0
);
INSERT INTO log_state DEFAULT VALUES;

-- refold, after events were changed or removed, first locks the log's state row (above); a removed
-- event leaves the outbox with it (a VNG PUT may store an event under the same id again, which lists
-- it anew).
CREATE OR REPLACE FUNCTION subject_summaries_refold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM log_state FOR UPDATE;
    IF TG_OP = 'DELETE' THEN
        UPDATE event_outbox o SET (event_ids, subject_ids) = (
            SELECT coalesce(array_agg(u.id ORDER BY u.n), '{}'), coalesce(array_agg(u.s ORDER BY u.n), '{}')
            FROM unnest(o.event_ids, o.subject_ids) WITH ORDINALITY AS u(id, s, n)
            WHERE u.id NOT IN (SELECT r.id FROM old_rows r))
        WHERE o.event_ids && ARRAY(SELECT r.id FROM old_rows r);
    END IF;
    PERFORM subject_summaries_recompute(ARRAY(SELECT DISTINCT subject_id FROM old_rows));
    RETURN NULL;
END $$;
