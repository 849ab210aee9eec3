-- Sign-up to a live forwarding number: the number pool's quarantine, the plans a client
-- chooses from, the sign-ups themselves, and a small outbox of mails that are neither call
-- notes nor portal links (the welcome, the e-mail confirmation, supervisors' alerts).
-- Portable as 0001.

-- When a client gave the number up: it is not handed out again until the quarantine passed.
ALTER TABLE forwarding_numbers ADD COLUMN released_at BIGINT;

-- The plans, each valid from an instant until the next version of the same code.
CREATE TABLE plans (
    code              TEXT NOT NULL,
    valid_from        BIGINT NOT NULL,
    name              TEXT NOT NULL,
    monthly_cents     BIGINT NOT NULL,
    included_calls    BIGINT NOT NULL,
    extra_call_cents  BIGINT NOT NULL,
    PRIMARY KEY (code, valid_from)
);
-- A starting price list, for the bureau to change (a new version per change).
INSERT INTO plans VALUES ('basis', 0, 'Basis', 4900, 50, 125);
INSERT INTO plans VALUES ('plus', 0, 'Plus', 9900, 150, 100);

CREATE TABLE signups (
    id                  TEXT PRIMARY KEY,
    company             TEXT NOT NULL,
    contact_name        TEXT NOT NULL,
    email               TEXT NOT NULL,
    phone               TEXT NOT NULL,      -- E.164
    address             TEXT NOT NULL,
    kvk                 TEXT,
    line_type           TEXT NOT NULL,      -- analog | isdn | upc | mobile | pbx
    plan                TEXT NOT NULL,
    language            TEXT NOT NULL,      -- nl | en
    status              TEXT NOT NULL,      -- unconfirmed | pending | active
    confirm_token_hash  TEXT UNIQUE,        -- SHA-256 of the e-mail confirmation token
    confirm_expires_at  BIGINT,
    client_id           TEXT REFERENCES clients (id) ON DELETE SET NULL,
    created_at          BIGINT NOT NULL,
    activated_at        BIGINT
);
CREATE INDEX signups_status ON signups (status, created_at);

-- Mails composed when queued; the body may hold a link that is a secret, so it is blanked
-- once the mail is sent or has failed for good.
CREATE TABLE mails (
    id              TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL,      -- welcome | confirm_signup | signup_alert
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,      -- queued | sent | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mails_due ON mails (status, next_attempt_at);
