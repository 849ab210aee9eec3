-- When a note for a client's general address also goes by SMS: never | urgent_only | always.
ALTER TABLE clients ADD COLUMN sms_default TEXT NOT NULL DEFAULT 'never';
