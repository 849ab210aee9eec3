-- The customer portal: who its users are, their sessions, the one-time links that set a
-- password, and the small outbox those links are e-mailed through. Portable as 0001.

ALTER TABLE portal_users ADD COLUMN name TEXT NOT NULL DEFAULT '';
-- A client's portal admin invites and removes colleagues.
ALTER TABLE portal_users ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1));
-- When the password last changed: sessions opened before it are no longer valid.
ALTER TABLE portal_users ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;

-- A portal session: the cookie is the token, only its SHA-256 is kept (as api_tokens).
CREATE TABLE portal_sessions (
    token_hash     TEXT PRIMARY KEY,
    portal_user_id TEXT NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    revoked_at     BIGINT
);
CREATE INDEX portal_sessions_user ON portal_sessions (portal_user_id);

-- A link that sets a portal user's password: used once, within its expiry.
CREATE TABLE portal_links (
    token_hash     TEXT PRIMARY KEY,
    portal_user_id TEXT NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX portal_links_user ON portal_links (portal_user_id);

-- The e-mails carrying those links: queued → sent, or failed (as deliveries). The link is
-- the secret; it is blanked once the message is sent or has failed for good.
CREATE TABLE portal_mails (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    portal_user_id  TEXT NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    link            TEXT NOT NULL,
    status          TEXT NOT NULL,      -- queued | sent | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX portal_mails_due ON portal_mails (status, next_attempt_at);
