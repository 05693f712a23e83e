-- Specific, reasoned consent requests: one data item, one holder, one purpose, an end date.
CREATE TABLE consents (
    id            uuid PRIMARY KEY,
    subject_id    bigint NOT NULL REFERENCES subjects(id),
    case_ref      text NOT NULL,
    req_org       text NOT NULL,
    req_team      text NOT NULL DEFAULT '',
    req_role      text NOT NULL,
    req_employee  text NOT NULL DEFAULT '',
    data_item     text NOT NULL,
    data_holder   text NOT NULL,
    purpose       text NOT NULL,
    necessity     text NOT NULL,
    legal_ground  text NOT NULL,
    if_refused    text NOT NULL,
    valid_until   date NOT NULL,
    source        text NOT NULL CHECK (source IN ('api','staff')),
    api_key_id    bigint REFERENCES api_keys(id),
    content_hash  bytea NOT NULL,
    created_at    timestamptz NOT NULL,
    status        text NOT NULL CHECK (status IN ('pending','granted','refused','withdrawn','expired')),
    decided_at    timestamptz,
    granted_at    timestamptz,
    withdrawn_at  timestamptz,
    expired_at    timestamptz,
    comment       text NOT NULL DEFAULT '',
    CHECK ((status = 'granted') <= (granted_at IS NOT NULL)),
    CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL))
);
CREATE INDEX consents_subject ON consents (subject_id, created_at DESC);
CREATE INDEX consents_open ON consents (valid_until) WHERE status IN ('pending','granted');

ALTER TABLE messages ADD COLUMN consent_id uuid REFERENCES consents(id);
ALTER TABLE messages DROP CONSTRAINT messages_one_subject;
ALTER TABLE messages ADD CONSTRAINT messages_one_subject
    CHECK (num_nonnulls(request_id, signal_id, consent_id) = 1);

-- For events with access basis consent: whether the cited consent covered them at their time
-- (NULL for other bases). An uncovered event is stored all the same, and marked.
ALTER TABLE processing_events ADD COLUMN consent_covered boolean;
