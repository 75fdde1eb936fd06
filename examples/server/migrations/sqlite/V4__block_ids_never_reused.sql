-- block ids are never reused (AUTOINCREMENT), so a client holding the
-- id of a removed block can never delete a newer one by it.
CREATE TABLE blocked_ips_v4 (
    id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL, ip_address TEXT NOT NULL, reason TEXT,
    type TEXT NOT NULL, expires_at INTEGER, source TEXT NOT NULL, fraud_score INTEGER,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, offences INTEGER NOT NULL DEFAULT 0,
    UNIQUE (site_id, ip_address));
INSERT INTO blocked_ips_v4 (id, site_id, ip_address, reason, type, expires_at, source, fraud_score, created_at, updated_at, offences)
    SELECT id, site_id, ip_address, reason, type, expires_at, source, fraud_score, created_at, updated_at, offences FROM blocked_ips;
DROP TABLE blocked_ips;
ALTER TABLE blocked_ips_v4 RENAME TO blocked_ips;
CREATE INDEX blocks_auto_by_age ON blocked_ips (site_id, source, updated_at);
