-- defences that survive restarts and scale: the breaker's last trip,
-- each click's network (for counting sources), repeat offenders and
-- the order auto-blocks are evicted in, per-site redirect hosts.
ALTER TABLE click_signing_settings ADD COLUMN tripped TEXT;
ALTER TABLE clicks ADD COLUMN network TEXT NOT NULL DEFAULT '';
CREATE INDEX clicks_by_site_time ON clicks (site_id, created_at);
ALTER TABLE blocked_ips ADD COLUMN offences INTEGER NOT NULL DEFAULT 0;
CREATE INDEX blocks_auto_by_age ON blocked_ips (site_id, source, updated_at);
ALTER TABLE sites ADD COLUMN redirect_hosts TEXT NOT NULL DEFAULT '';
