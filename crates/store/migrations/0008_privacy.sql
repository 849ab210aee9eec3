-- Personal data is kept for a set period, exported on request, erased on request.

-- A client's own retention in months; without a row the bureau's setting applies.
CREATE TABLE client_retention (
    client_id TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    months    BIGINT NOT NULL CHECK (months BETWEEN 1 AND 120)
);

-- The daily purge: one row per bureau-local day, so a day is purged once across workers and
-- restarts; a run left `running` by a crashed worker is taken again after its lease.
CREATE TABLE purge_runs (
    day        TEXT PRIMARY KEY,    -- YYYY-MM-DD in the bureau's zone
    status     TEXT NOT NULL,       -- running | done
    claimed_at BIGINT NOT NULL,
    done_at    BIGINT
);

-- Callers erased on request: who had it done, when, and how much changed. The number itself is
-- not kept: that is the point.
CREATE TABLE caller_erasures (
    id        TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    erased_by TEXT NOT NULL,
    erased_at BIGINT NOT NULL,
    notes     BIGINT NOT NULL,
    contacts  BIGINT NOT NULL,
    calls     BIGINT NOT NULL
);
CREATE INDEX caller_erasures_client ON caller_erasures (client_id, erased_at);
