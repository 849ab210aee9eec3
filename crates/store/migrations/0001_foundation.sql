-- Centrale's foundation schema. Portable between SQLite and PostgreSQL:
-- ids are UUID text, instants are BIGINT milliseconds since the Unix epoch (UTC),
-- lists and structured parts are JSON text, wall-clock times are ISO-8601 text,
-- flags are BIGINT 0/1 (sqlx's Any driver cannot read SQLite columns declared BOOLEAN).

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    greeting    TEXT NOT NULL,
    emails      TEXT NOT NULL,      -- JSON array of addresses
    time_zone   TEXT NOT NULL,      -- IANA name
    language    TEXT NOT NULL,      -- nl | en
    status      TEXT NOT NULL,      -- active | suspended
    created_at  BIGINT NOT NULL
);

CREATE TABLE forwarding_numbers (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,   -- E.164
    label       TEXT,
    client_id   TEXT REFERENCES clients (id) ON DELETE SET NULL
);
CREATE INDEX forwarding_numbers_client ON forwarding_numbers (client_id);

CREATE TABLE employees (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    emails      TEXT NOT NULL,      -- JSON array
    mobile      TEXT,               -- E.164
    landline    TEXT,               -- E.164
    reachable   BIGINT NOT NULL CHECK (reachable IN (0, 1)),
    sms         TEXT NOT NULL       -- never | urgent_only | always
);
CREATE INDEX employees_client ON employees (client_id);

CREATE TABLE instruction_sets (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    period_start TEXT,              -- wall clock in the client's zone; NULL for the standard set
    period_end   TEXT,
    content      TEXT NOT NULL,     -- JSON InstructionContent
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL,
    deleted_at   BIGINT             -- temporary sets are kept for their history
);
CREATE INDEX instruction_sets_client ON instruction_sets (client_id);

CREATE TABLE instruction_versions (
    set_id      TEXT NOT NULL,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    snapshot    TEXT,               -- JSON InstructionSet after the change; NULL when deleted
    changed_by  TEXT NOT NULL,
    changed_at  BIGINT NOT NULL,
    PRIMARY KEY (set_id, version)
);

CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    number      TEXT NOT NULL,      -- E.164
    name        TEXT NOT NULL,
    company     TEXT NOT NULL,
    remarks     TEXT NOT NULL,
    vip         BIGINT NOT NULL CHECK (vip IN (0, 1)),
    UNIQUE (client_id, number)
);

CREATE TABLE staff (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,  -- operator | supervisor | admin
    password_hash   TEXT NOT NULL,  -- argon2id PHC string
    sip_username    TEXT UNIQUE,
    sip_realm       TEXT,
    sip_ha1_md5     TEXT,
    sip_ha1_sha256  TEXT,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX staff_email ON staff (lower(email));

CREATE TABLE api_tokens (
    token_hash  TEXT PRIMARY KEY,   -- SHA-256 of the bearer token, hex
    staff_id    TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE portal_users (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX portal_users_email ON portal_users (lower(email));

-- Calls and call notes: telephony and the console fill these.
CREATE TABLE calls (
    id               TEXT PRIMARY KEY,
    client_id        TEXT REFERENCES clients (id) ON DELETE CASCADE,
    caller_number    TEXT,          -- E.164, NULL for anonymous
    caller_name      TEXT,
    dialled_number   TEXT NOT NULL, -- the forwarding number
    original_number  TEXT,          -- from Diversion / History-Info
    arrived_at       BIGINT NOT NULL,
    offered_at       BIGINT,
    answered_at      BIGINT,
    ended_at         BIGINT,
    operator_id      TEXT REFERENCES staff (id) ON DELETE SET NULL,
    ended_by         TEXT,          -- caller | operator | system
    outcome          TEXT           -- answered | abandoned_queued | abandoned_ringing | rejected | failed
);
CREATE INDEX calls_client_arrived ON calls (client_id, arrived_at);

CREATE TABLE call_notes (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    call_id         TEXT REFERENCES calls (id) ON DELETE SET NULL,
    caller_name     TEXT NOT NULL,
    caller_company  TEXT NOT NULL,
    caller_phone    TEXT,
    message         TEXT NOT NULL,
    for_employees   TEXT NOT NULL,  -- JSON array of employee ids
    urgent          BIGINT NOT NULL CHECK (urgent IN (0, 1)),
    callback_wish   TEXT,
    actions         TEXT NOT NULL,  -- JSON array
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX call_notes_client_created ON call_notes (client_id, created_at);
