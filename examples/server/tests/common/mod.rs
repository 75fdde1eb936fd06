//! A real server on an ephemeral loopback port, and a small HTTP client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use clickfence::IpSet;
use clickfence_server::state::{AppState, ServerConfig};

/// The edge API secret of test servers.
pub const API_SECRET: &str = "edge-secret-Hs5nK8qW2xR7vM3tY9bZ4cP6";
/// The click-signing admin token of test servers.
pub const ADMIN_TOKEN: &str = "admin-token-Vq7rT2mX9kP4wZ6nB3yL8cJ5";
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
///
/// Tests run in parallel, each with its own server: a free port can be
/// taken by another test's server between choosing it and binding it, so
/// the server that answers must be ours (its `process_id`), else a new
/// port is tried.
pub fn redis_server(port: Option<u16>) -> (RedisChild, u16) {
    for _ in 0..20 {
        let chosen = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        });
        let mut child = RedisChild(
            std::process::Command::new("redis-server")
                .args([
                    "--port",
                    &chosen.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("redis-server is needed: run scripts/setup.sh"),
        );
        for _ in 0..100 {
            if redis_pid(chosen) == Some(child.0.id()) {
                return (child, chosen);
            }
            if child.0.try_wait().ok().flatten().is_some() {
                break; // it could not bind: the port was taken
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.0.kill();
    }
    panic!("redis-server did not start");
}

/// The `process_id` of the Redis answering on `port`, if one does.
fn redis_pid(port: u16) -> Option<u32> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .ok()?;
    s.write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n").ok()?;
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while !text.contains("process_id:") || !text[text.find("process_id:")?..].contains('\n') {
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let rest = &text[text.find("process_id:")? + "process_id:".len()..];
    rest[..rest.find('\r')?].trim().parse().ok()
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

/// Adds an endpoint of account 1 taking `events`, whose receiver asked
/// for an hour's quiet (every endpoint's): deliveries wait in the outbox,
/// and the worker makes no attempts whose statements a test would count.
/// Returns its id.
pub fn quiet_endpoint(store: &Store, events: &[&str]) -> i64 {
    let now = clickfence_server::state::now();
    let events: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
    let id = store
        .add_endpoint(
            1,
            "http://127.0.0.1:9/hook",
            "whsec_quiet-endpoint",
            &events,
            now,
        )
        .unwrap()
        .unwrap();
    store
        .execute_sql(
            "UPDATE webhook_endpoints SET throttled_until = ?1",
            &[&(now + 3600)],
        )
        .unwrap();
    id
}

/// Queues `n` deliveries of `event` for `endpoint`, due and queued at
/// `at`, in one statement: a full outbox without a flood.
pub fn queue_deliveries(store: &Store, endpoint: i64, event: &str, n: i64, at: i64) {
    store
        .execute_sql(
            "WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
             INSERT INTO deliveries (endpoint_id, event, body, next_attempt_at, created_at)
             SELECT ?1, ?2, '{}', ?4, ?4 FROM n",
            &[&endpoint, &event, &n, &at],
        )
        .unwrap();
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
    /// The body as text (lossy), for answers that are not JSON.
    pub body: String,
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
        body: String::from_utf8_lossy(&bytes).into_owned(),
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

/// Moves the operator's last enable of click signing two hours into the
/// past, in the database (so no reload undoes it) and in the verifier, as
/// if the breaker's one-hour hold had passed (the clock cannot be moved).
/// Returns that time.
#[allow(dead_code)]
pub fn enabled_long_ago(s: &Server) -> u64 {
    let long_ago = clickfence_server::state::now() - 7200;
    s.state
        .store
        .save_signing_settings("enabled", true, None, Some(long_ago))
        .unwrap();
    s.state
        .clicks
        .restore_mode(clickfence::Mode::Enabled, Some(long_ago as u64));
    long_ago as u64
}

/// Enrols `shop` for the edge API as its owner would (API secret).
#[allow(dead_code)]
pub async fn enrol(s: &Server, shop: &str) {
    let r = call(
        Method::POST,
        &s.url("/api/shops"),
        Some(API_SECRET),
        Some(&serde_json::json!({ "shop": shop }).to_string()),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "enrol {shop}: {}", r.body);
}

/// A dnsmasq answering only for its own records (authoritative for `arpa`
/// and `com`: other names there are NXDOMAIN), killed on drop.
pub struct Dnsmasq(std::process::Child, pub SocketAddr);

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn dnsmasq(records: &[&str]) -> Dnsmasq {
    let bin = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("dnsmasq is needed: run scripts/setup.sh");
    for _ in 0..20 {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(bin)
            .args([
                "--keep-in-foreground",
                &format!("--port={port}"),
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--conf-file=/dev/null",
                "--pid-file=",
                "--user=root",
                "--local=/arpa/",
                "--local=/com/",
                "--local=/example/",
            ])
            .args(records)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        if child.try_wait().unwrap().is_none() {
            return Dnsmasq(child, SocketAddr::from(([127, 0, 0, 1], port)));
        }
    }
    panic!("dnsmasq did not start");
}

/// One signing key (36 hours) and `mode` set through the click-signing
/// admin API; returns a signer holding the key.
pub async fn signing(s: &Server, mode: &str) -> clickfence::ClickSigner {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let admin = |path: String| {
        let url = s.url(&format!("/api/p360-click-signing{path}"));
        let auth = auth.clone();
        async move { call(Method::POST, &url, None, None, &[("authorization", &auth)]).await }
    };
    let key = admin("/secret?ttlHours=36".into()).await;
    assert_eq!(key.status, 200, "{}", key.body);
    let set = admin(format!("/config/mode/{mode}")).await;
    assert_eq!(set.status, 200, "{}", set.body);
    clickfence::ClickSigner::new(key.json["secret-key"].as_str().unwrap()).unwrap()
}

/// A fresh signed click path on site 1 (a new ticket each call: a genuine
/// signature is valid once), valid for an hour.
pub fn signed(signer: &clickfence::ClickSigner) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let url = signer
        .sign(
            &format!("{CLICK_BASE}/c/1?pid=net&c=camp&clickid=t{n}"),
            clickfence_server::state::now() as u64 + 3600,
        )
        .unwrap();
    url.trim_start_matches(CLICK_BASE).to_owned()
}
