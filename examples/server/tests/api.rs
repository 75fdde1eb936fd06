//! The platform API over real HTTP: every status of the spec's error table,
//! every endpoint, cursor pagination while clicks arrive, tokens that expire or
//! are revoked, and the rate limit.

mod common;

use common::{call, get, Server};
use hyper::Method;

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

async fn demo() -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = Server::start(&dir.path().join("db.sqlite")).await;
    (dir, server, token.expect("a fresh database is seeded"))
}

fn new_token(server: &Server, account: i64, abilities: &[&str]) -> (i64, String) {
    let text = clickfence_server::tokens::generate().unwrap();
    let now = clickfence_server::state::now();
    let abilities: Vec<String> = abilities.iter().map(|s| s.to_string()).collect();
    let id = server
        .state
        .store
        .create_token(
            account,
            &clickfence_server::tokens::hash(&text),
            &abilities,
            now + 86_400,
            now,
        )
        .unwrap()
        .unwrap();
    (id, text)
}

#[tokio::test]
async fn sites_and_the_error_table() {
    let (_dir, server, token) = demo().await;
    let r = get(&server.url("/api/v1/sites"), Some(&token)).await;
    assert_eq!(r.status, 200);
    let site = &r.json["data"][0];
    let keys: Vec<&str> = site
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "domain",
            "is_active",
            "grace_mode",
            "block_threshold",
            "flag_threshold",
            "created_at",
            "paused_until"
        ]
    );
    assert_eq!(
        (
            site["block_threshold"].as_i64(),
            site["flag_threshold"].as_i64()
        ),
        (Some(70), Some(40))
    );
    assert_eq!(r.headers["x-ratelimit-limit"], "60");
    assert_eq!(r.headers["x-ratelimit-remaining"], "59");

    assert_eq!(
        get(&server.url("/api/v1/sites/1"), Some(&token)).await.json["data"]["name"],
        "Acme Coffee"
    );
    // 401: missing, malformed, unknown.
    for t in [None, Some(""), Some("mcs_live_nope")] {
        let r = get(&server.url("/api/v1/sites"), t).await;
        assert_eq!(r.status, 401);
        assert!(r.json["message"].is_string());
    }
    // 404: unknown, not a number, another account's site.
    assert_eq!(
        get(&server.url("/api/v1/sites/999"), Some(&token))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&server.url("/api/v1/sites/abc"), Some(&token))
            .await
            .status,
        404
    );
    let store = &server.state.store;
    let other = store.create_account("Other", "pro", 0).unwrap();
    let foreign = store
        .create_site(other, "Theirs", "theirs.example", 0)
        .unwrap();
    assert_eq!(
        get(
            &server.url(&format!("/api/v1/sites/{}", foreign.id)),
            Some(&token)
        )
        .await
        .status,
        404
    );
    // Team membership gives access: "their own + team sites".
    store.add_member(other, 1).unwrap();
    assert_eq!(
        get(
            &server.url(&format!("/api/v1/sites/{}", foreign.id)),
            Some(&token)
        )
        .await
        .status,
        200
    );
    assert_eq!(
        get(&server.url("/api/v1/sites"), Some(&token)).await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // 403: ability missing.
    let (_, narrow) = new_token(&server, 1, &["sites:read"]);
    let r = get(&server.url("/api/v1/sites/1/stats"), Some(&narrow)).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.headers["x-ratelimit-limit"], "60");
    // 402: below Pro.
    store
        .update_account(1, Some("starter"), None, None)
        .unwrap();
    assert_eq!(
        get(&server.url("/api/v1/sites"), Some(&token)).await.status,
        402
    );
    store
        .update_account(1, Some("business"), None, None)
        .unwrap();
    assert_eq!(
        get(&server.url("/api/v1/sites"), Some(&token)).await.status,
        200
    );
    // 422 with errors.
    let r = get(&server.url("/api/v1/sites/1/stats?days=0"), Some(&token)).await;
    assert_eq!(r.status, 422);
    assert!(r.json["errors"]["days"][0].is_string());
    server.stop().await;
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused() {
    let (_dir, server, _token) = demo().await;
    let (id, text) = new_token(&server, 1, &["sites:read"]);
    assert_eq!(
        get(&server.url("/api/v1/sites"), Some(&text)).await.status,
        200
    );
    server
        .state
        .store
        .set_token_expiry(id, clickfence_server::state::now() - 1)
        .unwrap();
    assert_eq!(
        get(&server.url("/api/v1/sites"), Some(&text)).await.status,
        401
    );
    let (id, text) = new_token(&server, 1, &["sites:read"]);
    server
        .state
        .store
        .revoke_token(id, clickfence_server::state::now())
        .unwrap();
    assert_eq!(
        get(&server.url("/api/v1/sites"), Some(&text)).await.status,
        401
    );
    server.stop().await;
}

