-- Per-person summary of the processing log, kept up to date by triggers, so that a citizen's
-- overview and the filters of their log cost the same for someone with ten events as for someone
-- with ten thousand. Only events that were never confidential (confidential_until IS NULL) are
-- folded in; the rare others are aggregated live, so a confidential event never shows early.
CREATE TABLE subject_summaries (
    subject_id    bigint PRIMARY KEY REFERENCES subjects(id),
    total         bigint NOT NULL,
    break_glass   bigint NOT NULL,
    against_will  bigint NOT NULL,
    consent       bigint NOT NULL,
    latest        timestamptz,
    organizations text[] NOT NULL,
    categories    text[] NOT NULL
);

-- The rare events that are, or were, confidential: read live by the summary.
CREATE INDEX processing_events_confidential ON processing_events (subject_id, occurred_at)
    WHERE confidential_until IS NOT NULL;

-- fold adds a statement's new visible events to the summaries, in subject order (so concurrent
-- batches lock summary rows in the same order and cannot deadlock).
CREATE FUNCTION subject_summaries_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One pass over the new rows (unnest with ordinality: the first category row of each event
    -- carries its counts), so no join whose plan could go quadratic on a large statement.
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

-- recompute rebuilds the summaries of the given people from their events (found through the
-- subject index).
CREATE FUNCTION subject_summaries_recompute(ids bigint[]) RETURNS void LANGUAGE sql AS $$
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

-- refold recomputes the summaries of the people whose events were changed or removed (rare:
-- revealing staff views of a signal, retention).
CREATE FUNCTION subject_summaries_refold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM subject_summaries_recompute(ARRAY(SELECT DISTINCT subject_id FROM old_rows));
    RETURN NULL;
END $$;

CREATE TRIGGER processing_events_summaries_insert AFTER INSERT ON processing_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subject_summaries_fold();
CREATE TRIGGER processing_events_summaries_update AFTER UPDATE ON processing_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subject_summaries_refold();
CREATE TRIGGER processing_events_summaries_delete AFTER DELETE ON processing_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subject_summaries_refold();

-- The events already stored.
SELECT subject_summaries_recompute(ARRAY(SELECT id FROM subjects));
