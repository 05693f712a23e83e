DELETE FROM messages WHERE alert_event_id IS NOT NULL;
DROP INDEX messages_alert_once;
ALTER TABLE messages DROP CONSTRAINT messages_alert_alone;
ALTER TABLE messages DROP CONSTRAINT messages_one_subject;
ALTER TABLE messages DROP COLUMN alert_event_id;
ALTER TABLE messages ADD CONSTRAINT messages_one_subject CHECK (
    num_nonnulls(request_id, signal_id, consent_id) = 1
    OR (review_event_id IS NOT NULL AND num_nonnulls(request_id, signal_id, consent_id) = 0));
DROP TABLE notification_settings;
