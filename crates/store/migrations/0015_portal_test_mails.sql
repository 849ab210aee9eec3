-- Portal mails are password links or test messages a portal user asked for. Portable as 0001.
ALTER TABLE portal_mails ADD COLUMN kind TEXT NOT NULL DEFAULT 'set_password';
