DROP TABLE retention_runs;
DROP INDEX processing_events_occurred_brin;
