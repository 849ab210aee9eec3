-- Callbacks agreed on notes (JSON: with whom, when, the number to call), and the calendar
-- feeds that show them in employees' agendas: per client, optionally per employee, opened
-- by a token of which only the SHA-256 is kept, revocable. Portable as 0001.

ALTER TABLE call_notes ADD COLUMN callback TEXT;

CREATE TABLE callback_feeds (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    employee_id TEXT REFERENCES employees (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX callback_feeds_client ON callback_feeds (client_id);
