-- Processing events received over OTLP (POST /v1/traces, the Logboek Dataverwerkingen transport)
-- carry the span they came from: trace, span and parent span ids (lower-case hex, 32/16/16
-- characters), the span's name as the sending system wrote it (kept for staff), and whether the span
-- ended in an error (a failed attempt). Events from the native API leave these empty.
ALTER TABLE processing_events
    ADD COLUMN trace_id       text,
    ADD COLUMN span_id        text,
    ADD COLUMN parent_span_id text,
    ADD COLUMN span_name      text NOT NULL DEFAULT '',
    ADD COLUMN failed         boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT processing_events_span_ids CHECK (
        (trace_id IS NULL AND span_id IS NULL AND parent_span_id IS NULL)
        OR (trace_id ~ '^[0-9a-f]{32}$' AND span_id ~ '^[0-9a-f]{16}$'
            AND (parent_span_id IS NULL OR parent_span_id ~ '^[0-9a-f]{16}$')));

-- LDV carries no action, level, role or access basis. An event from a span may leave them empty
-- ("not stated" to the citizen, never an invented value); a native event still needs them.
ALTER TABLE processing_events DROP CONSTRAINT processing_events_action_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_level_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_access_basis_check;
ALTER TABLE processing_events ADD CONSTRAINT processing_events_action_check
    CHECK (action IN ('view','create','update','delete','disclose','export') OR (action = '' AND trace_id IS NOT NULL));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_level_check
    CHECK (level IN ('that','what') OR (level = '' AND trace_id IS NOT NULL));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_access_basis_check
    CHECK (access_basis IN ('assigned','team','function','break_glass','consent','against_will')
           OR (access_basis = '' AND trace_id IS NOT NULL));

-- Staff follow a chain by its trace.
CREATE INDEX processing_events_trace ON processing_events (trace_id) WHERE trace_id IS NOT NULL;

-- Spans without a data subject (the root of a chain, a step that touched no person) are acknowledged
-- and kept, so the chain an event belongs to can be followed: their ids, name, start, outcome, the
-- sending system and the register entry they cite. They hold no personal data.
CREATE TABLE otlp_chain_spans (
    trace_id       text NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
    span_id        text NOT NULL CHECK (span_id ~ '^[0-9a-f]{16}$'),
    parent_span_id text CHECK (parent_span_id ~ '^[0-9a-f]{16}$'),
    name           text NOT NULL,
    started_at     timestamptz NOT NULL,
    failed         boolean NOT NULL,
    system         text NOT NULL,
    activity_id    text NOT NULL,
    api_key_id     bigint NOT NULL REFERENCES api_keys(id),
    received_at    timestamptz NOT NULL,
    PRIMARY KEY (trace_id, span_id)
);
