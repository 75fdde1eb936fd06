-- The key ring's order (the order keys were saved in), as on SQLite.
ALTER TABLE click_signing_keys ADD COLUMN added BIGINT NOT NULL DEFAULT 0;
