ALTER TABLE processing_events ADD CONSTRAINT processing_events_activity_id_fkey
    FOREIGN KEY (activity_id) REFERENCES processing_activities(id);
ALTER TABLE processing_events ADD CONSTRAINT processing_events_api_key_id_fkey
    FOREIGN KEY (api_key_id) REFERENCES api_keys(id);
