-- The key ring's order (the order keys were saved in) as a column of its
-- own rather than SQLite's rowid, which PostgreSQL has no equivalent of.
ALTER TABLE click_signing_keys ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
UPDATE click_signing_keys SET added = rowid;
