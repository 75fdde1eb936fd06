//! The server's records. Every SQL statement lives here, so a PostgreSQL
//! backend means reimplementing this one module's methods; handlers never see
//! SQL. SQLite runs in WAL mode: a committed write survives the process being
//! killed.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

mod tx;
pub use tx::{NewBlock, Tx};

/// A storage failure (the message is for logs, never for clients).
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.to_string())
    }
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

/// (id, abilities, expires_at, revoked_at) of a token, for listings.
pub type TokenRow = (i64, String, i64, Option<i64>);

/// (id, status, attempts, next_attempt_at, last_status) of a delivery.
pub type DeliveryRow = (i64, String, i64, Option<i64>, Option<String>);

/// The plans of the spec; API access needs Pro or above.
pub const PLANS: [&str; 3] = ["starter", "pro", "business"];
/// The five token abilities of the spec.
pub const ABILITIES: [&str; 5] = [
    "sites:read",
    "stats:read",
    "clicks:read",
    "blocked-ips:read",
    "blocked-ips:write",
];
/// Token lifetimes the spec allows, in days.
pub const TOKEN_DAYS: [u64; 5] = [30, 90, 180, 365, 730];
/// Unrevoked tokens per account.
pub const MAX_TOKENS: i64 = 20;
/// Webhook endpoints per account.
pub const MAX_ENDPOINTS: i64 = 10;

const MIGRATIONS: &[&str] = &[
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
];

/// An account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// starter | pro | business.
    pub plan: String,
    /// e.g. active.
    pub status: String,
    /// Monthly click limit.
    pub click_limit: i64,
}

/// A site, with the spec's field names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Site {
    /// Id.
    pub id: i64,
    /// Owner.
    #[serde(skip)]
    pub account_id: i64,
    /// Name.
    pub name: String,
    /// Domain.
    pub domain: String,
    /// Active.
    pub is_active: bool,
    /// Grace mode: record, never refuse.
    pub grace_mode: bool,
    /// Block threshold.
    pub block_threshold: i64,
    /// Flag threshold.
    pub flag_threshold: i64,
    /// RFC 3339.
    pub created_at: String,
    /// Until when ad spend is paused (auto-pause), RFC 3339; null when not paused.
    #[serde(serialize_with = "serialize_paused")]
    #[schema(value_type = Option<String>)]
    pub paused_until: Option<i64>,
    /// Hosts besides the domain and its subdomains that click links may
    /// redirect to.
    #[serde(skip)]
    pub redirect_hosts: Vec<String>,
}

fn serialize_paused<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) if *t > crate::state::now() => s.serialize_str(&rfc3339(*t)),
        _ => s.serialize_none(),
    }
}

/// A token as the auth layer needs it.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Abilities.
    pub abilities: Vec<String>,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// Revoked at.
    pub revoked_at: Option<i64>,
}

/// A stored click.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Click {
    /// Id.
    pub id: i64,
    /// Site.
    pub site_id: i64,
    /// Client IP.
    pub ip: String,
    /// valid | flagged | blocked.
    pub status: String,
    /// Heaviest reason code, or clean.
    pub classification: String,
    /// 0–100.
    pub fraud_score: i64,
    /// Reason codes.
    pub reasons: Vec<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Referrer.
    pub referrer: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A blocked IP record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockedIp {
    /// Id.
    pub id: i64,
    /// Site.
    pub site_id: i64,
    /// Address.
    pub ip_address: String,
    /// Reason.
    pub reason: Option<String>,
    /// permanent | temporary.
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339, temporary only.
    pub expires_at: Option<String>,
    /// manual | api | auto.
    pub source: String,
    /// Score for auto blocks.
    pub fraud_score: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    /// Expiry as unix seconds.
    #[serde(skip)]
    pub expires_at_unix: Option<i64>,
}

/// A webhook endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// URL.
    pub url: String,
    /// Secret (never serialized).
    #[serde(skip)]
    pub secret: String,
    /// Subscribed events.
    pub events: Vec<String>,
    /// Consecutive failed attempts.
    pub consecutive_failures: i64,
    /// Auto-disabled.
    pub disabled: bool,
}

