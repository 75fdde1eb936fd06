//! One error shape per surface for every status the server produces, the
//! framework's own included, and CORS on the storefront routes only.

mod common;

use common::{call, get, Server, ADMIN_TOKEN};
use hyper::Method;
use serde_json::{json, Value};

fn platform_shaped(json: &Value) -> bool {
    json.as_object().is_some_and(|o| {
        o["message"].is_string() && o.keys().all(|k| k == "message" || k == "errors")
    })
}

fn edge_shaped(json: &Value, code: &str) -> bool {
    json["error"] == json!(true) && json["message"].is_string() && json["code"] == json!(code)
}

#[tokio::test]
async fn framework_errors_take_each_surface_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let token = token.unwrap();

    // Unknown routes.
    let r = get(&s.url("/no/such/page"), None).await;
    assert_eq!(r.status, 404);
    assert!(platform_shaped(&r.json), "{}", r.json);
    let r = get(&s.url("/api/no-such-route"), None).await;
    assert_eq!(r.status, 404);
    assert!(edge_shaped(&r.json, "NOT_FOUND"), "{}", r.json);
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let r = call(
        Method::GET,
        &s.url("/api/p360-click-signing/nope"),
        None,
        None,
        &[("authorization", &admin)],
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(platform_shaped(&r.json), "{}", r.json);

    // The platform authenticates first (401 before 404), and its 404 and 405
    // carry the rate-limit headers like every other answer.
    let r = get(&s.url("/api/v1/no-such-resource"), None).await;
    assert_eq!(r.status, 401);
    assert!(platform_shaped(&r.json));
    let r = get(&s.url("/api/v1/no-such-resource"), Some(&token)).await;
    assert_eq!(r.status, 404);
    assert!(platform_shaped(&r.json), "{}", r.json);
    assert!(r.headers.contains_key("x-ratelimit-limit"));
    let r = call(
        Method::DELETE,
        &s.url("/api/v1/sites"),
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 405);
    assert!(platform_shaped(&r.json), "{}", r.json);
    assert!(r.headers.contains_key("x-ratelimit-remaining"));
    assert_eq!(r.headers["allow"], "GET,HEAD");

    // Wrong method on the edge API.
    let r = call(Method::PUT, &s.url("/api/pixels"), None, None, &[]).await;
    assert_eq!(r.status, 405);
    assert!(edge_shaped(&r.json, "METHOD_NOT_ALLOWED"), "{}", r.json);

    // Bodies over the transport limit.
    let big = format!(r#"{{"ip_address":"{}"}}"#, "1".repeat(300 * 1024));
    let r = call(
        Method::POST,
        &s.url("/api/heartbeat"),
        None,
        Some(&big),
        &[],
    )
    .await;
    assert_eq!(r.status, 413);
    assert!(edge_shaped(&r.json, "PAYLOAD_TOO_LARGE"), "{}", r.json);
    let r = call(
        Method::POST,
        &s.url("/api/v1/sites/1/blocked-ips"),
        Some(&token),
        Some(&big),
        &[("content-type", "application/json")],
    )
    .await;
    assert_eq!(r.status, 413);
    assert!(platform_shaped(&r.json), "{}", r.json);
    assert!(r.headers.contains_key("x-ratelimit-limit"));

    // Over-long URIs and header blocks.
    let long = format!("/api/check-ip-access?shop={}", "a".repeat(9000));
    let r = get(&s.url(&long), None).await;
    assert_eq!(r.status, 414);
    assert!(edge_shaped(&r.json, "URI_TOO_LONG"), "{}", r.json);
    let huge = "h".repeat(17 * 1024);
    let r = call(
        Method::GET,
        &s.url("/healthz"),
        None,
        None,
        &[("x-padding", &huge)],
    )
    .await;
    assert_eq!(r.status, 431);
    assert!(platform_shaped(&r.json), "{}", r.json);

    // Every error above was JSON.
    s.stop().await;
}

#[tokio::test]
async fn cors_answers_storefront_preflights_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let token = token.unwrap();
    let origin = ("origin", "https://mystore.myshopify.com");
    for (method, path) in [
        ("POST", "/api/pixels"),
        ("POST", "/api/heartbeat"),
        ("GET", "/api/check-ip-access"),
        ("GET", "/api/protection-config"),
    ] {
        let r = call(
            Method::OPTIONS,
            &s.url(path),
            None,
            None,
            &[
                origin,
                ("access-control-request-method", method),
                ("access-control-request-headers", "content-type"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.headers["access-control-allow-origin"], "*", "{path}");
        let methods = r.headers["access-control-allow-methods"].to_str().unwrap();
        assert!(methods.contains(method), "{path}: {methods}");
        assert!(r.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("content-type"));
    }
    let r = call(
        Method::GET,
        &s.url("/api/check-ip-access?shop=x.myshopify.com"),
        None,
        None,
        &[origin],
    )
    .await;
    assert_eq!(
        (r.status, &r.headers["access-control-allow-origin"]),
        (200, &"*".parse().unwrap())
    );
    // Errors of those routes carry it too, so the page can read them.
    let r = call(
        Method::POST,
        &s.url("/api/pixels"),
        None,
        Some("[]"),
        &[origin],
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.headers["access-control-allow-origin"], "*");

    // Authenticated surfaces send no CORS headers at all.
    for (path, credential) in [
        ("/api/v1/sites", token.as_str()),
        ("/api/p360-click-signing/config", ADMIN_TOKEN),
        (
            "/api/analytics/summary?shop=x.myshopify.com",
            common::API_SECRET,
        ),
    ] {
        let r = call(Method::GET, &s.url(path), Some(credential), None, &[origin]).await;
        assert_ne!(r.status, 401, "{path}: the credential is accepted");
        assert!(
            !r.headers.contains_key("access-control-allow-origin"),
            "{path}"
        );
        let r = call(
            Method::OPTIONS,
            &s.url(path),
            None,
            None,
            &[origin, ("access-control-request-method", "GET")],
        )
        .await;
        assert!(
            !r.headers.contains_key("access-control-allow-origin"),
            "{path}"
        );
        assert_ne!(r.status, 200, "{path}: no preflight answered");
    }
    s.stop().await;

    // A configured list: listed origins are echoed, others get nothing.
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| {
        c.cors_origins = vec!["https://mystore.myshopify.com".parse().unwrap()];
    })
    .await;
    let preflight = |o: &'static str| {
        let url = s.url("/api/pixels");
        async move {
            call(
                Method::OPTIONS,
                &url,
                None,
                None,
                &[("origin", o), ("access-control-request-method", "POST")],
            )
            .await
        }
    };
    let r = preflight("https://mystore.myshopify.com").await;
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://mystore.myshopify.com"
    );
    let r = preflight("https://evil.example").await;
    assert!(!r.headers.contains_key("access-control-allow-origin"));
    s.stop().await;
}
