-- Issue 18, rights without thresholds: a plain question about a processing line ('vraag', answered
-- within two weeks) and an objection under the Algemene wet bestuursrecht ('awb_bezwaar') against the
-- decision on an earlier request, filed within six weeks after that decision (Awb 6:7).
ALTER TABLE rights_requests DROP CONSTRAINT rights_requests_kind_check;
ALTER TABLE rights_requests ADD CONSTRAINT rights_requests_kind_check CHECK (kind IN
    ('inzage','rectificatie','wissing','beperking','bezwaar','vraag','awb_bezwaar'));

-- The decided request an Awb objection is against; set exactly for Awb objections.
ALTER TABLE rights_requests ADD COLUMN objects_to uuid REFERENCES rights_requests(id);
ALTER TABLE rights_requests ADD CONSTRAINT rights_requests_objects_to_check
    CHECK ((kind = 'awb_bezwaar') = (objects_to IS NOT NULL));
-- One open Awb objection per decision at a time (a double submit files one).
CREATE UNIQUE INDEX rights_requests_one_open_objection ON rights_requests (objects_to)
    WHERE objects_to IS NOT NULL AND status IN ('ontvangen','in_behandeling','verlengd');
