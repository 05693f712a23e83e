DROP TABLE subject_emails;
DROP TABLE filings;
DROP SEQUENCE subject_email_versions;
