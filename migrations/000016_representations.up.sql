-- Representation (issue 16): who may act on behalf of whom, as registered by the municipality's
-- systems through the API. Both persons are subject rows (their BSNs only as HMAC and ciphertext);
-- the represented person's name is sealed with the BSN vault's active key (associated data: the
-- representation id). A representation is never deleted: DELETE through the API ends it, and every
-- change keeps the previous content in representation_history, so an auditor can see who could act
-- for whom at any moment, on what basis, and which API key said so.
CREATE TABLE representations (
    id                 uuid PRIMARY KEY,
    representative_id  bigint NOT NULL REFERENCES subjects(id),
    subject_id         bigint NOT NULL REFERENCES subjects(id),
    subject_name_enc   bytea NOT NULL,
    subject_name_key   text NOT NULL,
    subject_birth_date date NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('parental_authority', 'guardianship', 'curatorship',
                           'mentorship', 'administration', 'authorisation')),
    parts              text[] NOT NULL CHECK (cardinality(parts) > 0
                           AND parts <@ ARRAY['log', 'requests', 'signals', 'consent']),
    basis_kind         text NOT NULL CHECK (basis_kind IN ('court_decision', 'brp_authority', 'own_authorisation')),
    basis_reference    text NOT NULL CHECK (basis_reference <> '' AND length(basis_reference) <= 200),
    valid_from         date NOT NULL,
    valid_until        date CHECK (valid_until > valid_from),
    created_at         timestamptz NOT NULL,
    created_by         bigint REFERENCES api_keys(id),
    updated_at         timestamptz NOT NULL,
    ended_at           timestamptz,
    ended_by           bigint REFERENCES api_keys(id),
    CHECK (representative_id <> subject_id)
);
CREATE INDEX representations_representative ON representations (representative_id);
CREATE INDEX representations_subject ON representations (subject_id);

-- One row per change: 'created' (no old content), 'updated' and 'ended' (the content before the
-- change). Old content holds persons by subject id, never by BSN; the old name stays sealed.
CREATE TABLE representation_history (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    representation_id  uuid NOT NULL REFERENCES representations(id),
    change             text NOT NULL CHECK (change IN ('created', 'updated', 'ended')),
    changed_at         timestamptz NOT NULL,
    api_key_id         bigint REFERENCES api_keys(id),
    old_content        jsonb,
    old_name_enc       bytea,
    old_name_key       text,
    CHECK ((change = 'created') = (old_content IS NULL))
);
CREATE INDEX representation_history_representation ON representation_history (representation_id, id);
