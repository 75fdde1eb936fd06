-- A shop exists for the edge API once its owner enrolled it through an
-- authenticated path (the API secret, the CLI, the dashboard). Shops with a
-- synced IP policy were enrolled that way already.
CREATE TABLE shops (shop TEXT PRIMARY KEY, enrolled_at INTEGER NOT NULL);
INSERT INTO shops (shop, enrolled_at) SELECT shop, updated_at FROM shop_policies;
-- A heartbeat is a report, never the configuration: the last one is kept
-- here, beside the owner's configuration in shop_protection. Rows written
-- by heartbeats before this change were reports too, so they move here.
-- proxied: the report came through Shopify's app proxy (its signature
-- verified), which proves the shop it went through, not who sent it.
CREATE TABLE shop_reports (shop TEXT PRIMARY KEY, config TEXT NOT NULL, reported_at INTEGER NOT NULL,
    proxied INTEGER NOT NULL DEFAULT 0);
INSERT INTO shop_reports (shop, config, reported_at)
    SELECT shop, config, updated_at FROM shop_protection;
DELETE FROM shop_protection;
