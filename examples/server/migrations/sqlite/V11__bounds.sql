-- An enabled endpoint's outbox is bounded: past the bound, fraud.detected
-- events are counted here instead of queued. The index finds an
-- endpoint's pending deliveries without reading anyone else's.
ALTER TABLE webhook_endpoints ADD COLUMN dropped_events INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_pending ON deliveries (endpoint_id, status, id);
-- Each auto-block's allocation (an ASN, else IPv4 /24, IPv6 /32), so one
-- allocation, however many /48s it holds, keeps only its share too.
ALTER TABLE blocked_ips ADD COLUMN allocation TEXT;
CREATE INDEX blocked_ips_by_allocation ON blocked_ips (site_id, allocation);
