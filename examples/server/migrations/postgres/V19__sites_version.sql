-- A version for site rows (settings, pause), bumped in the transaction of
-- every change: instances keep site rows in memory for click intake and
-- forget them when it moves (within a second, as for credentials).
ALTER TABLE config_versions ADD COLUMN sites BIGINT NOT NULL DEFAULT 0;
