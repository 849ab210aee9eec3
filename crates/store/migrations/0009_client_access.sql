-- Least privilege for operators (issue 9, item 8): an operator reads a client's data only while
-- her work needs it: a call of the client was offered to her (call_offers), or she found the
-- client by search (a row here, renewed at each search). Supervisors and admins read all.
CREATE TABLE client_access (
    staff_id   TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (staff_id, client_id)
);
-- Deleting a client removes its rows; without this PostgreSQL scans the table.
CREATE INDEX client_access_client ON client_access (client_id);
-- The question asked of call_offers: was a call of this client offered to this operator lately?
CREATE INDEX call_offers_operator_client ON call_offers (operator_id, client_id, offered_at);
