//! Three instances sharing their rate windows through one Redis
//! (`--redis`): a token's 60 requests a minute hold across the fleet; with
//! Redis gone no request gets a 5xx (each instance limits in-process and
//! reports the rate store degraded), and the shared limit is back when Redis
//! is.

mod common;

use std::sync::Arc;

use clickfence_server::shared_rates::SharedRates;
use common::{get, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_one_quota_and_outlive_redis() {
    let (redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut fleet = Vec::new();
    let mut token = None;
    for _ in 0..3 {
        let shared = Arc::new(SharedRates::new(&url).unwrap());
        let (s, t) = Server::start_with(&db, |c| c.shared_rates = Some(shared)).await;
        token = token.or(t);
        fleet.push(s);
    }
    let token = token.unwrap();
    let sites = |i: usize| fleet[i % 3].url("/api/v1/sites");

    for i in 0..60 {
        let r = get(&sites(i), Some(&token)).await;
        assert_eq!(r.status, 200, "request {i}: {}", r.json);
    }
    for i in 0..3 {
        let r = get(&sites(i), Some(&token)).await;
        assert_eq!(r.status, 429, "the 61st request, on instance {i}");
    }
    let ready = get(&fleet[0].url("/readyz"), None).await;
    assert_eq!(ready.json["rate_store"], "ok", "{}", ready.json);

    drop(redis);
    for i in 0..6 {
        let r = get(&sites(i), Some(&token)).await;
        assert!(r.status < 500, "Redis down: {} {}", r.status, r.json);
    }
    let ready = get(&fleet[1].url("/readyz"), None).await;
    assert_eq!(ready.status, 200, "{}", ready.json);
    assert_eq!(ready.json["rate_store"], "degraded");

    // Redis is back (empty): after at most one check per instance finds its
    // old connection gone (decided in-process), the fleet shares one window
    // again: 60 a minute in all, whichever instances the requests reach.
    let _redis = common::redis_server(Some(port));
    let mut passed = 0;
    for i in 0..120 {
        let r = get(&sites(i), Some(&token)).await;
        assert!(r.status < 500, "{} {}", r.status, r.json);
        if r.status == 429 {
            break;
        }
        passed += 1;
    }
    assert!(
        (57..=63).contains(&passed),
        "{passed} passed before the shared limit, not about 60"
    );
    for i in 0..3 {
        let r = get(&sites(i), Some(&token)).await;
        assert_eq!(r.status, 429, "the shared limit is back on instance {i}");
    }
    for s in fleet {
        s.stop().await;
    }
}

/// Six clicks from one address, two through each of three instances: with
/// Redis the scorer of the last one sees all six (more than 5 a minute:
/// `click_velocity_minute`); without it, each instance sees two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_velocity_counts_clicks_from_every_instance() {
    let (_redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    for shared in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let mut fleet = Vec::new();
        let mut token = None;
        for _ in 0..3 {
            let rates = shared.then(|| Arc::new(SharedRates::new(&url).unwrap()));
            let (s, t) = Server::start_with(&db, |c| c.shared_rates = rates).await;
            token = token.or(t);
            fleet.push(s);
        }
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        for i in 0..6 {
            let r = common::call(
                hyper::Method::GET,
                &fleet[i % 3].url("/c/1?to=https://acme-coffee.com/"),
                None,
                None,
                &[("user-agent", ua), ("x-forwarded-for", "198.51.100.77")],
            )
            .await;
            assert!(r.status < 500, "{} {}", r.status, r.json);
        }
        let last = get(
            &fleet[0].url("/api/v1/sites/1/clicks?per_page=1"),
            token.as_deref(),
        )
        .await;
        let reasons = last.json["data"][0]["reasons"].to_string();
        assert_eq!(
            reasons.contains("click_velocity_minute"),
            shared,
            "shared={shared}: {reasons}"
        );
        for s in fleet {
            s.stop().await;
        }
    }
}

/// 120 forged clicks from 120 networks, 40 through each of three
/// instances: with Redis the fleet's breaker sees all 120 (over 100, over
/// 90 % failed, 20+ networks) and trips, and every instance is report-only
/// within a second; without it each instance sees 40 and none trips.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circuit_breaker_counts_clicks_from_every_instance() {
    use hyper::Method;
    let (_redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    let auth = format!("Bearer {}", common::ADMIN_TOKEN);
    let admin = |s: &Server, method: Method, path: &str| {
        let url = s.url(&format!("/api/p360-click-signing{path}"));
        let auth = auth.clone();
        async move { common::call(method, &url, None, None, &[("authorization", &auth)]).await }
    };
    for shared in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let mut fleet = Vec::new();
        for _ in 0..3 {
            let rates = shared.then(|| Arc::new(SharedRates::new(&url).unwrap()));
            let (s, _) = Server::start_with(&db, |c| c.shared_rates = rates).await;
            fleet.push(s);
        }
        assert_eq!(
            admin(&fleet[0], Method::POST, "/secret?ttlHours=36")
                .await
                .status,
            200
        );
        let enabled = admin(&fleet[0], Method::POST, "/config/mode/enabled").await;
        assert_eq!(enabled.status, 200);
        // The breaker holds for an hour after an enable; the clock cannot be
        // moved, so the enable is moved two hours back, fleet-wide.
        for s in &fleet {
            common::enabled_long_ago(s);
        }
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let forged = clickfence::ClickSigner::new("not-the-networks-key")
            .unwrap()
            .sign(
                &format!("{}/c/1?pid=net&c=camp", common::CLICK_BASE),
                clickfence_server::state::now() as u64 + 3600,
            )
            .unwrap();
        let path = forged.trim_start_matches(common::CLICK_BASE).to_owned();
        for i in 0..120u32 {
            let ip = format!("100.{}.{}.9", 64 + i / 256, i % 256);
            let r = common::call(
                Method::GET,
                &fleet[i as usize % 3].url(&path),
                None,
                None,
                &[
                    ("user-agent", "Mozilla/5.0 Chrome/131.0"),
                    ("x-forwarded-for", &ip),
                ],
            )
            .await;
            assert!(r.status < 500, "{} {}", r.status, r.json);
        }
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        for (i, s) in fleet.iter().enumerate() {
            let config = admin(s, Method::GET, "/config").await.json;
            let expected = if shared { "report-only" } else { "enabled" };
            assert_eq!(
                config["mode"], expected,
                "shared={shared}, instance {i}: {config}"
            );
            let tripped = &config["circuit-breaker-config"]["tripped"];
            assert_eq!(tripped.is_object(), shared, "instance {i}: {config}");
            if shared {
                // Each instance still enabled trips on its next failure, so
                // the record kept is of the 100th to the 102nd.
                let failed = tripped["failed"].as_u64().unwrap();
                assert!((100..=102).contains(&failed), "{config}");
                assert_eq!(
                    tripped["sources"], failed,
                    "one network per click: {config}"
                );
            }
        }
        for s in fleet {
            s.stop().await;
        }
    }
}

/// With `--redis` a click's counters (the client's and its network's
/// velocity, the click id's uses overall and from this network) are one
/// round trip: the core's click script (for a signed click the ticket's
/// claim and the breaker's count ride along, `tests/tickets.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clicks_counters_are_one_redis_round_trip() {
    let (_redis, port) = common::redis_server(None);
    let shared = Arc::new(SharedRates::new(&format!("redis://127.0.0.1:{port}")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let rates = Arc::clone(&shared);
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.shared_rates = Some(rates)).await;
    let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    let clicks = 20u64;
    let before = shared.round_trips();
    for i in 0..clicks {
        let r = common::call(
            hyper::Method::GET,
            &s.url(&format!("/c/1?to=https://acme-coffee.com/&clickid=c{i}")),
            None,
            None,
            &[
                ("user-agent", ua),
                ("x-forwarded-for", &format!("198.51.100.{i}")),
            ],
        )
        .await;
        assert!(r.status < 400, "{} {}", r.status, r.json);
    }
    assert_eq!(shared.round_trips() - before, clicks);
    s.stop().await;
}
