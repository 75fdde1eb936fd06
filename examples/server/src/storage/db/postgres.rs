//! The PostgreSQL side: two pools over one driver (tokio-postgres).
//!
//! - **Awaited** statements (click intake, the sites list) and synchronous
//!   calls from anywhere else use a deadpool pool whose connections are
//!   made and driven on a small runtime of this store's own: an async
//!   caller awaits its reply on its own runtime, and a synchronous caller
//!   (a test's async body, the command line) waits for it without entering
//!   any runtime.
//! - **Blocking work** (transactions and reads on tokio's blocking pool,
//!   see [`crate::storage::work::may_block`]) uses connections the waiting
//!   thread drives itself (the `postgres` crate: a single-threaded runtime
//!   per connection): a statement is a write and a read on that thread, no
//!   other thread woken, where the bridge cost two cross-thread wake-ups
//!   per statement (the profile in BENCHMARKS.md).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use tokio_postgres::{AsyncMessage, NoTls};

use super::value::{Param, Row, Value};
use crate::storage::{StoreError, StoreResult};

/// Connections per instance by default (`--db-pool`). Work waits for one
/// beyond the pool's size.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// Connections left to others when the pool is fitted to the server's
/// `max_connections`: this instance's listener and migration connections,
/// and an operator's `psql`.
const LEFT_FOR_OTHERS: usize = 3;
/// How long a caller waits for a connection (or a new one to be made)
/// before the database counts as unavailable.
const WAIT: Duration = Duration::from_secs(3);

/// The notification channel configuration bumps are announced on.
pub const CHANNEL: &str = "clickfence_config";

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// A PostgreSQL database: its pools and the runtime driving the first.
pub struct Pg {
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    /// Connections driven by the thread using them (blocking work only);
    /// none when the fitted pool has a single connection.
    inline: Option<r2d2::Pool<InlineManager>>,
    config: tokio_postgres::Config,
}

/// A connection its user's thread drives, with its prepared statements.
pub struct Inline {
    client: postgres::Client,
    prepared: std::collections::HashMap<String, postgres::Statement>,
}

impl Inline {
    fn prepare_cached(&mut self, sql: &str) -> Result<postgres::Statement, tokio_postgres::Error> {
        if let Some(stmt) = self.prepared.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(sql)?;
        self.prepared.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

/// Makes [`Inline`] connections (on r2d2's own threads, outside any
/// runtime).
pub struct InlineManager(postgres::Config);

impl r2d2::ManageConnection for InlineManager {
    type Connection = Inline;
    type Error = tokio_postgres::Error;

    fn connect(&self) -> Result<Inline, tokio_postgres::Error> {
        Ok(Inline {
            client: self.0.connect(NoTls)?,
            prepared: std::collections::HashMap::new(),
        })
    }

    fn is_valid(&self, _: &mut Inline) -> Result<(), tokio_postgres::Error> {
        // No round trip per checkout: a dropped connection fails its next
        // statement (the request may retry) and is discarded on return.
        Ok(())
    }

    fn has_broken(&self, conn: &mut Inline) -> bool {
        conn.client.is_closed()
    }
}

/// Makes the pool's connections on the store's own runtime and drives
/// them there, whichever runtime asked for one: a connection then never
/// depends on a caller's runtime being alive or free (a test's
/// single-threaded runtime blocked in a synchronous call, a server shutting
/// down), and the synchronous bridge and awaited statements share one pool.
struct Driven(tokio::runtime::Handle);

/// A made connection: its client and the task driving it.
type Made = Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), tokio_postgres::Error>;

impl deadpool_postgres::Connect for Driven {
    fn connect(
        &self,
        config: &tokio_postgres::Config,
    ) -> std::pin::Pin<Box<dyn Future<Output = Made> + Send + '_>> {
        let config = config.clone();
        let handle = self.0.clone();
        Box::pin(async move {
            let driver = handle.clone();
            let made = handle.spawn(async move {
                let (client, connection) = config.connect(NoTls).await?;
                let task = driver.spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::warn!(error = %e, "db_connection_lost");
                    }
                });
                Ok((client, task))
            });
            match made.await {
                Ok(result) => result,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The store's runtime is shutting down: no connection can
                // be made. The driver's error type has no public
                // constructor, so this asks it for one the only way it
                // gives: a configuration without a host.
                Err(_) => Err(tokio_postgres::Config::new()
                    .connect(NoTls)
                    .await
                    .err()
                    .unwrap_or_else(|| unreachable!("a configuration without a host connects"))),
            }
        })
    }
}

