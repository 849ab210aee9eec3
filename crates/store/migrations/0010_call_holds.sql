-- Holds of a talking call: how often, how long in all (finished holds), and since when it is
-- held now (NULL when it is not). Portable as 0001: BIGINT millis.
ALTER TABLE calls ADD COLUMN hold_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN held_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN held_since BIGINT;
