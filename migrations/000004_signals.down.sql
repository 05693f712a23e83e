DROP INDEX processing_events_signal;
ALTER TABLE processing_events DROP COLUMN signal_id;
DELETE FROM messages WHERE signal_id IS NOT NULL;
ALTER TABLE messages DROP CONSTRAINT messages_one_subject;
ALTER TABLE messages DROP COLUMN signal_id;
ALTER TABLE messages ALTER COLUMN request_id SET NOT NULL;
DROP TABLE signal_deferrals;
DROP TABLE signals;
