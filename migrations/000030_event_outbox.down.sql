-- Fold what the outbox still lists, then restore the insert trigger and the functions of migration 7.
SELECT subject_summaries_fold_events(ARRAY(SELECT u.id FROM event_outbox o, unnest(o.event_ids) AS u(id)));
DROP TABLE event_outbox;
DROP TABLE log_state;
DROP FUNCTION subject_summaries_fold_events(uuid[]);

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
    GROUP BY v.subject_id
    ORDER BY v.subject_id;
$$;

CREATE OR REPLACE FUNCTION subject_summaries_refold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM subject_summaries_recompute(ARRAY(SELECT DISTINCT subject_id FROM old_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION subject_summaries_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subject_summaries AS s (subject_id, total, break_glass, against_will, consent, latest, organizations, categories)
    SELECT v.subject_id, count(*) FILTER (WHERE c.ord = 1),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'break_glass'),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'against_will'),
           count(*) FILTER (WHERE c.ord = 1 AND v.access_basis = 'consent'),
           max(v.occurred_at),
           coalesce(array_agg(DISTINCT v.actor_organization) FILTER (WHERE v.actor_organization <> ''), '{}'),
           array_agg(DISTINCT c.cat)
    FROM new_rows v, unnest(v.data_categories) WITH ORDINALITY AS c(cat, ord)
    WHERE v.confidential_until IS NULL
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
    RETURN NULL;
END $$;

CREATE TRIGGER processing_events_summaries_insert AFTER INSERT ON processing_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subject_summaries_fold();
