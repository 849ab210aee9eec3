-- The emergency procedure's steps an operator took on a note (JSON: step, when, by whom,
-- outcome). Portable as 0001.
ALTER TABLE call_notes ADD COLUMN emergency TEXT NOT NULL DEFAULT '[]';
