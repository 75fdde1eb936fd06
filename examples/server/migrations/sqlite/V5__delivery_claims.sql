-- deliveries are claimed with a lease, so several instances on one
-- database attempt each delivery once, and one endpoint at a time.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until INTEGER;
CREATE INDEX deliveries_claims ON deliveries (endpoint_id, claimed_until);
