-- The register of processing activities (verwerkingsregister).
CREATE TABLE processing_activities (
    id              text PRIMARY KEY,
    name_nl         text NOT NULL,
    name_en         text NOT NULL,
    purpose_nl      text NOT NULL,
    purpose_en      text NOT NULL,
    legal_basis_nl  text NOT NULL,
    legal_basis_en  text NOT NULL,
    data_categories text[] NOT NULL,
    retention       text NOT NULL,
    controller      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per citizen ever mentioned. The BSN is never stored in clear: bsn_hmac is a keyed HMAC for
-- look-up, bsn_enc AES-256-GCM ciphertext under key bsn_key_id.
CREATE TABLE subjects (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bsn_hmac   bytea NOT NULL UNIQUE,
    bsn_enc    bytea NOT NULL,
    bsn_key_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system     text NOT NULL,
    prefix     text NOT NULL UNIQUE,
    secret_hash bytea NOT NULL,
    scopes     text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- Processing events (verwerkingsacties), one per data subject per operation.
CREATE TABLE processing_events (
    id                  uuid PRIMARY KEY,
    subject_id          bigint NOT NULL REFERENCES subjects(id),
    occurred_at         timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    activity_id         text NOT NULL REFERENCES processing_activities(id),
    action              text NOT NULL CHECK (action IN ('view','create','update','delete','disclose','export')),
    data_categories     text[] NOT NULL CHECK (cardinality(data_categories) > 0),
    level               text NOT NULL CHECK (level IN ('that','what')),
    actor_organization  text NOT NULL,
    actor_team          text NOT NULL DEFAULT '',
    actor_role          text NOT NULL,
    actor_employee_id   text NOT NULL DEFAULT '',
    actor_employee_name text NOT NULL DEFAULT '',
    system              text NOT NULL DEFAULT '',
    case_ref            text NOT NULL DEFAULT '',
    recipient           text NOT NULL DEFAULT '',
    access_basis        text NOT NULL CHECK (access_basis IN ('assigned','team','function','break_glass','consent','against_will')),
    break_glass_reason  text NOT NULL DEFAULT '',
    consent_ref         text NOT NULL DEFAULT '',
    against_will_decision_ref text NOT NULL DEFAULT '',
    against_will_reason       text NOT NULL DEFAULT '',
    against_will_approved_by  text NOT NULL DEFAULT '',
    confidential_until  timestamptz,
    confidential_reason text NOT NULL DEFAULT '',
    content_hash        bytea NOT NULL,
    api_key_id          bigint REFERENCES api_keys(id)
);
CREATE INDEX processing_events_subject_time ON processing_events (subject_id, occurred_at DESC, id DESC);

-- Server-side sessions. Only a SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('citizen','staff')),
    subject_id   bigint REFERENCES subjects(id),
    staff_sub    text NOT NULL DEFAULT '',
    staff_name   text NOT NULL DEFAULT '',
    staff_roles  text[] NOT NULL DEFAULT '{}',
    loa          text NOT NULL DEFAULT '',
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Pending OpenID Connect logins: state, nonce and PKCE verifier bound to a browser cookie; single use.
CREATE TABLE oidc_logins (
    id_hash    bytea PRIMARY KEY,
    kind       text NOT NULL,
    state      text NOT NULL,
    nonce      text NOT NULL,
    verifier   text NOT NULL,
    return_to  text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
