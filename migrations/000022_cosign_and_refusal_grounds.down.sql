DROP TABLE staff_notification_reads;
DROP TABLE staff_notifications;
DELETE FROM rights_request_steps WHERE kind IN ('proposed','returned');
ALTER TABLE rights_request_steps DROP CONSTRAINT rights_request_steps_kind_check;
ALTER TABLE rights_request_steps ADD CONSTRAINT rights_request_steps_kind_check CHECK (kind IN
    ('filed','assigned','started','extended','decided','withdrawn','reminder','overdue'));
DROP TABLE decision_proposals;
ALTER TABLE rights_requests DROP COLUMN cosigner_name;
ALTER TABLE rights_requests DROP COLUMN cosigned_by;
ALTER TABLE rights_requests DROP COLUMN refusal_ground;
