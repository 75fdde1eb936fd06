//! The SQLite schema, one migration per entry, applied in order once each.

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    "CREATE TABLE accounts (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, plan TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active', click_limit INTEGER NOT NULL DEFAULT 100000,
        created_at INTEGER NOT NULL);
     CREATE TABLE team_members (
        account_id INTEGER NOT NULL, member_account_id INTEGER NOT NULL,
        PRIMARY KEY (account_id, member_account_id));
     CREATE TABLE sites (
        id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, name TEXT NOT NULL, domain TEXT NOT NULL,
        is_active INTEGER NOT NULL DEFAULT 1, grace_mode INTEGER NOT NULL DEFAULT 0,
        block_threshold INTEGER NOT NULL DEFAULT 70, flag_threshold INTEGER NOT NULL DEFAULT 40,
        paused_until INTEGER, created_at INTEGER NOT NULL);
     CREATE TABLE tokens (
        id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, hash TEXT NOT NULL UNIQUE,
        abilities TEXT NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER,
        created_at INTEGER NOT NULL);
     CREATE TABLE clicks (
        id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL, ip TEXT NOT NULL, status TEXT NOT NULL,
        classification TEXT NOT NULL, fraud_score INTEGER NOT NULL, reasons TEXT NOT NULL,
        user_agent TEXT, referrer TEXT, created_at INTEGER NOT NULL);
     CREATE INDEX clicks_by_site ON clicks (site_id, id);
     CREATE TABLE blocked_ips (
        id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL, ip_address TEXT NOT NULL, reason TEXT,
        type TEXT NOT NULL, expires_at INTEGER, source TEXT NOT NULL, fraud_score INTEGER,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (site_id, ip_address));
     CREATE TABLE webhook_endpoints (
        id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL,
        events TEXT NOT NULL, consecutive_failures INTEGER NOT NULL DEFAULT 0,
        disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
     CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY, endpoint_id INTEGER NOT NULL, event TEXT NOT NULL, body BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER, status TEXT NOT NULL DEFAULT 'pending',
        last_status TEXT, created_at INTEGER NOT NULL);
     CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);",
    // 2: the click-signing API and the edge API.
    "CREATE TABLE click_signing_keys (id TEXT PRIMARY KEY, secret TEXT NOT NULL, expires_at INTEGER NOT NULL);
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
     CREATE INDEX pixel_by_shop_day ON pixel_events (shop, day);",
    // 3: defences that survive restarts and scale: the breaker's last trip,
    // each click's network (for counting sources), repeat offenders and
    // the order auto-blocks are evicted in, per-site redirect hosts.
    "ALTER TABLE click_signing_settings ADD COLUMN tripped TEXT;
     ALTER TABLE clicks ADD COLUMN network TEXT NOT NULL DEFAULT '';
     CREATE INDEX clicks_by_site_time ON clicks (site_id, created_at);
     ALTER TABLE blocked_ips ADD COLUMN offences INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX blocks_auto_by_age ON blocked_ips (site_id, source, updated_at);
     ALTER TABLE sites ADD COLUMN redirect_hosts TEXT NOT NULL DEFAULT '';",
    // 4: block ids are never reused (AUTOINCREMENT), so a client holding the
    // id of a removed block can never delete a newer one by it.
    "CREATE TABLE blocked_ips_v4 (
        id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL, ip_address TEXT NOT NULL, reason TEXT,
        type TEXT NOT NULL, expires_at INTEGER, source TEXT NOT NULL, fraud_score INTEGER,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, offences INTEGER NOT NULL DEFAULT 0,
        UNIQUE (site_id, ip_address));
     INSERT INTO blocked_ips_v4 (id, site_id, ip_address, reason, type, expires_at, source, fraud_score, created_at, updated_at, offences)
        SELECT id, site_id, ip_address, reason, type, expires_at, source, fraud_score, created_at, updated_at, offences FROM blocked_ips;
     DROP TABLE blocked_ips;
     ALTER TABLE blocked_ips_v4 RENAME TO blocked_ips;
     CREATE INDEX blocks_auto_by_age ON blocked_ips (site_id, source, updated_at);",
    // 5: deliveries are claimed with a lease, so several instances on one
    // database attempt each delivery once, and one endpoint at a time.
    "ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
     ALTER TABLE deliveries ADD COLUMN claimed_until INTEGER;
     CREATE INDEX deliveries_claims ON deliveries (endpoint_id, claimed_until);",
    // 6: versions of the shared configuration, bumped in the transaction of
    // every change, so each instance on the database reloads what changed.
    "CREATE TABLE config_versions (
        id INTEGER PRIMARY KEY CHECK (id = 1), settings INTEGER NOT NULL, blocks INTEGER NOT NULL);
     INSERT INTO config_versions (id, settings, blocks) VALUES (1, 0, 0);
     ALTER TABLE config_versions ADD COLUMN blocks_by TEXT;",
];
