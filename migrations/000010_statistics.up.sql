-- The council's figures per period, computed by the refresh_statistics job, so that the council page
-- and the open data read a few rows instead of scanning years of requests, signals and events.

-- Each figure of a period reads only that period's rows.
CREATE INDEX rights_requests_received ON rights_requests (received_at);
CREATE INDEX rights_requests_decided ON rights_requests (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX signals_registered ON signals (registered_at);
CREATE INDEX consents_created ON consents (created_at);

-- counts holds the raw counts (portal.PeriodCounts) before suppression: aggregates only, never a
-- BSN, a name or a single case. They are suppressed when shown.
CREATE TABLE stats_periods (
    period      text PRIMARY KEY,          -- "2025", "2025-K3"
    period_from timestamptz NOT NULL,
    period_to   timestamptz NOT NULL,
    counts      jsonb NOT NULL,
    computed_at timestamptz NOT NULL,
    CHECK (period_from < period_to)
);