/// A delivery due for an attempt.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Id (also the X-MyClickShield-Delivery value).
    pub id: i64,
    /// Endpoint.
    pub endpoint: Endpoint,
    /// Event name.
    pub event: String,
    /// Exact body bytes.
    pub body: Vec<u8>,
    /// Attempts so far.
    pub attempts: i64,
}

/// A click to record.
#[derive(Debug)]
pub struct NewClick<'a> {
    /// Site.
    pub site: i64,
    /// Client address.
    pub ip: &'a str,
    /// The client's network (IPv4 /24, IPv6 /48), for counting sources.
    pub network: &'a str,
    /// valid | flagged | blocked.
    pub status: &'a str,
    /// Heaviest reason code, or clean.
    pub classification: &'a str,
    /// 0–100.
    pub score: i64,
    /// Reason codes.
    pub reasons: &'a [String],
    /// User agent.
    pub user_agent: Option<&'a str>,
    /// Referrer.
    pub referrer: Option<&'a str>,
    /// Unix seconds.
    pub at: i64,
}

/// Filters of the clicks list.
#[derive(Debug, Default)]
pub struct ClickFilter {
    /// valid | flagged | blocked.
    pub status: Option<String>,
    /// Classification label.
    pub classification: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
    /// Lower bound, unix seconds.
    pub since: Option<i64>,
    /// Upper bound, unix seconds.
    pub until: Option<i64>,
}

/// The SQLite store.
pub struct Store {
    conn: Mutex<Connection>,
}