/// `wanted`, at most what the server allows beyond its reserved
/// connections and [`LEFT_FOR_OTHERS`], and at least 1.
pub fn fitted_pool_size(wanted: usize, max_connections: usize, reserved: usize) -> usize {
    let room = max_connections.saturating_sub(reserved + LEFT_FOR_OTHERS);
    wanted.min(room).max(1)
}

impl Drop for Pg {
    fn drop(&mut self) {
        // The runtime may be dropped from inside another (a test's async
        // body); shutting down in the background never blocks there.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
        // Each inline connection owns a runtime, which must not be dropped
        // on an async worker (the store may be dropped there).
        if let Some(pool) = self.inline.take() {
            let _ = std::thread::Builder::new()
                .name("clickfence-pg-close".into())
                .spawn(move || drop(pool));
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn classify(e: tokio_postgres::Error) -> StoreError {
    // SQLSTATE classes 08 (connection exception) and 57 (operator
    // intervention: shutdown, terminated backend) mean "not now", not "no".
    let transient = e
        .code()
        .is_some_and(|c| c.code().starts_with("08") || c.code().starts_with("57"));
    if e.is_closed() || transient {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Postgres(e)
    }
}

impl Pg {
    /// Connects to `url` and brings its schema up to date (one instance at
    /// a time, under an advisory lock, so a fleet can start together).
    pub fn connect(url: &str, pool_size: usize) -> StoreResult<Self> {
        let config: tokio_postgres::Config = url.parse().map_err(StoreError::Postgres)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("clickfence-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let manager = Manager::from_connect(
            config.clone(),
            Driven(rt.handle().clone()),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .recycle_timeout(Some(WAIT))
            .build()
            .map_err(unavailable)?;
        let mut pg = Self {
            rt: Some(rt),
            pool,
            inline: None,
            config,
        };
        pg.migrate()?;
        let size = pg.fit_pool(pool_size)?;
        pg.split(size);
        Ok(pg)
    }

    /// Shares `size` connections between the two pools: a quarter (at
    /// least one) for awaited statements, which are few and short (clicks
    /// are batched), the rest for blocking work; one connection in all
    /// serves both through the bridge.
    fn split(&mut self, size: usize) {
        if size < 2 {
            self.pool.resize(1);
            return;
        }
        let awaited = (size / 4).max(1);
        self.pool.resize(awaited);
        let manager = InlineManager(self.config.clone().into());
        self.inline = Some(
            r2d2::Pool::builder()
                .max_size(u32::try_from(size - awaited).unwrap_or(u32::MAX))
                .min_idle(Some(0))
                .test_on_check_out(false)
                .connection_timeout(WAIT)
                .build_unchecked(manager),
        );
    }

    /// The pool's size fitted to what the server's `max_connections`
    /// allows, so a large `--db-pool` waits for a connection rather than
    /// failing on "too many clients".
    fn fit_pool(&self, wanted: usize) -> StoreResult<usize> {
        let config = self.config.clone();
        let limits = self.run(async move {
            let (client, connection) = config.connect(NoTls).await.map_err(unavailable)?;
            let driver = tokio::spawn(connection);
            let setting = |name: &'static str| {
                let client = &client;
                async move {
                    let row = client
                        .query_one(&format!("SHOW {name}"), &[])
                        .await
                        .map_err(classify)?;
                    let text: String = row.try_get(0).map_err(classify)?;
                    Ok::<usize, StoreError>(text.trim().parse().unwrap_or(0))
                }
            };
            let limits = (
                setting("max_connections").await?,
                setting("superuser_reserved_connections").await?,
            );
            drop(client);
            let _ = driver.await;
            Ok::<_, StoreError>(limits)
        })??;
        let size = fitted_pool_size(wanted, limits.0, limits.1);
        if size < wanted {
            tracing::warn!(
                wanted,
                size,
                max_connections = limits.0,
                "db_pool_fitted: the pool is smaller than --db-pool asked"
            );
        }
        Ok(size)
    }

    /// Connections blocking work may hold at once: the inline pool's (the
    /// bridged pool's when there is no inline one).
    pub fn blocking_connections(&self) -> usize {
        self.inline
            .as_ref()
            .map_or(self.pool.status().max_size, |p| {
                usize::try_from(p.max_size()).unwrap_or(usize::MAX)
            })
    }

    /// Connections this store may hold, both pools together.
    pub fn pool_size(&self) -> usize {
        let inline = self
            .inline
            .as_ref()
            .map_or(0, |p| usize::try_from(p.max_size()).unwrap_or(usize::MAX));
        self.pool.status().max_size + inline
    }

    /// Runs `f` to completion on this runtime and waits for it, from any
    /// thread (including one inside another runtime).
    fn run<F>(&self, f: F) -> StoreResult<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let rt = self
            .rt
            .as_ref()
            .ok_or(StoreError::Unavailable("shut down".into()))?;
        // A plain channel, not the JoinHandle: polled from a Tokio worker
        // (a test's async body), a Tokio resource would draw on that task's
        // cooperative budget, which never refills while we block.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(f.await);
        });
        rx.recv()
            .map_err(|_| StoreError::Task("database task panicked".into()))
    }

