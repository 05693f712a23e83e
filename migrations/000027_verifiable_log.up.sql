-- Issue 19: the verifiable processing log (docs/verifiable-log.md).

-- Every leaf of the log, written in the transaction that stores its event (the outbox) and given its
-- place in the tree later by the integrator. A leaf is never deleted from the tree. withheld_salt keys
-- the leaf's commitment to what the person is not shown; it is never published or given to the person.
-- When its event is removed (after the retention period, or a VNG DELETE or PUT) the leaf's bytes go
-- with it, being personal data: leaf_hash keeps its RFC 6962 hash for the tree, removed_at and
-- removed_why say when and why. An event id has at most one live event leaf; a VNG PUT that stores an
-- event again under its id adds a new leaf after the removed one. A change of an event's
-- confidentiality is a leaf of kind 'confidentiality' for the same event id, never a change of the
-- event's leaf.
CREATE TABLE log_leaves (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      uuid NOT NULL,
    kind          text NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'confidentiality')),
    leaf          bytea,
    withheld_salt bytea,
    tree_index    bigint UNIQUE,
    leaf_hash     bytea,
    removed_at    timestamptz,
    removed_why   text,
    created_at    timestamptz NOT NULL DEFAULT now(), -- for the checkpoint lag
    CHECK (tree_index >= 0),
    CHECK ((leaf IS NOT NULL AND withheld_salt IS NOT NULL AND removed_at IS NULL)
        OR (leaf IS NULL AND withheld_salt IS NULL AND length(leaf_hash) = 32 AND removed_at IS NOT NULL AND removed_why <> ''))
);
CREATE UNIQUE INDEX log_leaves_live ON log_leaves (event_id) WHERE removed_at IS NULL AND kind = 'event';
CREATE INDEX log_leaves_amendments ON log_leaves (event_id) WHERE removed_at IS NULL AND kind <> 'event';
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
