-- the click-signing API and the edge API.
CREATE TABLE click_signing_keys (id TEXT PRIMARY KEY, secret TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE click_signing_settings (id INTEGER PRIMARY KEY CHECK (id = 1), mode TEXT NOT NULL, circuit_breaker INTEGER NOT NULL);
CREATE TABLE click_signing_excluded (app_id TEXT PRIMARY KEY);
CREATE TABLE click_signing_report (
    hour INTEGER PRIMARY KEY, total INTEGER NOT NULL DEFAULT 0, valid INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0, expired INTEGER NOT NULL DEFAULT 0, invalid INTEGER NOT NULL DEFAULT 0,
    no_active INTEGER NOT NULL DEFAULT 0);
CREATE TABLE shop_policies (shop TEXT PRIMARY KEY, config TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE shop_protection (shop TEXT PRIMARY KEY, config TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE pixel_events (
    id INTEGER PRIMARY KEY, shop TEXT NOT NULL, type TEXT NOT NULL, session_id TEXT, visitor_id TEXT,
    ip TEXT, country TEXT, page TEXT, payload TEXT NOT NULL, created_at_ms INTEGER NOT NULL, day TEXT NOT NULL);
CREATE INDEX pixel_by_shop_type ON pixel_events (shop, type, id);
CREATE INDEX pixel_by_shop_day ON pixel_events (shop, day);
