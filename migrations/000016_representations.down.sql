DROP TABLE representation_history;
DROP TABLE representations;
