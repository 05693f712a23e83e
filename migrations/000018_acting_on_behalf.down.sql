DROP TABLE signal_releases;
ALTER TABLE signal_deferrals DROP COLUMN hide_from_representatives;
ALTER TABLE consents DROP COLUMN decided_by_representation, DROP COLUMN withdrawn_by_representation,
    DROP COLUMN own_answer, DROP COLUMN own_answer_at, DROP COLUMN own_answer_comment;
ALTER TABLE rights_requests DROP COLUMN filed_by_representation, DROP COLUMN withdrawn_by_representation,
    DROP COLUMN signal_id;
DROP TABLE representation_disputes;
DROP TABLE representative_acts;
ALTER TABLE sessions DROP COLUMN acting_representation_id;
ALTER TABLE representation_history DROP COLUMN old_rep_name_enc, DROP COLUMN old_rep_name_key;
ALTER TABLE representations DROP COLUMN representative_name_enc, DROP COLUMN representative_name_key;
