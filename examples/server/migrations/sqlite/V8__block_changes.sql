-- Each blocks change, under the blocks version it moved to, so another
-- instance applies the change to its in-memory lists instead of dropping
-- them all (an attacker making auto-blocks would otherwise make every
-- other instance reload every site's list).
CREATE TABLE block_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER NOT NULL, site_id INTEGER NOT NULL,
    ip_address TEXT NOT NULL, expires_at INTEGER, removed INTEGER NOT NULL, instance TEXT NOT NULL);
CREATE INDEX block_changes_version ON block_changes (version);
