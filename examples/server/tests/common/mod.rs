//! A real server on an ephemeral loopback port, and a small HTTP client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use clickfence::IpSet;
use clickfence_server::state::{AppState, ServerConfig};

/// The edge API secret of test servers.
pub const API_SECRET: &str = "edge-secret";
/// The click-signing admin token of test servers.
pub const ADMIN_TOKEN: &str = "admin-token";
/// The public base URL test click links are signed under.
pub const CLICK_BASE: &str = "https://clicks.example.com";
use clickfence_server::storage::Store;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// The database a test names by the file path `path`: that SQLite file, or
/// with `CLICKFENCE_TEST_POSTGRES` set (scripts/with-postgres.sh), a
/// PostgreSQL database of its own on that cluster, named after the path (so
/// the instances of a fleet test given one path share one database).
pub fn database(path: &Path) -> std::path::PathBuf {
    let Ok(base) = std::env::var("CLICKFENCE_TEST_POSTGRES") else {
        return path.to_owned();
    };
    let name = path_name(path);
    admin_session(&base, move |client| async move {
        if let Err(e) = client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
        {
            let exists = e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE)
                || e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION);
            assert!(exists, "{e}");
        }
    });
    std::path::PathBuf::from(format!("{base}/{}", path_name(path)))
}

/// Runs `sql` on the cluster's `postgres` database (test suites on
/// PostgreSQL only): what an operator's session would do to the database.
pub fn pg_admin(sql: &str) {
    let base = std::env::var("CLICKFENCE_TEST_POSTGRES").expect("on PostgreSQL");
    let sql = sql.to_owned();
    admin_session(&base, move |client| async move {
        client.batch_execute(&sql).await.unwrap();
    });
}

/// The database name a test path maps to.
fn path_name(path: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    format!("t_{:016x}", h.finish())
}

/// Runs `f` with a session on the cluster's `postgres` database, on a
/// thread and runtime of its own (callers may be inside a runtime).
fn admin_session<F, Fut>(base: &str, f: F)
where
    F: FnOnce(tokio_postgres::Client) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let admin = format!("{base}/postgres");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            f(client).await;
        });
    })
    .join()
    .unwrap();
}

/// The PostgreSQL database name behind `path` (see [`database`]).
pub fn pg_name(path: &Path) -> String {
    let url = database(path);
    url.to_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

/// A throwaway redis-server on `port` (a free one when `None`), answering
/// before this returns; killed when the returned child is dropped or killed.
pub fn redis_server(port: Option<u16>) -> (RedisChild, u16) {
    let port = port.unwrap_or_else(|| {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    });
    let child = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server is needed: run scripts/setup.sh");
    let child = RedisChild(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, port);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("redis-server did not start on port {port}");
}

/// A redis-server process, killed on drop.
pub struct RedisChild(pub std::process::Child);

impl Drop for RedisChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether the suite runs on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os("CLICKFENCE_TEST_POSTGRES").is_some()
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    db: std::path::PathBuf,
    pub state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Starts a server over the database at `db`, seeding the demo account.
    /// Webhooks may go to loopback receivers (`allow_private_webhooks`).
    pub async fn start(db: &Path) -> (Server, Option<String>) {
        Self::start_with(db, |_| {}).await
    }

    /// [`start`](Self::start) with the configuration adjusted by `adjust`.
    pub async fn start_with(
        db: &Path,
        adjust: impl FnOnce(&mut ServerConfig),
    ) -> (Server, Option<String>) {
        let store = Store::open(&database(db)).unwrap();
        let token = clickfence_server::seed_demo(&store, clickfence_server::state::now()).unwrap();
        let mut config = ServerConfig {
            trusted_proxies: IpSet::from_strs(["127.0.0.0/8"]).unwrap(),
            // Loopback plays Cloudflare too, so CF-* headers can be tested.
            cloudflare: IpSet::from_strs(["127.0.0.0/8"]).unwrap(),
            api_secret: Some(API_SECRET.into()),
            admin_token: Some(ADMIN_TOKEN.into()),
            click_base_url: CLICK_BASE.into(),
            allow_private_webhooks: true,
            ..ServerConfig::default()
        };
        adjust(&mut config);
        let state = Arc::new(AppState::new(store, config).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s = Arc::clone(&state);
        let task = tokio::spawn(async move {
            clickfence_server::serve(s, listener, async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        (
            Server {
                addr,
                db: db.to_owned(),
                state,
                stop: Some(tx),
                task: Some(task),
            },
            token,
        )
    }

    /// Graceful stop: waits for the server and its worker to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// A response: status, headers, parsed JSON body (Null when not JSON).
pub struct Resp {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub json: Value,
}

pub async fn call(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> Resp {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        json,
    }
}

pub async fn get(url: &str, token: Option<&str>) -> Resp {
    call(Method::GET, url, token, None, &[]).await
}

/// An `ip.blocked` event for the demo site, as the tests queue it.
pub fn blocked_event(ip: &str) -> clickfence::webhook::Event {
    clickfence::webhook::Event::IpBlocked(clickfence::webhook::IpBlocked {
        site_id: 1,
        site_domain: "acme-coffee.com".into(),
        ip_address: ip.into(),
        reason: "test".into(),
        fraud_score: None,
        source: clickfence::webhook::BlockSource::Api,
    })
}
