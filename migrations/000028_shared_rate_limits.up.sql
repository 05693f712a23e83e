-- Rate limits shared by every portal process (issue 20): one fixed-window counter per limit, key and
-- window. The key is a SHA-256 of what is counted (an address, an API key id), never the address itself.
-- UNLOGGED: counters need no WAL and no replica, and losing them in a crash only resets the windows.
CREATE UNLOGGED TABLE rate_limit_windows (
    key_hash     bytea       NOT NULL,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (key_hash, window_start)
);

-- The periodic sweep removes windows that have ended.
CREATE INDEX rate_limit_windows_end ON rate_limit_windows (window_end);
