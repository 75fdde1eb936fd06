-- Billing counts billed visitors only (the core's rate::visitors rule): a
-- session_init allowed by the shop's policy, not from a known bot, within
-- its client's daily share. Each event keeps its client (the IPv4 address,
-- the IPv6 /64). Events stored before this rule are billed as they were
-- counted then, for their session_init.
ALTER TABLE pixel_events ADD COLUMN billed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pixel_events ADD COLUMN client TEXT;
UPDATE pixel_events SET billed = 1 WHERE type = 'session_init' AND visitor_id IS NOT NULL;
CREATE INDEX pixel_by_visitor ON pixel_events (shop, day, visitor_id);
CREATE INDEX pixel_by_client ON pixel_events (shop, day, client);
