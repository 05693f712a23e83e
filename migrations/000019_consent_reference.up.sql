-- One human-readable reference per consent request, TS-YYYY-NNNNNN (the year of the request in
-- Europe/Amsterdam, a number from a sequence), used on pages, receipts, in the API and in log lines.
-- Existing requests get theirs in creation order.
CREATE SEQUENCE consent_number;
ALTER TABLE consents ADD COLUMN number bigint UNIQUE, ADD COLUMN reference text UNIQUE;
WITH ordered AS (
    SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM consents)
UPDATE consents c SET number = o.n,
    reference = 'TS-' || to_char(o.created_at AT TIME ZONE 'Europe/Amsterdam', 'YYYY') || '-' || lpad(o.n::text, greatest(6, length(o.n::text)), '0')
FROM ordered o WHERE c.id = o.id;
SELECT setval('consent_number', coalesce((SELECT max(number) FROM consents), 0) + 1, false);
ALTER TABLE consents ALTER COLUMN number SET NOT NULL, ALTER COLUMN number SET DEFAULT nextval('consent_number'),
    ALTER COLUMN reference SET NOT NULL;

-- The overview's "with your consent" count leaves out lines whose consent did not hold: found per
-- person through this small index (such lines are rare).
CREATE INDEX processing_events_subject_not_covered ON processing_events (subject_id) WHERE consent_covered = false;
