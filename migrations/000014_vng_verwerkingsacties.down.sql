DELETE FROM processing_events WHERE vng_actie_id IS NOT NULL AND trace_id IS NULL
    AND (action = '' OR level = '' OR access_basis = '');
ALTER TABLE processing_events DROP CONSTRAINT processing_events_action_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_level_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_access_basis_check;
ALTER TABLE processing_events ADD CONSTRAINT processing_events_action_check
    CHECK (action IN ('view','create','update','delete','disclose','export') OR (action = '' AND trace_id IS NOT NULL));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_level_check
    CHECK (level IN ('that','what') OR (level = '' AND trace_id IS NOT NULL));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_access_basis_check
    CHECK (access_basis IN ('assigned','team','function','break_glass','consent','against_will')
           OR (access_basis = '' AND trace_id IS NOT NULL));
DROP INDEX processing_events_vng_actie;
ALTER TABLE processing_events DROP COLUMN vng_actie_id;
DROP TABLE verwerkingsactie_removals;
DROP TABLE verwerkte_objecten;
DROP TABLE verwerkingsacties;
DROP TABLE organisations;
