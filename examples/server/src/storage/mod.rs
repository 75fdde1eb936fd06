//! The server's records, one module per record family. Every SQL statement
//! lives under this module, written once for both engines (see [`db`]);
//! handlers never see SQL. SQLite runs in WAL mode and PostgreSQL commits
//! durably: a committed write survives the process being killed.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;

mod accounts;
mod batch;
mod blocks;
mod clicks;
mod config;
pub mod credentials;
pub mod db;
mod dropped;
mod kept;
mod outbox_room;
mod sessions;
mod shops;
mod signing;
mod sites;
mod tokens;
mod tx;
mod usage;
mod webhooks;
pub mod work;

pub use accounts::Account;
pub(crate) use accounts::{account_from, ACCOUNT_COLUMNS};
pub use batch::MAX_QUEUED as MAX_QUEUED_CLICKS;
pub use blocks::BlockedIp;
pub(crate) use blocks::{block_from, BLOCK_COLUMNS};
pub use clicks::{Click, ClickCounts, ClickFilter, NewClick};
pub use config::{BlockChange, ConfigVersions, Shared};
use db::{Backend, Conn};
pub use sessions::SessionRecord;
pub use shops::NewPixel;
pub use signing::ClickSigningState;
pub use sites::{Site, SiteChanges};
pub use tokens::TokenRecord;
pub use tx::{BlockHistory, NewBlock, Tx};
pub use webhooks::{
    prune_finished, Attempt, AttemptRecord, Delivery, DeliveryRow, Endpoint, DUE_ENDPOINTS,
    FINISHED_KEPT_SECS, LIVE_CLAIM,
};

/// A storage failure. The message is for logs, never for clients; the
/// [`code`](StoreError::code) is stable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite refused or failed a statement.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed a statement.
    #[error("database error: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The database cannot be reached (no connection within the wait, or
    /// the connection dropped): the request may succeed later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A migration failed; the schema is left at the last one applied.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A column held a value of another type than the code reads.
    #[error("column {index} holds {found}")]
    Column {
        /// The column.
        index: usize,
        /// What it held.
        found: String,
    },
    /// A statement expected to return a row returned none.
    #[error("no row")]
    NoRow,
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
    /// Whether the database could not be reached (rather than refusing
    /// the statement): the same request may succeed in a moment. SQLite
    /// still locked by another process after the busy timeout counts too.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Database(rusqlite::Error::SqliteFailure(f, _)) => matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }

    /// A stable `snake_case` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Database(_) | Self::Postgres(_) => "database_error",
            Self::Unavailable(_) => "database_unavailable",
            Self::Migration(_) => "migration_failed",
            Self::Column { .. } => "column_type",
            Self::NoRow => "no_row",
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
/// Site rows (and accounts' site lists) kept at most: far above a
/// deployment's sites.
const SITES_KEPT: usize = 10_000;
/// The longest a kept site row is believed without reading it again.
const SITE_MAX_AGE_SECS: i64 = 60;

