-- Confidentiality of a processing event is capped at ingest (INZICHT_CONFIDENTIAL_MAX); keeping an
-- event hidden from the citizen for longer takes an explicit extension with a reason, recorded here:
-- which event, which API key asked, when, the old and the new end, and why. Only extensions of
-- events that were confidential when ingested exist, so the per-person summaries (migration 7,
-- which fold only never-confidential events) stay as they are.
CREATE TABLE confidentiality_extensions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       uuid NOT NULL,
    api_key_id     bigint NOT NULL REFERENCES api_keys(id),
    extended_at    timestamptz NOT NULL,
    previous_until timestamptz NOT NULL,
    new_until      timestamptz NOT NULL,
    reason         text NOT NULL CHECK (reason <> ''),
    CHECK (new_until > previous_until)
);
-- No foreign key to processing_events: retention removes old events, and the record of who hid an
-- event for how long outlives it (it holds no personal data).
CREATE INDEX confidentiality_extensions_event ON confidentiality_extensions (event_id, extended_at);
