DROP TABLE IF EXISTS oidc_logins;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS processing_events;
DROP TABLE IF EXISTS api_keys;
DROP TABLE IF EXISTS subjects;
DROP TABLE IF EXISTS processing_activities;
