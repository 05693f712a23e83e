-- Issue 17: a clerk's internal notes on a rights request. Never shown to the person in the portal, but
-- personal data about them: an inspection request's answer (AVG art. 15) lists them.
-- Append-only: the portal only inserts; a note goes only with its request (ON DELETE CASCADE), when
-- the request itself is removed.
CREATE TABLE request_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    -- The person the request is about, copied from the request when the note is written, so that an
    -- inspection answer finds every note about the person in one look-up.
    subject_id  bigint NOT NULL REFERENCES subjects(id),
    -- The form's idempotency token: the same form sent twice stores one note.
    token       uuid NOT NULL UNIQUE,
    author_sub  text NOT NULL CHECK (author_sub <> ''),
    author_name text NOT NULL DEFAULT '',
    author_role text NOT NULL DEFAULT '',
    body        text NOT NULL CHECK (body <> '' AND char_length(body) <= 4000),
    created_at  timestamptz NOT NULL
);
CREATE INDEX request_notes_request ON request_notes (request_id, created_at DESC, id DESC);
CREATE INDEX request_notes_subject ON request_notes (subject_id, created_at);

-- Notes are never changed: an UPDATE is refused (deletion with the request stays possible).
CREATE FUNCTION request_notes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'request_notes are append-only';
END $$;
CREATE TRIGGER request_notes_no_update BEFORE UPDATE ON request_notes
    FOR EACH ROW EXECUTE FUNCTION request_notes_append_only();
