DROP TABLE log_sequences;
DROP INDEX log_leaves_tombstones;
ALTER TABLE log_leaves DROP COLUMN subject_seq, DROP COLUMN subject_id, DROP COLUMN retention;