/// Creates `path` as 0600 if missing, and narrows it (and an existing
/// `-wal` / `-shm`) to 0600 if present.
fn restrict(path: &Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError(format!("{}: {e}", path.display()));
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = std::path::PathBuf::from(p);
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Unix seconds as RFC 3339 with `+00:00`, as the spec writes timestamps.
pub fn rfc3339(t: i64) -> String {
    clickfence::webhook::rfc3339(u64::try_from(t).unwrap_or(0))
}

fn site_from(row: &Row<'_>) -> rusqlite::Result<Site> {
    Ok(Site {
        id: row.get(0)?,
        account_id: row.get(1)?,
        name: row.get(2)?,
        domain: row.get(3)?,
        is_active: row.get(4)?,
        grace_mode: row.get(5)?,
        block_threshold: row.get(6)?,
        flag_threshold: row.get(7)?,
        paused_until: row.get(8)?,
        created_at: rfc3339(row.get(9)?),
        redirect_hosts: row
            .get::<_, String>(10)?
            .split(',')
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

const SITE_COLUMNS: &str =
    "s.id, s.account_id, s.name, s.domain, s.is_active, s.grace_mode, s.block_threshold, s.flag_threshold, s.paused_until, s.created_at, s.redirect_hosts";

pub(crate) const ACCOUNT_COLUMNS: &str = "id, name, plan, status, click_limit";

pub(crate) fn account_from(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        name: r.get(1)?,
        plan: r.get(2)?,
        status: r.get(3)?,
        click_limit: r.get(4)?,
    })
}

pub(crate) fn block_from(row: &Row<'_>) -> rusqlite::Result<BlockedIp> {
    let expires: Option<i64> = row.get(5)?;
    Ok(BlockedIp {
        id: row.get(0)?,
        site_id: row.get(1)?,
        ip_address: row.get(2)?,
        reason: row.get(3)?,
        kind: row.get(4)?,
        expires_at: expires.map(rfc3339),
        expires_at_unix: expires,
        source: row.get(6)?,
        fraud_score: row.get(7)?,
        created_at: rfc3339(row.get(8)?),
    })
}

pub(crate) const BLOCK_COLUMNS: &str =
    "id, site_id, ip_address, reason, type, expires_at, source, fraud_score, created_at";

fn endpoint_from(row: &Row<'_>) -> rusqlite::Result<Endpoint> {
    let events: String = row.get(4)?;
    Ok(Endpoint {
        id: row.get(0)?,
        account_id: row.get(1)?,
        url: row.get(2)?,
        secret: row.get(3)?,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        consecutive_failures: row.get(5)?,
        disabled: row.get(6)?,
    })
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// The file holds webhook secrets and click-signing keys, so it is
    /// created owner-only (0600), and an existing one is narrowed to that;
    /// SQLite gives its `-wal` and `-shm` files the database's mode.
    pub fn open(path: &Path) -> StoreResult<Self> {
        restrict(path)?;
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
        let version: i64 = conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )?;
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [i as i64 + 1],
            )?;
            tx.commit()?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-statement leaves SQLite consistent (it rolls back).
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether no account exists yet.
    pub fn is_empty(&self) -> StoreResult<bool> {
        Ok(self
            .db()
            .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get::<_, i64>(0))?
            == 0)
    }

    /// Creates an account.
    pub fn create_account(&self, name: &str, plan: &str, now: i64) -> StoreResult<i64> {
        let db = self.db();
        db.execute(
            "INSERT INTO accounts (name, plan, created_at) VALUES (?1, ?2, ?3)",
            params![name, plan, now],
        )?;
        Ok(db.last_insert_rowid())
    }

    /// An account by id.
    pub fn account(&self, id: i64) -> StoreResult<Option<Account>> {
        Ok(self
            .db()
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
                [id],
                account_from,
            )
            .optional()?)
    }

    /// Changes an account's plan, status or click limit; returns the account after.
    pub fn update_account(
        &self,
        id: i64,
        plan: Option<&str>,
        status: Option<&str>,
        click_limit: Option<i64>,
    ) -> StoreResult<Option<Account>> {
        self.write(|tx| tx.update_account(id, plan, status, click_limit))
            .map(|(a, _)| a)
    }

    /// Lets `member` access `account`'s sites.
    pub fn add_member(&self, account: i64, member: i64) -> StoreResult<()> {
        self.db().execute(
            "INSERT OR IGNORE INTO team_members (account_id, member_account_id) VALUES (?1, ?2)",
            params![account, member],
        )?;
        Ok(())
    }

    /// Creates a site.
    pub fn create_site(
        &self,
        account: i64,
        name: &str,
        domain: &str,
        now: i64,
    ) -> StoreResult<Site> {
        let (id, _) = self.write(|tx| tx.create_site(account, name, domain, now, false))?;
        self.site(id)?
            .ok_or_else(|| StoreError("site vanished".into()))
    }

    /// Updates a site's settings.
    #[allow(clippy::too_many_arguments)]
    pub fn update_site(
        &self,
        id: i64,
        name: Option<&str>,
        domain: Option<&str>,
        block_threshold: Option<i64>,
        flag_threshold: Option<i64>,
        grace_mode: Option<bool>,
        is_active: Option<bool>,
        redirect_hosts: Option<&[String]>,
    ) -> StoreResult<Option<Site>> {
        let hosts = redirect_hosts.map(|h| h.join(","));
        self.db().execute(
            "UPDATE sites SET name = COALESCE(?2, name), domain = COALESCE(?3, domain),
                block_threshold = COALESCE(?4, block_threshold), flag_threshold = COALESCE(?5, flag_threshold),
                grace_mode = COALESCE(?6, grace_mode), is_active = COALESCE(?7, is_active),
                redirect_hosts = COALESCE(?8, redirect_hosts) WHERE id = ?1",
            params![id, name, domain, block_threshold, flag_threshold, grace_mode, is_active, hosts],
        )?;
        self.site(id)
    }

    /// A site by id, whoever owns it.
    pub fn site(&self, id: i64) -> StoreResult<Option<Site>> {
        Ok(self
            .db()
            .query_row(
                &format!("SELECT {SITE_COLUMNS} FROM sites s WHERE s.id = ?1"),
                [id],
                site_from,
            )
            .optional()?)
    }

    /// Deliveries waiting for an attempt.
    pub fn outbox_depth(&self) -> StoreResult<i64> {
        Ok(self.db().query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// The active site with the lowest id, whoever owns it.
    pub fn oldest_active_site(&self) -> StoreResult<Option<Site>> {
        Ok(self
            .db()
            .query_row(
                &format!("SELECT {SITE_COLUMNS} FROM sites s WHERE s.is_active = 1 ORDER BY s.id LIMIT 1"),
                [],
                site_from,
            )
            .optional()?)
    }

    /// Sites `account` can access: its own and those of accounts it is a team member of.
    pub fn sites_for(&self, account: i64) -> StoreResult<Vec<Site>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT {SITE_COLUMNS} FROM sites s WHERE s.account_id = ?1
             OR s.account_id IN (SELECT account_id FROM team_members WHERE member_account_id = ?1) ORDER BY s.id"
        ))?;
        let rows = stmt
            .query_map([account], site_from)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A site `account` can access, or None.
    pub fn site_for(&self, account: i64, id: i64) -> StoreResult<Option<Site>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT {SITE_COLUMNS} FROM sites s WHERE s.id = ?2 AND (s.account_id = ?1
             OR s.account_id IN (SELECT account_id FROM team_members WHERE member_account_id = ?1))"
        ))?;
        Ok(stmt.query_row(params![account, id], site_from).optional()?)
    }

    /// Stores a token hash; refuses past [`MAX_TOKENS`] unrevoked tokens.
    pub fn create_token(
        &self,
        account: i64,
        hash: &str,
        abilities: &[String],
        expires_at: i64,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let db = self.db();
        let live: i64 = db.query_row(
            "SELECT COUNT(*) FROM tokens WHERE account_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
            params![account, now],
            |r| r.get(0),
        )?;
        if live >= MAX_TOKENS {
            return Ok(None);
        }
        db.execute(
            "INSERT INTO tokens (account_id, hash, abilities, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account, hash, abilities.join(","), expires_at, now],
        )?;
        Ok(Some(db.last_insert_rowid()))
    }

    /// A token by the hash of its text.
    pub fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT id, account_id, abilities, expires_at, revoked_at FROM tokens WHERE hash = ?1",
        )?;
        Ok(stmt
            .query_row([hash], |r| {
                let abilities: String = r.get(2)?;
                Ok(TokenRecord {
                    id: r.get(0)?,
                    account_id: r.get(1)?,
                    abilities: abilities.split(',').map(str::to_owned).collect(),
                    expires_at: r.get(3)?,
                    revoked_at: r.get(4)?,
                })
            })
            .optional()?)
    }

    /// An account's tokens: (id, abilities, expires_at, revoked_at).
    pub fn tokens_of(&self, account: i64) -> StoreResult<Vec<TokenRow>> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT id, abilities, expires_at, revoked_at FROM tokens WHERE account_id = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([account], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Revokes a token; returns whether it existed unrevoked.
    pub fn revoke_token(&self, id: i64, now: i64) -> StoreResult<bool> {
        Ok(self.db().execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now],
        )? == 1)
    }

    /// Clicks of a site, newest first, with ids below `before` (the cursor).
    pub fn clicks(
        &self,
        site: i64,
        f: &ClickFilter,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Click>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT id, site_id, ip, status, classification, fraud_score, reasons, user_agent, referrer, created_at
             FROM clicks WHERE site_id = ?1 AND (?2 IS NULL OR id < ?2) AND (?3 IS NULL OR status = ?3)
               AND (?4 IS NULL OR classification = ?4) AND (?5 IS NULL OR ip = ?5)
               AND (?6 IS NULL OR created_at >= ?6) AND (?7 IS NULL OR created_at <= ?7)
             ORDER BY id DESC LIMIT ?8",
        )?;
        let rows = stmt
            .query_map(
                params![
                    site,
                    before,
                    f.status,
                    f.classification,
                    f.ip,
                    f.since,
                    f.until,
                    limit
                ],
                |r| {
                    let reasons: String = r.get(6)?;
                    Ok(Click {
                        id: r.get(0)?,
                        site_id: r.get(1)?,
                        ip: r.get(2)?,
                        status: r.get(3)?,
                        classification: r.get(4)?,
                        fraud_score: r.get(5)?,
                        reasons: reasons
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        user_agent: r.get(7)?,
                        referrer: r.get(8)?,
                        created_at: rfc3339(r.get(9)?),
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// (total, blocked, flagged) clicks of a site since `since`.
    pub fn click_counts(&self, site: i64, since: i64) -> StoreResult<(i64, i64, i64)> {
        Ok(self.db().query_row(
            "SELECT COUNT(*), COALESCE(SUM(status = 'blocked'), 0), COALESCE(SUM(status = 'flagged'), 0)
             FROM clicks WHERE site_id = ?1 AND created_at >= ?2",
            params![site, since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }

    /// Blocks in force at `now`, by id ascending, after id `after`.
    pub fn blocks(
        &self,
        site: i64,
        now: i64,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<BlockedIp>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT {BLOCK_COLUMNS} FROM blocked_ips WHERE site_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)
             AND (?3 IS NULL OR id > ?3) ORDER BY id LIMIT ?4"
        ))?;
        let rows = stmt
            .query_map(params![site, now, after, limit], block_from)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every block of a site still in force at `now`: (address or prefix, expiry).
    pub fn active_blocks(&self, site: i64, now: i64) -> StoreResult<Vec<(String, Option<i64>)>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT ip_address, expires_at FROM blocked_ips WHERE site_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
        )?;
        let rows = stmt
            .query_map(params![site, now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Runs `f` in one transaction: every change and the events it queues
    /// commit together or not at all. Returns `f`'s result and how many
    /// deliveries were queued (the caller wakes the worker when non-zero).
    pub fn write<R>(&self, f: impl FnOnce(&Tx<'_>) -> StoreResult<R>) -> StoreResult<(R, usize)> {
        let db = self.db();
        let tx = Tx::new(db.unchecked_transaction()?);
        let out = f(&tx)?;
        let queued = tx.commit()?;
        Ok((out, queued))
    }

    /// Adds a webhook endpoint; None past [`MAX_ENDPOINTS`].
    pub fn add_endpoint(
        &self,
        account: i64,
        url: &str,
        secret: &str,
        events: &[String],
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let db = self.db();
        let n: i64 = db.query_row(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = ?1",
            [account],
            |r| r.get(0),
        )?;
        if n >= MAX_ENDPOINTS {
            return Ok(None);
        }
        db.execute(
            "INSERT INTO webhook_endpoints (account_id, url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account, url, secret, events.join(","), now],
        )?;
        Ok(Some(db.last_insert_rowid()))
    }

    /// An account's endpoints.
    pub fn endpoints_of(&self, account: i64) -> StoreResult<Vec<Endpoint>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT id, account_id, url, secret, events, consecutive_failures, disabled FROM webhook_endpoints WHERE account_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([account], endpoint_from)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Re-enables an endpoint and resets its failure count.
    pub fn reenable_endpoint(&self, id: i64) -> StoreResult<bool> {
        Ok(self.db().execute(
            "UPDATE webhook_endpoints SET disabled = 0, consecutive_failures = 0 WHERE id = ?1",
            [id],
        )? == 1)
    }

    /// Pending deliveries due at `now` on enabled endpoints.
    /// With `endpoint`, only that endpoint's.
    pub fn due_deliveries(
        &self,
        now: i64,
        endpoint: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT d.id, d.event, d.body, d.attempts, e.id, e.account_id, e.url, e.secret, e.events, e.consecutive_failures, e.disabled
             FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND e.disabled = 0 AND (?3 IS NULL OR e.id = ?3)
             ORDER BY d.next_attempt_at, d.id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![now, limit, endpoint], |r| {
                let events: String = r.get(8)?;
                Ok(Delivery {
                    id: r.get(0)?,
                    event: r.get(1)?,
                    body: r.get(2)?,
                    attempts: r.get(3)?,
                    endpoint: Endpoint {
                        id: r.get(4)?,
                        account_id: r.get(5)?,
                        url: r.get(6)?,
                        secret: r.get(7)?,
                        events: events.split(',').map(str::to_owned).collect(),
                        consecutive_failures: r.get(9)?,
                        disabled: r.get(10)?,
                    },
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records an attempt atomically: the delivery's new state, and the
    /// endpoint's health as `update` computes it from the health stored now
    /// (other deliveries to the same endpoint may have changed it).
    /// Returns the endpoint's new (consecutive_failures, disabled).
    #[allow(clippy::too_many_arguments)]
    pub fn record_attempt(
        &self,
        delivery: i64,
        attempts: i64,
        next_attempt_at: Option<i64>,
        status: &str,
        last_status: &str,
        endpoint: i64,
        update: impl FnOnce(i64, bool) -> (i64, bool),
    ) -> StoreResult<(i64, bool)> {
        let db = self.db();
        let tx = db.unchecked_transaction()?;
        tx.execute(
            "UPDATE deliveries SET attempts = ?2, next_attempt_at = ?3, status = ?4, last_status = ?5 WHERE id = ?1",
            params![delivery, attempts, next_attempt_at, status, last_status],
        )?;
        let (failures, disabled): (i64, bool) = tx.query_row(
            "SELECT consecutive_failures, disabled FROM webhook_endpoints WHERE id = ?1",
            [endpoint],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (failures, disabled) = update(failures, disabled);
        tx.execute(
            "UPDATE webhook_endpoints SET consecutive_failures = ?2, disabled = ?3 WHERE id = ?1",
            params![endpoint, failures, disabled],
        )?;
        tx.commit()?;
        Ok((failures, disabled))
    }

    /// (id, status, attempts, next_attempt_at, last_status) of every delivery.
    pub fn deliveries(&self) -> StoreResult<Vec<DeliveryRow>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT id, status, attempts, next_attempt_at, last_status FROM deliveries ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Makes every pending delivery due at `now` (the CLI's `webhook retry-now`,
    /// and tests that cannot wait 30 minutes for the last retry).
    pub fn make_pending_due(&self, now: i64) -> StoreResult<usize> {
        Ok(self.db().execute(
            "UPDATE deliveries SET next_attempt_at = ?1 WHERE status = 'pending'",
            [now],
        )?)
    }

    /// Marks a token's expiry (tests of expired tokens).
    pub fn set_token_expiry(&self, id: i64, expires_at: i64) -> StoreResult<()> {
        self.db().execute(
            "UPDATE tokens SET expires_at = ?2 WHERE id = ?1",
            params![id, expires_at],
        )?;
        Ok(())
    }

    /// Saved click-signing state: keys (id, secret, expires_at), mode, breaker, exclusions.
    pub fn click_signing(&self) -> StoreResult<ClickSigningState> {
        let db = self.db();
        let mut stmt =
            db.prepare("SELECT id, secret, expires_at FROM click_signing_keys ORDER BY rowid")?;
        let keys = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let settings: Option<(String, bool, Option<String>)> = db
            .query_row(
                "SELECT mode, circuit_breaker, tripped FROM click_signing_settings WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let mut stmt = db.prepare("SELECT app_id FROM click_signing_excluded ORDER BY app_id")?;
        let excluded = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ClickSigningState {
            keys,
            settings,
            excluded,
        })
    }

    /// Saves a key.
    pub fn save_signing_key(&self, id: &str, secret: &str, expires_at: i64) -> StoreResult<()> {
        self.db().execute("INSERT OR REPLACE INTO click_signing_keys (id, secret, expires_at) VALUES (?1, ?2, ?3)", params![id, secret, expires_at])?;
        Ok(())
    }

    /// Deletes a key.
    pub fn delete_signing_key(&self, id: &str) -> StoreResult<()> {
        self.db()
            .execute("DELETE FROM click_signing_keys WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Saves the mode, the breaker switch and its last trip (JSON).
    pub fn save_signing_settings(
        &self,
        mode: &str,
        circuit_breaker: bool,
        tripped: Option<&str>,
    ) -> StoreResult<()> {
        self.db().execute(
            "INSERT INTO click_signing_settings (id, mode, circuit_breaker, tripped) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, circuit_breaker = excluded.circuit_breaker,
                tripped = excluded.tripped",
            params![mode, circuit_breaker, tripped],
        )?;
        Ok(())
    }

    /// Adds or removes an excluded app.
    pub fn set_app_excluded(&self, app: &str, excluded: bool) -> StoreResult<()> {
        if excluded {
            self.db().execute(
                "INSERT OR IGNORE INTO click_signing_excluded (app_id) VALUES (?1)",
                [app],
            )?;
        } else {
            self.db().execute(
                "DELETE FROM click_signing_excluded WHERE app_id = ?1",
                [app],
            )?;
        }
        Ok(())
    }

    /// Counts one validated click in its UTC hour under the core's outcome code.
    pub fn count_signed_click(&self, hour: i64, outcome: &str) -> StoreResult<()> {
        let column = match outcome {
            "valid" => "valid",
            "missing_signature" => "missing",
            "expired" => "expired",
            "invalid_signature" => "invalid",
            "no_active_secrets" => "no_active",
            _ => return Ok(()),
        };
        self.db().execute(
            &format!(
                "INSERT INTO click_signing_report (hour, total, {column}) VALUES (?1, 1, 1)
                      ON CONFLICT (hour) DO UPDATE SET total = total + 1, {column} = {column} + 1"
            ),
            [hour],
        )?;
        Ok(())
    }

    /// Report rows for hours `start..=end` that saw clicks.
    pub fn signed_click_report(&self, start: i64, end: i64) -> StoreResult<Vec<[i64; 7]>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT hour, total, valid, missing, expired, invalid, no_active FROM click_signing_report
             WHERE hour BETWEEN ?1 AND ?2 AND total > 0 ORDER BY hour",
        )?;
        let rows = stmt
            .query_map(params![start, end], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ])
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every shop's saved IP blocking config (JSON text).
    pub fn shop_policies(&self) -> StoreResult<Vec<(String, String)>> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT shop, config FROM shop_policies")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Saves a shop's IP blocking config (already validated).
    pub fn save_shop_policy(&self, shop: &str, config: &str, now: i64) -> StoreResult<()> {
        self.db().execute(
            "INSERT INTO shop_policies (shop, config, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (shop) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
            params![shop, config, now],
        )?;
        Ok(())
    }

    /// Saves a shop's protection config from a heartbeat.
    pub fn save_protection(&self, shop: &str, config: &str, now: i64) -> StoreResult<()> {
        self.db().execute(
            "INSERT INTO shop_protection (shop, config, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (shop) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
            params![shop, config, now],
        )?;
        Ok(())
    }

    /// A shop's protection config (JSON text).
    pub fn protection(&self, shop: &str) -> StoreResult<Option<String>> {
        Ok(self
            .db()
            .query_row(
                "SELECT config FROM shop_protection WHERE shop = ?1",
                [shop],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores a pixel event.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_pixel(
        &self,
        shop: &str,
        kind: &str,
        session: Option<&str>,
        visitor: Option<&str>,
        ip: Option<&str>,
        country: Option<&str>,
        page: Option<&str>,
        payload: &str,
        now_ms: i64,
        day: &str,
    ) -> StoreResult<i64> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "INSERT INTO pixel_events (shop, type, session_id, visitor_id, ip, country, page, payload, created_at_ms, day)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        stmt.execute(params![
            shop, kind, session, visitor, ip, country, page, payload, now_ms, day
        ])?;
        Ok(db.last_insert_rowid())
    }

    /// Runs a read-only analytics query with positional parameters.
    pub fn query_rows(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> StoreResult<Vec<Vec<rusqlite::types::Value>>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(sql)?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map(args, |r| {
                (0..n)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// Saved click-signing state.
#[derive(Debug, Default)]
pub struct ClickSigningState {
    /// (id, secret, expires_at).
    pub keys: Vec<(String, String, i64)>,
    /// (mode, circuit breaker on, last trip as JSON).
    pub settings: Option<(String, bool, Option<String>)>,
    /// Excluded app ids.
    pub excluded: Vec<String>,
}
