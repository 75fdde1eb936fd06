//! Three server processes on one database (PostgreSQL when the suite runs on
//! it), one of them killed with SIGKILL while a webhook attempt is in
//! flight: every acknowledged write survives, every event is delivered once
//! (the attempt in flight is retried under the same id by a survivor once
//! its lease runs out), and changes made through one process are in force on
//! the others.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use common::{call, get, ADMIN_TOKEN, API_SECRET};
use hyper::Method;

/// The lease the processes run with (the smallest allowed).
const LEASE: &str = "11";
/// The block whose `ip.blocked` delivery the receiver holds unanswered.
const HELD_IP: &str = "198.51.100.50";
const EVENTS: usize = 200;

/// A server process and what it printed on start.
struct Instance {
    child: Child,
    base: String,
    token: Option<String>,
}

impl Instance {
    fn start(db: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
            .arg("--db")
            .arg(db)
            .args(["--listen", "127.0.0.1:0"])
            .env("CLICKFENCE_API_SECRET", API_SECRET)
            .env("CLICKFENCE_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("CLICKFENCE_ALLOW_PRIVATE_WEBHOOKS", "true")
            .env("CLICKFENCE_API_RATE_LIMIT", "100000")
            .env("CLICKFENCE_DELIVERY_LEASE", LEASE)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let (mut base, mut token) = (None, None);
        while base.is_none() {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(t) = line.split("all five abilities): ").nth(1) {
                token = Some(t.trim().to_owned());
            }
            if let Some(rest) = line.strip_prefix("Listening on ") {
                base = rest.split_whitespace().next().map(str::to_owned);
            }
        }
        // Keep draining the log so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Instance {
            child,
            base: base.unwrap(),
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn instance_id(&self) -> String {
        let mut ready = get(&self.url("/readyz"), None).await;
        for _ in 0..100 {
            if ready.status == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            ready = get(&self.url("/readyz"), None).await;
        }
        ready.json["instance"].as_str().unwrap().to_owned()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every request the receiver got: delivery id, and whether it answered.
#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<(String, bool)>>,
    held: Mutex<Option<String>>,
}

async fn start_receiver(receiver: Arc<Receiver>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let receiver = Arc::clone(&receiver);
            async move {
                let id = headers["x-myclickshield-delivery"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                let body = String::from_utf8_lossy(&body).into_owned();
                let hold = body.contains(&format!("\"{HELD_IP}\""))
                    && receiver.held.lock().unwrap().replace(id.clone()).is_none();
                if hold {
                    receiver.got.lock().unwrap().push((id, false));
                    // In flight until its sender is killed.
                    tokio::time::sleep(Duration::from_secs(600)).await;
                    return "late";
                }
                receiver.got.lock().unwrap().push((id, true));
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Runs the CLI against the database; returns its stdout.
fn cli(db: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CLICKFENCE_ALLOW_PRIVATE_WEBHOOKS", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn wait_for(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not reached in {secs} s");
}

fn count(store: &clickfence_server::storage::Store, sql: &str) -> i64 {
    match store.query_rows(sql, &[]).unwrap()[0][0] {
        clickfence_server::storage::db::Value::Int(n) => n,
        ref other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_one_killed_mid_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::database(&dir.path().join("db"));
    let first = Instance::start(&db);
    let token = first
        .token
        .clone()
        .expect("the first process seeds the demo");
    let fleet = [first, Instance::start(&db), Instance::start(&db)];
    let mut ids = Vec::new();
    for i in &fleet {
        ids.push(i.instance_id().await);
    }
    let receiver = Arc::new(Receiver::default());
    let hook = start_receiver(Arc::clone(&receiver)).await;
    cli(
        &db,
        &[
            "webhook",
            "add",
            "--account",
            "1",
            "--url",
            &hook,
            "--events",
            "ip.blocked",
        ],
    );

    // 200 acknowledged writes, spread over the three processes, each
    // queuing one event.
    for n in 0..EVENTS {
        let ip = format!("198.51.{}.{}", 100 + n / 250, n % 250);
        let body = format!(r#"{{"ip_address":"{ip}","type":"permanent"}}"#);
        let r = call(
            Method::POST,
            &fleet[n % 3].url("/api/v1/sites/1/blocked-ips"),
            Some(&token),
            Some(&body),
            &[],
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.json);
    }

    // Kill whichever process holds the held delivery, mid-attempt.
    wait_for(30, "the held attempt", || {
        receiver.held.lock().unwrap().is_some()
    })
    .await;
    let held = receiver.held.lock().unwrap().clone().unwrap();
    let store = clickfence_server::storage::Store::open(&db).unwrap();
    let owner = store
        .query_rows(
            "SELECT claimed_by FROM deliveries WHERE id = ?1",
            &[&held.parse::<i64>().unwrap()],
        )
        .unwrap();
    let owner = match &owner[0][0] {
        clickfence_server::storage::db::Value::Text(t) => t.clone(),
        other => panic!("held delivery not claimed: {other:?}"),
    };
    let victim = ids.iter().position(|i| *i == owner).unwrap();
    let [a, b, c] = fleet;
    let mut fleet: Vec<Instance> = vec![a, b, c];
    let mut killed = fleet.remove(victim);
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();

    // Nothing acknowledged was lost with it.
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM blocked_ips"),
        EVENTS as i64
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM deliveries"),
        EVENTS as i64
    );

    // The survivors take the held delivery over once its lease runs out,
    // then deliver the rest.
    wait_for(90, "every delivery delivered", || {
        count(
            &store,
            "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'",
        ) == EVENTS as i64
    })
    .await;
    let got = receiver.got.lock().unwrap().clone();
    let mut answered: HashMap<&str, usize> = HashMap::new();
    for (id, ok) in &got {
        if *ok {
            *answered.entry(id.as_str()).or_default() += 1;
        }
    }
    assert_eq!(answered.len(), EVENTS, "every event delivered");
    assert!(
        answered.values().all(|n| *n == 1),
        "no event delivered twice"
    );
    let held_requests = got.iter().filter(|(id, _)| *id == held).count();
    assert_eq!(
        held_requests, 2,
        "the attempt in flight was retried once, under the same id"
    );
    assert_eq!(got.len(), EVENTS + 1, "no other attempt was repeated");

    // A token revoked through one process (the CLI) is refused by another
    // within a second; a mode change through one is in force on the other.
    let extra = cli(
        &db,
        &[
            "token",
            "create",
            "--account",
            "1",
            "--abilities",
            "sites:read",
            "--expires-in-days",
            "30",
        ],
    );
    let extra = extra.lines().last().unwrap().trim().to_owned();
    let sites = fleet[0].url("/api/v1/sites");
    assert_eq!(get(&sites, Some(&extra)).await.status, 200);
    let id = store
        .query_rows("SELECT MAX(id) FROM tokens", &[])
        .unwrap()
        .remove(0)
        .remove(0);
    let id = match id {
        clickfence_server::storage::db::Value::Int(n) => n.to_string(),
        other => panic!("{other:?}"),
    };
    // Revoked by another process: refused within the second, though the
    // instance answered the token from its cache of successful lookups.
    cli(&db, &["token", "revoke", "--token-id", &id]);
    let revoked_at = Instant::now();
    while get(&sites, Some(&extra)).await.status != 401 {
        assert!(
            revoked_at.elapsed() < Duration::from_secs(1),
            "still accepted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let admin = format!("Bearer {ADMIN_TOKEN}");
    let r = call(
        Method::POST,
        &fleet[0].url("/api/p360-click-signing/config/mode/report-only"),
        None,
        None,
        &[("authorization", &admin)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let changed = Instant::now();
    loop {
        let r = call(
            Method::GET,
            &fleet[1].url("/api/p360-click-signing/config"),
            None,
            None,
            &[("authorization", &admin)],
        )
        .await;
        if r.json["mode"] == "report-only" {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "mode change not in force on the other process within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
