//! Guessing is limited for every secret the server takes, and owners are
//! never locked out: over real HTTP, 200 wrong admin tokens, edge API
//! secrets or metrics tokens from one address meet 429 after 30, sharing
//! one quota with the platform API; a neighbour behind the same IPv4 NAT or
//! in the same /64 who exhausts that quota does not stop the owner's valid
//! credentials; and the server refuses to start with a weak secret.

mod common;

use common::{call, Server, ADMIN_TOKEN, API_SECRET};
use hyper::Method;

const METRICS_TOKEN: &str = "metrics-token-for-tests";

async fn start() -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start_with(&dir.path().join("db"), |c| {
        c.metrics_token = Some(METRICS_TOKEN.into())
    })
    .await;
    (dir, s, token.unwrap())
}

async fn with_bearer(s: &Server, path: &str, secret: &str, ip: &str) -> u16 {
    let auth = format!("Bearer {secret}");
    call(
        Method::GET,
        &s.url(path),
        None,
        None,
        &[("authorization", &auth), ("x-forwarded-for", ip)],
    )
    .await
    .status
}

const ADMIN: &str = "/api/p360-click-signing/config";
const EDGE: &str = "/api/billing/visitor-count?shop=s.myshopify.com";
const METRICS: &str = "/metrics";

#[tokio::test]
async fn wrong_admin_edge_and_metrics_secrets_meet_429() {
    for path in [ADMIN, EDGE, METRICS] {
        let (_d, s, _) = start().await;
        let mut statuses = vec![];
        for i in 0..200 {
            statuses.push(with_bearer(&s, path, &format!("guess-{i}"), "198.51.100.9").await);
        }
        assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 30, "{path}");
        assert_eq!(
            statuses.iter().filter(|s| **s == 429).count(),
            170,
            "{path}"
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn every_secret_shares_one_quota() {
    let (_d, s, _) = start().await;
    for i in 0..10 {
        assert_eq!(
            with_bearer(&s, ADMIN, &format!("g{i}"), "198.51.100.9").await,
            401
        );
        assert_eq!(
            with_bearer(&s, EDGE, &format!("g{i}"), "198.51.100.9").await,
            401
        );
        assert_eq!(
            with_bearer(&s, METRICS, &format!("g{i}"), "198.51.100.9").await,
            401
        );
    }
    assert_eq!(
        with_bearer(&s, "/api/v1/sites", "mcs_live_x", "198.51.100.9").await,
        429
    );
    s.stop().await;
}

#[tokio::test]
async fn a_neighbours_guessing_never_locks_the_owner_out() {
    // The same IPv4 address (a NAT), then the same /64.
    for (neighbour, owner) in [
        ("198.51.100.9", "198.51.100.9"),
        ("2001:db8:1:2::bad", "2001:db8:1:2::1"),
    ] {
        let (_d, s, token) = start().await;
        for i in 0..40 {
            with_bearer(
                &s,
                "/api/v1/sites",
                &format!("mcs_live_guess{i}"),
                neighbour,
            )
            .await;
        }
        assert_eq!(
            with_bearer(&s, "/api/v1/sites", "mcs_live_nope", neighbour).await,
            429,
            "the guesser is refused"
        );
        assert_eq!(
            with_bearer(&s, "/api/v1/sites", &token, owner).await,
            200,
            "{owner}"
        );
        assert_eq!(
            with_bearer(&s, ADMIN, ADMIN_TOKEN, owner).await,
            200,
            "{owner}"
        );
        let edge = with_bearer(&s, EDGE, API_SECRET, owner).await;
        assert!(
            ![401, 429].contains(&edge),
            "{owner}: {edge} (past authorization)"
        );
        assert_eq!(
            with_bearer(&s, METRICS, METRICS_TOKEN, owner).await,
            200,
            "{owner}"
        );
        // The dashboard's sign-in with the right token, from the same address.
        s.stop().await;
    }
}

#[test]
fn the_server_refuses_to_start_with_a_weak_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    for (flag, weak) in [
        ("--admin-token", "hunter2hunter2"),
        ("--api-secret", "secret123"),
        ("--cloudflare-origin-secret", "zone-secret-1"),
        (
            "--metrics-token",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
            .args(["--db", &db, "--listen", "127.0.0.1:0", flag, weak])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flag} {weak}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains("bits of entropy"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(weak),
            "the secret is never printed: {stderr}"
        );
    }
}

/// With `--redis`, the quota is also kept in-process and the larger count
/// wins: when Redis loses the address's window (evicted under
/// `allkeys-lru`, flushed, or Redis down), the guesser gets no fresh
/// guesses from this instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_redis_window_hands_out_no_fresh_guesses() {
    let (_redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let rates =
        std::sync::Arc::new(clickfence_server::shared_rates::SharedRates::new(&url).unwrap());
    let (s, token) =
        Server::start_with(&dir.path().join("db"), |c| c.shared_rates = Some(rates)).await;
    for i in 0..30 {
        assert_eq!(
            with_bearer(&s, ADMIN, &format!("g{i}"), "198.51.100.9").await,
            401
        );
    }
    assert_eq!(with_bearer(&s, ADMIN, "g30", "198.51.100.9").await, 429);
    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("FLUSHALL").query(&mut con).unwrap();
    assert_eq!(
        with_bearer(&s, ADMIN, "g31", "198.51.100.9").await,
        429,
        "still counted here"
    );
    assert_eq!(
        with_bearer(&s, "/api/v1/sites", &token.unwrap(), "198.51.100.9").await,
        200
    );
    s.stop().await;
}

/// A Redis that may evict keys when full (any `maxmemory-policy` but
/// `noeviction`) is detected at start: `/readyz` says the rate store is
/// degraded and names the policy (readiness holds), and a metric says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evicting_redis_is_reported_at_start() {
    let (_redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    for (policy, degraded) in [("noeviction", false), ("allkeys-lru", true)] {
        let mut con = redis::Client::open(url.as_str())
            .unwrap()
            .get_connection()
            .unwrap();
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("maxmemory-policy")
            .arg(policy)
            .query(&mut con)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let rates =
            std::sync::Arc::new(clickfence_server::shared_rates::SharedRates::new(&url).unwrap());
        let (s, _) =
            Server::start_with(&dir.path().join("db"), |c| c.shared_rates = Some(rates)).await;
        let ready = common::get(&s.url("/readyz"), None).await;
        assert_eq!(ready.status, 200, "{}", ready.json);
        let expected = if degraded { "degraded" } else { "ok" };
        assert_eq!(
            ready.json["rate_store"], expected,
            "{policy}: {}",
            ready.json
        );
        let named = if degraded {
            serde_json::json!(policy)
        } else {
            serde_json::Value::Null
        };
        assert_eq!(ready.json["redis_maxmemory_policy"], named);
        let metrics = s.state.metrics.render(&Default::default()).unwrap();
        let line = format!("clickfence_redis_eviction_possible {}", u8::from(degraded));
        assert!(metrics.contains(&line), "{metrics}");
        s.stop().await;
    }
}
