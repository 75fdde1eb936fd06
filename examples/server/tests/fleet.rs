//! Two server instances on one database behave as one: a change made
//! through A is in force on B within 1 s (key ring, mode, shop policies,
//! blocks, token revocation).

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use common::{call, get, Server, ADMIN_TOKEN, API_SECRET};
use hyper::Method;
use serde_json::json;

/// The shared-configuration promise.
const WITHIN: Duration = Duration::from_secs(1);

/// Polls `check` until it holds; fails if that takes longer than [`WITHIN`].
async fn within_a_second<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let start = Instant::now();
    while start.elapsed() <= WITHIN {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: not in force on the other instance within {WITHIN:?}");
}

async fn admin(s: &Server, method: Method, path: &str, body: Option<&str>) -> common::Resp {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    call(
        method,
        &s.url(&format!("/api/p360-click-signing{path}")),
        None,
        body,
        &[("authorization", &auth)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_signing_changes_reach_the_other_instance() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (a, _) = Server::start(&db).await;
    let (b, _) = Server::start(&db).await;

    admin(&a, Method::POST, "/config/mode/report-only", None).await;
    within_a_second("mode", || async {
        admin(&b, Method::GET, "/config", None).await.json["mode"] == "report-only"
    })
    .await;

    let key = admin(&a, Method::POST, "/secret", None).await;
    let id = key.json["secret-key-id"].as_str().unwrap().to_owned();
    within_a_second("new key", || async {
        let ids = admin(&b, Method::GET, "/config", None).await.json["active-key-ids"].clone();
        ids.as_array()
            .unwrap()
            .iter()
            .any(|k| k["secret-key-id"] == id.as_str())
    })
    .await;

    admin(
        &a,
        Method::POST,
        "/config/excluded-app/com.excluded.app",
        None,
    )
    .await;
    within_a_second("exclusion", || async {
        admin(&b, Method::GET, "/config", None).await.json["excluded-app-ids"]
            == json!(["com.excluded.app"])
    })
    .await;

    admin(&a, Method::DELETE, &format!("/secret/{id}"), None).await;
    within_a_second("revoked key", || async {
        admin(&b, Method::GET, "/config", None).await.json["active-key-ids"] == json!([])
    })
    .await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_blocks_and_revocations_reach_the_other_instance() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (a, token) = Server::start(&db).await;
    let (b, _) = Server::start(&db).await;
    let token = token.unwrap();

    // A shop's policy synced through A refuses on B.
    let shop = "fleet.myshopify.com";
    let secret = format!("Bearer {API_SECRET}");
    let sync = json!({"shop": shop, "config": {"enabled": true, "blockedIPs": ["198.51.100.44"]}});
    let r = call(
        Method::POST,
        &a.url("/api/sync-ip-blocking-config"),
        None,
        Some(&sync.to_string()),
        &[("authorization", &secret)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    within_a_second("shop policy", || async {
        let r = call(
            Method::GET,
            &b.url(&format!("/api/check-ip-access?shop={shop}")),
            None,
            None,
            &[("x-forwarded-for", "198.51.100.44")],
        )
        .await;
        r.json["allowed"] == false
    })
    .await;

    // A block made through A refuses that address's clicks on B, once B has
    // loaded the site's list before the change.
    let chrome = ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
    let click = |ip: &'static str| {
        let url = b.url("/c/1");
        async move {
            call(
                Method::GET,
                &url,
                None,
                None,
                &[
                    chrome,
                    ("x-forwarded-for", ip),
                    ("referer", "https://news.example/"),
                ],
            )
            .await
        }
    };
    assert_eq!(click("203.0.113.5").await.status, 200);
    let r = call(
        Method::POST,
        &a.url("/api/v1/sites/1/blocked-ips"),
        Some(&token),
        Some(r#"{"ip_address":"203.0.113.6"}"#),
        &[],
    )
    .await;
    assert_eq!(r.status, 201);
    within_a_second("block", || async {
        click("203.0.113.6").await.status == 403
    })
    .await;
    // B applied A's change to the list it had: no reload, so a flood of
    // auto-blocks on one instance costs the others no list reads.
    assert_eq!(b.state.blocks.loads(), 1, "B reloaded its block list");
    let r = call(
        Method::DELETE,
        &a.url("/api/v1/sites/1/blocked-ips/203.0.113.6"),
        Some(&token),
        None,
        &[],
    )
    .await;
    assert!(r.status < 300, "{} {}", r.status, r.json);
    within_a_second("unblock", || async {
        click("203.0.113.6").await.status == 200
    })
    .await;
    assert_eq!(b.state.blocks.loads(), 1, "B reloaded its block list");

    // A token revoked through A is refused by A at once and by B within
    // the second, although both answered it from their caches of
    // successful lookups.
    for s in [&a, &b] {
        assert_eq!(get(&s.url("/api/v1/sites"), Some(&token)).await.status, 200);
        assert_eq!(s.state.store.credentials().len(), 1);
    }
    let id = a.state.store.tokens_of(1).unwrap()[0].id;
    clickfence_server::ops::tokens::revoke(&a.state, id, clickfence_server::state::now()).unwrap();
    assert_eq!(get(&a.url("/api/v1/sites"), Some(&token)).await.status, 401);
    within_a_second("token revocation", || async {
        get(&b.url("/api/v1/sites"), Some(&token)).await.status == 401
    })
    .await;
    a.stop().await;
    b.stop().await;
}

/// A plan change made through one instance ends API access on the other
/// within the second, though the token's lookup was cached there; tokens
/// that are not live never enter the cache, so a spray of them cannot
/// fill it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_changes_reach_the_other_instances_cached_lookups() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (a, token) = Server::start(&db).await;
    let (b, _) = Server::start(&db).await;
    let token = token.unwrap();
    assert_eq!(get(&b.url("/api/v1/sites"), Some(&token)).await.status, 200);
    for i in 0..200 {
        let random = format!("mcs_live_{i:040}");
        let status = get(&b.url("/api/v1/sites"), Some(&random)).await.status;
        assert!(status == 401 || status == 429, "{status}");
    }
    assert_eq!(
        b.state.store.credentials().len(),
        1,
        "only the live token is kept"
    );
    a.state
        .store
        .update_account(1, Some("starter"), None, None)
        .unwrap();
    assert_eq!(get(&a.url("/api/v1/sites"), Some(&token)).await.status, 402);
    within_a_second("plan change", || async {
        get(&b.url("/api/v1/sites"), Some(&token)).await.status == 402
    })
    .await;
    a.stop().await;
    b.stop().await;
}

/// Click intake keeps site rows in memory; a site switched off through one
/// instance stops taking clicks there at once and on the other within the
/// second. Unknown site ids are never kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_changes_reach_the_other_instances_kept_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (a, _) = Server::start(&db).await;
    let (b, _) = Server::start(&db).await;
    let click = |s: &Server| {
        let url = s.url("/c/1");
        async move {
            let headers = [(
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            )];
            call(Method::GET, &url, None, None, &headers).await.status
        }
    };
    for s in [&a, &b] {
        assert_ne!(click(s).await, 404);
        let unknown = call(Method::GET, &s.url("/c/999"), None, None, &[])
            .await
            .status;
        assert_eq!(unknown, 404);
    }
    let changes = clickfence_server::storage::SiteChanges {
        is_active: Some(false),
        ..Default::default()
    };
    a.state.store.update_site(1, &changes).unwrap();
    assert_eq!(click(&a).await, 404, "switched off here at once");
    within_a_second("site switched off", || async { click(&b).await == 404 }).await;
    a.stop().await;
    b.stop().await;
}

/// The platform API's kept site lists (a read is no statement once kept)
/// follow a site change and a team change made through another instance
/// within the fleet's second.
#[tokio::test]
async fn site_and_team_changes_reach_the_other_instances_kept_lists() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // Quotas raised: the checks below poll.
    let quota = |c: &mut clickfence_server::state::ServerConfig| c.api_rate_limit = 1_000_000;
    let (a, token) = Server::start_with(&db, quota).await;
    let (b, _) = Server::start_with(&db, quota).await;
    let token = token.unwrap();
    let names = |s: &Server| {
        let (url, token) = (s.url("/api/v1/sites"), token.clone());
        async move {
            let r = get(&url, Some(&token)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let before = names(&b).await;
    assert_eq!(before.len(), 1);
    let one = |s: &Server, id: i64| {
        let (url, token) = (s.url(&format!("/api/v1/sites/{id}")), token.clone());
        async move { get(&url, Some(&token)).await.status }
    };
    assert_eq!(one(&b, 1).await, 200);
    // Another account's site, made before the rename: once `b` shows the
    // rename it has caught up with both, and keeps a list without it.
    let store = &a.state.store;
    let other = store.create_account("Other", "pro", 0).unwrap();
    let theirs = store
        .create_site(other, "Theirs", "theirs.example", 0)
        .unwrap();
    let changes = clickfence_server::storage::SiteChanges {
        name: Some("Renamed".into()),
        ..Default::default()
    };
    a.state.store.update_site(1, &changes).unwrap();
    within_a_second("site renamed", || async {
        names(&b).await == ["Renamed".to_owned()]
    })
    .await;
    assert_eq!(one(&b, theirs.id).await, 404);
    store.add_member(other, 1).unwrap();
    within_a_second("team site listed", || async {
        names(&b).await.len() == 2 && one(&b, theirs.id).await == 200
    })
    .await;
    a.stop().await;
    b.stop().await;
}

/// Each instance keeps which events an account's endpoints take, so a
/// blocked click no endpoint would hear of is written without a
/// transaction; an endpoint added through another instance hears this
/// one's fraud reports within the fleet's second.
#[tokio::test]
async fn an_endpoint_added_elsewhere_hears_fraud_reports_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (a, _) = Server::start(&db).await;
    let (b, _) = Server::start(&db).await;
    // A bot's user agent, oversized: blocked as fraud. One client: its
    // first click auto-blocks it (a transaction, which reads the endpoints
    // itself); later ones are an already blocked client's, plain rows
    // unless an endpoint takes their fraud reports.
    let bot = format!("curl/8.5 {}", "x".repeat(600));
    let blocked_click = || {
        let (url, bot) = (b.url("/c/1"), bot.clone());
        async move {
            let headers = [
                ("user-agent", bot.as_str()),
                ("x-forwarded-for", "203.0.113.7"),
            ];
            call(Method::GET, &url, None, None, &headers).await.status
        }
    };
    let reports = || {
        let rows = b
            .state
            .store
            .query_rows(
                "SELECT COUNT(*) FROM deliveries WHERE event = 'fraud.detected'",
                &[],
            )
            .unwrap();
        format!("{:?}", rows[0][0])
    };
    for _ in 0..3 {
        assert_eq!(blocked_click().await, 403);
    }
    assert_eq!(reports(), "Int(0)");
    a.state
        .store
        .add_endpoint(
            1,
            "http://127.0.0.1:9/hook",
            "whsec_fleet-test-secret",
            &["fraud.detected".into()],
            clickfence_server::state::now(),
        )
        .unwrap();
    within_a_second("fraud reported", || {
        let click = blocked_click();
        async move { click.await == 403 && reports() != "Int(0)" }
    })
    .await;
    a.stop().await;
    b.stop().await;
}
