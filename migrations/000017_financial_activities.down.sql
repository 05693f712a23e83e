DROP TABLE financial_activities;
