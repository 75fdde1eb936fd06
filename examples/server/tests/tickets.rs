//! A genuine signature is a one-time ticket, over real HTTP: a harvested
//! signed click replayed from many networks is refused (or reported) and
//! never counted valid, while the person's own click survives a chat app's
//! preview, a browser's prefetch and a double click; consumed tickets
//! outlive a restart, are shared by a fleet through Redis, and replays can
//! neither hold off nor feed the circuit breaker.

mod common;

use std::sync::Arc;

use clickfence::ClickSigner;
use clickfence_server::shared_rates::SharedRates;
use clickfence_server::state::now;
use common::{call, get, signed, signing, Server, ADMIN_TOKEN, CLICK_BASE};
use hyper::Method;

const CHROME: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const WHATSAPP: &str = "WhatsApp/2.23.20.0 A";

async fn admin(s: &Server, method: Method, path: &str) -> common::Resp {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let url = s.url(&format!("/api/p360-click-signing{path}"));
    call(method, &url, None, None, &[("authorization", &auth)]).await
}

async fn click(s: &Server, path: &str, ip: &str, headers: &[(&str, &str)]) -> common::Resp {
    let mut all = vec![("x-forwarded-for", ip), ("referer", "https://g.example/")];
    if !headers.iter().any(|(n, _)| *n == "user-agent") {
        all.push(("user-agent", CHROME));
    }
    all.extend_from_slice(headers);
    call(Method::GET, &s.url(path), None, None, &all).await
}

/// The site's stats, with the valid count (neither blocked nor flagged).
async fn stats(s: &Server, token: &str) -> serde_json::Value {
    let mut data = get(&s.url("/api/v1/sites/1/stats"), Some(token)).await.json["data"].clone();
    let n = |k: &str| data[k].as_i64().unwrap();
    let valid = n("total_clicks") - n("blocked_clicks") - n("flagged_clicks");
    data["valid_clicks"] = valid.into();
    data
}

async fn report_row(s: &Server) -> String {
    let r = admin(s, Method::GET, "/report").await;
    r.body.lines().last().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_harvested_signed_click_replayed_from_fifty_64s_is_valid_once() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let token = token.unwrap();
    let signer = signing(&s, "enabled").await;
    let path = signed(&signer);
    let first = click(&s, &path, "2001:db8:1:ffff::1", &[]).await;
    assert_eq!(first.status, 200, "{}", first.json);
    assert_eq!(first.json["status"], "valid");
    for i in 0..50 {
        let ip = format!("2001:db8:1:{i:x}::1");
        let r = click(&s, &path, &ip, &[]).await;
        assert_eq!(r.status, 403, "replay {i}: {}", r.json);
        assert_eq!(r.json["signature"], "replayed");
    }
    let st = stats(&s, &token).await;
    assert_eq!(st["total_clicks"], 51, "{st}");
    assert_eq!(st["valid_clicks"], 1, "{st}");
    assert_eq!(st["blocked_clicks"], 50, "{st}");
    // The report's own column, after the spec's, and never valid.
    assert!(report_row(&s).await.ends_with(",51,1,0,0,0,0,50"));
    s.stop().await;
}

#[tokio::test]
async fn in_report_only_a_replay_is_reported_flagged_and_never_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let token = token.unwrap();
    let signer = signing(&s, "report-only").await;
    // No click id, so the replay's score is the replayed signature's alone.
    let url = signer
        .sign(&format!("{CLICK_BASE}/c/1?pid=net"), now() as u64 + 3600)
        .unwrap();
    let path = url.trim_start_matches(CLICK_BASE);
    assert_eq!(
        click(&s, path, "198.51.100.7", &[]).await.json["status"],
        "valid"
    );
    let replay = click(&s, path, "203.0.113.9", &[]).await;
    assert_eq!(replay.status, 200, "report-only refuses nothing");
    assert_eq!(replay.json["status"], "flagged", "{}", replay.json);
    let st = stats(&s, &token).await;
    assert_eq!(
        (st["total_clicks"].clone(), st["valid_clicks"].clone()),
        (2.into(), 1.into())
    );
    s.stop().await;
}

