DROP TABLE activity_uris;
DROP INDEX otlp_chain_spans_started;
ALTER TABLE otlp_chain_spans DROP CONSTRAINT otlp_chain_spans_foreign_operation,
    DROP COLUMN foreign_trace_id, DROP COLUMN foreign_span_id, DROP COLUMN foreign_entity;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_foreign_operation,
    DROP COLUMN foreign_trace_id, DROP COLUMN foreign_span_id, DROP COLUMN foreign_entity;
