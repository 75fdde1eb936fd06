-- One-time tickets: every genuine signature counted as a person's click is
-- remembered (its tag in hex) until it could no longer verify, so a replay
-- is caught across a restart; the report's replayed column; and the last
-- manual re-enable, after which the circuit breaker holds for an hour on
-- every instance.
CREATE TABLE click_tickets (
    tag TEXT PRIMARY KEY, expires_at BIGINT NOT NULL, consumed_at BIGINT NOT NULL,
    fingerprint BIGINT NOT NULL);
CREATE INDEX click_tickets_by_expiry ON click_tickets (expires_at);
ALTER TABLE click_signing_report ADD COLUMN replayed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE click_signing_settings ADD COLUMN reenabled_at BIGINT;
-- Each auto-block's network (IPv4 /24, IPv6 /48), so one network can hold
-- only its share of a site's auto-blocks.
ALTER TABLE blocked_ips ADD COLUMN network TEXT;
CREATE INDEX blocked_ips_by_network ON blocked_ips (site_id, network);
-- Until when an endpoint whose receiver answered 429 or 503 is left alone.
ALTER TABLE webhook_endpoints ADD COLUMN throttled_until BIGINT;
