DELETE FROM messages WHERE review_event_id IS NOT NULL AND request_id IS NULL;
DROP INDEX messages_review_once;
ALTER TABLE messages DROP CONSTRAINT messages_review_alone;
ALTER TABLE messages DROP CONSTRAINT messages_one_subject;
ALTER TABLE messages DROP COLUMN review_event_id;
ALTER TABLE messages ADD CONSTRAINT messages_one_subject
    CHECK (num_nonnulls(request_id, signal_id, consent_id) = 1);
DROP TABLE break_glass_review_objections;
