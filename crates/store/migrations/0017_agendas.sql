-- Employees' agendas, shared by the client: a URL the server fetches on a schedule, or an
-- uploaded file read once. Only the busy times of the coming days are kept (JSON), never
-- what the appointments are. Portable as 0001.
CREATE TABLE employee_agendas (
    employee_id TEXT PRIMARY KEY REFERENCES employees (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    url         TEXT,                       -- NULL: an uploaded file
    busy        TEXT NOT NULL DEFAULT '[]', -- [{from, until}], as last read
    fetched_at  BIGINT,                     -- when the URL was last read (or the file uploaded)
    last_error  TEXT,                       -- why the last fetch failed (busy kept from before)
    updated_at  BIGINT NOT NULL
);
CREATE INDEX employee_agendas_client ON employee_agendas (client_id);
