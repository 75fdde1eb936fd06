-- The deliveries still waiting, by endpoint and due time. The worker's scan
-- for endpoints with due work read every due delivery to group them by
-- endpoint (3.5-5 ms, ~45 times a second with one endpoint's 5,000 waiting;
-- with many endpoints' outboxes full at once, their sum on every scan).
-- It now steps from one endpoint with waiting deliveries to the next
-- through this index and reads each one's oldest, so a scan costs the
-- endpoints with a backlog, not the backlog. Delivered rows are kept, so
-- only a partial index keeps that step from walking an endpoint's history.
-- It also orders an endpoint's claims, bounds its outbox and counts the
-- outbox, the jobs of the three indexes it replaces (each of which a
-- planner without statistics chose for that step, reading every waiting
-- or delivered row).
CREATE INDEX deliveries_waiting ON deliveries (endpoint_id, next_attempt_at, id)
    WHERE status = 'pending';
DROP INDEX deliveries_next;
DROP INDEX deliveries_pending;
DROP INDEX deliveries_due;
