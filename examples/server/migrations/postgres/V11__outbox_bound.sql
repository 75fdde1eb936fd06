-- An enabled endpoint's outbox is bounded: past the bound, fraud.detected
-- events are counted here instead of queued. The index finds an
-- endpoint's pending deliveries without reading anyone else's.
ALTER TABLE webhook_endpoints ADD COLUMN dropped_events BIGINT NOT NULL DEFAULT 0;
CREATE INDEX deliveries_pending ON deliveries (endpoint_id, status, id);
