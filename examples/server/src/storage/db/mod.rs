//! One interface over the two databases: SQLite (the zero-setup default, one
//! file) and PostgreSQL (the system of record of a fleet).
//!
//! Queries are written once, in the SQL both engines accept, with `?N`
//! placeholders; the PostgreSQL side renumbers them and converts parameters
//! to the types the statement declares. The few places where the engines
//! must differ (row locks, advisory locks, notifications) are methods here,
//! so no module above branches on the backend.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

mod postgres;
mod sqlite;
mod value;

pub use postgres::{fitted_pool_size, Pg, DEFAULT_POOL_SIZE};
pub(crate) use value::params;

pub use value::{FromValue, Param, Row, Value};

use super::{StoreError, StoreResult};

/// The database behind a store.
pub(crate) enum Backend {
    /// One SQLite file, one connection (shared with its thread's jobs).
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    /// A PostgreSQL pool.
    Postgres(Box<Pg>),
}

/// Runs `sql` on a SQLite connection the caller holds (a store's side
/// connection for scans) and returns every row.
pub(crate) fn sqlite_query(
    c: &rusqlite::Connection,
    sql: &str,
    params: &[&dyn Param],
) -> StoreResult<Vec<Row>> {
    sqlite::query(c, sql, params)
}

impl Backend {
    /// A connection for one statement or transaction, counting its
    /// statements in `statements`.
    pub(crate) fn conn<'a>(&'a self, statements: &'a AtomicU64) -> StoreResult<Conn<'a>> {
        let link = match self {
            // A panic mid-statement leaves SQLite consistent (it rolls back).
            Self::Sqlite(c) => Link::Sqlite(c.lock().unwrap_or_else(PoisonError::into_inner)),
            Self::Postgres(pg) => Link::Postgres(Box::new(pg.conn()?)),
        };
        Ok(Conn { link, statements })
    }

    /// Runs one statement (committed on its own) without holding a thread
    /// while it waits: on PostgreSQL awaited on the caller's runtime
    /// (no blocking-pool hop, no bridge); on SQLite on the store's own
    /// thread (`work`), where its one connection lives. The caller counts
    /// the statement.
    pub(crate) async fn query_owned(
        &self,
        work: &crate::storage::work::Work,
        sql: String,
        params: Vec<Value>,
    ) -> StoreResult<Vec<Row>> {
        match self {
            Self::Postgres(pg) => pg.query_owned(&sql, &params).await,
            Self::Sqlite(c) => {
                let c = Arc::clone(c);
                work.clone()
                    .run(move || {
                        let refs: Vec<&dyn Param> =
                            params.iter().map(|v| v as &dyn Param).collect();
                        sqlite::query(
                            &c.lock().unwrap_or_else(PoisonError::into_inner),
                            &sql,
                            &refs,
                        )
                    })
                    .await
                    .map_err(|e| StoreError::Task(e.to_string()))?
            }
        }
    }
}

impl Backend {
    /// Runs the write `first`, then `then`, whose rows are returned, as one
    /// commit without holding a thread: on PostgreSQL as **one** statement
    /// (`first` a data-modifying `WITH`, which PostgreSQL runs to the end
    /// whether or not `then` reads it), on SQLite both in one transaction,
    /// one job on the store's thread. Each statement numbers its
    /// placeholders from `?1`. The caller counts one statement.
    pub(crate) async fn query_owned_after(
        &self,
        work: &crate::storage::work::Work,
        first: (String, Vec<Value>),
        then: (String, Vec<Value>),
    ) -> StoreResult<Vec<Row>> {
        match self {
            Self::Postgres(pg) => {
                let sql = format!(
                    "WITH first AS ({}) {}",
                    first.0,
                    shifted(&then.0, first.1.len())
                );
                let params: Vec<Value> = first.1.into_iter().chain(then.1).collect();
                pg.query_owned(&sql, &params).await
            }
            Self::Sqlite(c) => {
                let c = Arc::clone(c);
                work.clone()
                    .run(move || {
                        let c = c.lock().unwrap_or_else(PoisonError::into_inner);
                        let tx = c.unchecked_transaction()?;
                        sqlite::execute(&tx, &first.0, &refs(&first.1))?;
                        let rows = sqlite::query(&tx, &then.0, &refs(&then.1))?;
                        tx.commit()?;
                        Ok(rows)
                    })
                    .await
                    .map_err(|e| StoreError::Task(e.to_string()))?
            }
        }
    }
}

/// Values as the parameters a statement binds.
fn refs(values: &[Value]) -> Vec<&dyn Param> {
    values.iter().map(|v| v as &dyn Param).collect()
}

/// `sql` with each `?N` placeholder outside quoted text numbered `N + by`:
/// a statement placed after another's parameters.
fn shifted(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\'' => quoted = !quoted,
            '?' if !quoted => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                match digits.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + by).to_string()),
                    Err(_) => out.push_str(&digits),
                }
            }
            _ => {}
        }
    }
    out
}

/// What a read-then-write rule serialises on (see [`Conn::exclusive`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lock {
    /// A site's blocks (re-block counts, the auto-block cap).
    SiteBlocks(i64),
    /// An account's token count.
    AccountTokens(i64),
    /// An account's endpoint count.
    AccountEndpoints(i64),
}

