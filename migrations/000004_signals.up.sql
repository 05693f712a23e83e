-- Signals (meldingen) about a person. After destruction only the id, the subject, the category and the
-- dates remain: every content column is set to NULL in the same transaction.
CREATE TABLE signals (
    id                    uuid PRIMARY KEY,
    subject_id            bigint NOT NULL REFERENCES subjects(id),
    received_at           timestamptz NOT NULL,
    registered_at         timestamptz NOT NULL,
    source                text NOT NULL CHECK (source IN ('api','staff')),
    api_key_id            bigint REFERENCES api_keys(id),
    registered_by         text NOT NULL DEFAULT '',
    category              text NOT NULL,
    reporter_kind         text,
    reporter_name         text,
    reporter_organization text,
    reporter_contact      text,
    summary               text,
    urgency               text,
    handling_team         text,
    content_hash          bytea,
    told_at               timestamptz,
    decision_due          timestamptz NOT NULL,
    retention             text NOT NULL DEFAULT '' CHECK (retention IN ('','vernietigen','actie','bewaren')),
    retention_at          timestamptz,
    retention_by          text NOT NULL DEFAULT '',
    case_ref              text NOT NULL DEFAULT '',
    review_at             timestamptz,
    destroyed_at          timestamptz,
    CHECK ((destroyed_at IS NULL) OR (summary IS NULL AND reporter_kind IS NULL AND reporter_name IS NULL AND
           reporter_organization IS NULL AND reporter_contact IS NULL AND urgency IS NULL AND handling_team IS NULL
           AND content_hash IS NULL))
);
CREATE INDEX signals_subject ON signals (subject_id, received_at DESC);
CREATE INDEX signals_untold ON signals (registered_at) WHERE told_at IS NULL;
CREATE INDEX signals_undecided ON signals (decision_due) WHERE retention = '';

-- Requests to defer telling the citizen, each with the team lead's decision.
CREATE TABLE signal_deferrals (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    signal_id         uuid NOT NULL REFERENCES signals(id),
    reason            text NOT NULL CHECK (reason IN ('danger','crisis_intervention','investigation','third_party')),
    motivation        text,
    review_at         timestamptz NOT NULL,
    requested_by      text NOT NULL,
    requester_name    text NOT NULL DEFAULT '',
    requested_at      timestamptz NOT NULL,
    approve_before    timestamptz NOT NULL,
    initial           boolean NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending','approved','rejected','lapsed')),
    decided_by        text NOT NULL DEFAULT '',
    decider_name      text NOT NULL DEFAULT '',
    decided_at        timestamptz,
    CHECK (status = 'pending' OR status = 'lapsed' OR decided_by <> requested_by)
);
CREATE INDEX signal_deferrals_signal ON signal_deferrals (signal_id, id);
CREATE INDEX signal_deferrals_pending ON signal_deferrals (approve_before) WHERE status = 'pending';

-- The inbox now tells about signals too.
ALTER TABLE messages ALTER COLUMN request_id DROP NOT NULL;
ALTER TABLE messages ADD COLUMN signal_id uuid REFERENCES signals(id);
ALTER TABLE messages ADD CONSTRAINT messages_one_subject CHECK ((request_id IS NULL) <> (signal_id IS NULL));

-- Staff views of a signal are processing events; while the signal is kept from the citizen they are
-- confidential too, and they become visible when the citizen is told.
ALTER TABLE processing_events ADD COLUMN signal_id uuid;
CREATE INDEX processing_events_signal ON processing_events (signal_id) WHERE signal_id IS NOT NULL;
