-- VNG GEMMA Verwerkingenlogging (OAS 0.9): POST/PUT/PATCH/DELETE /api/v1/verwerkingsacties.
--
-- Organisations by OIN (Digikoppeling's 20-digit organisation number), so that a verwerkingsactie's
-- uitvoerder reads as a name to the citizen. Filled by PUT /api/v1/organisations/{oin} and by
-- `inzicht register load` of a VNG register (VAR) file. No personal data.
CREATE TABLE organisations (
    oin        text PRIMARY KEY CHECK (oin ~ '^[0-9]{20}$'),
    name       text NOT NULL CHECK (name <> ''),
    updated_at timestamptz NOT NULL
);

-- One row per verwerkingsactie as the reporting system sent it. body holds the actie's own VNG fields
-- (names, ids, uitvoerder, systeem, gebruiker, gegevensbron, afnemer), never its verwerkte objecten and
-- never a BSN: an afnemer identified by BSN is a person row (afnemer_subject_id), like the objects.
-- content_hash is SHA-256 over the normalized actie with every BSN replaced by its keyed HMAC: the
-- same actieId again with the same content is a harmless retry, with other content a conflict.
CREATE TABLE verwerkingsacties (
    actie_id             uuid PRIMARY KEY,
    api_key_id           bigint NOT NULL REFERENCES api_keys(id),
    verwerking_id        uuid,
    activity_id          text,
    vertrouwelijkheid    text NOT NULL CHECK (vertrouwelijkheid IN ('normaal', 'vertrouwelijk', 'opgeheven')),
    bewaartermijn        text NOT NULL DEFAULT '',
    tijdstip             timestamptz NOT NULL,
    tijdstip_registratie timestamptz NOT NULL,
    lifted_at            timestamptz,
    body                 jsonb NOT NULL,
    afnemer_subject_id   bigint REFERENCES subjects(id),
    content_hash         bytea NOT NULL
);
CREATE INDEX verwerkingsacties_verwerking ON verwerkingsacties (verwerking_id) WHERE verwerking_id IS NOT NULL;

-- The verwerkte objecten of an actie, in the order sent. A person by BSN is a subject row (the BSN is
-- never stored in clear) with the processing event made for them; any other object keeps its id.
CREATE TABLE verwerkte_objecten (
    actie_id         uuid NOT NULL REFERENCES verwerkingsacties(actie_id) ON DELETE CASCADE,
    idx              int NOT NULL CHECK (idx >= 0),
    objecttype       text NOT NULL,
    soort_object_id  text NOT NULL,
    object_id        text,
    subject_id       bigint REFERENCES subjects(id),
    betrokkenheid    text NOT NULL DEFAULT '',
    soorten_gegevens text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (actie_id, idx),
    CHECK ((object_id IS NULL) <> (subject_id IS NULL))
);
CREATE INDEX verwerkte_objecten_subject ON verwerkte_objecten (subject_id, actie_id) WHERE subject_id IS NOT NULL;

-- VNG lets the supplier remove (DELETE) or replace (PUT) an actie. The citizen's events of it go with
-- it, but an auditor must be able to see that a logged processing was taken back, by which system,
-- when and how many events it held: one row per removal, kept. No personal data.
CREATE TABLE verwerkingsactie_removals (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actie_id       uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('delete', 'replace')),
    api_key_id     bigint NOT NULL REFERENCES api_keys(id),
    removed_at     timestamptz NOT NULL,
    verwerking_id  uuid,
    activity_id    text,
    tijdstip       timestamptz NOT NULL,
    events_removed int NOT NULL,
    -- How many of them the citizen could see: the same actieId never comes back vertrouwelijk.
    events_visible int NOT NULL DEFAULT 0
);
CREATE INDEX verwerkingsactie_removals_actie ON verwerkingsactie_removals (actie_id, removed_at);

-- The events made for a verwerkingsactie carry its id. VNG, like LDV, carries no action, level, role
-- or access basis: such an event may leave them empty ("niet vermeld" to the citizen).
ALTER TABLE processing_events ADD COLUMN vng_actie_id uuid;
CREATE INDEX processing_events_vng_actie ON processing_events (vng_actie_id) WHERE vng_actie_id IS NOT NULL;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_action_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_level_check;
ALTER TABLE processing_events DROP CONSTRAINT processing_events_access_basis_check;
ALTER TABLE processing_events ADD CONSTRAINT processing_events_action_check
    CHECK (action IN ('view','create','update','delete','disclose','export')
           OR (action = '' AND (trace_id IS NOT NULL OR vng_actie_id IS NOT NULL)));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_level_check
    CHECK (level IN ('that','what') OR (level = '' AND (trace_id IS NOT NULL OR vng_actie_id IS NOT NULL)));
ALTER TABLE processing_events ADD CONSTRAINT processing_events_access_basis_check
    CHECK (access_basis IN ('assigned','team','function','break_glass','consent','against_will')
           OR (access_basis = '' AND (trace_id IS NOT NULL OR vng_actie_id IS NOT NULL)));
