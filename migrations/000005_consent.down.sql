ALTER TABLE processing_events DROP COLUMN consent_covered;
DELETE FROM messages WHERE consent_id IS NOT NULL;
ALTER TABLE messages DROP CONSTRAINT messages_one_subject;
ALTER TABLE messages DROP COLUMN consent_id;
ALTER TABLE messages ADD CONSTRAINT messages_one_subject CHECK ((request_id IS NULL) <> (signal_id IS NULL));
DROP TABLE consents;
