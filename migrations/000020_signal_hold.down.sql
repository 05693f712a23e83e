DROP INDEX signals_held;
ALTER TABLE signals DROP CONSTRAINT signals_destroyed_check;
ALTER TABLE signals ADD CONSTRAINT signals_check CHECK ((destroyed_at IS NULL) OR (summary IS NULL AND reporter_kind IS NULL
    AND reporter_name IS NULL AND reporter_organization IS NULL AND reporter_contact IS NULL AND urgency IS NULL
    AND handling_team IS NULL AND content_hash IS NULL));
ALTER TABLE signals DROP COLUMN hold_until, DROP COLUMN subject_summary, DROP COLUMN subject_summary_by,
    DROP COLUMN subject_summary_at;
