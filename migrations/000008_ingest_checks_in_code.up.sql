-- Every event's foreign-key check locked the referenced register entry and API key (FOR KEY SHARE),
-- so concurrent batches fought over the same few rows (multixacts) and ingest ran at a fraction of
-- plain COPY. Neither row is ever deleted: register entries are only updated, API keys only revoked.
-- The ingest checks the activity against the register itself (an unknown one is a 422 naming the
-- event, instead of a database error), and the API key is the authenticated caller's.
ALTER TABLE processing_events DROP CONSTRAINT processing_events_activity_id_fkey;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_api_key_id_fkey;
