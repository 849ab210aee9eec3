-- Call notes as the console saves them, and their deliveries: the outbox the delivery
-- worker empties. Portable as 0001: BIGINT millis and 0/1 flags, TEXT ids, JSON text.

-- The key a saving request carried; a retry with the same key finds the note it made.
ALTER TABLE call_notes ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX call_notes_idempotency ON call_notes (client_id, idempotency_key);
-- A call has at most one note (edited during wrap-up, never duplicated).
CREATE UNIQUE INDEX call_notes_call ON call_notes (call_id) WHERE call_id IS NOT NULL;

-- The note is (also) for the client's general addresses.
ALTER TABLE call_notes ADD COLUMN for_general BIGINT NOT NULL DEFAULT 0 CHECK (for_general IN (0, 1));

-- Caller name, company and phone in lower case (folded by Centrale, the same on both
-- backends), for the portal's search.
ALTER TABLE call_notes ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE call_notes
SET search_text = lower(caller_name || ' ' || caller_company || ' ' || COALESCE(caller_phone, ''));

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    note_id         TEXT NOT NULL REFERENCES call_notes (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,      -- email | sms
    recipient       TEXT NOT NULL,      -- an e-mail address or an E.164 number
    employee_id     TEXT,               -- copied from the note; the employee may go later
    status          TEXT NOT NULL,      -- queued | sent | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,             -- when a queued delivery is due
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX deliveries_note ON deliveries (note_id);
-- The worker's question: which queued deliveries are due?
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
