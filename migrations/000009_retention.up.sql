-- Retention: events older than their register entry's retention period are removed in small batches
-- (each its own transaction; no lock on the table, no rewrite). A BRIN index finds the old block
-- ranges at almost no cost to ingest: events arrive roughly in time order.
CREATE INDEX processing_events_occurred_brin ON processing_events USING brin (occurred_at);

-- Every removal is recorded: which entry, its retention, the cut-off, how many events went.
CREATE TABLE retention_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id     text NOT NULL,
    retention       text NOT NULL,
    cutoff          timestamptz NOT NULL,
    removed         bigint NOT NULL,
    reviews_removed bigint NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL
);
CREATE INDEX retention_runs_time ON retention_runs (finished_at DESC);
