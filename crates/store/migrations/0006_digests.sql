-- The daily digest per client: its settings, and one row per client and day once that day's
-- digest is decided. The primary key (client_id, day) is what makes a day's digest decided
-- once, across restarts and concurrent workers; the row is also the digest's own small
-- outbox (status, attempts, next_attempt_at as in `deliveries`), so the e-mail is retried
-- with the same backoff. Portable as 0001: BIGINT millis and 0/1 flags, TEXT ids and days.
CREATE TABLE digest_settings (
    client_id     TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    enabled       BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    send_at       TEXT NOT NULL,                -- HH:MM in the client's zone
    include_empty BIGINT NOT NULL DEFAULT 0 CHECK (include_empty IN (0, 1)),
    updated_at    BIGINT NOT NULL
);

CREATE TABLE digests_sent (
    client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day             TEXT NOT NULL,              -- YYYY-MM-DD in the client's zone
    window_start    BIGINT NOT NULL,            -- the notes listed: created_at in [start, end)
    window_end      BIGINT NOT NULL,
    status          TEXT NOT NULL,              -- queued | sent | failed | empty
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    PRIMARY KEY (client_id, day)
);
CREATE INDEX digests_due ON digests_sent (status, next_attempt_at);