#[tokio::test]
async fn previews_prefetches_and_double_clicks_leave_the_persons_click_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let token = token.unwrap();
    let signer = signing(&s, "enabled").await;
    for (i, (name, headers)) in [
        ("WhatsApp", vec![("user-agent", WHATSAPP)]),
        ("Slack", vec![("user-agent", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")]),
        ("Telegram", vec![("user-agent", "TelegramBot (like TwitterBot)")]),
        ("Discord", vec![("user-agent", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)")]),
        ("iMessage", vec![("user-agent", "facebookexternalhit/1.1 Facebot Twitterbot/1.0")]),
        ("LinkedIn", vec![("user-agent", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)")]),
        ("Sec-Purpose", vec![("sec-purpose", "prefetch;prerender")]),
        ("Purpose", vec![("purpose", "prefetch")]),
    ]
    .into_iter()
    .enumerate()
    {
        let path = signed(&signer);
        // Each link is a different person's.
        let person = format!("198.51.100.{}", i + 1);
        for _ in 0..3 {
            let r = click(&s, &path, "31.13.64.1", &headers).await;
            assert_eq!(r.status, 200, "{name}: {}", r.json);
            assert_eq!(r.json["status"], "preview", "{name}");
        }
        let first = click(&s, &path, &person, &[]).await;
        assert_eq!(first.json["status"], "valid", "{name}: the person's click");
        // A double click: the same answer, counted once.
        let again = click(&s, &path, &person, &[]).await;
        assert_eq!(again.status, 200, "{name}");
        assert_eq!(again.json["status"], "duplicate", "{name}");
    }
    let st = stats(&s, &token).await;
    assert_eq!(
        st["total_clicks"], 8,
        "previews and duplicates are not clicks: {st}"
    );
    assert_eq!(st["valid_clicks"], 8, "{st}");
    s.stop().await;
}

#[tokio::test]
async fn consumed_tickets_outlive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (s, _) = Server::start(&db).await;
    let signer = signing(&s, "enabled").await;
    let path = signed(&signer);
    assert_eq!(click(&s, &path, "198.51.100.7", &[]).await.status, 200);
    s.stop().await;
    let (s, _) = Server::start(&db).await;
    let r = click(&s, &path, "203.0.113.9", &[]).await;
    assert_eq!(r.status, 403, "{}", r.json);
    assert_eq!(r.json["signature"], "replayed");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_shares_consumed_tickets_through_redis() {
    let (mut redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    for shared in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let mut fleet = Vec::new();
        for _ in 0..3 {
            let rates = shared.then(|| Arc::new(SharedRates::new(&url).unwrap()));
            let (s, _) = Server::start_with(&db, |c| c.shared_rates = rates).await;
            fleet.push(s);
        }
        let signer = signing(&fleet[0], "enabled").await;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let path = signed(&signer);
        let mut valid = 0;
        for (i, s) in fleet.iter().enumerate() {
            let ip = format!("203.0.113.{i}");
            let r = click(s, &path, &ip, &[]).await;
            valid += usize::from(r.json["status"] == "valid");
        }
        // Without Redis each instance has its own store: the replay passes
        // on every instance (the control that shows the test can fail).
        assert_eq!(valid, if shared { 1 } else { 3 }, "shared={shared}");
        if shared {
            // A double click reaching another instance is still a duplicate.
            let path = signed(&signer);
            assert_eq!(
                click(&fleet[0], &path, "198.51.100.7", &[]).await.json["status"],
                "valid"
            );
            assert_eq!(
                click(&fleet[1], &path, "198.51.100.7", &[]).await.json["status"],
                "duplicate"
            );
            // Redis fails: each instance claims in its own store (counted),
            // so a genuine click is still accepted and a replay to the
            // same instance still refused.
            let _ = redis.0.kill();
            let _ = redis.0.wait();
            let path = signed(&signer);
            assert_eq!(
                click(&fleet[2], &path, "198.51.100.7", &[]).await.json["status"],
                "valid"
            );
            let replay = click(&fleet[2], &path, "203.0.113.9", &[]).await;
            assert_eq!(replay.json["signature"], "replayed", "{}", replay.json);
            let metrics = fleet[2].state.metrics.render(&Default::default()).unwrap();
            assert!(
                metrics.lines().any(|l| l.contains("rate_store_errors")
                    && l.contains("kind=\"click\"")
                    && !l.ends_with(" 0")),
                "{metrics}"
            );
        }
        for s in fleet {
            s.stop().await;
        }
    }
}

/// With `--redis` a signed click's ticket claim, breaker count and
/// counters are one round trip (the core's click script), and the claim
/// decides the rest inside Redis: a double click counts nothing, a replay
/// counts as a click but never as a valid one in the breaker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_click_is_one_redis_round_trip_and_its_repeats_count_as_claimed() {
    let (_redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    let shared = Arc::new(SharedRates::new(&url).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let rates = Arc::clone(&shared);
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.shared_rates = Some(rates)).await;
    let signer = signing(&s, "enabled").await;
    let genuine = 10u64;
    let before = shared.round_trips();
    let mut last = String::new();
    for i in 0..genuine {
        last = signed(&signer);
        let r = click(&s, &last, &format!("198.51.100.{i}"), &[]).await;
        assert_eq!(r.json["status"], "valid", "{}", r.json);
    }
    let double = click(&s, &last, &format!("198.51.100.{}", genuine - 1), &[]).await;
    assert_eq!(double.json["status"], "duplicate", "{}", double.json);
    let replay = click(&s, &last, "203.0.113.9", &[]).await;
    assert_eq!(replay.json["signature"], "replayed", "{}", replay.json);
    assert_eq!(shared.round_trips() - before, genuine + 2);

    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    // The last click id: its first use and the replay, not the double click.
    let click_id = last
        .split("clickid=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let id = format!("clickfence:rate:click_ids:1|{click_id}");
    let uses: i64 = redis::cmd("HGET")
        .arg(&id)
        .arg("ht")
        .query(&mut con)
        .unwrap();
    assert_eq!(uses, 2, "{id}");
    // The breaker counted each first use as valid, and nothing else.
    let counts: std::collections::HashMap<String, i64> = redis::cmd("HGETALL")
        .arg("{clickfence:breaker}:counts")
        .query(&mut con)
        .unwrap();
    let valid: i64 = counts
        .iter()
        .filter(|(f, _)| f.starts_with('v'))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(valid as u64, genuine, "{counts:?}");
    s.stop().await;
}

/// The signer broke two hours ago: its last genuine click is older than the
/// breaker's 50 quiet minutes. An attacker replays that harvested click
/// over HTTP from one address while forged clicks arrive from 150
/// networks: replays are not valid clicks, so they cannot hold the breaker
/// off (before one-time tickets they counted as valid and did).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_cannot_hold_off_the_breaker() {
    let (_redis, port) = common::redis_server(None);
    for shared in [false, true] {
        let url = format!("redis://127.0.0.1:{port}");
        let rates = shared.then(|| Arc::new(SharedRates::new(&url).unwrap()));
        replays_then_broken_signer(rates, &url).await;
    }
}

async fn replays_then_broken_signer(rates: Option<Arc<SharedRates>>, redis_url: &str) {
    let shared = rates.is_some();
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.shared_rates = rates).await;
    let signer = signing(&s, "enabled").await;
    let long_ago = common::enabled_long_ago(&s);
    let path = signed(&signer);
    // Its first use, two hours ago: in the verifier's own store, or the
    // fleet's Redis (the key and value the core names).
    let ip = "192.0.2.1".parse().unwrap();
    let fetch = clickfence::click::Fetch {
        source: Some(ip),
        ..Default::default()
    };
    let inspection = s
        .state
        .clicks
        .inspect(&format!("{CLICK_BASE}{path}"), &fetch, long_ago);
    let ticket = *inspection.ticket().expect("a genuine signature");
    if shared {
        let mut con = redis::Client::open(redis_url)
            .unwrap()
            .get_connection()
            .unwrap();
        let key = ticket.shared_key("clickfence:ticket:");
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg(ticket.shared_value(long_ago))
            .arg("EX")
            .arg(3600)
            .query(&mut con)
            .unwrap();
    } else {
        assert_eq!(
            s.state.clicks.claim_ticket(&ticket, long_ago),
            clickfence::click::Claim::First
        );
    }
    let broken = ClickSigner::new("the-network-lost-its-key").unwrap();
    for i in 0..150u32 {
        let replay = click(&s, &path, "192.0.2.1", &[]).await;
        assert_eq!(replay.json["signature"], "replayed", "{}", replay.json);
        let net = format!("100.{}.{}.9", 64 + i / 256, i % 256);
        click(&s, &signed(&broken), &net, &[]).await;
    }
    let config = admin(&s, Method::GET, "/config").await.json;
    assert_eq!(config["mode"], "report-only", "redis={shared}: {config}");
    s.stop().await;
}

/// Without signatures (mode disabled, or an excluded app) nothing proves a
/// click is the network's, so a click id is the ticket: its use from
/// another network is at least flagged; a double click from the same
/// network, or a chat app's preview before the person's click, is not.
#[tokio::test]
async fn unsigned_click_ids_replayed_from_another_network_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start(&dir.path().join("db")).await;
    assert_eq!(
        admin(&s, Method::POST, "/config/mode/disabled")
            .await
            .status,
        200
    );
    let first = click(&s, "/c/1?clickid=abc", "198.51.100.7", &[]).await;
    assert_eq!(first.json["status"], "valid", "{}", first.json);
    let again = click(&s, "/c/1?clickid=abc", "198.51.100.8", &[]).await;
    assert_eq!(again.json["status"], "valid", "same /24: {}", again.json);
    let other = click(&s, "/c/1?clickid=abc", "203.0.113.9", &[]).await;
    assert_ne!(
        other.json["status"], "valid",
        "another network: {}",
        other.json
    );
    let v6 = click(&s, "/c/1?clickid=abc", "2001:db8:9::1", &[]).await;
    assert_ne!(v6.json["status"], "valid", "another network: {}", v6.json);
    // A preview first, then the person from their own network.
    let preview = click(
        &s,
        "/c/1?clickid=xyz",
        "31.13.64.1",
        &[("user-agent", WHATSAPP)],
    )
    .await;
    assert!(preview.status < 500);
    let person = click(&s, "/c/1?clickid=xyz", "198.51.100.20", &[]).await;
    assert_eq!(person.json["status"], "valid", "{}", person.json);
    // An excluded app's attribution links are unsigned too.
    assert_eq!(
        admin(&s, Method::POST, "/config/mode/enabled").await.status,
        200
    );
    assert_eq!(
        admin(&s, Method::POST, "/config/excluded-app/com.excluded.app")
            .await
            .status,
        200
    );
    let link = "/com.excluded.app?pid=net&clickid=def";
    assert_eq!(
        click(&s, link, "198.51.100.7", &[]).await.json["status"],
        "valid"
    );
    let replay = click(&s, link, "203.0.113.9", &[]).await;
    assert_ne!(replay.json["status"], "valid", "{}", replay.json);
    s.stop().await;
}

/// The click-signing configuration is the server's, and its excluded apps
/// cover the attribution site only: a `site_id` naming any other site
/// cannot borrow them to get unsigned clicks accepted there.
#[tokio::test]
async fn excluded_apps_do_not_cross_to_other_sites() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start(&dir.path().join("db")).await;
    // Another tenant: its own account and site (the admin command's path).
    let account =
        clickfence_server::ops::accounts::create(&s.state, "Other", "pro", now()).unwrap();
    let other = clickfence_server::ops::sites::create(
        &s.state,
        account,
        "Other",
        "other-tenant.example",
        now(),
    )
    .unwrap();
    signing(&s, "enabled").await;
    let exclude = admin(&s, Method::POST, "/config/excluded-app/com.excluded.app").await;
    assert_eq!(exclude.status, 200);
    let own = click(&s, "/com.excluded.app?pid=net", "198.51.100.7", &[]).await;
    assert_eq!(
        own.json["status"], "valid",
        "the attribution site: {}",
        own.json
    );
    let borrowed = format!("/com.excluded.app?site_id={other}&pid=net");
    let r = click(&s, &borrowed, "198.51.100.8", &[]).await;
    assert_eq!(r.status, 403, "{}", r.json);
    assert_eq!(r.json["signature"], "missing_signature");
    // Nor does naming a site on the /c/ route ("c" as an excluded app).
    assert_eq!(
        admin(&s, Method::POST, "/config/excluded-app/c")
            .await
            .status,
        200
    );
    let r = click(&s, &format!("/c/{other}"), "198.51.100.9", &[]).await;
    assert_eq!(r.status, 403, "{}", r.json);
    s.stop().await;
}

/// A 4,000-byte click id is still counted (its reuse from another network is
/// flagged), and with `--redis` no key holds the client's text: every key
/// built from it is bounded by the core (`rate::client_key`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_click_ids_are_counted_and_never_stored_raw() {
    let (_redis, port) = common::redis_server(None);
    let url = format!("redis://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let rates = Arc::new(SharedRates::new(&url).unwrap());
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.shared_rates = Some(rates)).await;
    assert_eq!(
        admin(&s, Method::POST, "/config/mode/disabled")
            .await
            .status,
        200
    );
    let path = format!("/c/1?clickid={}", "k".repeat(4000));
    let first = click(&s, &path, "198.51.100.7", &[]).await;
    assert_eq!(first.json["status"], "valid", "{}", first.json);
    let replay = click(&s, &path, "203.0.113.9", &[]).await;
    assert_ne!(replay.json["status"], "valid", "{}", replay.json);
    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
    assert!(!keys.is_empty());
    for key in &keys {
        assert!(
            key.len() < 200,
            "a key of {} bytes: {}",
            key.len(),
            &key[..80]
        );
    }
    s.stop().await;
}
