-- Rights requests under the AVG (GDPR): inspection, correction, erasure, restriction, objection.
CREATE SEQUENCE rights_request_number;

CREATE TABLE rights_requests (
    id               uuid PRIMARY KEY,
    number           bigint NOT NULL UNIQUE DEFAULT nextval('rights_request_number'),
    reference        text NOT NULL UNIQUE,
    subject_id       bigint NOT NULL REFERENCES subjects(id),
    kind             text NOT NULL CHECK (kind IN ('inzage','rectificatie','wissing','beperking','bezwaar')),
    status           text NOT NULL CHECK (status IN ('ontvangen','in_behandeling','verlengd','besloten','ingetrokken')),
    scope            jsonb NOT NULL,
    description      text NOT NULL,
    -- The optional notification address is personal data: AES-256-GCM ciphertext (bsnvault), bound to
    -- the request id.
    email_enc        bytea,
    email_key_id     text NOT NULL DEFAULT '',
    received_at      timestamptz NOT NULL,
    first_deadline   timestamptz NOT NULL,
    deadline         timestamptz NOT NULL CHECK (deadline >= first_deadline),
    extension_reason text NOT NULL DEFAULT '',
    assignee_sub     text NOT NULL DEFAULT '',
    assignee_name    text NOT NULL DEFAULT '',
    outcome          text NOT NULL DEFAULT '' CHECK (outcome IN ('','toegewezen','deels_toegewezen','afgewezen')),
    motivation       text NOT NULL DEFAULT '',
    corrections      text NOT NULL DEFAULT '',
    decided_at       timestamptz,
    reminded_at      timestamptz,
    overdue_at       timestamptz,
    updated_at       timestamptz NOT NULL,
    CHECK ((status = 'besloten') = (decided_at IS NOT NULL AND outcome <> ''))
);
CREATE INDEX rights_requests_subject ON rights_requests (subject_id, received_at DESC);
CREATE INDEX rights_requests_open ON rights_requests (deadline)
    WHERE status IN ('ontvangen','in_behandeling','verlengd');

-- The timeline: every change, with actor, time and note, written in the same transaction as the change.
CREATE TABLE rights_request_steps (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES rights_requests(id),
    at          timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('filed','assigned','started','extended','decided','withdrawn','reminder','overdue')),
    from_status text NOT NULL,
    to_status   text NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('citizen','staff','system')),
    actor_role  text NOT NULL DEFAULT '',
    actor_sub   text NOT NULL DEFAULT '',
    actor_name  text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX rights_request_steps_request ON rights_request_steps (request_id, id);

-- The citizen's inbox: one message per status change they should know about.
CREATE TABLE messages (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id bigint NOT NULL REFERENCES subjects(id),
    request_id uuid NOT NULL REFERENCES rights_requests(id),
    kind       text NOT NULL,
    status     text NOT NULL,
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    mailed_at  timestamptz
);
CREATE INDEX messages_subject ON messages (subject_id, id DESC);
CREATE INDEX messages_unread ON messages (subject_id) WHERE read_at IS NULL;