impl Lock {
    fn key(self) -> i64 {
        // One advisory-lock key space: the kind in the top bits.
        let (kind, id) = match self {
            Self::SiteBlocks(id) => (1, id),
            Self::AccountTokens(id) => (2, id),
            Self::AccountEndpoints(id) => (3, id),
        };
        (kind << 48) | (id & ((1 << 48) - 1))
    }
}

/// SQLite's one connection (held under its lock) or a pooled PostgreSQL one.
enum Link<'a> {
    /// SQLite.
    Sqlite(MutexGuard<'a, rusqlite::Connection>),
    /// PostgreSQL.
    Postgres(Box<postgres::PgConn>),
}

/// A connection, counting the statements sent on it (on PostgreSQL, each
/// is a round trip), so tests can hold a route to its count.
pub(crate) struct Conn<'a> {
    link: Link<'a>,
    statements: &'a AtomicU64,
}

impl Conn<'_> {
    fn sent(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `sql` and returns every row.
    pub fn query(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<Vec<Row>> {
        self.sent();
        match &self.link {
            Link::Sqlite(c) => sqlite::query(c, sql, params),
            Link::Postgres(c) => c.query(sql, params),
        }
    }

    /// Runs `sql`; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<usize> {
        self.sent();
        let n = match &self.link {
            Link::Sqlite(c) => sqlite::execute(c, sql, params)?,
            Link::Postgres(c) => c.execute(sql, params)?,
        };
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Each row of `sql` through `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnMut(&Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        self.query(sql, params)?.iter().map(f).collect()
    }

    /// The first row of `sql` through `f`, if there is one.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        self.query(sql, params)?.first().map(f).transpose()
    }

    /// The first row of `sql` through `f`; no row is an error.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.query_opt(sql, params, f)?.ok_or(StoreError::NoRow)
    }

    /// Statements without parameters, run as one batch.
    pub fn batch(&self, sql: &str) -> StoreResult<()> {
        self.sent();
        match &self.link {
            Link::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Link::Postgres(c) => c.batch(sql),
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.link, Link::Postgres(_))
    }

    /// The row-lock clause to end a `SELECT` with when the rows read will be
    /// written in the same transaction. SQLite needs none: a write
    /// transaction there holds the whole database.
    pub fn for_update(&self) -> &'static str {
        if self.is_postgres() {
            " FOR UPDATE"
        } else {
            ""
        }
    }

    /// Like [`for_update`](Self::for_update), but rows another transaction
    /// holds are skipped instead of waited for.
    pub fn skip_locked(&self) -> &'static str {
        if self.is_postgres() {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        }
    }

    /// Serialises this transaction against every other one that takes the
    /// same lock, until it ends: what SQLite's write lock gives for free,
    /// for the read-then-write rules (limits, re-blocks) on PostgreSQL.
    pub fn exclusive(&self, lock: Lock) -> StoreResult<()> {
        if self.is_postgres() {
            self.query("SELECT pg_advisory_xact_lock(?1)", params![lock.key()])?;
        }
        Ok(())
    }

    /// Announces a configuration change to every listening instance when
    /// the transaction commits (PostgreSQL only; SQLite instances poll).
    pub fn announce(&self) -> StoreResult<()> {
        if self.is_postgres() {
            self.query(
                "SELECT pg_notify(?1, '')",
                params![postgres::CHANNEL.to_owned()],
            )?;
        }
        Ok(())
    }

    /// The tail of a `RETURNING` list that announces a configuration
    /// change with the statement itself (PostgreSQL; empty on SQLite,
    /// whose instances poll): one round trip fewer than
    /// [`announce`](Self::announce) where a version is bumped anyway.
    pub fn announcing(&self) -> String {
        if self.is_postgres() {
            format!(", pg_notify('{}', '')", postgres::CHANNEL)
        } else {
            String::new()
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at
    /// once (IMMEDIATE), so a second process on the file waits rather than
    /// failing when a read would have to become a write.
    pub fn begin<'a>(self) -> StoreResult<Transaction<'a>>
    where
        Self: 'a,
    {
        self.batch(if self.is_postgres() {
            "BEGIN"
        } else {
            "BEGIN IMMEDIATE"
        })?;
        Ok(Transaction { conn: Some(self) })
    }
}

/// An open transaction: committed by [`commit`](Transaction::commit),
/// rolled back if dropped (an error or a panic on the way).
pub(crate) struct Transaction<'a> {
    conn: Option<Conn<'a>>,
}

impl<'a> Transaction<'a> {
    /// The connection, for the transaction's statements.
    pub fn conn(&self) -> &Conn<'a> {
        // Only `commit` takes it, consuming the transaction.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }

    /// Commits.
    pub fn commit(mut self) -> StoreResult<()> {
        match self.conn.take() {
            Some(c) => c.batch("COMMIT"),
            None => Ok(()),
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            // A failed rollback leaves a broken connection, which the pool
            // (PostgreSQL) or the next BEGIN (SQLite) reports.
            let _ = c.batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shifted;

    #[test]
    fn placeholders_are_shifted_outside_quotes_only() {
        assert_eq!(
            shifted("VALUES (?1, '?2', ?12, ?) -- ?x", 4),
            "VALUES (?5, '?2', ?16, ?) -- ?x"
        );
        assert_eq!(shifted("?1", 0), "?1");
    }
}
