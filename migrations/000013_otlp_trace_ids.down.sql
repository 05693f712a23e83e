DROP TABLE otlp_chain_spans;
DELETE FROM processing_events WHERE action = '' OR level = '' OR access_basis = '';
ALTER TABLE processing_events DROP CONSTRAINT processing_events_action_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_level_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_access_basis_check;
ALTER TABLE processing_events ADD CONSTRAINT processing_events_action_check
    CHECK (action IN ('view','create','update','delete','disclose','export'));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_level_check CHECK (level IN ('that','what'));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_access_basis_check
    CHECK (access_basis IN ('assigned','team','function','break_glass','consent','against_will'));
DROP INDEX processing_events_trace;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_span_ids,
    DROP COLUMN trace_id, DROP COLUMN span_id, DROP COLUMN parent_span_id, DROP COLUMN span_name, DROP COLUMN failed;
