ALTER TABLE sessions DROP COLUMN id_token_enc, DROP COLUMN id_token_key_id;
