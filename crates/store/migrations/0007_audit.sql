-- Who read which client's notes, and every earlier text of an edited note (issue 9, item 8).
-- Portable as 0001: BIGINT millis, TEXT ids, JSON text.

-- One row per read of notes by staff. No foreign keys: the log outlives the staff member
-- and the client it names (it is evidence, not data of theirs).
CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY,
    at        BIGINT NOT NULL,
    staff_id  TEXT NOT NULL,
    actor     TEXT NOT NULL,        -- staff:<email> at the time of the read
    client_id TEXT NOT NULL,
    action    TEXT NOT NULL,        -- notes_list | notes_search | note_read | … (core::audit::AuditAction)
    detail    TEXT NOT NULL         -- what was read: a note or call id, the search text
);
-- The supervisors' question: who read this client's notes between two instants?
CREATE INDEX audit_log_client_at ON audit_log (client_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- A note's text before each edit: who changed it, when, and what it said until then.
CREATE TABLE note_versions (
    note_id   TEXT NOT NULL REFERENCES call_notes (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,        -- the note's client, copied so every query can match it
    seq       BIGINT NOT NULL,      -- 1, 2, … per note, oldest edit first
    edited_by TEXT NOT NULL,        -- the actor of the edit
    edited_at BIGINT NOT NULL,
    previous  TEXT NOT NULL,        -- the draft replaced, as JSON
    PRIMARY KEY (note_id, seq)
);
