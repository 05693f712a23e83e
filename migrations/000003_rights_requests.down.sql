DROP TABLE messages;
DROP TABLE rights_request_steps;
DROP TABLE rights_requests;
DROP SEQUENCE rights_request_number;