    fn migrate(&self) -> StoreResult<()> {
        let config = self.config.clone();
        self.run(async move {
            let (mut client, connection) = config.connect(NoTls).await.map_err(unavailable)?;
            let driver = tokio::spawn(connection);
            client
                .batch_execute("SELECT pg_advisory_lock(7140001)")
                .await
                .map_err(classify)?;
            let report = embedded::migrations::runner()
                .run_async(&mut client)
                .await
                .map_err(|e| StoreError::Migration(e.to_string()));
            let _ = client
                .batch_execute("SELECT pg_advisory_unlock(7140001)")
                .await;
            drop(client);
            let _ = driver.await;
            report.map(|_| ())
        })?
    }

    /// Runs one statement on a pooled connection, awaited on the caller's
    /// runtime: no thread waits for it (see [`Driven`]).
    pub async fn query_owned(&self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
        let object = self.pool.get().await.map_err(unavailable)?;
        let sql = placeholders(sql);
        let bound: Vec<Bound> = params.iter().cloned().map(Bound).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b as _).collect();
        let stmt = object.prepare_cached(&sql).await.map_err(classify)?;
        let rows = object.query(&stmt, &refs).await.map_err(classify)?;
        rows.iter().map(read).collect()
    }

    /// A connection for one statement or one transaction: driven by this
    /// thread where it may block, else through the bridge.
    pub fn conn(&self) -> StoreResult<PgConn> {
        if let Some(inline) = self
            .inline
            .as_ref()
            .filter(|_| crate::storage::work::may_block())
        {
            let conn = inline.get().map_err(unavailable)?;
            return Ok(PgConn::Inline(Box::new(std::cell::RefCell::new(conn))));
        }
        let pool = self.pool.clone();
        let object = self
            .run(async move { pool.get().await })?
            .map_err(unavailable)?;
        Ok(PgConn::Bridged(Box::new(object)))
    }

    /// Listens on [`CHANNEL`] on a connection of its own, calling `wake` on
    /// every notification, reconnecting (after a second) when it drops.
    pub fn listen(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        let Some(rt) = &self.rt else { return };
        let config = self.config.clone();
        rt.spawn(async move {
            loop {
                if let Err(e) = listen_once(&config, &*wake).await {
                    tracing::warn!(error = %e, "config_listen_lost");
                }
                // Whatever was missed meanwhile, the version poll catches.
                wake();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

async fn listen_once(
    config: &tokio_postgres::Config,
    wake: &(dyn Fn() + Send + Sync),
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if tx.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    // Whatever changed before this connection listened is caught up now.
    wake();
    while rx.recv().await.is_some() {
        wake();
    }
    drop(client);
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}

/// Waits for `f` on this thread, outside Tokio's cooperative budget (see
/// [`Pg::run`]).
fn wait<F: Future>(f: F) -> F::Output {
    futures_executor::block_on(tokio::task::unconstrained(f))
}

/// One pooled connection.
pub enum PgConn {
    /// From the bridged pool: its runtime drives it.
    Bridged(Box<Object>),
    /// Driven by this thread.
    Inline(Box<std::cell::RefCell<r2d2::PooledConnection<InlineManager>>>),
}

/// `?N` placeholders (SQLite's) as `$N` (PostgreSQL's); quoted text is
/// left alone.
pub(super) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

impl PgConn {
    /// Runs `sql` and returns every row.
    pub fn query(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<Vec<Row>> {
        let sql = placeholders(sql);
        let bound: Vec<Bound> = params.iter().map(|p| Bound(p.value())).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b as _).collect();
        let rows = match self {
            Self::Bridged(object) => wait(async {
                let stmt = object.prepare_cached(&sql).await?;
                object.query(&stmt, &refs).await
            }),
            Self::Inline(c) => {
                let mut c = c.borrow_mut();
                c.prepare_cached(&sql)
                    .and_then(|stmt| c.client.query(&stmt, &refs))
            }
        }
        .map_err(classify)?;
        rows.iter().map(read).collect()
    }

    /// Runs `sql`; returns the rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<u64> {
        let sql = placeholders(sql);
        let bound: Vec<Bound> = params.iter().map(|p| Bound(p.value())).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b as _).collect();
        match self {
            Self::Bridged(object) => wait(async {
                let stmt = object.prepare_cached(&sql).await?;
                object.execute(&stmt, &refs).await
            }),
            Self::Inline(c) => {
                let mut c = c.borrow_mut();
                c.prepare_cached(&sql)
                    .and_then(|stmt| c.client.execute(&stmt, &refs))
            }
        }
        .map_err(classify)
    }

    /// Runs statements without parameters (transaction control).
    pub fn batch(&self, sql: &str) -> StoreResult<()> {
        match self {
            Self::Bridged(object) => wait(object.batch_execute(sql)),
            Self::Inline(c) => c.borrow_mut().client.batch_execute(sql),
        }
        .map_err(classify)
    }
}

fn read(row: &tokio_postgres::Row) -> StoreResult<Row> {
    let mut out = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let v = match *ty {
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)?
                .map(|b| Value::Int(b.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::FLOAT4 => row
                .try_get::<_, Option<f32>>(i)?
                .map(|v| Value::Real(v.into())),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::NUMERIC => row.try_get::<_, Option<Numeric>>(i)?.map(|n| n.0),
            Type::VOID => None,
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            _ => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

/// A parameter, converted to whatever type the statement expects there
/// (PostgreSQL types parameters strictly; SQLite does not).
#[derive(Debug)]
struct Bound(Value);

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Bound {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match (&self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::TEXT | &Type::VARCHAR) => i.to_string().to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Text(s), &Type::BYTEA) => s.as_bytes().to_sql(ty, out),
            (Value::Text(s), _) => s.as_str().to_sql(ty, out),
            (Value::Blob(b), _) => b.as_slice().to_sql(ty, out),
            (v, ty) => Err(format!("cannot bind {v:?} as {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A NUMERIC (what PostgreSQL's SUM and AVG of integers return), read as a
/// float: exact for the integer counts the server sums.
struct Numeric(Value);

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let word = |i: usize| -> Result<u16, BoxError> {
            let b = raw.get(i * 2..i * 2 + 2).ok_or("short numeric")?;
            Ok(u16::from_be_bytes([b[0], b[1]]))
        };
        let (digits, weight, sign) = (word(0)?, word(1)? as i16, word(2)?);
        if sign == 0xC000 {
            return Ok(Self(Value::Real(f64::NAN)));
        }
        let mut value = 0.0f64;
        for d in 0..usize::from(digits) {
            let exponent = i32::from(weight) - d as i32;
            value += f64::from(word(4 + d)?) * 10_000f64.powi(exponent);
        }
        Ok(Self(Value::Real(if sign == 0x4000 {
            -value
        } else {
            value
        })))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_renumbered_outside_quotes_only() {
        assert_eq!(
            placeholders("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12 AND c = '?' AND d = ?"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b = $12 AND c = '?' AND d = ?"
        );
    }
}