#[tokio::test]
async fn sixty_requests_a_minute_then_429_with_retry_after() {
    let (_dir, server, token) = demo().await;
    for i in 0..60 {
        let r = get(&server.url("/api/v1/sites"), Some(&token)).await;
        assert_eq!(r.status, 200, "request {i}");
        assert_eq!(
            r.headers["x-ratelimit-remaining"],
            (59 - i).to_string().as_str()
        );
    }
    let r = get(&server.url("/api/v1/sites"), Some(&token)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    // Another token has its own window.
    let (_, other) = new_token(&server, 1, &["sites:read"]);
    assert_eq!(
        get(&server.url("/api/v1/sites"), Some(&other)).await.status,
        200
    );
    server.stop().await;
}

#[tokio::test]
async fn clicks_are_scored_stored_and_paged_while_more_arrive() {
    let (_dir, server, token) = demo().await;
    // 5 browser clicks, then a crawler: scored by the core, stored, redirected or answered.
    for i in 0..5 {
        let r = call(
            Method::GET,
            &server.url(&format!("/c/1?to=https://acme-coffee.com/p&clickid=c{i}")),
            None,
            None,
            &[
                ("user-agent", CHROME),
                ("referer", "https://google.com/"),
                ("x-forwarded-for", &format!("198.51.100.{i}")),
            ],
        )
        .await;
        assert_eq!(r.status, 302);
        assert_eq!(r.headers["location"], "https://acme-coffee.com/p");
    }
    let r = call(
        Method::GET,
        &server.url("/c/1?clickid=c9"),
        None,
        None,
        &[
            ("user-agent", "curl/8.5"),
            ("x-forwarded-for", "198.51.100.0"),
        ],
    )
    .await;
    assert_eq!(r.json["status"], "flagged", "{}", r.json);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut inserted = 0;
    loop {
        let url = match &cursor {
            Some(c) => server.url(&format!("/api/v1/sites/1/clicks?per_page=2&cursor={c}")),
            None => server.url("/api/v1/sites/1/clicks?per_page=2"),
        };
        let r = get(&url, Some(&token)).await;
        assert_eq!(r.status, 200);
        for c in r.json["data"].as_array().unwrap() {
            seen.push(c["id"].as_i64().unwrap());
        }
        // New clicks arriving between pages must not shift or repeat the pages.
        if inserted < 3 {
            call(
                Method::GET,
                &server.url("/c/1"),
                None,
                None,
                &[("user-agent", CHROME)],
            )
            .await;
            inserted += 1;
        }
        match r.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec![6, 5, 4, 3, 2, 1],
        "every click once, newest first, none added mid-way"
    );
    let flagged = get(
        &server.url("/api/v1/sites/1/clicks?status=flagged"),
        Some(&token),
    )
    .await;
    assert_eq!(flagged.json["data"][0]["classification"], "bot_user_agent");
    let by_ip = get(
        &server.url("/api/v1/sites/1/clicks?ip=198.51.100.3"),
        Some(&token),
    )
    .await;
    assert_eq!(by_ip.json["data"].as_array().unwrap().len(), 1);
    for bad in [
        "cursor=garbage",
        "per_page=0",
        "per_page=201",
        "status=evil",
        "since=yesterday",
        "ip=1.2.3",
    ] {
        let r = get(
            &server.url(&format!("/api/v1/sites/1/clicks?{bad}")),
            Some(&token),
        )
        .await;
        assert_eq!(r.status, 422, "{bad}");
    }
    let stats = get(&server.url("/api/v1/sites/1/stats"), Some(&token)).await;
    assert_eq!(stats.json["data"]["window_days"], 30);
    assert_eq!(stats.json["data"]["total_clicks"], 9);
    assert_eq!(stats.json["data"]["flagged_clicks"], 1);
    server.stop().await;
}

#[tokio::test]
async fn blocking_is_idempotent_and_blocks_clicks() {
    let (_dir, server, token) = demo().await;
    let url = server.url("/api/v1/sites/1/blocked-ips");
    let r = call(
        Method::POST,
        &url,
        Some(&token),
        Some(r#"{"ip_address":"203.0.113.42","reason":"Manual review"}"#),
        &[],
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json["data"]["type"], "permanent");
    let later = clickfence::webhook::rfc3339(clickfence_server::state::now() as u64 + 3600);
    let body = format!(
        r#"{{"ip_address":"203.0.113.42","reason":"again","type":"temporary","expires_at":"{later}"}}"#
    );
    let r = call(Method::POST, &url, Some(&token), Some(&body), &[]).await;
    assert_eq!(r.status, 200, "re-blocking updates");
    assert_eq!(r.json["data"]["type"], "temporary");
    assert_eq!(
        get(&url, Some(&token)).await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for (body, field) in [
        (r#"{}"#, "ip_address"),
        (r#"{"ip_address":"999.1.1.1"}"#, "ip_address"),
        (r#"{"ip_address":"1.2.3.4","type":"forever"}"#, "type"),
        (
            r#"{"ip_address":"1.2.3.4","type":"temporary"}"#,
            "expires_at",
        ),
        (
            r#"{"ip_address":"1.2.3.4","type":"temporary","expires_at":"2001-01-01T00:00:00Z"}"#,
            "expires_at",
        ),
        (r#"not json"#, "body"),
    ] {
        let r = call(Method::POST, &url, Some(&token), Some(body), &[]).await;
        assert_eq!(r.status, 422, "{body}");
        assert!(r.json["errors"][field].is_array(), "{body}: {}", r.json);
    }
    // A click from the blocked address is refused.
    let r = call(
        Method::GET,
        &server.url("/c/1"),
        None,
        None,
        &[("user-agent", CHROME), ("x-forwarded-for", "203.0.113.42")],
    )
    .await;
    assert_eq!(r.status, 403);
    // Unblock by address, then by id (404 the second time).
    let r = call(
        Method::DELETE,
        &server.url("/api/v1/sites/1/blocked-ips/203.0.113.42"),
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = call(
        Method::DELETE,
        &server.url("/api/v1/sites/1/blocked-ips/1"),
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn openapi_is_generated_with_ids_tags_security_and_error_responses() {
    let (_dir, server, _) = demo().await;
    let doc = get(&server.url("/openapi.json"), None).await.json;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = std::collections::HashSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let id = op["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            let tag = op["tags"][0].as_str().expect("tag");
            let security = op["security"].as_array().cloned().unwrap_or_default();
            let schemes: Vec<&str> = security
                .iter()
                .flat_map(|s| s.as_object().unwrap().keys().map(String::as_str))
                .collect();
            let statuses: Vec<&str> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let public_edge = [
                "/api/pixels",
                "/api/heartbeat",
                "/api/check-ip-access",
                "/api/protection-config",
            ];
            let wanted: (&str, &[&str]) = if path.starts_with("/api/v1/") {
                ("platform_token", &["401", "402", "403", "429"])
            } else if path.starts_with("/api/p360-click-signing/") {
                ("admin_token", &["401"])
            } else if path.starts_with("/api/") && !public_edge.contains(&path.as_str()) {
                ("api_secret", &["400", "401"])
            } else {
                ("", &[])
            };
            if !wanted.0.is_empty() {
                assert_eq!(schemes, [wanted.0], "{method} {path}");
            }
            for status in wanted.1 {
                assert!(statuses.contains(status), "{method} {path} lacks {status}");
            }
            assert!(!tag.is_empty());
            // And the route really is served (not the router's 404 or 405).
            let url = server.url(
                &path
                    .replace("{id}", "1")
                    .replace("{site_id}", "1")
                    .replace("{blocked_ip}", "1")
                    .replace("{app_id}", "com.app.id")
                    .replace("{mode}", "enabled"),
            );
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = call(m, &url, None, None, &[]).await;
            assert_ne!(r.status, 405, "{method} {path}");
        }
    }
    assert!(operations >= 35, "{operations} operations");
    // Every reference resolves.
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                o.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    for r in found {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "unresolved {r}"
        );
    }
    for schema in ["Site", "Click", "BlockedIp", "MessageError", "EdgeError"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    server.stop().await;
}
