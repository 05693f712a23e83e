DROP TABLE subject_emails;
DROP TABLE filings;
