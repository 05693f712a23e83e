-- Questions and Awb objections cannot exist under the old kinds: they go, with what refers to them.
DELETE FROM break_glass_review_objections WHERE request_id IN (SELECT id FROM rights_requests WHERE kind IN ('vraag','awb_bezwaar'));
DELETE FROM decision_proposals WHERE request_id IN (SELECT id FROM rights_requests WHERE kind IN ('vraag','awb_bezwaar'));
DELETE FROM messages WHERE request_id IN (SELECT id FROM rights_requests WHERE kind IN ('vraag','awb_bezwaar'));
DELETE FROM rights_request_steps WHERE request_id IN (SELECT id FROM rights_requests WHERE kind IN ('vraag','awb_bezwaar'));
DELETE FROM rights_requests WHERE kind IN ('vraag','awb_bezwaar');
DROP INDEX rights_requests_one_open_objection;
ALTER TABLE rights_requests DROP COLUMN objects_to;
ALTER TABLE rights_requests DROP CONSTRAINT rights_requests_kind_check;
ALTER TABLE rights_requests ADD CONSTRAINT rights_requests_kind_check CHECK (kind IN
    ('inzage','rectificatie','wissing','beperking','bezwaar'));
