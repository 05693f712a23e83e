-- Logboek Dataverwerkingen: a processing may be part of a chain that started at another organisation
-- (its foreign_operation: that organisation's trace and span id, and the URI of that organisation).
-- Events and chain spans received over OTLP keep it; native events leave it empty.
ALTER TABLE processing_events
    ADD COLUMN foreign_trace_id text,
    ADD COLUMN foreign_span_id  text,
    ADD COLUMN foreign_entity   text NOT NULL DEFAULT '',
    ADD CONSTRAINT processing_events_foreign_operation CHECK (
        (foreign_trace_id IS NULL AND foreign_span_id IS NULL AND foreign_entity = '')
        OR (trace_id IS NOT NULL AND foreign_trace_id ~ '^[0-9a-f]{32}$' AND foreign_span_id ~ '^[0-9a-f]{16}$'));

ALTER TABLE otlp_chain_spans
    ADD COLUMN foreign_trace_id text CHECK (foreign_trace_id ~ '^[0-9a-f]{32}$'),
    ADD COLUMN foreign_span_id  text CHECK (foreign_span_id ~ '^[0-9a-f]{16}$'),
    ADD COLUMN foreign_entity   text NOT NULL DEFAULT '',
    ADD CONSTRAINT otlp_chain_spans_foreign_operation CHECK (
        (foreign_trace_id IS NULL AND foreign_span_id IS NULL AND foreign_entity = '')
        OR (foreign_trace_id IS NOT NULL AND foreign_span_id IS NOT NULL));

-- The retention sweep removes chain spans by their start (see RemoveExpiredChainSpans).
CREATE INDEX otlp_chain_spans_started ON otlp_chain_spans (started_at);

-- A register entry may have a URI (dpl.core.processing_activity_id is usually one); a span may cite
-- the entry by its id or by its URI. Kept in its own table so that the register's own columns, and
-- every query on them, stay as they were. Register entries are never deleted.
CREATE TABLE activity_uris (
    activity_id text PRIMARY KEY REFERENCES processing_activities(id),
    uri         text NOT NULL UNIQUE CHECK (uri ~ '^https?://' AND length(uri) <= 2000)
);
