DROP INDEX processing_events_not_covered;
DROP INDEX processing_events_break_glass;
DROP TABLE break_glass_reviews;
