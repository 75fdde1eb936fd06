-- versions of the shared configuration, bumped in the transaction of
-- every change, so each instance on the database reloads what changed.
CREATE TABLE config_versions (
    id INTEGER PRIMARY KEY CHECK (id = 1), settings INTEGER NOT NULL, blocks INTEGER NOT NULL);
INSERT INTO config_versions (id, settings, blocks) VALUES (1, 0, 0);
ALTER TABLE config_versions ADD COLUMN blocks_by TEXT;
