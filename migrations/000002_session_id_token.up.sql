-- The ID token of a login, kept for the id_token_hint at logout. It carries the BSN, so it is stored
-- only as AES-256-GCM ciphertext (bsnvault), bound to the session.
ALTER TABLE sessions ADD COLUMN id_token_enc bytea, ADD COLUMN id_token_key_id text NOT NULL DEFAULT '';
