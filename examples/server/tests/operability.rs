//! What operators look at: the landing page, health, readiness and metrics.

mod common;

use common::{call, get, Server};
use http_body_util::BodyExt;
use hyper::Method;

/// A page's text (not JSON).
async fn text(url: &str, token: Option<&str>) -> (u16, String, String) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<hyper::body::Bytes>>();
    let mut req = hyper::Request::get(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = client
        .request(req.body(Default::default()).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, kind, String::from_utf8(body.to_vec()).unwrap())
}

/// The value of one sample line, by its exact name and labels.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn landing_page_and_readiness() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start(&dir.path().join("db")).await;
    let (status, kind, page) = text(&s.url("/"), None).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    for link in [
        "href=\"/docs\"",
        "href=\"/openapi.json\"",
        "href=\"/metrics\"",
    ] {
        assert!(page.contains(link), "{link}");
    }
    // The worker goes round its loop at once; wait for its first beat.
    let mut ready = get(&s.url("/readyz"), None).await;
    for _ in 0..50 {
        if ready.status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        ready = get(&s.url("/readyz"), None).await;
    }
    assert_eq!(ready.status, 200, "{}", ready.json);
    assert_eq!(ready.json["database"], "ok");
    assert_eq!(ready.json["webhook_worker"], "ok");
    s.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_clicks_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start_with(&dir.path().join("db"), |c| c.api_rate_limit = 2).await;
    let token = token.unwrap();
    for _ in 0..3 {
        get(&s.url("/api/v1/sites/1"), Some(&token)).await;
    }
    get(&s.url("/no/such/path/12345"), None).await;
    let chrome = ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
    call(
        Method::GET,
        &s.url("/c/1"),
        None,
        None,
        &[chrome, ("referer", "https://news.example/")],
    )
    .await;
    let (status, kind, m) = text(&s.url("/metrics"), None).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let ok =
        r#"clickfence_http_requests_total{route="/api/v1/sites/{id}",method="GET",status="200"}"#;
    let refused =
        r#"clickfence_http_requests_total{route="/api/v1/sites/{id}",method="GET",status="429"}"#;
    assert_eq!(sample(&m, ok), Some(2.0), "{m}");
    assert_eq!(sample(&m, refused), Some(1.0), "{m}");
    assert_eq!(
        sample(
            &m,
            r#"clickfence_rate_limit_refusals_total{kind="api_token"}"#
        ),
        Some(1.0)
    );
    // Unknown paths share one series, so scanners cannot mint new ones.
    assert!(!m.contains("12345"));
    assert_eq!(
        sample(
            &m,
            r#"clickfence_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        Some(1.0)
    );
    let clicks: f64 = ["valid", "flagged", "blocked"]
        .iter()
        .filter_map(|k| sample(&m, &format!(r#"clickfence_clicks_total{{kind="{k}"}}"#)))
        .sum();
    assert_eq!(clicks, 1.0, "{m}");
    assert_eq!(sample(&m, "clickfence_webhook_outbox_depth"), Some(0.0));
    assert!(m.contains(r#"clickfence_http_request_duration_seconds_bucket{le="0.00025",route="/api/v1/sites/{id}"}"#)
        || m.contains(r#"clickfence_http_request_duration_seconds_bucket{route="/api/v1/sites/{id}",le="0.00025"}"#), "{m}");
    s.stop().await;

    // With a metrics token, the page needs it.
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| {
        c.metrics_token = Some("m-token".into())
    })
    .await;
    assert_eq!(get(&s.url("/metrics"), None).await.status, 401);
    assert_eq!(get(&s.url("/metrics"), Some("wrong")).await.status, 401);
    assert_eq!(text(&s.url("/metrics"), Some("m-token")).await.0, 200);
    s.stop().await;
}

/// The database becomes unreachable (PostgreSQL: connections refused and
/// the open ones terminated; SQLite: another process holds the write lock
/// past the busy timeout): writes answer 503 in each surface's shape and
/// are not acknowledged, PostgreSQL readiness turns false, and everything
/// works again, with nothing half-written, once the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_answers_503_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (s, token) = Server::start(&db).await;
    let token = token.unwrap();
    let blocks = s.url("/api/v1/sites/1/blocked-ips");
    let block = |ip: &str| format!(r#"{{"ip_address":"{ip}","type":"permanent"}}"#);

    let edge_auth = format!("Bearer {}", common::API_SECRET);
    let r = call(
        Method::POST,
        &s.url("/api/sync-ip-blocking-config"),
        None,
        Some(r#"{"shop":"up.myshopify.com","config":{"enabled":true,"blockedIPs":["198.51.100.70"]}}"#),
        &[("authorization", &edge_auth)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);

    let mut sqlite_lock = None;
    if common::on_postgres() {
        let name = common::pg_name(&db);
        // Termination is asynchronous, and a connection whose start-up
        // began before the ALTER still completes: terminate until no
        // backend of the database has been seen for 30 rounds in a row
        // (0.3 s), or a pooled connection may still answer.
        common::pg_admin(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
             DO $$ DECLARE quiet int := 0; BEGIN
               FOR i IN 1..1000 LOOP
                 PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE datname = '{name}' AND pid <> pg_backend_pid();
                 PERFORM pg_sleep(0.01);
                 PERFORM pg_stat_clear_snapshot();
                 IF EXISTS (SELECT 1 FROM pg_stat_activity
                   WHERE datname = '{name}' AND pid <> pg_backend_pid()) THEN
                   quiet := 0;
                 ELSE
                   quiet := quiet + 1;
                 END IF;
                 EXIT WHEN quiet >= 30;
               END LOOP;
             END $$"
        ));
    } else {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        sqlite_lock = Some(conn);
    }

    let r = call(
        Method::POST,
        &blocks,
        Some(&token),
        Some(&block("198.51.100.61")),
        &[],
    )
    .await;
    assert_eq!(r.status, 503, "{}", r.json);
    assert!(
        r.json["message"].as_str().unwrap().contains("unavailable"),
        "{}",
        r.json
    );
    let r = call(
        Method::POST,
        &s.url("/api/sync-ip-blocking-config"),
        None,
        Some(r#"{"shop":"down.myshopify.com","config":{"enabled":true,"blockedIPs":["198.51.100.62"]}}"#),
        &[("authorization", &format!("Bearer {}", common::API_SECRET))],
    )
    .await;
    assert_eq!(r.status, 503, "{}", r.json);
    assert_eq!(r.json["code"], "SERVICE_UNAVAILABLE", "{}", r.json);
    assert_eq!(r.json["error"], true);
    // The storefront check still refuses from memory: an outage must not
    // turn a refusal into an error a script would fail open on.
    let r = call(
        Method::GET,
        &s.url("/api/check-ip-access?shop=up.myshopify.com"),
        None,
        None,
        &[("x-forwarded-for", "198.51.100.70")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["allowed"], false, "{}", r.json);
    if common::on_postgres() {
        let ready = get(&s.url("/readyz"), None).await;
        assert_eq!(ready.status, 503, "{}", ready.json);
        assert_eq!(ready.json["database"], "unavailable");
    }

    if common::on_postgres() {
        let name = common::pg_name(&db);
        common::pg_admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    } else if let Some(conn) = sqlite_lock.take() {
        conn.execute_batch("ROLLBACK").unwrap();
    }
    let r = call(
        Method::POST,
        &blocks,
        Some(&token),
        Some(&block("198.51.100.63")),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let listed = get(&blocks, Some(&token)).await;
    let ips: Vec<&str> = listed.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["ip_address"].as_str().unwrap())
        .collect();
    assert_eq!(ips, ["198.51.100.63"], "the refused write is not there");
    let ready = get(&s.url("/readyz"), None).await;
    assert_eq!(ready.json["database"], "ok");
    s.stop().await;
}

/// `--db-pool` is fitted to what the PostgreSQL server allows, so a large
/// setting waits for connections instead of failing on "too many clients";
/// SQLite has one connection whatever the setting.
#[test]
fn the_pool_is_fitted_to_the_servers_connections() {
    use clickfence_server::storage::db::fitted_pool_size;
    assert_eq!(fitted_pool_size(16, 100, 3), 16);
    assert_eq!(fitted_pool_size(1000, 100, 3), 94);
    assert_eq!(fitted_pool_size(8, 2, 3), 1);
    let dir = tempfile::tempdir().unwrap();
    let store = clickfence_server::storage::Store::open_with_pool(
        &common::database(&dir.path().join("db")),
        1000,
    )
    .unwrap();
    if common::on_postgres() {
        let size = store.pool_size();
        assert!((1..1000).contains(&size), "{size}");
    } else {
        assert_eq!(store.pool_size(), 1);
    }
}
