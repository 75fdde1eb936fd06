-- the initial schema.
CREATE TABLE accounts (
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
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
