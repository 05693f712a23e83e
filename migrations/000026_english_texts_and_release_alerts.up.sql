-- Issue 18: English versions of the texts a person reads that come from outside systems, and access
-- alerts for confidential lines when their confidentiality ends.

-- A consent request's texts in English: all six or none (the API requires every one when any is given).
ALTER TABLE consents
    ADD COLUMN data_item_en    text,
    ADD COLUMN data_holder_en  text,
    ADD COLUMN purpose_en      text,
    ADD COLUMN necessity_en    text,
    ADD COLUMN legal_ground_en text,
    ADD COLUMN if_refused_en   text,
    ADD CONSTRAINT consents_en_complete CHECK (num_nulls(data_item_en, data_holder_en, purpose_en, necessity_en,
        legal_ground_en, if_refused_en) IN (0, 6)),
    -- Optional even with the six: without it the Dutch role is shown.
    ADD COLUMN requester_role_en text,
    ADD CONSTRAINT consents_en_role CHECK (requester_role_en IS NULL OR data_item_en IS NOT NULL);

-- A signal's text for the person in English, and optionally the team's name in English. Both go
-- when the signal is destroyed, like the Dutch text.
ALTER TABLE signals
    ADD COLUMN subject_summary_en text,
    ADD COLUMN handling_team_en   text;
ALTER TABLE signals ADD CONSTRAINT signals_destroyed_en_check CHECK ((destroyed_at IS NULL) OR
    (subject_summary_en IS NULL AND handling_team_en IS NULL));

-- When the person last changed their access alert choices (NULL: no alert on). A confidential line
-- whose confidentiality ends later earns an alert under the choices of that moment; lines released
-- before it do not (the person did not ask then, and would get old news in a burst).
ALTER TABLE notification_settings ADD COLUMN alerts_since timestamptz;
UPDATE notification_settings SET alerts_since = updated_at
WHERE alert_break_glass OR alert_against_will OR alert_new_org OR alert_any;
