//! Webhook delivery to a real local receiver that checks signatures with the
//! spec's algorithm: retries, auto-disable after 20 failures, and resume after
//! a restart.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use clickfence_server::events::emit;
use clickfence_server::state::now;
use common::{blocked_event, call, Server};
use hmac::{Hmac, Mac};
use hyper::Method;
use sha2::Sha256;

const SECRET: &str = "whsec_test_secret";
/// A headless browser: automation posing as a person, blocked as fraud.
const HEADLESS: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";

/// (delivery id, timestamp, event, body, signature valid).
type Seen = (String, String, String, String, bool);

#[derive(Default)]
struct Receiver {
    /// Status codes to answer with, in order; 200 once exhausted.
    script: Mutex<Vec<u16>>,
    /// (delivery id, timestamp, event, body, signature valid) of every request.
    seen: Mutex<Vec<Seen>>,
    hits: AtomicUsize,
}

/// The spec's Express sample, in Rust: hex HMAC of `ts + "." + body`,
/// constant-time comparison, 300-second window.
fn spec_accepts(headers: &HeaderMap, body: &str) -> bool {
    let ts = headers
        .get("x-myclickshield-timestamp")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let sig = headers
        .get("x-myclickshield-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let fresh = ts
        .parse::<f64>()
        .map(|t| (now() as f64 - t).abs() <= 300.0)
        .unwrap_or(false);
    sig.len() == expected.len() && sig == expected && fresh
}

async fn start_receiver(listener: tokio::net::TcpListener, receiver: Arc<Receiver>) {
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let receiver = Arc::clone(&receiver);
            async move {
                receiver.hits.fetch_add(1, Ordering::SeqCst);
                let body = String::from_utf8_lossy(&body).into_owned();
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let valid = spec_accepts(&headers, &body);
                receiver.seen.lock().unwrap().push((
                    h("x-myclickshield-delivery"),
                    h("x-myclickshield-timestamp"),
                    h("x-myclickshield-event"),
                    body,
                    valid,
                ));
                let code = {
                    let mut s = receiver.script.lock().unwrap();
                    if s.is_empty() {
                        200
                    } else {
                        s.remove(0)
                    }
                };
                StatusCode::from_u16(code).unwrap()
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

async fn wait_until(mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not reached in 5 s");
}

#[tokio::test]
async fn api_blocks_are_delivered_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = Server::start(&dir.path().join("db")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = Arc::new(Receiver::default());
    start_receiver(listener, Arc::clone(&receiver)).await;
    server
        .state
        .store
        .add_endpoint(
            1,
            &url,
            SECRET,
            &["ip.blocked".into(), "ip.unblocked".into()],
            now(),
        )
        .unwrap();

    let r = call(
        Method::POST,
        &server.url("/api/v1/sites/1/blocked-ips"),
        token.as_deref(),
        Some(r#"{"ip_address":"203.0.113.42"}"#),
        &[],
    )
    .await;
    assert_eq!(r.status, 201);
    wait_until(|| receiver.seen.lock().unwrap().len() == 1).await;
    let (id, _, event, body, valid) = receiver.seen.lock().unwrap()[0].clone();
    assert!(valid, "the spec's algorithm accepts the signature");
    assert_eq!(event, "ip.blocked");
    assert!(!id.is_empty());
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["data"]["ip_address"], "203.0.113.42");
    assert_eq!(json["data"]["source"], "api");
    wait_until(|| server.state.store.deliveries().unwrap()[0].status == "delivered").await;
    server.stop().await;
}

#[tokio::test]
async fn failures_are_retried_with_the_same_id_and_a_fresh_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(&dir.path().join("db")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = Arc::new(Receiver::default());
    // 502, not 503: a 503 asks to slow down and is not a failed attempt.
    *receiver.script.lock().unwrap() = vec![500, 502];
    start_receiver(listener, Arc::clone(&receiver)).await;
    server
        .state
        .store
        .add_endpoint(1, &url, SECRET, &["ip.blocked".into()], now())
        .unwrap();

    emit(&server.state, 1, &blocked_event("198.51.100.1")).unwrap();
    wait_until(|| receiver.hits.load(Ordering::SeqCst) == 1).await;
    wait_until(|| server.state.store.deliveries().unwrap()[0].attempts == 1).await;
    let d = server.state.store.deliveries().unwrap()[0].clone();
    let (status, attempts, next, last) = (d.status, d.attempts, d.next_attempt_at, d.last_status);
    assert_eq!(
        (status.as_str(), attempts, last.as_deref()),
        ("pending", 1, Some("500"))
    );
    let gap = next.unwrap() - now();
    assert!(
        (28..=30).contains(&gap),
        "second attempt 30 s after the first failed, got {gap}"
    );
    for expected_hits in [2, 3] {
        // Bring the retry forward (again on every poll: a scan that ran just
        // before this would otherwise leave it for the next 1 s tick).
        wait_until(|| {
            let hits = receiver.hits.load(Ordering::SeqCst);
            if hits < expected_hits
                && server.state.store.deliveries().unwrap()[0].attempts == hits as i64
            {
                server.state.store.make_pending_due(now()).unwrap();
                server.state.deliveries.notify_one();
            }
            hits == expected_hits
        })
        .await;
    }
    wait_until(|| server.state.store.deliveries().unwrap()[0].status == "delivered").await;
    let seen = receiver.seen.lock().unwrap().clone();
    assert!(seen.iter().all(|s| s.4), "every attempt is signed validly");
    assert!(
        seen.iter().all(|s| s.0 == seen[0].0),
        "one delivery id across attempts"
    );
    server.stop().await;
}

#[tokio::test]
async fn twenty_consecutive_failures_disable_the_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(&dir.path().join("db")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = Arc::new(Receiver::default());
    *receiver.script.lock().unwrap() = vec![500; 100];
    start_receiver(listener, Arc::clone(&receiver)).await;
    server
        .state
        .store
        .add_endpoint(1, &url, SECRET, &["ip.blocked".into()], now())
        .unwrap();
    for i in 0..5 {
        emit(&server.state, 1, &blocked_event(&format!("198.51.100.{i}"))).unwrap();
    }
    let disabled = || server.state.store.endpoints_of(1).unwrap()[0].disabled;
    for _ in 0..200 {
        if disabled() {
            break;
        }
        server.state.store.make_pending_due(now()).unwrap();
        server.state.deliveries.notify_one();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let endpoint = server.state.store.endpoints_of(1).unwrap()[0].clone();
    assert!(endpoint.disabled);
    assert_eq!(endpoint.consecutive_failures, 20);
    let hits = receiver.hits.load(Ordering::SeqCst);
    assert_eq!(hits, 20, "nothing is sent once disabled");
    server.state.store.make_pending_due(now()).unwrap();
    server.state.deliveries.notify_one();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.hits.load(Ordering::SeqCst), 20);
    // Events raised while it is disabled are held, not dropped...
    for k in 0..3 {
        emit(&server.state, 1, &blocked_event(&format!("203.0.113.{k}"))).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Re-enabling resets the count and delivery resumes at once: the
    // pending deliveries, waiting out their retry delays, are due now.
    *receiver.script.lock().unwrap() = vec![];
    let reenabled_at = clickfence::webhook::rfc3339(now() as u64);
    server
        .state
        .store
        .reenable_endpoint(endpoint.id, now())
        .unwrap();
    server.state.deliveries.notify_one();
    wait_until(|| {
        let seen = receiver.seen.lock().unwrap();
        seen.iter().filter(|s| s.3.contains("203.0.113.")).count() == 3
    })
    .await;
    // ...and arrive after the re-enable, oldest first, with the time they
    // were raised.
    let seen = receiver.seen.lock().unwrap().clone();
    let held: Vec<&Seen> = seen.iter().filter(|s| s.3.contains("203.0.113.")).collect();
    assert_eq!(held.len(), 3, "{seen:?}");
    for (k, s) in held.iter().enumerate() {
        assert!(
            s.3.contains(&format!("203.0.113.{k}")),
            "oldest first: {held:?}"
        );
        let sent_at =
            s.3.split("\"sent_at\":\"")
                .nth(1)
                .unwrap_or("")
                .get(..25)
                .unwrap_or("");
        assert!(
            sent_at < reenabled_at.as_str(),
            "raised before the re-enable: {}",
            s.3
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_restart_resumes_pending_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // A port with nothing listening yet: attempts fail with a transport error.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let (server, _) = Server::start(&db).await;
    server
        .state
        .store
        .add_endpoint(
            1,
            &format!("http://{addr}/hook"),
            SECRET,
            &["ip.blocked".into()],
            now(),
        )
        .unwrap();
    emit(&server.state, 1, &blocked_event("198.51.100.9")).unwrap();
    wait_until(|| server.state.store.deliveries().unwrap()[0].attempts == 1).await;
    let before = server.state.store.deliveries().unwrap()[0].clone();
    assert_eq!(
        (before.status.as_str(), before.last_status.as_deref()),
        ("pending", Some("transport_error"))
    );
    server.stop().await;

    let receiver = Arc::new(Receiver::default());
    start_receiver(
        tokio::net::TcpListener::bind(addr).await.unwrap(),
        Arc::clone(&receiver),
    )
    .await;
    let (server, token) = Server::start(&db).await;
    assert!(token.is_none(), "an existing database is not re-seeded");
    server.state.store.make_pending_due(now()).unwrap();
    server.state.deliveries.notify_one();
    wait_until(|| receiver.seen.lock().unwrap().len() == 1).await;
    let seen = receiver.seen.lock().unwrap()[0].clone();
    assert_eq!(
        seen.0,
        before.id.to_string(),
        "same delivery id after the restart"
    );
    assert!(seen.4);
    wait_until(|| server.state.store.deliveries().unwrap()[0].status == "delivered").await;
    server.stop().await;
}

/// Polls `check` every 25 ms for up to `secs` seconds.
async fn wait_long(secs: u64, mut check: impl FnMut() -> bool) {
    for _ in 0..secs * 40 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not reached in {secs} s");
}

/// Three server instances on one database, each running its delivery
/// worker: 200 events are each delivered exactly once (claims, one attempt
/// per endpoint at a time fleet-wide).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_deliver_each_event_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (a, _) = Server::start(&db).await;
    let (b, _) = Server::start(&db).await;
    let (c, _) = Server::start(&db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = Arc::new(Receiver::default());
    start_receiver(listener, Arc::clone(&receiver)).await;
    a.state
        .store
        .add_endpoint(1, &url, SECRET, &["ip.blocked".into()], now())
        .unwrap();
    let fleet = [&a, &b, &c];
    for i in 0..200u32 {
        let s = fleet[i as usize % 3];
        let ip = format!("198.51.{}.{}", 100 + i / 250, i % 250);
        emit(&s.state, 1, &blocked_event(&ip)).unwrap();
        s.state.deliveries.notify_one();
    }
    wait_long(60, || {
        a.state
            .store
            .deliveries()
            .unwrap()
            .iter()
            .all(|d| d.status == "delivered")
    })
    .await;
    let seen = receiver.seen.lock().unwrap().clone();
    let ids: std::collections::HashSet<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(seen.len(), 200, "no delivery attempted twice");
    assert_eq!(ids.len(), 200, "every event delivered once");
    assert!(seen.iter().all(|s| s.4), "every delivery signed validly");
    for s in [a, b, c] {
        s.stop().await;
    }
}

/// A claim held by a live instance keeps others off the delivery; a claim
/// whose holder died (its lease ran out) is taken over, under the same id.
#[tokio::test]
async fn a_dead_instances_claim_is_taken_over_when_its_lease_expires() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = Arc::new(Receiver::default());
    start_receiver(listener, Arc::clone(&receiver)).await;
    // The delivery is queued and claimed by an instance that then "died",
    // before any worker runs.
    {
        let store = clickfence_server::storage::Store::open(&common::database(&db)).unwrap();
        clickfence_server::seed_demo(&store, now()).unwrap();
        let state = clickfence_server::state::AppState::new(store, Default::default()).unwrap();
        state
            .store
            .add_endpoint(1, &url, SECRET, &["ip.blocked".into()], now())
            .unwrap();
        emit(&state, 1, &blocked_event("198.51.100.9")).unwrap();
    }
    let store = clickfence_server::storage::Store::open(&common::database(&db)).unwrap();
    let claim = |until: i64| {
        let n = store
            .execute_sql(
                "UPDATE deliveries SET claimed_by = 'dead-instance', claimed_until = ?1",
                &[&until],
            )
            .unwrap();
        assert_eq!(n, 1);
    };
    claim(now() + 3600);
    let (s, _) = Server::start(&db).await;
    s.state.deliveries.notify_one();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.hits.load(Ordering::SeqCst),
        0,
        "a live claim is respected"
    );
    claim(now() - 1);
    s.state.deliveries.notify_one();
    wait_long(10, || receiver.hits.load(Ordering::SeqCst) == 1).await;
    wait_long(10, || {
        s.state.store.deliveries().unwrap()[0].status == "delivered"
    })
    .await;
    s.stop().await;
}

/// A receiver that answers 429 (or 503) is slowing the sender down, not
/// failing: its answers use no attempt and never count toward the
/// 20-failure auto-disable, the endpoint's other deliveries wait with it,
/// and everything is delivered once it accepts again.
#[tokio::test]
async fn a_throttling_receiver_is_slowed_down_not_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(&dir.path().join("db")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = Arc::new(Receiver::default());
    *receiver.script.lock().unwrap() = [429, 503].repeat(30);
    start_receiver(listener, Arc::clone(&receiver)).await;
    server
        .state
        .store
        .add_endpoint(1, &url, SECRET, &["ip.blocked".into()], now())
        .unwrap();
    for i in 0..5 {
        emit(&server.state, 1, &blocked_event(&format!("198.51.100.{i}"))).unwrap();
    }
    server.state.deliveries.notify_one();
    wait_until(|| receiver.hits.load(Ordering::SeqCst) >= 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The first 429 holds the whole endpoint back: none of its other four
    // deliveries, all due, is attempted meanwhile.
    let until = server
        .state
        .store
        .query_rows("SELECT throttled_until FROM webhook_endpoints", &[])
        .unwrap();
    match &until[0][0] {
        clickfence_server::storage::db::Value::Int(t) => assert!(*t > now(), "{t}"),
        other => panic!("not throttled: {other:?}"),
    }
    for _ in 0..5 {
        server.state.deliveries.notify_one();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert_eq!(receiver.hits.load(Ordering::SeqCst), 1);
    // Sixty throttling answers: three times the auto-disable count.
    for _ in 0..400 {
        if receiver.hits.load(Ordering::SeqCst) >= 60 {
            break;
        }
        server.state.store.make_pending_due(now()).unwrap();
        server.state.deliveries.notify_one();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let endpoint = server.state.store.endpoints_of(1).unwrap()[0].clone();
    assert!(!endpoint.disabled, "a throttling receiver is not disabled");
    assert_eq!(endpoint.consecutive_failures, 0);
    // It accepts again: every event arrives.
    for _ in 0..400 {
        let delivered = server
            .state
            .store
            .query_rows(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'",
                &[],
            )
            .unwrap();
        if format!("{:?}", delivered[0][0]) == "Int(5)" {
            break;
        }
        server.state.store.make_pending_due(now()).unwrap();
        server.state.deliveries.notify_one();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let events: Vec<String> = receiver
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.0.clone())
        .collect();
    let mut distinct = events.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "{events:?}");
    let attempts = server
        .state
        .store
        .query_rows("SELECT MAX(attempts) FROM deliveries", &[])
        .unwrap();
    assert_eq!(
        format!("{:?}", attempts[0][0]),
        "Int(1)",
        "throttling used no attempt"
    );
    server.stop().await;
}

/// An enabled endpoint whose receiver falls behind holds at most the core's
/// bound of deliveries: past it a forged click's `fraud.detected` (and its
/// auto-block's `ip.blocked`) is counted and dropped, while an API block's
/// `ip.blocked` is still queued and nothing already queued is lost.
#[tokio::test]
async fn a_full_outbox_drops_fraud_events_and_never_blocks() {
    use clickfence::webhook::{Event, FraudDetected, OUTBOX_MAX_PER_ENDPOINT};
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = Server::start(&dir.path().join("db")).await;
    let store = &server.state.store;
    // The receiver asked for an hour's quiet: nothing drains the outbox.
    common::quiet_endpoint(store, &["fraud.detected", "ip.blocked"]);
    let fraud = |n: u64| {
        Event::FraudDetected(FraudDetected {
            site_id: 1,
            site_domain: "acme-coffee.com".into(),
            click_id: n,
            ip_address: "198.51.100.7".into(),
            fraud_score: 90,
            status: "blocked".into(),
            reasons: vec!["bot_user_agent".into()],
        })
    };
    server
        .state
        .write(|tx| {
            for n in 0..OUTBOX_MAX_PER_ENDPOINT as u64 - 1 {
                tx.emit(1, &fraud(n), now())?;
            }
            Ok(())
        })
        .unwrap();
    // Bots clicking over HTTP (a bot's user agent, oversized: blocked and
    // auto-blocked): the first one's fraud report fills the outbox, the
    // other four reports and the five auto-blocks are dropped.
    let bot = format!("curl/8.5 {}", "x".repeat(600));
    for i in 0..5 {
        let r = call(
            Method::GET,
            &server.url("/c/1"),
            None,
            None,
            &[
                ("user-agent", &bot),
                ("x-forwarded-for", &format!("203.0.113.{}", 10 + i)),
            ],
        )
        .await;
        assert!(r.status < 500, "click {i}: {}", r.status);
    }
    let count = |sql: &str| format!("{:?}", store.query_rows(sql, &[]).unwrap()[0][0]);
    let blocks = "SELECT COUNT(*) FROM deliveries WHERE event = 'ip.blocked'";
    let before = count(blocks);
    let r = call(
        Method::POST,
        &server.url("/api/v1/sites/1/blocked-ips"),
        token.as_deref(),
        Some(r#"{"ip_address":"203.0.113.42"}"#),
        &[],
    )
    .await;
    assert_eq!(r.status, 201);
    assert_ne!(
        count(blocks),
        before,
        "an ip.blocked past the bound is queued"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM deliveries WHERE event = 'fraud.detected'"),
        format!("Int({OUTBOX_MAX_PER_ENDPOINT})")
    );
    // Counted in memory (the clicks never wait on the endpoint's row),
    // shown at once, written to the row by the next flush.
    let metrics = common::get(&server.url("/metrics"), None).await;
    assert!(
        metrics.body.contains("clickfence_webhook_events_dropped 9"),
        "{}",
        metrics.body
    );
    store.flush_dropped_events().unwrap();
    assert_eq!(
        count("SELECT dropped_events FROM webhook_endpoints"),
        "Int(9)"
    );
    server.stop().await;
}

/// A residential pool's flood auto-blocks a fresh client per click, each
/// with its `ip.blocked`: past the bound those are counted and dropped as
/// fraud reports are (they were always queued, so the outbox grew for as
/// long as the flood lasted), while the blocks themselves are kept and a
/// block through the API is still queued.
#[tokio::test]
async fn a_full_outbox_drops_auto_blocks_and_keeps_api_blocks() {
    use clickfence::webhook::OUTBOX_MAX_PER_ENDPOINT;
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = Server::start(&dir.path().join("db")).await;
    let store = &server.state.store;
    let endpoint = common::quiet_endpoint(store, &["ip.blocked"]);
    let room = i64::try_from(OUTBOX_MAX_PER_ENDPOINT).unwrap() - 1;
    common::queue_deliveries(store, endpoint, "ip.blocked", room, now());
    // Automation posing as a person, each click from a fresh address: the
    // first one's auto-block fills the outbox, the others' are dropped.
    let headless = format!("{HEADLESS} {}", "x".repeat(520));
    for i in 0..5 {
        let ip = format!("23.45.{i}.7");
        let headers = [("user-agent", headless.as_str()), ("x-forwarded-for", &ip)];
        let r = call(Method::GET, &server.url("/c/1"), None, None, &headers).await;
        assert_eq!(r.status, 403, "click {i}");
    }
    let count = |sql: &str| format!("{:?}", store.query_rows(sql, &[]).unwrap()[0][0]);
    let auto = "SELECT COUNT(*) FROM blocked_ips WHERE source = 'auto'";
    assert_eq!(count(auto), "Int(5)", "every client is blocked");
    let queued = "SELECT COUNT(*) FROM deliveries WHERE event = 'ip.blocked'";
    assert_eq!(count(queued), format!("Int({OUTBOX_MAX_PER_ENDPOINT})"));
    let (_, dropped) = store.outbox_figures().unwrap();
    assert_eq!(dropped, 4);
    let r = call(
        Method::POST,
        &server.url("/api/v1/sites/1/blocked-ips"),
        token.as_deref(),
        Some(r#"{"ip_address":"203.0.113.42"}"#),
        &[],
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        count(queued),
        format!("Int({})", OUTBOX_MAX_PER_ENDPOINT + 1),
        "an API block past the bound is queued"
    );
    server.stop().await;
}

/// A fraud report past a full outbox is counted without touching its
/// endpoint's row: a click whose report is dropped commits while another
/// session holds that row (the delivery worker's `FOR UPDATE`, or a flood's
/// other clicks, which all queued on it when each drop updated the row in
/// the click's transaction). PostgreSQL only (SQLite has no row locks).
#[tokio::test]
async fn a_dropped_fraud_report_does_not_wait_for_its_endpoints_row() {
    use clickfence::webhook::OUTBOX_MAX_PER_ENDPOINT;
    if !common::on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (server, _) = Server::start(&path).await;
    let store = &server.state.store;
    let endpoint = common::quiet_endpoint(store, &["fraud.detected"]);
    let bound = i64::try_from(OUTBOX_MAX_PER_ENDPOINT).unwrap();
    common::queue_deliveries(store, endpoint, "fraud.detected", bound, now());
    let url = common::database(&path);
    let (other, conn) = tokio_postgres::connect(url.to_str().unwrap(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    other
        .batch_execute("BEGIN; SELECT * FROM webhook_endpoints FOR UPDATE")
        .await
        .unwrap();
    let bot = format!("curl/8.5 {}", "x".repeat(600));
    let (url, headers) = (
        server.url("/c/1"),
        [
            ("user-agent", bot.as_str()),
            ("x-forwarded-for", "203.0.113.77"),
        ],
    );
    let click = call(Method::GET, &url, None, None, &headers);
    let answered = tokio::time::timeout(Duration::from_secs(5), click).await;
    other.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(
        answered.map(|r| r.status).ok(),
        Some(403),
        "the click waited for the row"
    );
    let (_, dropped) = store.outbox_figures().unwrap();
    assert_eq!(dropped, 1);
    server.stop().await;
}

/// Every commit that queues a delivery wakes the worker, and each wake was
/// a scan of the outbox's due deliveries: a flood of reacting clicks made
/// one scan per click. Scans are now at least `MIN_SCAN_INTERVAL` apart:
/// 100 commits, 1 ms apart, with nothing claimable (the endpoint asked for
/// an hour's quiet), send at most one scan per interval of their length.
#[tokio::test]
async fn a_flood_of_queued_events_scans_the_outbox_once_an_interval() {
    use clickfence_server::delivery::MIN_SCAN_INTERVAL;
    const COMMITS: u64 = 100;
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(&dir.path().join("db")).await;
    let store = &server.state.store;
    common::quiet_endpoint(store, &["ip.blocked"]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (before, started) = (store.statements(), std::time::Instant::now());
    for i in 0..COMMITS {
        // BEGIN, the endpoints, the delivery, COMMIT.
        server
            .state
            .write(|tx| tx.emit(1, &blocked_event(&format!("198.51.100.{i}")), now()))
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();
    let scans = store.statements() - before - 4 * COMMITS;
    let allowed = (elapsed.as_millis() / MIN_SCAN_INTERVAL.as_millis()) as u64 + 2;
    assert!(scans <= allowed, "{scans} scans in {elapsed:?}");
    server.stop().await;
}

/// A fraud report's room in a full outbox is counted at most once a second
/// (it was counted for every report: up to 5,000 rows each, the largest
/// part of PostgreSQL's CPU in a flood of blocked clicks), and again as
/// soon as this instance delivers one: a report right after the receiver
/// caught up is queued, not dropped on a stale count.
#[tokio::test]
async fn a_full_outbox_is_counted_once_a_second_and_again_after_a_delivery() {
    use clickfence::webhook::OUTBOX_MAX_PER_ENDPOINT;
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(&dir.path().join("db")).await;
    let store = &server.state.store;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/hook", post(|| async { StatusCode::OK }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let endpoint = store
        .add_endpoint(1, &url, SECRET, &["fraud.detected".into()], now())
        .unwrap()
        .unwrap();
    let quiet = |until: Option<i64>| {
        store
            .execute_sql(
                "UPDATE webhook_endpoints SET throttled_until = ?1",
                &[&until],
            )
            .unwrap();
    };
    quiet(Some(now() + 3600));
    let bound = i64::try_from(OUTBOX_MAX_PER_ENDPOINT).unwrap();
    common::queue_deliveries(store, endpoint, "fraud.detected", bound, now() - 10);
    // One blocked bot's clicks: after its first, each is its row and its
    // report (BEGIN, click, endpoints, COMMIT), the room counted once.
    let bot = format!("curl/8.5 {}", "x".repeat(600));
    let (click, headers) = (
        server.url("/c/1"),
        [
            ("user-agent", bot.as_str()),
            ("x-forwarded-for", "203.0.113.7"),
        ],
    );
    assert_eq!(
        call(Method::GET, &click, None, None, &headers).await.status,
        403
    );
    let before = store.statements();
    for _ in 0..50 {
        assert_eq!(
            call(Method::GET, &click, None, None, &headers).await.status,
            403
        );
    }
    let per_click = (store.statements() - before) / 50;
    assert_eq!(per_click, 4, "the outbox counted per report");
    let fraud = "SELECT COUNT(*) FROM deliveries WHERE event = 'fraud.detected'";
    let count = |sql: &str| format!("{:?}", store.query_rows(sql, &[]).unwrap()[0][0]);
    assert_eq!(count(fraud), format!("Int({bound})"), "all dropped");
    // The receiver takes deliveries again; as soon as one is made here, the
    // next report finds room.
    quiet(None);
    server.state.deliveries.notify_one();
    let delivered = "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'";
    wait_until(|| count(delivered) != "Int(0)").await;
    assert_eq!(
        call(Method::GET, &click, None, None, &headers).await.status,
        403
    );
    assert_eq!(
        count(fraud),
        format!("Int({})", bound + 1),
        "queued at once"
    );
    server.stop().await;
}

/// Standard Webhooks' receiver algorithm, written from its specification:
/// the key is the base64 decoding of the secret after `whsec_`, the signed
/// text `"{webhook-id}.{webhook-timestamp}.{body}"`, the header a
/// space-separated list of `v1,<base64>`.
fn standard_accepts(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let key = b64.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", h("webhook-id"), h("webhook-timestamp")).as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", b64.encode(mac.finalize().into_bytes()));
    h("webhook-signature").split(' ').any(|s| s == expected)
}

#[tokio::test]
async fn standard_deliveries_verify_and_keep_their_id_across_retries() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(&dir.path().join("db")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let record = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let record = Arc::clone(&record);
            async move {
                let mut all = record.lock().unwrap();
                all.push((headers, body));
                // The first attempt fails, so a retry is made.
                if all.len() == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let state = Arc::clone(&server.state);
    let (_, secret) = tokio::task::spawn_blocking(move || {
        clickfence_server::ops::webhooks::add(
            &state,
            1,
            &url,
            &["ip.blocked".into()],
            clickfence::webhook::Scheme::Standard,
            now(),
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");

    emit(&server.state, 1, &blocked_event("198.51.100.7")).unwrap();
    wait_until(|| seen.lock().unwrap().len() == 1).await;
    wait_until(|| {
        if seen.lock().unwrap().len() < 2
            && server.state.store.deliveries().unwrap()[0].attempts == 1
        {
            server.state.store.make_pending_due(now()).unwrap();
            server.state.deliveries.notify_one();
        }
        seen.lock().unwrap().len() == 2
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    let verifier =
        clickfence::WebhookVerifier::with_scheme(clickfence::webhook::Scheme::Standard, [&secret])
            .unwrap();
    for (headers, body) in &seen {
        assert!(standard_accepts(&secret, headers, body), "{headers:?}");
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes()));
        verifier.verify(pairs, body, now() as u64).unwrap();
        assert!(headers.get("x-myclickshield-signature").is_none());
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["event"], "ip.blocked");
    }
    let id = |i: usize| seen[i].0.get("webhook-id").unwrap().clone();
    assert_eq!(id(0), id(1), "webhook-id is stable across retries");
    server.stop().await;
}

/// The check before every claim ("is a delivery of this endpoint in
/// flight?") reads the index of claimed deliveries, a handful of rows,
/// even when the table grew by thousands within seconds and the planner
/// has no statistics for it: with a status in the check, PostgreSQL read
/// every pending delivery of the endpoint through the order index.
#[tokio::test]
async fn the_claim_check_reads_the_claims_index_under_a_backlog() {
    use clickfence_server::storage::LIVE_CLAIM;
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(&dir.path().join("db")).await;
    let store = &server.state.store;
    let endpoint = common::quiet_endpoint(store, &["fraud.detected"]);
    common::queue_deliveries(store, endpoint, "fraud.detected", 5000, now());
    let explain = if common::on_postgres() {
        "EXPLAIN "
    } else {
        "EXPLAIN QUERY PLAN "
    };
    let plan = store
        .query_rows(&format!("{explain}{LIVE_CLAIM}"), &[&endpoint, &now()])
        .unwrap();
    let plan = format!("{plan:?}");
    assert!(plan.contains("deliveries_claimed"), "{plan}");
    server.stop().await;
}

/// The worker's scan finds the endpoints with a delivery due, enabled, not
/// asking for quiet and with nothing in flight, oldest due first, by
/// stepping through the waiting deliveries' index: it reads no endpoint's
/// backlog nor its delivered history (it grouped every due delivery by
/// endpoint, 5,000 rows a scan for one full outbox).
#[test]
fn the_scan_finds_due_endpoints_without_reading_their_backlog() {
    use clickfence_server::storage::DUE_ENDPOINTS;
    let dir = tempfile::tempdir().unwrap();
    let store = own_store(dir.path());
    let t = now();
    let account = store.create_account("A", "pro", t).unwrap();
    let endpoint = |name: &str| ip_blocked_endpoint(&store, account, name);
    let [backlog, older, later, disabled, quiet, busy] =
        ["backlog", "older", "later", "disabled", "quiet", "busy"].map(endpoint);
    let queue =
        |id: i64, at: i64, n: i64| common::queue_deliveries(&store, id, "ip.blocked", n, at);
    let sql = |sql: &str, id: i64| store.execute_sql(sql, &[&id, &t]).unwrap();
    queue(backlog, t - 30, 1000);
    sql(
        "UPDATE deliveries SET status = 'delivered' WHERE endpoint_id = ?1 AND ?2 > 0",
        backlog,
    );
    queue(backlog, t - 30, 2000);
    queue(older, t - 60, 1);
    queue(later, t + 100, 1);
    for id in [disabled, quiet, busy] {
        queue(id, t - 90, 2);
    }
    sql(
        "UPDATE webhook_endpoints SET disabled = 1 WHERE id = ?1 AND ?2 > 0",
        disabled,
    );
    sql(
        "UPDATE webhook_endpoints SET throttled_until = ?2 + 60 WHERE id = ?1",
        quiet,
    );
    sql(
        "UPDATE deliveries SET claimed_by = 'other', claimed_until = ?2 + 30
         WHERE id = (SELECT MIN(id) FROM deliveries WHERE endpoint_id = ?1)",
        busy,
    );
    assert_eq!(store.due_endpoints(t, 10).unwrap(), vec![older, backlog]);
    assert_eq!(store.due_endpoints(t, 1).unwrap(), vec![older]);
    // Later, the quiet has ended and the claim has lapsed (its holder
    // died): both are due again, oldest first.
    assert_eq!(
        store.due_endpoints(t + 100, 10).unwrap(),
        vec![quiet, busy, older, backlog, later]
    );
    assert_reads_little(&store, DUE_ENDPOINTS, &[&t, &10i64], "deliveries_waiting");
}

/// A store of its own in `dir`, no server over it.
fn own_store(dir: &std::path::Path) -> clickfence_server::storage::Store {
    clickfence_server::storage::Store::open(&common::database(&dir.join("db"))).unwrap()
}

/// An endpoint of `account` at `https://{name}.example/hook` taking
/// `ip.blocked`.
fn ip_blocked_endpoint(store: &clickfence_server::storage::Store, account: i64, name: &str) -> i64 {
    let url = format!("https://{name}.example/hook");
    let events = ["ip.blocked".to_owned()];
    store
        .add_endpoint(account, &url, SECRET, &events, now())
        .unwrap()
        .unwrap()
}

/// `sql`'s plan with `params`, PostgreSQL's as run (no step returns more
/// than a handful of rows), SQLite's as planned (no deliveries scanned),
/// goes through `index`.
fn assert_reads_little(
    store: &clickfence_server::storage::Store,
    sql: &str,
    params: &[&dyn clickfence_server::storage::db::Param],
    index: &str,
) {
    let explain = if common::on_postgres() {
        "EXPLAIN ANALYZE "
    } else {
        "EXPLAIN QUERY PLAN "
    };
    let plan = store
        .query_rows(&format!("{explain}{sql}"), params)
        .unwrap();
    let plan = format!("{plan:?}");
    assert!(plan.contains(index), "{plan}");
    for full in [
        "SCAN deliveries",
        "SCAN d ",
        "SCAN c ",
        "Seq Scan on deliveries",
    ] {
        assert!(!plan.contains(full), "{full}: {plan}");
    }
    let most = plan
        .split("actual time=")
        .skip(1)
        .filter_map(|node| {
            node.split("rows=")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    assert!(most < 100, "a step read {most} rows: {plan}");
}

/// Finished deliveries are deleted a week after they were queued, oldest
/// first and in chunks; waiting ones never, however old. With nothing to
/// delete the prune reads nothing, beside thousands of waiting and recent
/// rows.
#[test]
fn finished_deliveries_are_deleted_after_a_week_waiting_ones_never() {
    use clickfence_server::storage::{prune_finished, FINISHED_KEPT_SECS};
    let dir = tempfile::tempdir().unwrap();
    let store = own_store(dir.path());
    let t = now();
    let account = store.create_account("A", "pro", t).unwrap();
    let endpoint = ip_blocked_endpoint(&store, account, "a");
    let week = FINISHED_KEPT_SECS;
    let finish = |status: &str, at: i64| {
        store
            .execute_sql(
                "UPDATE deliveries SET status = ?1 WHERE status = 'pending' AND created_at = ?2",
                &[&status, &at],
            )
            .unwrap();
    };
    common::queue_deliveries(&store, endpoint, "ip.blocked", 2, t - week - 300);
    finish("delivered", t - week - 300);
    common::queue_deliveries(&store, endpoint, "ip.blocked", 1, t - week - 200);
    finish("failed", t - week - 200);
    // Still waiting after a week (an endpoint disabled since): kept.
    common::queue_deliveries(&store, endpoint, "ip.blocked", 10_000, t - week - 100);
    common::queue_deliveries(&store, endpoint, "ip.blocked", 20_000, t - week + 100);
    finish("delivered", t - week + 100);
    let left = || {
        use clickfence_server::storage::db::Value;
        store
            .query_rows(
                "SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status",
                &[],
            )
            .unwrap()
            .into_iter()
            .map(|row| match &row[..] {
                [Value::Text(status), Value::Int(n)] => (status.clone(), *n),
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    let before = t - week;
    assert_eq!(store.prune_finished_deliveries(before, 2).unwrap(), 2);
    assert_eq!(store.prune_finished_deliveries(before, 2).unwrap(), 1);
    assert_eq!(store.prune_finished_deliveries(before, 2).unwrap(), 0);
    assert_eq!(
        left(),
        [
            ("delivered".to_owned(), 20_000),
            ("pending".to_owned(), 10_000)
        ]
    );
    assert_reads_little(
        &store,
        prune_finished(common::on_postgres()),
        &[&before, &1000i64],
        "deliveries_finished",
    );
}

/// The worker prunes: finished deliveries a week old are gone soon after
/// an instance starts (and every minute after), recent ones stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_prunes_finished_deliveries_at_start() {
    use clickfence_server::storage::FINISHED_KEPT_SECS;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (server, _) = Server::start(&db).await;
    let store = &server.state.store;
    let t = now();
    let account = store.create_account("A", "pro", t).unwrap();
    let endpoint = ip_blocked_endpoint(store, account, "a");
    for at in [t - FINISHED_KEPT_SECS - 60, t - 60] {
        common::queue_deliveries(store, endpoint, "ip.blocked", 3, at);
    }
    store
        .execute_sql("UPDATE deliveries SET status = 'delivered'", &[])
        .unwrap();
    let ids = |store: &clickfence_server::storage::Store| -> Vec<i64> {
        store.deliveries().unwrap().iter().map(|d| d.id).collect()
    };
    // Oldest first: the recent three were queued last.
    let recent = ids(store)[3..].to_vec();
    server.stop().await;
    let (server, _) = Server::start(&db).await;
    let store = &server.state.store;
    wait_until(|| store.deliveries().unwrap().len() == 3).await;
    assert_eq!(ids(store), recent, "the recent three are kept");
}
