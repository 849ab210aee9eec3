-- Transfers: every outbound leg of a call (who put the caller through, to what, how it
-- ended) and the price list they are rated by. A connected transfer is a usage event: its
-- price is the one in force at its connection, copied into the row, so a later change of
-- the price list never alters it. Portable as 0001: BIGINT millis and cents, TEXT ids.

CREATE TABLE call_transfers (
    call_id     TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL,      -- the call's client, copied so every query can match it
    seq         BIGINT NOT NULL,    -- 1, 2, … per call
    operator_id TEXT REFERENCES staff (id) ON DELETE SET NULL,
    number      TEXT NOT NULL,      -- E.164
    line        TEXT NOT NULL,      -- mobile | fixed
    name        TEXT,               -- the employee or emergency step it reaches
    mode        TEXT NOT NULL,      -- blind | consult (ruggespraak)
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    result      TEXT,               -- connected | no_answer | busy | failed | caller_left |
                                    -- returned | destination_hung_up
    price_cents BIGINT,             -- set when connected
    PRIMARY KEY (call_id, seq)
);
CREATE INDEX call_transfers_usage ON call_transfers (client_id, ended_at);
CREATE INDEX call_transfers_operator ON call_transfers (operator_id);

-- Prices of a transfer by line, each valid from an instant until the next one's.
CREATE TABLE transfer_prices (
    line        TEXT NOT NULL,
    valid_from  BIGINT NOT NULL,
    cents       BIGINT NOT NULL,
    PRIMARY KEY (line, valid_from)
);
INSERT INTO transfer_prices (line, valid_from, cents) VALUES ('mobile', 0, 150);
INSERT INTO transfer_prices (line, valid_from, cents) VALUES ('fixed', 0, 100);

-- A client's exceptions to the transfer rules (free numbers, premium rate, abroad), JSON.
ALTER TABLE clients ADD COLUMN transfer_rules TEXT NOT NULL DEFAULT '{}';
