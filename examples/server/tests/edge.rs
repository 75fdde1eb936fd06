//! The edge API over real HTTP.

mod common;

use std::sync::Arc;

use common::{call, get, Server, API_SECRET};
use hyper::Method;
use serde_json::json;

async fn get_owned(url: String) -> common::Resp {
    get(&url, None).await
}

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start(&dir.path().join("db")).await;
    (dir, s)
}

fn bearer() -> String {
    format!("Bearer {API_SECRET}")
}

async fn sync(s: &Server, body: &serde_json::Value, auth: Option<&str>) -> common::Resp {
    let mut h = vec![("content-type", "application/json")];
    if let Some(a) = auth {
        h.push(("authorization", a));
    }
    call(
        Method::POST,
        &s.url("/api/sync-ip-blocking-config"),
        None,
        Some(&body.to_string()),
        &h,
    )
    .await
}

#[tokio::test]
async fn ip_access_follows_synced_policies_and_trusts_cf_headers_only_from_proxies() {
    let (_d, s) = server().await;
    let shop = "mystore.myshopify.com";
    // No policy yet: allowed.
    assert_eq!(
        get(&s.url(&format!("/api/check-ip-access?shop={shop}")), None)
            .await
            .json,
        json!({"allowed": true})
    );
    let config = json!({"shop": shop, "config": {"enabled": true, "blockedIPs": ["1.2.3.4", "5.6.7.8"], "blockedCIDRs": ["192.168.0.0/24"],
        "blockedCountries": ["XX", "YY"], "allowedIPs": ["10.0.0.1"], "blockVPN": true, "blockDatacenter": true, "blockTor": false}});
    let r = sync(&s, &config, None).await;
    assert_eq!((r.status, &r.json["code"]), (401, &json!("UNAUTHORIZED")));
    let r = sync(&s, &config, Some("Bearer wrong")).await;
    assert_eq!(r.status, 401);
    let r = sync(&s, &config, Some(&bearer())).await;
    assert_eq!((r.status, r.json.clone()), (200, json!({"success": true})));

    let check = |ip: &'static str, country: &'static str| {
        let url = s.url(&format!("/api/check-ip-access?shop={shop}"));
        async move {
            call(
                Method::GET,
                &url,
                None,
                None,
                &[("cf-connecting-ip", ip), ("cf-ipcountry", country)],
            )
            .await
            .json
        }
    };
    // The test client is on 127.0.0.1, a trusted proxy range here.
    assert_eq!(
        check("1.2.3.4", "US").await,
        json!({"allowed": false, "reason": "blocked_ip", "country": "US"})
    );
    assert_eq!(check("192.168.0.9", "US").await["reason"], "blocked_cidr");
    assert_eq!(
        check("203.0.113.5", "XX").await,
        json!({"allowed": false, "reason": "blocked_country", "country": "XX"})
    );
    assert_eq!(check("10.0.0.1", "YY").await, json!({"allowed": true}));
    assert_eq!(check("203.0.113.5", "DE").await, json!({"allowed": true}));

    // A bad config is refused with the field named and changes nothing.
    let bad = json!({"shop": shop, "config": {"enabled": true, "blockedIPs": ["1.2.3.4/24"]}});
    let r = sync(&s, &bad, Some(&bearer())).await;
    assert_eq!(
        (r.status, &r.json["code"]),
        (400, &json!("INVALID_REQUEST"))
    );
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("blockedIPs[0]"),
        "{}",
        r.json
    );
    assert_eq!(
        check("1.2.3.4", "US").await["reason"],
        "blocked_ip",
        "the old policy is still in force"
    );
    let r = sync(
        &s,
        &json!({"shop": shop, "config": {"enabled": true, "extra": 1}}),
        Some(&bearer()),
    )
    .await;
    assert_eq!(r.status, 400);

    // Refusals were recorded as ip_blocking activity.
    let feed = call(
        Method::GET,
        &s.url(&format!(
            "/api/ip-blocking-activity?shop={shop}&limit=2&offset=0"
        )),
        None,
        None,
        &[("authorization", &bearer())],
    )
    .await;
    assert_eq!(feed.json["total"], 4);
    assert_eq!(feed.json["data"].as_array().unwrap().len(), 2);
    assert_eq!(feed.json["data"][0]["reason"], "blocked_ip", "newest first");
    assert_eq!(feed.json["data"][1]["reason"], "blocked_country");
    assert!(feed.json["data"][0]["id"]
        .as_str()
        .unwrap()
        .starts_with("ipb_"));
    s.stop().await;
}

