DROP INDEX processing_events_subject_not_covered;
ALTER TABLE consents DROP COLUMN reference, DROP COLUMN number;
DROP SEQUENCE consent_number;
