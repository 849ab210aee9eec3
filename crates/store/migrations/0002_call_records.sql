-- Call records: every offer of a call to an operator, the waiting time, and the caller's
-- earlier notes found by number. Portable as 0001: BIGINT millis, TEXT ids and names.

-- Milliseconds from arrival to answer, or to the end for a call nobody answered.
ALTER TABLE calls ADD COLUMN wait_ms BIGINT;

CREATE TABLE call_offers (
    call_id     TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL,      -- the call's client, copied so every query can match it
    seq         BIGINT NOT NULL,    -- 1, 2, … per call, in the order the offers were made
    operator_id TEXT REFERENCES staff (id) ON DELETE SET NULL,
    offered_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    result      TEXT,               -- answered | rejected | timeout | cancelled | failed
    PRIMARY KEY (call_id, seq)
);
-- Deleting a staff member nulls their offers; without this PostgreSQL scans the table.
CREATE INDEX call_offers_operator ON call_offers (operator_id);

-- The screen pop: a caller's latest notes for one client.
CREATE INDEX call_notes_client_caller ON call_notes (client_id, caller_phone, created_at);
