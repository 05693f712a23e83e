-- Issue 18, notifications and access alerts at /instellingen.

-- What a person wants to hear about. No row: every e-mail choice on (once an address is confirmed)
-- and no access alert. The alert columns are read in the ingest transaction for the persons of a
-- batch (one lookup by primary key), so a batch of persons without alerts costs one index probe.
CREATE TABLE notification_settings (
    subject_id         bigint PRIMARY KEY REFERENCES subjects(id),
    email_requests     boolean NOT NULL DEFAULT true,
    email_signals      boolean NOT NULL DEFAULT true,
    email_consent      boolean NOT NULL DEFAULT true,
    alert_break_glass  boolean NOT NULL DEFAULT false,
    alert_against_will boolean NOT NULL DEFAULT false,
    alert_new_org      boolean NOT NULL DEFAULT false,
    alert_any          boolean NOT NULL DEFAULT false,
    alert_email        boolean NOT NULL DEFAULT true,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX notification_settings_alerting ON notification_settings (subject_id)
    WHERE alert_break_glass OR alert_against_will OR alert_new_org OR alert_any;

-- The inbox message of an access alert (kind 'access_alert', status the reason): about one event.
-- No foreign key: the message stays when retention removes the event.
ALTER TABLE messages ADD COLUMN alert_event_id uuid;
ALTER TABLE messages DROP CONSTRAINT messages_one_subject;
ALTER TABLE messages ADD CONSTRAINT messages_one_subject CHECK (
    num_nonnulls(request_id, signal_id, consent_id) = 1
    OR (review_event_id IS NOT NULL AND num_nonnulls(request_id, signal_id, consent_id) = 0)
    OR (alert_event_id IS NOT NULL AND num_nonnulls(request_id, signal_id, consent_id, review_event_id) = 0));
ALTER TABLE messages ADD CONSTRAINT messages_alert_alone CHECK (
    alert_event_id IS NULL OR num_nonnulls(request_id, signal_id, consent_id, review_event_id) = 0);
-- One alert per event and person, however often the batch is sent again.
CREATE UNIQUE INDEX messages_alert_once ON messages (alert_event_id, subject_id) WHERE alert_event_id IS NOT NULL;