/// The server's records, in SQLite or PostgreSQL.
pub struct Store {
    backend: std::sync::Arc<Backend>,
    /// This process's name in claims and version bumps (random per open).
    instance: String,
    /// Successful token lookups ([`credentials`]).
    credentials: credentials::Credentials,
    /// Site rows as click intake reads them ([`Store::site_kept`]).
    sites: kept::Kept<i64, Site>,
    /// The oldest active site, as attribution links without a site read it.
    oldest_active: kept::Kept<(), Site>,
    /// Each account's site list, as the platform API lists it.
    site_lists: kept::Kept<i64, Vec<Site>>,
    /// The events each account's webhook endpoints take ([`webhooks`]).
    subscriptions: kept::Kept<i64, Vec<String>>,
    /// Statements sent, for tests that count a route's round trips.
    statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Plain clicks waiting for their commit ([`batch`]).
    click_batches: std::sync::Arc<batch::Batches>,
    /// Pixel events waiting for their commit ([`batch`]).
    pixel_batches: std::sync::Arc<batch::Batches>,
    /// Pixel usage counts waiting for their flush ([`usage`]).
    usage: usage::UsageBuffer,
    /// Events full outboxes dropped, waiting for their flush ([`dropped`]).
    dropped: dropped::DroppedEvents,
    /// Each endpoint's pending deliveries as last counted ([`outbox_room`]).
    outbox_room: outbox_room::OutboxRoom,
    /// Where the hot paths' work on this store runs ([`work`]).
    work: work::Work,
    /// The SQLite file, for long reads on a connection of their own
    /// ([`Store::scan_async`]); `None` on PostgreSQL.
    sqlite_path: Option<std::path::PathBuf>,
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

mod sqlite_migrations {
    refinery::embed_migrations!("migrations/sqlite");
}

/// Brings a SQLite database up to date. A database from before the
/// migration tool kept its version in `schema_version`; those migrations are
/// recorded as applied (not run again) the first time.
fn migrate_sqlite(conn: &mut Connection) -> StoreResult<()> {
    let legacy: Option<i32> = conn
        .query_row(
            "SELECT MAX(version) FROM schema_version WHERE NOT EXISTS
               (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
            [],
            |r| r.get(0),
        )
        .unwrap_or(None);
    let migration = |e: refinery::Error| StoreError::Migration(e.to_string());
    if let Some(version) = legacy {
        sqlite_migrations::migrations::runner()
            .set_target(refinery::Target::FakeVersion(version))
            .run(conn)
            .map_err(migration)?;
    }
    sqlite_migrations::migrations::runner()
        .run(conn)
        .map_err(migration)?;
    Ok(())
}

/// `db` as it may be printed: a PostgreSQL URL without its password.
pub fn describe(db: &Path) -> String {
    let text = db.display().to_string();
    match url::Url::parse(&text) {
        Ok(mut u) if is_postgres_url(&text) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        _ => text,
    }
}

/// Whether `db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

impl Store {
    /// Opens the database `db` names and migrates it: a PostgreSQL URL
    /// (`postgres://user:pass@host:port/db`), or a SQLite file path
    /// (created if missing).
    ///
    /// A SQLite file holds webhook secrets and click-signing keys, so it is
    /// created owner-only (0600), and an existing one is narrowed to that;
    /// SQLite gives its `-wal` and `-shm` files the database's mode.
    pub fn open(db: &Path) -> StoreResult<Self> {
        Self::open_with_pool(db, db::DEFAULT_POOL_SIZE)
    }

    /// [`open`](Self::open) with at most `pool_size` PostgreSQL connections
    /// (fitted to the server's `max_connections`; SQLite has one).
    pub fn open_with_pool(db: &Path, pool_size: usize) -> StoreResult<Self> {
        let backend = match db.to_str() {
            Some(url) if is_postgres_url(url) => {
                Backend::Postgres(Box::new(db::Pg::connect(url, pool_size)?))
            }
            _ => Backend::Sqlite(std::sync::Arc::new(Mutex::new(Self::open_sqlite(db)?))),
        };
        let work = match &backend {
            Backend::Postgres(pg) => work::Work::pool_gated(pg.blocking_connections()),
            Backend::Sqlite(_) => {
                work::Work::dedicated("clickfence-sqlite").map_err(|source| StoreError::File {
                    path: db.display().to_string(),
                    source,
                })?
            }
        };
        let sqlite_path = matches!(backend, Backend::Sqlite(_)).then(|| db.to_owned());
        Ok(Self {
            work,
            sqlite_path,
            backend: std::sync::Arc::new(backend),
            instance: uuid::Uuid::new_v4().to_string(),
            credentials: credentials::Credentials::default(),
            sites: kept::Kept::new(SITES_KEPT, SITE_MAX_AGE_SECS),
            oldest_active: kept::Kept::new(1, SITE_MAX_AGE_SECS),
            site_lists: kept::Kept::new(SITES_KEPT, SITE_MAX_AGE_SECS),
            subscriptions: kept::Kept::new(SITES_KEPT, SITE_MAX_AGE_SECS),
            statements: std::sync::Arc::default(),
            click_batches: std::sync::Arc::new(batch::Batches::new(clicks::CLICKS)),
            pixel_batches: std::sync::Arc::new(batch::Batches::new(shops::PIXELS)),
            usage: usage::UsageBuffer::default(),
            dropped: dropped::DroppedEvents::default(),
            outbox_room: outbox_room::OutboxRoom::default(),
        })
    }

    fn open_sqlite(path: &Path) -> StoreResult<Connection> {
        restrict(path)?;
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_handler(Some(busy))?;
        migrate_sqlite(&mut conn)?;
        Ok(conn)
    }

    /// Connections this store may hold at once: its pool's size on
    /// PostgreSQL, 1 on SQLite.
    pub fn pool_size(&self) -> usize {
        match &*self.backend {
            Backend::Postgres(pg) => pg.pool_size(),
            Backend::Sqlite(_) => 1,
        }
    }

    /// Whether the store is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(*self.backend, Backend::Postgres(_))
    }

    /// Calls `wake` whenever another instance announces a configuration
    /// change (PostgreSQL `LISTEN`); nothing on SQLite, where the version
    /// poll alone serves.
    pub fn on_config_change(&self, wake: std::sync::Arc<dyn Fn() + Send + Sync>) {
        if let Backend::Postgres(pg) = &*self.backend {
            pg.listen(wake);
        }
    }

    /// This process's name in delivery claims and configuration bumps.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// A connection for one statement.
    pub(crate) fn db(&self) -> StoreResult<Conn<'_>> {
        self.backend.conn(&self.statements)
    }

