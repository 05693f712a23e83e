-- What a logged-in citizen can cause is bounded (issue 13): every filing that costs the municipality
-- work or sends mail is recorded here, in the same transaction as the filing itself, and counted
-- under a lock on the person's subjects row, so several portal processes share one limit.
CREATE TABLE filings (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id bigint NOT NULL REFERENCES subjects(id),
    kind       text NOT NULL CHECK (kind IN ('request','withdrawal','email_confirmation')),
    at         timestamptz NOT NULL
);
CREATE INDEX filings_subject_kind_at ON filings (subject_id, kind, at);

-- The person's notification address: one per person, AES-256-GCM ciphertext (bsnvault) bound to the
-- subject id. Nothing is sent to it but the confirmation mail until its owner confirms it through the
-- link in that mail; only the SHA-256 of the link's token is kept. A new address replaces the old one
-- and is unconfirmed again. Addresses given with earlier requests (rights_requests.email_enc) were
-- never confirmed and are not carried over.
-- Versions come from one sequence, so a version is never used twice for a person, also after the
-- address was deleted and a new one given (a job queued for the old one must not send to the new).
CREATE SEQUENCE subject_email_versions;

CREATE TABLE subject_emails (
    subject_id       bigint PRIMARY KEY REFERENCES subjects(id),
    email_enc        bytea NOT NULL,
    email_key_id     text NOT NULL,
    -- version grows with every confirmation mail queued; a queued mail whose version is no longer
    -- current is not sent (a newer one is on its way).
    version          bigint NOT NULL,
    confirmed_at     timestamptz,
    token_hash       bytea UNIQUE,
    token_expires_at timestamptz,
    -- when the last confirmation mail was queued (the same unconfirmed address given again within
    -- the link's lifetime queues no second mail)
    queued_at        timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK ((token_hash IS NULL) = (token_expires_at IS NULL)),
    CHECK (confirmed_at IS NULL OR token_hash IS NULL)
);

-- Addresses given with earlier requests were never confirmed and will never be used: they are personal
-- data without a purpose, so they go (data minimisation). A down migration cannot bring them back.
UPDATE rights_requests SET email_enc = NULL, email_key_id = '' WHERE email_enc IS NOT NULL;
