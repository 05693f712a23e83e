-- Acting on behalf of someone else in the portal (issue 16, the portal side).

-- The representative's name, optional (DigiD carries none; the municipality knows it from the BRP or
-- the court decision), sealed like the represented person's name (associated data: the id).
ALTER TABLE representations ADD COLUMN representative_name_enc bytea, ADD COLUMN representative_name_key text;
ALTER TABLE representation_history ADD COLUMN old_rep_name_enc bytea, ADD COLUMN old_rep_name_key text;

-- A citizen's session that acts for someone else names the representation; every request checks
-- again that it is in force.
ALTER TABLE sessions ADD COLUMN acting_representation_id uuid REFERENCES representations(id);

-- Every page view and action of a representative: the event in the represented person's log that
-- records it (event_id, no foreign key: retention removes events), who acted under which
-- representation, and what was seen or done (what: a code; ref: the event, request, consent or signal
-- it was about). The representative's "what I did for others" page and the privacy officer's
-- oversight read this table.
CREATE TABLE representative_acts (
    event_id          uuid PRIMARY KEY,
    representation_id uuid NOT NULL REFERENCES representations(id),
    actor_id          bigint NOT NULL REFERENCES subjects(id),
    subject_id        bigint NOT NULL REFERENCES subjects(id),
    at                timestamptz NOT NULL,
    what              text NOT NULL CHECK (what ~ '^[a-z_]{1,40}$'),
    ref               text NOT NULL DEFAULT '' CHECK (length(ref) <= 64)
);
CREATE INDEX representative_acts_actor ON representative_acts (actor_id, at DESC);
CREATE INDEX representative_acts_subject ON representative_acts (subject_id, at DESC);
CREATE INDEX representative_acts_representation ON representative_acts (representation_id, at DESC);

-- The represented person may dispute a representation ("this person should not act for me"); the
-- privacy officer's oversight then lists what was done under it.
CREATE TABLE representation_disputes (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    representation_id uuid NOT NULL REFERENCES representations(id),
    subject_id        bigint NOT NULL REFERENCES subjects(id),
    reason            text NOT NULL CHECK (reason <> '' AND length(reason) <= 2000),
    disputed_at       timestamptz NOT NULL
);
CREATE INDEX representation_disputes_representation ON representation_disputes (representation_id);

-- Rights requests and consent answers made on behalf of someone name the representation.
ALTER TABLE rights_requests ADD COLUMN filed_by_representation uuid REFERENCES representations(id),
    ADD COLUMN withdrawn_by_representation uuid REFERENCES representations(id),
    -- A request about a signal names it: a representative from whom the signal is hidden does not see
    -- the request either.
    ADD COLUMN signal_id uuid REFERENCES signals(id);
ALTER TABLE consents ADD COLUMN decided_by_representation uuid REFERENCES representations(id),
    ADD COLUMN withdrawn_by_representation uuid REFERENCES representations(id),
    -- A child from 12 to 16 gives their own answer beside the parents' decision; staff see both.
    ADD COLUMN own_answer text CHECK (own_answer IN ('granted', 'refused')),
    ADD COLUMN own_answer_at timestamptz,
    ADD COLUMN own_answer_comment text NOT NULL DEFAULT '',
    ADD CHECK ((own_answer IS NULL) = (own_answer_at IS NULL));

-- A deferral may say that the signal stays hidden from representatives, also after the person is told.
ALTER TABLE signal_deferrals ADD COLUMN hide_from_representatives boolean NOT NULL DEFAULT false;

-- Signals hidden from representatives (categories domestic_violence and child_safety, or a deferral
-- that says so) are shown to one representative only after a clerk asks, with a reason, and a second
-- staff member approves (four eyes, as for deferrals).
CREATE TABLE signal_releases (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    signal_id         uuid NOT NULL REFERENCES signals(id),
    representation_id uuid NOT NULL REFERENCES representations(id),
    reason            text NOT NULL CHECK (reason <> '' AND length(reason) <= 2000),
    requested_by      text NOT NULL,
    requester_name    text NOT NULL DEFAULT '',
    requested_at      timestamptz NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by        text NOT NULL DEFAULT '',
    decider_name      text NOT NULL DEFAULT '',
    decided_at        timestamptz,
    CHECK (status = 'pending' OR (decided_by <> '' AND decided_by <> requested_by AND decided_at IS NOT NULL))
);
CREATE UNIQUE INDEX signal_releases_open ON signal_releases (signal_id, representation_id)
    WHERE status IN ('pending', 'approved');
