-- Register entries about financial matters (Participatie income, debt help): an administrator
-- (bewindvoerder) acts for a person in these only (issue 16). Kept apart from the entry's own columns,
-- like activity_uris: a row means the entry is financial.
CREATE TABLE financial_activities (
    activity_id text PRIMARY KEY REFERENCES processing_activities(id) ON DELETE CASCADE
);
