-- The dashboard: the country a click came from (Cloudflare's hint or the
-- GeoIP database, read at intake), each webhook attempt with its latency
-- and error (the last 50 per endpoint), and signed-in sessions (only the
-- SHA-256 of the cookie is stored, so a leaked table signs no one in).
ALTER TABLE clicks ADD COLUMN country TEXT;
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint_id INTEGER NOT NULL, delivery_id INTEGER NOT NULL,
    event TEXT NOT NULL, attempt INTEGER NOT NULL, outcome TEXT NOT NULL, latency_ms INTEGER NOT NULL,
    error TEXT, at INTEGER NOT NULL);
CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (endpoint_id, id);
CREATE TABLE dashboard_sessions (
    id_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, credential_hash TEXT NOT NULL, csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX dashboard_sessions_by_credential ON dashboard_sessions (credential_hash, created_at);
