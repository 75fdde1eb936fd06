//! The click-signing API and signed click intake over real HTTP.

mod common;

use base64::Engine as _;
use common::{call, get, Server, ADMIN_TOKEN, CLICK_BASE};
use hmac::{Hmac, Mac};
use hyper::Method;
use serde_json::json;
use sha2::Sha256;

fn admin() -> Vec<(&'static str, String)> {
    vec![("authorization", format!("Bearer {ADMIN_TOKEN}"))]
}

async fn api(s: &Server, method: Method, path: &str, body: Option<&str>) -> common::Resp {
    let h = admin();
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    call(
        method,
        &s.url(&format!("/api/p360-click-signing{path}")),
        None,
        body,
        &h,
    )
    .await
}

/// The spec's Java sample, reimplemented: millisecond expiry, HMAC keyed with
/// the secret's text, base64url without padding.
fn java_sign(url: &str, secret: &str, expires_ms: i64) -> String {
    let with_expiry = format!("{url}&expires={expires_ms}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(with_expiry.as_bytes());
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{with_expiry}&signature={sig}")
}

#[tokio::test]
async fn every_endpoint_and_signed_clicks_counted_per_hour() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (s, token) = Server::start(&db).await;
    assert_eq!(
        get(&s.url("/api/p360-click-signing/config"), None)
            .await
            .status,
        401
    );
    let key = api(&s, Method::POST, "/secret?ttlHours=36", None).await;
    assert_eq!(key.status, 200);
    let id = key.json["secret-key-id"].as_str().unwrap().to_owned();
    let secret = key.json["secret-key"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 44);
    api(&s, Method::POST, "/secret", None).await;
    let third = api(&s, Method::POST, "/secret", None).await;
    assert_eq!(third.status, 400);
    assert!(third.json["message"]
        .as_str()
        .unwrap()
        .contains("at most 2"));
    assert_eq!(
        api(&s, Method::POST, "/config/mode/on", None).await.status,
        400
    );
    assert_eq!(
        api(&s, Method::POST, "/config/mode/enabled", None)
            .await
            .status,
        200
    );
    assert_eq!(
        api(
            &s,
            Method::POST,
            "/config/circuit-breaker",
            Some(r#"{"status":"maybe"}"#)
        )
        .await
        .status,
        400
    );
    let h = admin();
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = call(
        Method::POST,
        &s.url("/p360-click-signing/config/circuit-breaker"),
        None,
        Some(r#"{"status":"disabled"}"#),
        &h,
    )
    .await;
    assert_eq!(r.status, 200, "served without the /api prefix too");
    assert_eq!(
        api(&s, Method::POST, "/config/excluded-app/excluded.app", None)
            .await
            .status,
        200
    );

    // A click signed by the spec's Java algorithm verifies through intake.
    let now_ms = clickfence_server::state::now() * 1000;
    let link = java_sign(
        &format!("{CLICK_BASE}/com.app.id?site_id=1&pid=adnetwork_int&c=my_campaign&clickid=abc"),
        &secret,
        now_ms + 300_000,
    );
    let test = api(
        &s,
        Method::POST,
        "/test",
        Some(&json!({"url": link}).to_string()),
    )
    .await;
    assert_eq!(
        test.json,
        json!({"test-status": "Passed", "message": "Valid signature"})
    );
    let path = link.trim_start_matches(CLICK_BASE);
    let chrome = ("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
    let r = call(
        Method::GET,
        &s.url(path),
        None,
        None,
        &[chrome, ("referer", "https://news.example/")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["status"], "valid");
    // Tampered and unsigned clicks are refused in enabled mode; excluded apps pass unchecked.
    // (From other addresses: the tampered click scores high enough to auto-block its IP.)
    let r = call(
        Method::GET,
        &s.url(&path.replace("my_campaign", "other")),
        None,
        None,
        &[chrome, ("x-forwarded-for", "198.51.100.7")],
    )
    .await;
    assert_eq!(
        (r.status, r.json["signature"].as_str()),
        (403, Some("invalid_signature")),
        "{}",
        r.json
    );
    let r = call(
        Method::GET,
        &s.url("/com.app.id?site_id=1&pid=x"),
        None,
        None,
        &[chrome, ("x-forwarded-for", "198.51.100.8")],
    )
    .await;
    assert_eq!(
        (r.status, r.json["signature"].as_str()),
        (403, Some("missing_signature"))
    );
    let r = call(
        Method::GET,
        &s.url("/excluded.app?site_id=1&pid=x"),
        None,
        None,
        &[chrome, ("referer", "https://a.example/")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let blocked = get(&s.url("/api/v1/sites/1/blocked-ips"), token.as_deref()).await;
    assert_eq!(
        blocked.json["data"][0]["ip_address"], "198.51.100.7",
        "auto-blocked at 80 points"
    );
    assert_eq!(blocked.json["data"][0]["source"], "auto");
    let blocked = get(&s.url("/api/v1/sites/1/blocked-ips"), token.as_deref()).await;
    let clicks = s
        .state
        .store
        .clicks(1, &Default::default(), None, 10)
        .unwrap();
    eprintln!(
        "{:?}",
        clicks
            .iter()
            .map(|c| (&c.ip, &c.status, &c.reasons, c.fraud_score))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        blocked.json["data"][0]["ip_address"], "198.51.100.7",
        "auto-blocked at 80 points: {} {}",
        blocked.status, blocked.json
    );
    assert_eq!(blocked.json["data"][0]["source"], "auto");
    let test = api(
        &s,
        Method::POST,
        "/test",
        Some(r#"{"url":"https://x.example/a?b=1"}"#),
    )
    .await;
    assert_eq!(test.json["test-status"], "Failed");

    // The report counts the clicks sent, in this hour.
    let report = api(&s, Method::GET, "/report", None).await;
    let hour = clickfence::UtcHour::containing(clickfence_server::state::now() as u64).to_string();
    // CSV comes back as text, not JSON.
    assert_eq!(report.status, 200);
    let csv = {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<http_body_util::Full<hyper::body::Bytes>>();
        let req = hyper::Request::get(s.url("/api/p360-click-signing/report"))
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .body(Default::default())
            .unwrap();
        let res = client.request(req).await.unwrap();
        let bytes = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    assert_eq!(csv, format!("time,total_clicks,valid_clicks,missing_signature,expired_clicks,invalid_signature,no_active_secrets,replayed_clicks\n{hour},3,1,1,0,1,0,0\n"));
    assert_eq!(
        api(&s, Method::GET, "/report?start-date=2021-01-07T07", None)
            .await
            .status,
        400
    );
    assert_eq!(
        api(
            &s,
            Method::GET,
            "/report?start-date=2021-01-07&end-date=2021-01-08",
            None
        )
        .await
        .status,
        400
    );

    // Everything survives a restart.
    s.stop().await;
    let (s, _) = Server::start(&db).await;
    let config = api(&s, Method::GET, "/config", None).await.json;
    assert_eq!(config["mode"], "enabled");
    assert_eq!(config["circuit-breaker-config"]["status"], "disabled");
    assert_eq!(config["active-key-ids"].as_array().unwrap().len(), 2);
    assert_eq!(config["excluded-app-ids"], json!(["excluded.app"]));
    // The click sent before the restart is a consumed ticket...
    let r = call(
        Method::GET,
        &s.url(path),
        None,
        None,
        &[chrome, ("referer", "https://news.example/")],
    )
    .await;
    assert_ne!(
        r.json["status"], "valid",
        "a ticket is valid once: {}",
        r.json
    );
    // ...and a new one signed with the persisted key verifies.
    let link = java_sign(
        &format!("{CLICK_BASE}/com.app.id?site_id=1&pid=adnetwork_int&c=my_campaign&clickid=abd"),
        &secret,
        now_ms + 300_000,
    );
    let r = call(
        Method::GET,
        &s.url(link.trim_start_matches(CLICK_BASE)),
        None,
        None,
        &[chrome, ("referer", "https://news.example/")],
    )
    .await;
    assert_eq!(
        r.json["status"], "valid",
        "the persisted key still verifies"
    );
    assert_eq!(
        api(&s, Method::DELETE, &format!("/secret/{id}"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        api(&s, Method::DELETE, &format!("/secret/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        api(
            &s,
            Method::DELETE,
            "/config/excluded-app/excluded.app",
            None
        )
        .await
        .status,
        200
    );
    s.stop().await;
}

/// A link exactly as the spec's Java sample signs it (no `site_id`) reaches
/// the server: verified, counted in the report, scored, recorded on the
/// attribution site (the oldest active site by default) and answered.
#[tokio::test]
async fn spec_shaped_links_without_site_id_are_attributed() {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start(&dir.path().join("db")).await;
    let key = api(&s, Method::POST, "/secret", None).await;
    let secret = key.json["secret-key"].as_str().unwrap().to_owned();
    api(&s, Method::POST, "/config/mode/enabled", None).await;
    let now_ms = clickfence_server::state::now() * 1000;
    let link = java_sign(
        &format!("{CLICK_BASE}/com.app.id?pid=adnetwork_int&c=my_campaign&clickid=sdkfjasksjskdfj9845weh&af_site_id=12345"),
        &secret,
        now_ms + 300_000,
    );
    let chrome = ("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
    let r = call(
        Method::GET,
        &s.url(link.trim_start_matches(CLICK_BASE)),
        None,
        None,
        &[chrome, ("referer", "https://news.example/")],
    )
    .await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (200, Some("valid")),
        "{}",
        r.json
    );
    let hour = clickfence_server::state::now() / 3600;
    s.state.report.flush(&s.state.store).unwrap();
    let report = s.state.store.signed_click_report(hour, hour).unwrap();
    assert_eq!(report.len(), 1, "counted in the click-signing report");
    assert_eq!(report[0][1..3], [1, 1], "one click, valid: {report:?}");
    let clicks = get(&s.url("/api/v1/sites/1/clicks"), token.as_deref()).await;
    assert_eq!(
        clicks.json["data"].as_array().unwrap().len(),
        1,
        "recorded on site 1"
    );
    let config = api(&s, Method::GET, "/config", None).await;
    assert_eq!(config.status, 200);

    // Paths without an app id's shape, or without click parameters, are no
    // clicks: 404 in the platform's shape, nothing recorded.
    for path in [
        "/wp-login.php?pid=x",
        "/health?pid=x",
        "/com.app.id?c=campaign",
        "/id12x?clickid=1",
    ] {
        let r = call(Method::GET, &s.url(path), None, None, &[chrome]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json["message"], "Resource not found.", "{path}");
    }
    let clicks = get(&s.url("/api/v1/sites/1/clicks"), token.as_deref()).await;
    assert_eq!(clicks.json["data"].as_array().unwrap().len(), 1);
    s.stop().await;

    // An explicit attribution site that does not exist records nothing.
    let dir = tempfile::tempdir().unwrap();
    let (s, _) =
        Server::start_with(&dir.path().join("db"), |c| c.attribution_site = Some(999)).await;
    let r = call(
        Method::GET,
        &s.url("/com.app.id?pid=x"),
        None,
        None,
        &[chrome],
    )
    .await;
    assert_eq!(r.status, 404);
    s.stop().await;
}

#[tokio::test]
async fn ttl_hours_errors_name_the_query_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start(&dir.path().join("db")).await;
    for ttl in ["0", "9000", "x"] {
        let r = api(&s, Method::POST, &format!("/secret?ttlHours={ttl}"), None).await;
        assert_eq!(r.status, 400);
        let message = r.json["message"].as_str().unwrap();
        assert!(message.starts_with("ttlHours must be"), "{message}");
    }
    s.stop().await;
}
