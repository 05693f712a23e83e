ALTER TABLE notification_settings DROP COLUMN alerts_since;
ALTER TABLE signals DROP CONSTRAINT signals_destroyed_en_check;
ALTER TABLE signals DROP COLUMN subject_summary_en, DROP COLUMN handling_team_en;
ALTER TABLE consents DROP CONSTRAINT consents_en_complete, DROP CONSTRAINT consents_en_role;
ALTER TABLE consents DROP COLUMN data_item_en, DROP COLUMN data_holder_en, DROP COLUMN purpose_en,
    DROP COLUMN necessity_en, DROP COLUMN legal_ground_en, DROP COLUMN if_refused_en, DROP COLUMN requester_role_en;
