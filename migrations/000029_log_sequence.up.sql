-- Issue 19: the person's own sequence in the verifiable log, and the tombstone of a removed event
-- (docs/verifiable-log.md §1 and §2).

-- subject_seq: the leaf's number in its person's sequence, given by the integrator (also in the leaf
-- bytes, v2) and kept here so that it outlives the bytes when the event is removed.
-- subject_id and retention: set only when the event is removed (its tombstone): whose line it was
-- and the retention period it was removed after, so that the person's view and proof bundle can
-- say "removed on … after the retention period of …". Nothing of the event's content is kept.
ALTER TABLE log_leaves
    ADD COLUMN subject_seq bigint CHECK (subject_seq >= 1),
    ADD COLUMN subject_id  bigint,
    ADD COLUMN retention   text;
CREATE INDEX log_leaves_tombstones ON log_leaves (subject_id) WHERE removed_at IS NOT NULL;

-- The last number given in each person's sequence, by pseudonym (vlog.Pseudonym); written by the
-- integrator only.
CREATE TABLE log_sequences (
    subject text PRIMARY KEY,
    last    bigint NOT NULL CHECK (last >= 1)
);
