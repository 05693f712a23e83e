DROP TABLE request_notes;
DROP FUNCTION request_notes_append_only();
