-- An endpoint's next due delivery, in order, found by this index rather
-- than by sorting every pending delivery of the endpoint: the claim runs
-- once per delivery, so under a flood of events it sorted the whole
-- backlog for each one (6-7 ms a claim at a few thousand pending on
-- PostgreSQL, BENCHMARKS.md) and a backlog slowed its own draining.
CREATE INDEX deliveries_next ON deliveries (endpoint_id, status, next_attempt_at, id);
