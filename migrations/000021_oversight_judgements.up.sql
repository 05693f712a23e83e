-- Issue 17, the privacy officer: a "not justified" judgement of a break-the-glass access tells the
-- person in their inbox, and is linked to any objection (rights request of kind bezwaar) whose scope
-- names that access.

-- The objections about a judged access, found when it was judged. They go with the judgement when
-- retention removes the access and its judgement.
CREATE TABLE break_glass_review_objections (
    event_id   uuid NOT NULL REFERENCES break_glass_reviews(event_id) ON DELETE CASCADE,
    request_id uuid NOT NULL REFERENCES rights_requests(id),
    PRIMARY KEY (event_id, request_id)
);

-- The inbox message telling the person (kind 'unjustified_access'): about the judged access, and about
-- the person's objection when there is one. No foreign key: the message stays when retention removes
-- the access.
ALTER TABLE messages ADD COLUMN review_event_id uuid;
ALTER TABLE messages DROP CONSTRAINT messages_one_subject;
ALTER TABLE messages ADD CONSTRAINT messages_one_subject CHECK (
    num_nonnulls(request_id, signal_id, consent_id) = 1
    OR (review_event_id IS NOT NULL AND num_nonnulls(request_id, signal_id, consent_id) = 0));
ALTER TABLE messages ADD CONSTRAINT messages_review_alone CHECK (review_event_id IS NULL OR num_nonnulls(signal_id, consent_id) = 0);
-- One message per judged access, however often it is judged again.
CREATE UNIQUE INDEX messages_review_once ON messages (review_event_id) WHERE review_event_id IS NOT NULL;