    /// Runs one statement on its own, awaited rather than waited for (see
    /// [`Backend::query_owned`]): the hot paths' reads and the plain
    /// click's write. `params` are read before the first await.
    pub(crate) fn query_async(
        &self,
        sql: String,
        params: &[&dyn db::Param],
    ) -> impl std::future::Future<Output = StoreResult<Vec<db::Row>>> + Send + '_ {
        let values: Vec<db::Value> = params.iter().map(|p| p.value()).collect();
        self.statements
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.backend.query_owned(&self.work, sql, values)
    }

    /// Where this store's hot-path work runs: [`work::Work::run`] it.
    pub fn work(&self) -> work::Work {
        self.work.clone()
    }

    /// Runs a long read (a scan of many rows) without holding up the
    /// store's other work: on PostgreSQL awaited like any statement; on
    /// SQLite on a read-only connection of its own, opened for it on the
    /// blocking pool, which reads the last commit (WAL) while the store's
    /// one connection goes on writing. Counts one statement.
    pub(crate) async fn scan_async(
        &self,
        sql: &'static str,
        params: Vec<db::Value>,
    ) -> StoreResult<Vec<db::Row>> {
        self.statements
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(path) = self.sqlite_path.clone() else {
            return self
                .backend
                .query_owned(&self.work, sql.to_owned(), params)
                .await;
        };
        work::spawn_blocking(move || {
            let side = Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            side.busy_handler(Some(busy))?;
            let refs: Vec<&dyn db::Param> = params.iter().map(|v| v as &dyn db::Param).collect();
            db::sqlite_query(&side, sql, &refs)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Where this store's batches ([`batch`]) write.
    fn batch_target(&self) -> batch::Target {
        batch::Target {
            backend: std::sync::Arc::clone(&self.backend),
            work: self.work(),
            statements: std::sync::Arc::clone(&self.statements),
        }
    }

    /// How many statements this store has sent (BEGIN and COMMIT
    /// included): on PostgreSQL, its round trips.
    pub fn statements(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `f` in one write transaction, committed if it returns `Ok`.
    pub(crate) fn transaction<R>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let tx = self.db()?.begin()?;
        let out = f(tx.conn())?;
        tx.commit()?;
        Ok(out)
    }

    /// Whether no account exists yet.
    pub fn is_empty(&self) -> StoreResult<bool> {
        Ok(self
            .db()?
            .query_row("SELECT COUNT(*) FROM accounts", db::params![], |r| {
                r.get::<i64>(0)
            })?
            == 0)
    }

    /// Runs `f` in one transaction: every change and the events it queues
    /// commit together or not at all. Returns `f`'s result and how many
    /// deliveries were queued (the caller wakes the worker when non-zero).
    pub fn write<R>(&self, f: impl FnOnce(&Tx<'_>) -> StoreResult<R>) -> StoreResult<(R, usize)> {
        let tx = Tx::new(self.db()?.begin()?, &self.instance, &self.outbox_room);
        let out = f(&tx)?;
        let credentials = tx.changed_credentials();
        let sites = tx.changed_sites();
        let (queued, dropped) = tx.commit()?;
        self.dropped.add(&dropped);
        if credentials {
            self.credentials.forget();
        }
        if sites {
            self.forget_sites();
        }
        Ok((out, queued))
    }
}

/// Tries SQLite makes for a lock another process holds (about 5 s in all).
const BUSY_TRIES: i32 = 5_000;

/// Waits for a lock another process on the same file holds (instances
/// sharing one SQLite file take turns at its write lock). SQLite's own
/// handler sleeps 1, 2, 5, 10, … then 100 ms between tries, so a writer
/// that just missed the lock sleeps far longer than the other holds it (a
/// pixel's p99 was 211 ms with two instances, `scripts/load.sh sqlite 2`);
/// this one tries again after 50 µs, doubling to 1 ms, for about 5 s.
fn busy(tries: i32) -> bool {
    if tries >= BUSY_TRIES {
        return false;
    }
    let shift = u32::try_from(tries).unwrap_or(0).min(5);
    let micros = (50u64 << shift).min(1_000);
    std::thread::sleep(std::time::Duration::from_micros(micros));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another process's write lock is waited for, not answered with
    /// `SQLITE_BUSY`; the wait is bounded.
    #[test]
    fn a_lock_held_elsewhere_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let ours = Connection::open(&path).unwrap();
        ours.busy_handler(Some(busy)).unwrap();
        ours.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x)")
            .unwrap();
        let theirs = Connection::open(&path).unwrap();
        theirs
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
            .unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            theirs.execute_batch("COMMIT").unwrap();
        });
        ours.execute("INSERT INTO t VALUES (2)", []).unwrap();
        holder.join().unwrap();
        let n: i64 = ours
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        assert!(busy(0) && !busy(BUSY_TRIES));
    }
}
