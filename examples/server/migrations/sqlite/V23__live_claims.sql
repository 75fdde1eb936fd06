-- Whether a delivery of an endpoint is claimed now (one attempt per
-- endpoint at a time, fleet-wide) is asked before every claim. With the
-- claim time second in a two-column index, and the planner without
-- statistics on a table that grew within seconds, the check read every
-- pending delivery of the endpoint instead (1.5-1.7 ms a claim with 5,000
-- waiting on PostgreSQL, BENCHMARKS.md). Only deliveries in flight carry
-- a claim, so an index of those alone is a handful of rows, and both
-- engines use it for `claimed_until >= ?` (which implies NOT NULL).
CREATE INDEX deliveries_claimed ON deliveries (endpoint_id, claimed_until)
    WHERE claimed_until IS NOT NULL;
DROP INDEX deliveries_claims;
