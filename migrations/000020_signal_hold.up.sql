-- Signals from systems (issue 17): a hold during which a clerk decides whether to ask for a deferral
-- before the person is told, and a text written for the person, apart from the reporter's summary.
ALTER TABLE signals
    ADD COLUMN hold_until         timestamptz,
    ADD COLUMN subject_summary    text,
    ADD COLUMN subject_summary_by text,
    ADD COLUMN subject_summary_at timestamptz;

-- A clerk wrote the summary of a signal registered on the staff form for the person ("in eenvoudige
-- taal"); a reporter's summary through the API was not, and stays for staff only.
UPDATE signals SET subject_summary = summary, subject_summary_by = registered_by, subject_summary_at = registered_at
WHERE source = 'staff' AND summary IS NOT NULL;

-- Destroying a signal clears the text for the person too.
ALTER TABLE signals DROP CONSTRAINT signals_check;
ALTER TABLE signals ADD CONSTRAINT signals_destroyed_check CHECK ((destroyed_at IS NULL) OR (summary IS NULL AND
    reporter_kind IS NULL AND reporter_name IS NULL AND reporter_organization IS NULL AND reporter_contact IS NULL AND
    urgency IS NULL AND handling_team IS NULL AND content_hash IS NULL AND subject_summary IS NULL AND
    subject_summary_by IS NULL AND subject_summary_at IS NULL));

-- The sweep finds held signals whose hold has ended.
CREATE INDEX signals_held ON signals (hold_until) WHERE told_at IS NULL AND hold_until IS NOT NULL;
