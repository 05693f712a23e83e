-- Issue 17, four eyes on decisions against the person's will and the grounds of refusals.
--
-- A decision that is not a full grant on a correction, erasure, restriction or objection lets the
-- municipality go on processing against the person's will (PIA §4.1.2: "4-ogen principe"). The clerk's
-- decision is then a proposal that a team lead co-signs (or returns with a reason) before it is made.

-- Why a request was not granted in full, for the clerk's letter and the council's reasons analysis.
ALTER TABLE rights_requests ADD COLUMN refusal_ground text NOT NULL DEFAULT ''
    CHECK (refusal_ground IN ('', 'manifestly_unfounded', 'rights_of_others', 'data_correct',
                              'legal_obligation', 'compelling_grounds', 'other'));
-- The team lead who co-signed the decision ('' when none was needed).
ALTER TABLE rights_requests ADD COLUMN cosigned_by text NOT NULL DEFAULT '';
ALTER TABLE rights_requests ADD COLUMN cosigner_name text NOT NULL DEFAULT '';

CREATE TABLE decision_proposals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id    uuid NOT NULL REFERENCES rights_requests(id),
    outcome       text NOT NULL CHECK (outcome IN ('deels_toegewezen','afgewezen')),
    ground        text NOT NULL CHECK (ground <> ''),
    motivation    text NOT NULL,
    corrections   text NOT NULL DEFAULT '',
    proposed_by   text NOT NULL,
    proposer_name text NOT NULL DEFAULT '',
    proposed_at   timestamptz NOT NULL,
    status        text NOT NULL CHECK (status IN ('pending','approved','returned')),
    decided_by    text NOT NULL DEFAULT '',
    decider_name  text NOT NULL DEFAULT '',
    decided_at    timestamptz,
    return_reason text NOT NULL DEFAULT '',
    -- The second pair of eyes is another person; a returned proposal says why.
    CHECK (status = 'pending' OR (decided_by <> '' AND decided_by <> proposed_by AND decided_at IS NOT NULL)),
    CHECK (status <> 'returned' OR return_reason <> '')
);
-- At most one proposal waits per request.
CREATE UNIQUE INDEX decision_proposals_one_pending ON decision_proposals (request_id) WHERE status = 'pending';
CREATE INDEX decision_proposals_request ON decision_proposals (request_id, id);

ALTER TABLE rights_request_steps DROP CONSTRAINT rights_request_steps_kind_check;
ALTER TABLE rights_request_steps ADD CONSTRAINT rights_request_steps_kind_check CHECK (kind IN
    ('filed','assigned','started','extended','decided','withdrawn','reminder','overdue','proposed','returned'));

-- A notification for the team leads at each emergency access (break-the-glass) to a person's data
-- (PIA §5.3.3). Written in the same transaction as the processing event; read per staff member.
CREATE TABLE staff_notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role       text NOT NULL CHECK (role IN ('team_lead')),
    kind       text NOT NULL CHECK (kind IN ('break_glass')),
    event_id   uuid NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (kind, event_id)
);
CREATE TABLE staff_notification_reads (
    notification_id bigint NOT NULL REFERENCES staff_notifications(id) ON DELETE CASCADE,
    staff_sub       text NOT NULL,
    read_at         timestamptz NOT NULL,
    PRIMARY KEY (notification_id, staff_sub)
);
