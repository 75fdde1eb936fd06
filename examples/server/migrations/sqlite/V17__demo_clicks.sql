-- Clicks of the demo day a new database is seeded with (1), so they can be
-- told apart and removed (`clickfence-server demo remove`).
ALTER TABLE clicks ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
