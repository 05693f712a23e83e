-- Issue 19: the verifiable processing log (docs/verifiable-log.md).

-- Every leaf of the log, written in the transaction that stores its event (the outbox) and given its
-- place in the tree later by the integrator. A leaf is never deleted. withheld_salt keys the leaf's
-- commitment to what the person is not shown; it is never published or given to the person.
CREATE TABLE log_leaves (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      uuid NOT NULL UNIQUE,
    leaf          bytea NOT NULL,
    withheld_salt bytea NOT NULL,
    tree_index    bigint UNIQUE,
    CHECK (tree_index >= 0)
);
-- The integrator's queue: the leaves not yet in the tree, in outbox order.
CREATE INDEX log_leaves_pending ON log_leaves (seq) WHERE tree_index IS NULL;

-- The tree's stored hashes (golang.org/x/mod/sumdb/tlog's layout: tlog.StoredHashIndex), from
-- which tiles and proofs are read.
CREATE TABLE log_hashes (
    idx  bigint PRIMARY KEY,
    hash bytea NOT NULL CHECK (length(hash) = 32)
);

-- Every checkpoint signed, by tree size; the largest is the one published.
CREATE TABLE log_checkpoints (
    size      bigint PRIMARY KEY CHECK (size >= 0),
    root      bytea NOT NULL CHECK (length(root) = 32),
    note      text NOT NULL,
    signed_at timestamptz NOT NULL
);

-- Events stored before the log existed: the integrator gives them leaves (in the order they were
-- received) and empties this list.
CREATE TABLE log_legacy_events (
    event_id uuid PRIMARY KEY
);
INSERT INTO log_legacy_events (event_id) SELECT id FROM processing_events;
