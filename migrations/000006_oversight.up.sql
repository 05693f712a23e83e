-- The privacy officer's review of break-the-glass accesses.
CREATE TABLE break_glass_reviews (
    event_id      uuid PRIMARY KEY REFERENCES processing_events(id),
    justified     boolean NOT NULL,
    note          text NOT NULL DEFAULT '',
    reviewed_by   text NOT NULL,
    reviewer_name text NOT NULL DEFAULT '',
    reviewed_at   timestamptz NOT NULL
);
-- Oversight lists read only the rare events that need attention.
CREATE INDEX processing_events_break_glass ON processing_events (occurred_at DESC) WHERE access_basis = 'break_glass';
CREATE INDEX processing_events_not_covered ON processing_events (occurred_at DESC) WHERE consent_covered = false;
CREATE INDEX processing_events_against_will ON processing_events (occurred_at DESC) WHERE access_basis = 'against_will';
