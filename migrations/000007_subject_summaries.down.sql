DROP TRIGGER processing_events_summaries_delete ON processing_events;
DROP TRIGGER processing_events_summaries_update ON processing_events;
DROP TRIGGER processing_events_summaries_insert ON processing_events;
DROP FUNCTION subject_summaries_refold();
DROP FUNCTION subject_summaries_recompute(bigint[]);
DROP FUNCTION subject_summaries_fold();
DROP INDEX processing_events_confidential;
DROP TABLE subject_summaries;
