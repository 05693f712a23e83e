DROP TABLE stats_periods;
DROP INDEX consents_created;
DROP INDEX signals_registered;
DROP INDEX rights_requests_decided;
DROP INDEX rights_requests_received;
