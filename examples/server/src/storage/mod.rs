//! The server's records, one module per record family. Every SQL statement
//! lives under this module; handlers never see SQL. SQLite runs in WAL mode:
//! a committed write survives the process being killed.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

mod accounts;
mod blocks;
mod clicks;
mod config;
mod migrations;
mod shops;
mod signing;
mod sites;
mod tokens;
mod tx;
mod webhooks;

pub use accounts::Account;
pub(crate) use accounts::{account_from, ACCOUNT_COLUMNS};
pub use blocks::BlockedIp;
pub(crate) use blocks::{block_from, BLOCK_COLUMNS};
pub use clicks::{Click, ClickFilter, NewClick};
pub use config::{ConfigVersions, Shared};
use migrations::MIGRATIONS;
pub use signing::ClickSigningState;
pub use sites::{Site, SiteChanges};
pub use tokens::{TokenRecord, TokenRow};
pub use tx::{NewBlock, Tx};
pub use webhooks::{AttemptRecord, Delivery, DeliveryRow, Endpoint};

/// A storage failure. The message is for logs, never for clients; the
/// [`code`](StoreError::code) is stable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused or failed a statement.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The database file could not be created or narrowed to 0600.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A row the operation had just written could not be read back.
    #[error("{0} vanished during the write")]
    Vanished(&'static str),
    /// Work handed to the blocking pool did not finish (it panicked).
    #[error("storage task failed: {0}")]
    Task(String),
    /// The operating system's random source failed.
    #[error("no randomness: {0}")]
    Random(String),
    /// A transaction was abandoned on purpose by its caller.
    #[error("aborted: {0}")]
    Aborted(String),
}

impl StoreError {
    /// A stable `snake_case` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Database(_) => "database_error",
            Self::File { .. } => "database_file",
            Self::Vanished(_) => "row_vanished",
            Self::Task(_) => "storage_task_failed",
            Self::Random(_) => "no_randomness",
            Self::Aborted(_) => "aborted",
        }
    }
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

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

/// The SQLite store.
pub struct Store {
    conn: Mutex<Connection>,
    /// This process's name in claims and version bumps (random per open).
    instance: String,
}

/// Creates `path` as 0600 if missing, and narrows it (and an existing
/// `-wal` / `-shm`) to 0600 if present.
fn restrict(path: &Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |source: std::io::Error| StoreError::File {
            path: path.display().to_string(),
            source,
        };
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
            instance: uuid::Uuid::new_v4().to_string(),
        })
    }

    /// This process's name in delivery claims and configuration bumps.
    pub fn instance(&self) -> &str {
        &self.instance
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

    /// Runs `f` in one transaction: every change and the events it queues
    /// commit together or not at all. Returns `f`'s result and how many
    /// deliveries were queued (the caller wakes the worker when non-zero).
    pub fn write<R>(&self, f: impl FnOnce(&Tx<'_>) -> StoreResult<R>) -> StoreResult<(R, usize)> {
        let mut db = self.db();
        // IMMEDIATE: the write lock is taken at the start, so another
        // instance on the same file makes this wait (busy timeout) rather
        // than fail when a read would have to become a write.
        let tx = Tx::new(
            db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?,
            &self.instance,
        );
        let out = f(&tx)?;
        let queued = tx.commit()?;
        Ok((out, queued))
    }
}
