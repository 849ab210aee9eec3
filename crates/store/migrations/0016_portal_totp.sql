-- The portal's optional second factor (RFC 6238). Portable as 0001.
-- The secret in base32; NULL: the user logs in with the password alone.
ALTER TABLE portal_users ADD COLUMN totp_secret TEXT;
-- The time step of the last code taken: a code works once.
ALTER TABLE portal_users ADD COLUMN totp_last_step BIGINT;
-- A session whose password was checked but whose second factor is still to come (0) opens
-- nothing but the code form.
ALTER TABLE portal_sessions ADD COLUMN verified BIGINT NOT NULL DEFAULT 1 CHECK (verified IN (0, 1));

-- Recovery codes, as SHA-256; each used once.
CREATE TABLE portal_recovery_codes (
    portal_user_id TEXT NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    code_hash      TEXT NOT NULL,
    used_at        BIGINT,
    PRIMARY KEY (portal_user_id, code_hash)
);
