//! Details of the documented API that users trip over: the Bearer scheme in
//! any case, whole-day `until`, `Retry-After` on the edge 429, and request
//! ids kept from the caller.

mod common;

use common::{call, get, Server, ADMIN_TOKEN, API_SECRET};
use hyper::Method;
use serde_json::json;

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_on_every_surface() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let token = token.unwrap();
    let surfaces = [
        ("/api/v1/sites", token.as_str()),
        ("/api/p360-click-signing/config", ADMIN_TOKEN),
        ("/api/analytics/summary?shop=x.myshopify.com", API_SECRET),
    ];
    for scheme in ["Bearer", "bearer", "BEARER"] {
        for (path, credential) in surfaces {
            let auth = format!("{scheme} {credential}");
            let r = call(
                Method::GET,
                &s.url(path),
                None,
                None,
                &[("authorization", &auth)],
            )
            .await;
            assert_ne!(r.status, 401, "{scheme} on {path}");
        }
    }
    let wrong = call(
        Method::GET,
        &s.url("/api/p360-click-signing/config"),
        None,
        None,
        &[("authorization", "Basic x")],
    )
    .await;
    assert_eq!(wrong.status, 401);
    s.stop().await;
}

#[tokio::test]
async fn a_date_only_until_includes_its_whole_day() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let token = token.unwrap();
    let r = call(
        Method::GET,
        &s.url("/c/1"),
        None,
        None,
        &[
            ("user-agent", "Mozilla/5.0 (X11) Chrome/131.0"),
            ("x-forwarded-for", "203.0.113.4"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    let today = &clickfence_server::storage::rfc3339(clickfence_server::state::now())[..10];
    let clicks = get(
        &s.url(&format!("/api/v1/sites/1/clicks?until={today}")),
        Some(&token),
    )
    .await;
    assert_eq!(
        clicks.json["data"].as_array().unwrap().len(),
        1,
        "{}",
        clicks.json
    );
    let since = get(
        &s.url(&format!("/api/v1/sites/1/clicks?since={today}")),
        Some(&token),
    )
    .await;
    assert_eq!(
        since.json["data"].as_array().unwrap().len(),
        1,
        "since is the start of the day"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_edge_429_says_when_to_retry_and_request_ids_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.pixel_rate_limit = 1).await;
    common::enrol(&s, "x.myshopify.com").await;
    let body = json!({"type": "session_init", "shop": "x.myshopify.com", "sessionId": "s", "visitorId": "v",
        "timestamp": 1709424000000i64, "page": "/", "userAgent": "Mozilla/5.0", "fingerprint": "fp", "deviceInfo": {}})
    .to_string();
    let first = call(
        Method::POST,
        &s.url("/api/pixels"),
        None,
        Some(&body),
        &[("cf-connecting-ip", "198.51.100.3")],
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.json);
    let second = call(
        Method::POST,
        &s.url("/api/pixels"),
        None,
        Some(&body),
        &[("cf-connecting-ip", "198.51.100.3")],
    )
    .await;
    assert_eq!(second.status, 429);
    assert_eq!(second.json["code"], "RATE_LIMITED");
    let wait: u64 = second.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let kept = call(
        Method::GET,
        &s.url("/api/v1/sites"),
        None,
        None,
        &[("x-request-id", "trace-abc-123")],
    )
    .await;
    assert_eq!(kept.headers["x-request-id"], "trace-abc-123");
    let fresh = call(
        Method::GET,
        &s.url("/api/v1/sites"),
        None,
        None,
        &[("x-request-id", "bad id with spaces")],
    )
    .await;
    assert_ne!(fresh.headers["x-request-id"], "bad id with spaces");
    s.stop().await;
}

#[tokio::test]
async fn reserved_paths_answer_and_never_record_clicks() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    assert_eq!(get(&s.url("/healthz"), None).await.json["status"], "ok");
    assert_eq!(get(&s.url("/readyz"), None).await.status, 200);
    for path in [
        "/favicon.ico?site_id=1",
        "/robots.txt?site_id=1",
        "/healthz?site_id=1",
    ] {
        call(
            Method::GET,
            &s.url(path),
            None,
            None,
            &[("user-agent", "Mozilla/5.0 (X11) Chrome/131.0")],
        )
        .await;
    }
    let clicks = get(&s.url("/api/v1/sites/1/clicks"), token.as_deref()).await;
    assert_eq!(clicks.json["data"], json!([]), "no click recorded");
    s.stop().await;
}

#[tokio::test]
async fn block_ids_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let block = |ip: &'static str| {
        let url = s.url("/api/v1/sites/1/blocked-ips");
        let token = token.clone();
        async move {
            call(
                Method::POST,
                &url,
                token.as_deref(),
                Some(&format!(r#"{{"ip_address":"{ip}"}}"#)),
                &[("content-type", "application/json")],
            )
            .await
            .json["data"]["id"]
                .as_i64()
                .unwrap()
        }
    };
    let unblock = |id: i64| {
        let url = s.url(&format!("/api/v1/sites/1/blocked-ips/{id}"));
        let token = token.clone();
        async move {
            call(Method::DELETE, &url, token.as_deref(), None, &[])
                .await
                .status
        }
    };
    let first = block("198.18.0.1").await;
    assert_eq!(unblock(first).await, 200);
    let second = block("198.18.0.2").await;
    assert_ne!(first, second, "a removed block's id was given to a new one");
    // The old id now names nothing: deleting by it removes no other block.
    assert_eq!(unblock(first).await, 404);
    s.stop().await;
}