#[tokio::test]
async fn untrusted_peers_cannot_spoof_cf_headers() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        clickfence_server::storage::Store::open(&common::database(&dir.path().join("db"))).unwrap();
    // Trust only a range the test client is not in.
    let config = clickfence_server::state::ServerConfig {
        trusted_proxies: clickfence::IpSet::from_strs(["203.0.113.0/24"]).unwrap(),
        api_secret: Some(API_SECRET.into()),
        ..Default::default()
    };
    let state =
        std::sync::Arc::new(clickfence_server::state::AppState::new(store, config).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let st = std::sync::Arc::clone(&state);
    tokio::spawn(
        async move { clickfence_server::serve(st, listener, std::future::pending()).await },
    );
    let body = json!({"shop": "s", "config": {"enabled": true, "blockedIPs": ["1.2.3.4"], "blockedCountries": ["RU"]}});
    let r = call(
        Method::POST,
        &format!("http://{addr}/api/sync-ip-blocking-config"),
        None,
        Some(&body.to_string()),
        &[("authorization", &bearer())],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = call(
        Method::GET,
        &format!("http://{addr}/api/check-ip-access?shop=s"),
        None,
        None,
        &[("cf-connecting-ip", "1.2.3.4"), ("cf-ipcountry", "RU")],
    )
    .await;
    assert_eq!(
        r.json,
        json!({"allowed": true}),
        "the forged headers are ignored; the peer 127.0.0.1 is allowed"
    );
}

#[tokio::test]
async fn pixels_feed_analytics_trend_feeds_and_billing() {
    let (_d, s) = server().await;
    let shop = "mystore.myshopify.com";
    common::enrol(&s, shop).await;
    let send = |body: serde_json::Value, ip: &'static str| {
        let url = s.url("/api/pixels");
        async move {
            call(
                Method::POST,
                &url,
                None,
                Some(&body.to_string()),
                &[("cf-connecting-ip", ip), ("cf-ipcountry", "US")],
            )
            .await
        }
    };
    let base = |kind: &str, visitor: &str| json!({"type": kind, "shop": shop, "sessionId": format!("s-{visitor}"), "visitorId": visitor, "timestamp": 1709424000000i64, "page": "/products/example", "userAgent": "Mozilla/5.0"});
    let mut e = base("session_init", "v1");
    e["fingerprint"] = json!("fp");
    e["deviceInfo"] = json!({"w": 1});
    assert_eq!(
        send(e.clone(), "1.1.1.1").await.json,
        json!({"success": true})
    );
    e["visitorId"] = json!("v2");
    send(e, "2.2.2.2").await;
    let mut bot = base("bot_detection", "v1");
    bot["signalType"] = json!("selenium");
    bot["confidence"] = json!(95);
    bot["details"] = json!({});
    send(bot.clone(), "1.1.1.1").await;
    send(bot.clone(), "1.1.1.1").await;
    let mut spy = base("spy_detection", "v2");
    spy["toolName"] = json!("ppspy");
    spy["detectionMethod"] = json!("global_object");
    send(spy, "2.2.2.2").await;

    // Every type's required fields are enforced, with the field named.
    for (kind, missing) in [
        ("session_init", "fingerprint"),
        ("basic_security", "event"),
        ("bot_detection", "signalType"),
        ("spy_detection", "toolName"),
        ("ip_blocking", "reason"),
        ("behavior_analytics", "signalType"),
        ("checkout_session", "cartValue"),
    ] {
        let r = send(base(kind, "v9"), "9.9.9.9").await;
        assert_eq!(
            (r.status, &r.json["code"]),
            (400, &json!("INVALID_REQUEST")),
            "{kind}"
        );
        assert!(
            r.json["message"].as_str().unwrap().contains(missing),
            "{kind}: {}",
            r.json
        );
    }
    assert_eq!(
        send(json!({"type": "nope", "shop": shop}), "9.9.9.9")
            .await
            .status,
        400
    );
    assert_eq!(
        send(json!({"type": "ip_blocking", "reason": "x"}), "9.9.9.9")
            .await
            .status,
        400,
        "shop is required"
    );
    let mut low = bot.clone();
    low["confidence"] = json!(250);
    assert_eq!(send(low, "9.9.9.9").await.status, 400);
    let big = json!({"type": "ip_blocking", "shop": shop, "reason": "x".repeat(70_000)});
    assert_eq!(send(big, "9.9.9.9").await.status, 413);

    let today =
        clickfence_server::storage::rfc3339(clickfence_server::state::now())[..10].to_owned();
    let auth = [("authorization", bearer())];
    let h: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let q = format!("shop={shop}&start={today}&end={today}");
    let summary = call(
        Method::GET,
        &s.url(&format!("/api/analytics/summary?{q}")),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(
        summary["totals"],
        json!({"sessions": 2, "uniqueVisitors": 2, "protectionEvents": 0, "botEvents": 2, "spyEvents": 1, "ipBlockingEvents": 0})
    );
    assert_eq!(summary["period"], json!({"start": today, "end": today}));
    assert_eq!(
        get(&s.url(&format!("/api/analytics/summary?{q}")), None)
            .await
            .status,
        401
    );

    let trend = call(
        Method::GET,
        &s.url(&format!(
            "/api/analytics/trend?shop={shop}&start=2024-03-01&end=2024-03-07&metric=bot_events"
        )),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(
        trend["data"].as_array().unwrap().len(),
        7,
        "every day present"
    );
    assert_eq!(trend["data"][0], json!({"date": "2024-03-01", "value": 0}));
    assert_eq!(
        call(
            Method::GET,
            &s.url(&format!("/api/analytics/trend?{q}&metric=nope")),
            None,
            None,
            &h
        )
        .await
        .status,
        400
    );
    let top = call(
        Method::GET,
        &s.url(&format!("/api/analytics/top-ips?{q}&limit=1")),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(
        top["data"],
        json!([{"ip": "1.1.1.1", "count": 2, "country": "US"}])
    );
    let pages = call(
        Method::GET,
        &s.url(&format!("/api/analytics/top-pages?{q}")),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(
        pages["data"][0],
        json!({"page": "/products/example", "count": 3})
    );
    let countries = call(
        Method::GET,
        &s.url(&format!("/api/analytics/top-countries?{q}")),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(countries["data"][0], json!({"country": "US", "count": 3}));
    let bots = call(
        Method::GET,
        &s.url(&format!("/api/bot-activity?shop={shop}&limit=50&offset=0")),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(
        (
            bots["total"].as_i64(),
            bots["data"][0]["signalType"].as_str(),
            bots["data"][0]["confidence"].as_i64()
        ),
        (Some(2), Some("selenium"), Some(95))
    );
    let spies = call(
        Method::GET,
        &s.url(&format!("/api/spy-activity?shop={shop}")),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(spies["data"][0]["toolName"], "ppspy");
    let billing = call(
        Method::GET,
        &s.url(&format!("/api/billing/visitor-count?{q}")),
        None,
        None,
        &h,
    )
    .await
    .json;
    assert_eq!(billing["count"], 2);
    for bad in [
        "start=2024-03-07&end=2024-03-01",
        "start=yesterday&end=2024-03-01",
        "end=2024-03-01",
    ] {
        let r = call(
            Method::GET,
            &s.url(&format!("/api/analytics/summary?shop={shop}&{bad}")),
            None,
            None,
            &h,
        )
        .await;
        assert_eq!((r.status, &r.json["error"]), (400, &json!(true)), "{bad}");
    }
    s.stop().await;
}

#[tokio::test]
async fn heartbeat_and_protection_config() {
    let (_d, s) = server().await;
    let shop = "mystore.myshopify.com";
    let config_of = |shop: &str| get_owned(s.url(&format!("/api/protection-config?shop={shop}")));
    let beat = json!({"shop": shop, "protections": {"rightClick": true, "copy": true, "devTools": false, "viewSource": false, "imageProtection": true, "textSelection": false},
        "botDetection": {"enabled": true, "honeypot": true, "trapLinks": true}, "spyDetection": true, "ipBlocking": true, "version": "1.0.0", "timestamp": 1709424000000i64});
    let heartbeat = |body: serde_json::Value| {
        let url = s.url("/api/heartbeat");
        async move { call(Method::POST, &url, None, Some(&body.to_string()), &[]).await }
    };
    // A shop nobody enrolled: the storefront routes answer 404 and keep nothing.
    let r = heartbeat(beat.clone()).await;
    assert_eq!((r.status, &r.json["code"]), (404, &json!("NOT_FOUND")));
    let r = config_of(shop).await;
    assert_eq!((r.status, &r.json["code"]), (404, &json!("NOT_FOUND")));
    assert!(s.state.store.report(shop).unwrap().is_none());
    // The owner sets the configuration with the API secret (enrolling it)...
    let r = call(
        Method::POST,
        &s.url("/api/sync-protection-config"),
        Some(API_SECRET),
        Some(&beat.to_string()),
        &[],
    )
    .await;
    assert_eq!(r.json, json!({"success": true}));
    let owner = json!({"protections": beat["protections"], "botDetection": beat["botDetection"], "spyDetection": true, "ipBlocking": true});
    assert_eq!(config_of(shop).await.json, owner);
    // ...and without it nothing is set.
    let r = call(
        Method::POST,
        &s.url("/api/sync-protection-config"),
        Some("wrong"),
        Some(&beat.to_string()),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
    // Anyone's heartbeat with every switch off is kept as a report; the
    // configuration the storefront reads is untouched.
    let off = json!({"shop": shop, "protections": {"rightClick": false, "copy": false, "devTools": false, "viewSource": false, "imageProtection": false, "textSelection": false},
        "botDetection": {"enabled": false, "honeypot": false, "trapLinks": false}, "spyDetection": false, "ipBlocking": false});
    let r = heartbeat(off).await;
    assert_eq!(r.json, json!({"success": true}));
    assert_eq!(
        config_of(shop).await.json,
        owner,
        "a heartbeat changed the config"
    );
    let (report, _, proxied) = s.state.store.report(shop).unwrap().unwrap();
    assert!(!proxied);
    assert!(report.contains(r#""spyDetection":false"#), "{report}");
    let r = call(
        Method::POST,
        &s.url("/api/heartbeat"),
        None,
        Some(r#"{"shop":"x","protections":5}"#),
        &[],
    )
    .await;
    assert_eq!(r.status, 400);
    // Every switch is a JSON boolean: a string is refused with the field
    // named, never stored as given or read as `false`.
    for (bad, field) in [
        (
            json!({"shop": shop, "protections": {"rightClick": "yes"}}),
            "protections.rightClick",
        ),
        (
            json!({"shop": shop, "protections": {}, "spyDetection": "true"}),
            "spyDetection",
        ),
        (
            json!({"shop": shop, "protections": {}, "botDetection": {"enabled": 1}}),
            "botDetection.enabled",
        ),
    ] {
        let r = call(
            Method::POST,
            &s.url("/api/heartbeat"),
            None,
            Some(&bad.to_string()),
            &[],
        )
        .await;
        assert_eq!(
            (r.status, &r.json["code"]),
            (400, &json!("INVALID_REQUEST")),
            "{bad}"
        );
        let message = r.json["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{message}");
    }
    let r = get(&s.url(&format!("/api/protection-config?shop={shop}")), None).await;
    assert_eq!(
        r.json["spyDetection"], true,
        "the stored config is untouched"
    );
    s.stop().await;
}

/// Storefront bodies are limited to 64 KiB while they arrive: a 4 MiB
/// chunked body (no length announced) is refused with 413 in the edge
/// shape, and nothing is stored.
#[tokio::test]
async fn storefront_bodies_over_64_kib_are_refused_while_reading() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_d, s) = server().await;
    let addr = s
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    for path in ["/api/pixels", "/api/heartbeat"] {
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (mut rd, mut wr) = stream.into_split();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        // The writer runs apart: a server that stops reading must not
        // stall the test.
        let writer = tokio::spawn(async move {
            wr.write_all(head.as_bytes()).await?;
            let chunk = [b' '; 64 * 1024];
            for _ in 0..64 {
                wr.write_all(b"10000\r\n").await?;
                wr.write_all(&chunk).await?;
                wr.write_all(b"\r\n").await?;
            }
            wr.write_all(b"0\r\n\r\n").await
        });
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        let read = async {
            while !String::from_utf8_lossy(&answer).contains("PAYLOAD_TOO_LARGE") {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(20), read)
            .await
            .unwrap();
        writer.abort();
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 413"), "{path}: {text:.300}");
        assert!(text.contains(r#""error":true"#), "{path}: {text:.300}");
    }
    // A well-formed heartbeat padded past 64 KiB is refused too; one just
    // under it is read.
    let shop = "mystore.myshopify.com";
    common::enrol(&s, shop).await;
    for (pad, status) in [(100 * 1024, 413), (60 * 1024, 200)] {
        let beat = format!(
            r#"{{"shop":"{shop}",{}"protections":{{"rightClick":true}}}}"#,
            " ".repeat(pad)
        );
        let r = call(
            Method::POST,
            &s.url("/api/heartbeat"),
            None,
            Some(&beat),
            &[],
        )
        .await;
        assert_eq!(r.status, status, "{pad} bytes of padding: {}", r.body);
    }
    let rows = s
        .state
        .store
        .query_rows("SELECT COUNT(*) FROM pixel_events", &[])
        .unwrap();
    assert_eq!(format!("{:?}", rows[0][0]), "Int(0)");
    s.stop().await;
}

/// Pixels and heartbeats for shops nobody enrolled are refused (404) and
/// store nothing, however many names an attacker rotates through; the
/// dashboard lists enrolled shops only; un-enrolment closes the routes
/// again and check-ip-access then allows everyone.
#[tokio::test]
async fn made_up_shops_store_nothing_and_only_the_owner_enrols() {
    let (_d, s) = server().await;
    let real = "zz-real.myshopify.com";
    let pixel = |shop: String| {
        let url = s.url("/api/pixels");
        async move {
            let body = json!({"type": "session_init", "shop": shop, "sessionId": "s", "visitorId": "v",
                "timestamp": 1709424000000i64, "page": "/", "userAgent": "Mozilla/5.0", "fingerprint": "fp", "deviceInfo": {}});
            call(
                Method::POST,
                &url,
                None,
                Some(&body.to_string()),
                &[("cf-connecting-ip", "198.51.100.9")],
            )
            .await
        }
    };
    // Anyone's POST /api/shops without the secret enrols nothing.
    let r = call(
        Method::POST,
        &s.url("/api/shops"),
        None,
        Some(&json!({"shop": real}).to_string()),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
    common::enrol(&s, real).await;
    for i in 0..100 {
        let r = pixel(format!("aa-{i:03}.myshopify.com")).await;
        assert_eq!(
            (r.status, &r.json["code"]),
            (404, &json!("NOT_FOUND")),
            "{i}"
        );
    }
    assert_eq!(pixel(real.into()).await.status, 200);
    let rows = s
        .state
        .store
        .query_rows("SELECT DISTINCT shop FROM pixel_events", &[])
        .unwrap();
    assert_eq!(format!("{rows:?}"), format!("[[Text({real:?})]]"));
    assert_eq!(
        s.state.store.enrolled_shops().unwrap(),
        vec![real.to_owned()]
    );
    // Un-enrolled: the storefront routes close, the policy goes.
    let policy = json!({"shop": real, "config": {"enabled": true, "blockedIPs": ["198.51.100.9"]}});
    let r = call(
        Method::POST,
        &s.url("/api/sync-ip-blocking-config"),
        Some(API_SECRET),
        Some(&policy.to_string()),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let check = || get_owned(s.url(&format!("/api/check-ip-access?shop={real}")));
    let r = call(
        Method::GET,
        &s.url(&format!("/api/check-ip-access?shop={real}")),
        None,
        None,
        &[("cf-connecting-ip", "198.51.100.9")],
    )
    .await;
    assert_eq!(r.json["allowed"], false, "{}", r.body);
    let r = call(
        Method::DELETE,
        &s.url(&format!("/api/shops?shop={real}")),
        Some(API_SECRET),
        None,
        &[],
    )
    .await;
    assert_eq!(r.json, json!({"success": true, "removed": true}));
    assert_eq!(pixel(real.into()).await.status, 404);
    assert_eq!(check().await.json, json!({"allowed": true}));
    s.stop().await;
}

/// With `--cloudflare-origin-secret`, CF-Connecting-IP and CF-IPCountry are
/// believed only on requests carrying the zone's secret header: another
/// Cloudflare customer's Worker (same ranges, headers of its choice, no
/// secret) cannot pick the address or country a shop's policy sees.
#[tokio::test]
async fn cf_headers_are_believed_only_with_this_zones_origin_secret() {
    const ORIGIN: &str = "zone-origin-secret-Qm7tV2xK9pR4wB8n";
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| {
        c.cloudflare_origin_secret = Some(ORIGIN.into());
    })
    .await;
    let shop = "mystore.myshopify.com";
    let policy = json!({"shop": shop, "config": {"enabled": true, "blockedIPs": ["198.51.100.9"], "blockedCountries": ["RU"]}});
    assert_eq!(sync(&s, &policy, Some(&bearer())).await.status, 200);
    let check = |ip: &'static str, country: &'static str, secret: Option<&'static str>| {
        let url = s.url(&format!("/api/check-ip-access?shop={shop}"));
        async move {
            let mut h = vec![("cf-connecting-ip", ip), ("cf-ipcountry", country)];
            if let Some(secret) = secret {
                h.push(("x-clickfence-origin", secret));
            }
            call(Method::GET, &url, None, None, &h).await.json["allowed"].clone()
        }
    };
    // Through this zone: believed.
    assert_eq!(
        check("198.51.100.9", "US", Some(ORIGIN)).await,
        json!(false)
    );
    assert_eq!(check("203.0.113.9", "RU", Some(ORIGIN)).await, json!(false));
    // Another zone's Worker, or a wrong secret: the address is the peer's
    // and the country unknown, so neither is blocked as claimed.
    for secret in [None, Some("zone-origin-secret-Qm7tV2xK9pR4wB8N"), Some("")] {
        assert_eq!(
            check("198.51.100.9", "US", secret).await,
            json!(true),
            "{secret:?}"
        );
        assert_eq!(
            check("203.0.113.9", "RU", secret).await,
            json!(true),
            "{secret:?}"
        );
    }
    s.stop().await;
}

/// Billing counts billed visitors only: 2,000 invented visitor ids from one
/// IPv6 /64 add at most 10; 500 visitors from 500 addresses are all billed;
/// a visitor the shop's policy refuses, or a bot, is never billed; and
/// `uniqueVisitors` agrees with the bill.
#[tokio::test]
async fn invented_visitors_cannot_inflate_the_bill() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.pixel_rate_limit = 100_000).await;
    let shop = "mystore.myshopify.com";
    let policy = json!({"shop": shop, "config": {"enabled": true, "blockedIPs": ["192.0.2.66"]}});
    assert_eq!(sync(&s, &policy, Some(&bearer())).await.status, 200);
    let session = |visitor: String, ip: String, ua: &'static str| {
        let url = s.url("/api/pixels");
        async move {
            let body = json!({"type": "session_init", "shop": shop, "sessionId": format!("s-{visitor}"), "visitorId": visitor,
                "timestamp": 1709424000000i64, "page": "/", "userAgent": ua, "fingerprint": "fp", "deviceInfo": {}});
            let r = call(
                Method::POST,
                &url,
                None,
                Some(&body.to_string()),
                &[("cf-connecting-ip", &ip), ("user-agent", ua)],
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };
    const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    for i in 0..2000u32 {
        session(
            format!("forged-{i}"),
            format!("2001:db8:77:1:{:x}::1", i % 500),
            BROWSER,
        )
        .await;
    }
    for i in 0..500u32 {
        session(
            format!("real-{i}"),
            format!("198.18.{}.{}", i / 200, 1 + i % 200),
            BROWSER,
        )
        .await;
    }
    session("refused".into(), "192.0.2.66".into(), BROWSER).await;
    session(
        "crawler".into(),
        "203.0.113.80".into(),
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
    )
    .await;
    // A chat app's link preview and a crawler only the crawler-user-agents
    // list knows are not people either (givt: never billed).
    session(
        "preview".into(),
        "203.0.113.81".into(),
        "WhatsApp/2.23.20.0 A",
    )
    .await;
    session(
        "ruxit".into(),
        "203.0.113.82".into(),
        "RuxitSynthetic/1.0 v7329409562 t8581934316185460519 athe94ac249 altpub cvcv=2 smf=0",
    )
    .await;
    let today = clickfence_server::storage::rfc3339(clickfence_server::state::now());
    let period = format!("shop={shop}&start={}&end={}", &today[..10], &today[..10]);
    let auth = bearer();
    let bill = call(
        Method::GET,
        &s.url(&format!("/api/billing/visitor-count?{period}")),
        None,
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(bill.json["count"], 510, "{}", bill.body);
    let summary = call(
        Method::GET,
        &s.url(&format!("/api/analytics/summary?{period}")),
        None,
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(
        summary.json["totals"]["uniqueVisitors"], 510,
        "{}",
        summary.body
    );
    assert_eq!(
        summary.json["totals"]["sessions"], 2504,
        "every event is still stored"
    );
    // 510 billed visitors on a shop with no history: a jump, on /metrics.
    let series = format!("clickfence_billed_visitors_jump{{shop=\"{shop}\"}}");
    let metrics = get(&s.url("/metrics"), None).await.body;
    assert!(metrics.contains(&format!("{series} 1")), "{metrics}");
    // The same day on a shop used to 400 a day is not.
    for back in 1..=7 {
        let day =
            clickfence_server::storage::rfc3339(clickfence_server::state::now() - back * 86_400);
        s.state
            .store
            .execute_sql(
                "INSERT INTO pixel_usage (shop, day, scope, billed) VALUES (?1, ?2, '', 400)",
                &[&shop, &&day[..10]],
            )
            .unwrap();
    }
    let metrics = get(&s.url("/metrics"), None).await.body;
    assert!(metrics.contains(&format!("{series} 0")), "{metrics}");
    s.stop().await;
}

/// The pixel quota counts a client (IPv6 /64) and its network (/48, ten
/// times the quota), so rotating addresses inside one allocation buys no
/// fresh quota.
#[tokio::test]
async fn rotating_addresses_inside_an_allocation_meets_the_pixel_quota() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.pixel_rate_limit = 5).await;
    let shop = "mystore.myshopify.com";
    common::enrol(&s, shop).await;
    let pixel = |ip: String| {
        let url = s.url("/api/pixels");
        async move {
            let body = json!({"type": "basic_security", "shop": shop, "sessionId": "s", "visitorId": "v",
                "timestamp": 1709424000000i64, "page": "/", "userAgent": "Mozilla/5.0", "event": "copy_blocked"});
            call(
                Method::POST,
                &url,
                None,
                Some(&body.to_string()),
                &[("cf-connecting-ip", &ip)],
            )
            .await
            .status
        }
    };
    let mut statuses = Vec::new();
    for i in 0..10u32 {
        statuses.push(pixel(format!("2001:db8:5:1::{:x}", i + 1)).await);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    // Other /64s of the same /48: the network's quota (50) runs out too.
    let mut network = Vec::new();
    for i in 0..80u32 {
        network.push(pixel(format!("2001:db8:5:{:x}::1", 0x100 + i)).await);
    }
    let accepted = network.iter().filter(|s| **s == 200).count();
    assert_eq!(accepted, 45, "{network:?}");
    s.stop().await;
}

/// A heartbeat through Shopify's app proxy carries Shopify's signature: it
/// is verified and attributed to the shop it went through, and a correctly
/// signed, all-false heartbeat still leaves protection-config unchanged;
/// a bad signature is refused (401) and stores nothing.
#[tokio::test]
async fn a_signed_proxied_heartbeat_is_a_report_too() {
    const APP_SECRET: &str = "shpss_0123456789abcdef0123456789abcdef";
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| {
        c.shopify_app_secret = Some(APP_SECRET.into());
    })
    .await;
    let shop = "mystore.myshopify.com";
    let owner = json!({"shop": shop, "protections": {"rightClick": true}, "spyDetection": true, "ipBlocking": true});
    let r = call(
        Method::POST,
        &s.url("/api/sync-protection-config"),
        Some(API_SECRET),
        Some(&owner.to_string()),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    let before = get(&s.url(&format!("/api/protection-config?shop={shop}")), None)
        .await
        .json;
    // Signed the way Shopify signs (clickfence's own signer, checked against
    // Shopify's published example and Python's hmac in the vectors).
    let now = clickfence_server::state::now();
    let unsigned = format!(
        "shop={shop}&logged_in_customer_id=&path_prefix=%2Fapps%2Fclickfence&timestamp={now}"
    );
    let sig = clickfence::webhook::app_proxy_signature(&unsigned, APP_SECRET.as_bytes()).unwrap();
    let off = json!({"shop": "someone-else.myshopify.com", "protections": {"rightClick": false}, "spyDetection": false, "ipBlocking": false});
    let url = s.url(&format!("/api/heartbeat?{unsigned}&signature={sig}"));
    let r = call(Method::POST, &url, None, Some(&off.to_string()), &[]).await;
    assert_eq!(r.json, json!({"success": true}), "{}", r.body);
    let after = get(&s.url(&format!("/api/protection-config?shop={shop}")), None)
        .await
        .json;
    assert_eq!(before, after, "a signed heartbeat changed the config");
    let (report, _, proxied) = s.state.store.report(shop).unwrap().unwrap();
    assert!(
        proxied && report.contains(r#""ipBlocking":false"#),
        "{report}"
    );
    // Tampered: refused, nothing stored for the shop named in the query.
    let forged = s.url(&format!(
        "/api/heartbeat?{}&signature={sig}",
        unsigned.replace("mystore", "victim")
    ));
    let r = call(Method::POST, &forged, None, Some(&off.to_string()), &[]).await;
    assert_eq!(
        (r.status, &r.json["code"]),
        (401, &json!("UNAUTHORIZED")),
        "{}",
        r.body
    );
    s.stop().await;
}

/// A shop's daily budget: one network (an IPv6 /48 here) stores at most its
/// share, so its flood cannot blind the shop; other networks keep being
/// stored up to the shop's total; events past either are counted, not
/// stored, and the dashboard says so.
#[tokio::test]
async fn one_network_cannot_use_up_a_shops_daily_budget() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| {
        c.pixel_rate_limit = 100_000;
        c.pixel_budget = clickfence::rate::budget::DailyBudget {
            events: 100,
            bytes: 1 << 20,
            network_percent: 20,
        };
    })
    .await;
    let shop = "mystore.myshopify.com";
    common::enrol(&s, shop).await;
    let pixel = |ip: String| {
        let url = s.url("/api/pixels");
        async move {
            let body = json!({"type": "bot_detection", "shop": shop, "sessionId": "s", "visitorId": "v",
                "timestamp": 1709424000000i64, "page": "/", "userAgent": "Mozilla/5.0", "signalType": "selenium", "confidence": 90, "details": {}});
            call(
                Method::POST,
                &url,
                None,
                Some(&body.to_string()),
                &[("cf-connecting-ip", &ip)],
            )
            .await
            .status
        }
    };
    let stored = || {
        let rows = s
            .state
            .store
            .query_rows("SELECT COUNT(*) FROM pixel_events", &[])
            .unwrap();
        format!("{:?}", rows[0][0])
    };
    // 300 events from 300 /64s of one /48: 20 stored, the rest counted.
    for i in 0..300u32 {
        assert_eq!(pixel(format!("2001:db8:66:{:x}::1", i + 1)).await, 200);
    }
    assert_eq!(stored(), "Int(20)");
    // Other networks are still stored, up to the shop's 100.
    for i in 0..100u32 {
        assert_eq!(pixel(format!("198.18.{}.9", i)).await, 200);
    }
    assert_eq!(stored(), "Int(100)");
    let today = clickfence_server::storage::rfc3339(clickfence_server::state::now());
    let (_, _, dropped) = s.state.store.usage_on(shop, &today[..10]).unwrap();
    assert_eq!(dropped, 300);
    s.stop().await;
}

/// A pixel quota set above the largest a quota can count is that largest,
/// for the client and for its network (ten times the setting): it never
/// falls back to the 60-a-minute default.
#[tokio::test]
async fn a_very_large_pixel_quota_is_not_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Server::start_with(&dir.path().join("db"), |c| c.pixel_rate_limit = 200_000).await;
    let shop = "mystore.myshopify.com";
    common::enrol(&s, shop).await;
    let body = json!({"type": "basic_security", "shop": shop, "sessionId": "s", "visitorId": "v",
        "timestamp": 1709424000000i64, "page": "/", "userAgent": "Mozilla/5.0", "event": "copy_blocked"})
    .to_string();
    for i in 0..100 {
        let r = call(
            Method::POST,
            &s.url("/api/pixels"),
            None,
            Some(&body),
            &[("cf-connecting-ip", "198.51.100.9")],
        )
        .await;
        assert_eq!(r.status, 200, "event {i}: {}", r.body);
    }
    s.stop().await;
}

/// With the free ip-location-db ASN rows and Apple's relay egress list,
/// hosting addresses are data-center traffic for a shop's blockDatacenter
/// and for the click scorer; relay egresses and residential ISPs are not.
#[tokio::test]
async fn hosting_networks_from_free_asn_data_are_data_centers_and_relays_are_people() {
    use clickfence::ip::{AsnTable, HostingNetworks, PublishedRanges, RangeFormat};
    let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let mut table = AsnTable::new();
    for f in ["asn/asn-ipv4.csv", "asn/asn-ipv6.csv"] {
        table
            .load_csv(&std::fs::read_to_string(vectors.join(f)).unwrap())
            .unwrap();
    }
    let relay_text =
        std::fs::read_to_string(vectors.join("ranges/apple-egress-ip-ranges.csv")).unwrap();
    let relays = PublishedRanges::parse(RangeFormat::ApplePrivateRelay, &relay_text).unwrap();
    let hosting = Arc::new(HostingNetworks::new(Arc::new(table)).relay(Arc::new(relays.set)));
    let dir = tempfile::tempdir().unwrap();
    let (s, token) =
        Server::start_with(&dir.path().join("db"), |c| c.hosting = Some(hosting)).await;
    let token = token.unwrap();
    let shop = "mystore.myshopify.com";
    let config = json!({"shop": shop, "config": {"enabled": true, "blockDatacenter": true}});
    assert_eq!(sync(&s, &config, Some(&bearer())).await.status, 200);
    let check = |ip: String| {
        let url = s.url(&format!("/api/check-ip-access?shop={shop}"));
        async move {
            call(
                Method::GET,
                &url,
                None,
                None,
                &[("cf-connecting-ip", &ip), ("cf-ipcountry", "DE")],
            )
            .await
            .json["allowed"]
                .clone()
        }
    };
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors.join("hosting.json")).unwrap())
            .unwrap();
    for c in cases["cases"].as_array().unwrap() {
        let allowed = c["operator"].is_null();
        assert_eq!(
            check(c["ip"].as_str().unwrap().to_owned()).await,
            json!(allowed),
            "{c}"
        );
    }
    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    let reasons = |ip: &'static str| {
        let (s, token) = (&s, &token);
        async move {
            call(
                Method::GET,
                &s.url("/c/1"),
                None,
                None,
                &[
                    ("user-agent", CHROME),
                    ("x-forwarded-for", ip),
                    ("referer", "https://g.example/"),
                ],
            )
            .await;
            let list = get(&s.url("/api/v1/sites/1/clicks?limit=1"), Some(token))
                .await
                .json;
            list["data"][0]["reasons"].clone()
        }
    };
    assert_eq!(reasons("5.9.10.10").await, json!(["datacenter"]));
    assert_eq!(reasons("172.224.226.1").await, json!([]));
    s.stop().await;
}
