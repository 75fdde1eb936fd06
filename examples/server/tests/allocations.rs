//! Networks are counted by allocation, over real HTTP: rotating IPv6 /64s
//! inside one /48 buys no fresh counters, /48s inside one provider
//! allocation (/32) are one source for the pause rule, and a carrier's many
//! real devices (a /64 each in one /48, or addresses of one carrier-NAT
//! IPv4 /24) stay valid.

mod common;

use common::{call, get, Server, ADMIN_TOKEN};
use hyper::Method;

/// A headless browser: automation posing as a person (`sivt`), the fraud
/// that auto-blocks and pauses (a declared crawler, `givt`, never does).
const HEADLESS: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";
const CHROME: &str =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";

async fn start(
    adjust: impl FnOnce(&mut clickfence_server::state::ServerConfig),
) -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let (s, token) = Server::start_with(&dir.path().join("db"), adjust).await;
    (dir, s, token.unwrap())
}

async fn click(s: &Server, path: &str, ip: &str) -> String {
    let r = call(
        Method::GET,
        &s.url(path),
        None,
        None,
        &[
            ("user-agent", CHROME),
            ("referer", "https://news.example/"),
            ("x-forwarded-for", ip),
        ],
    )
    .await;
    r.json["status"].as_str().unwrap_or("refused").to_owned()
}

/// Signing enabled: an unsigned bot's click scores 80, over the block
/// threshold, so it is auto-blocked.
async fn signing_enabled(s: &Server) {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    for path in ["/secret?ttlHours=36", "/config/mode/enabled"] {
        let url = s.url(&format!("/api/p360-click-signing{path}"));
        let r = call(Method::POST, &url, None, None, &[("authorization", &auth)]).await;
        assert_eq!(r.status, 200);
    }
}

/// An unsigned click from `ip` with a headless browser's user agent; its
/// status code.
async fn bot_click(s: &Server, ip: String) -> u16 {
    let headers = [("user-agent", HEADLESS), ("x-forwarded-for", ip.as_str())];
    call(Method::GET, &s.url("/c/1"), None, None, &headers)
        .await
        .status
}

/// The site's blocked addresses and prefixes (first 100).
async fn blocked_ips(s: &Server, token: &str) -> Vec<String> {
    let url = s.url("/api/v1/sites/1/blocked-ips?per_page=100");
    let blocks = get(&url, Some(token)).await.json;
    blocks["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["ip_address"].as_str().unwrap().to_owned())
        .collect()
}

fn count(statuses: &[String], status: &str) -> usize {
    statuses.iter().filter(|s| *s == status).count()
}

#[tokio::test]
async fn rotating_64s_inside_one_48_buys_no_fresh_counters() {
    let (_d, s, _) = start(|_| {}).await;
    let mut statuses = vec![];
    // 300 clicks from 60 /64s of one /48, five each.
    for i in 0..300u32 {
        let ip = format!("2001:db8:77:{:x}::1", i % 60);
        statuses.push(click(&s, "/c/1", &ip).await);
    }
    // The network's 60 a hour are valid, the rest are not.
    assert_eq!(count(&statuses, "valid"), 60, "{statuses:?}");
    assert_eq!(
        count(&statuses, "flagged") + count(&statuses, "blocked"),
        240
    );
    s.stop().await;
}

#[tokio::test]
async fn a_carriers_many_devices_stay_valid() {
    let (_d, s, _) = start(|_| {}).await;
    // 50 phones, a /64 each in one carrier /48; 50 visitors behind one
    // carrier-NAT IPv4 /24.
    for i in 0..50u32 {
        let v6 = format!("2001:db8:88:{:x}::{:x}", i + 1, i + 7);
        assert_eq!(click(&s, "/c/1", &v6).await, "valid", "{v6}");
        let v4 = format!("100.72.9.{}", i + 1);
        assert_eq!(click(&s, "/c/1", &v4).await, "valid", "{v4}");
    }
    s.stop().await;
}

#[tokio::test]
async fn forty_clicks_from_ten_48s_of_one_provider_pause_nothing() {
    let (_d, s, token) = start(|c| c.pause_check_secs = Some(0)).await;
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let admin = |path: &str| {
        let url = s.url(&format!("/api/p360-click-signing{path}"));
        let auth = auth.clone();
        async move { call(Method::POST, &url, None, None, &[("authorization", &auth)]).await }
    };
    assert_eq!(admin("/secret?ttlHours=36").await.status, 200);
    assert_eq!(admin("/config/mode/enabled").await.status, 200);
    // Ordinary-looking unsigned clicks from 10 /48s inside one /44: refused
    // by the signing mode, but neither many sources nor blocked on their
    // own evidence.
    for i in 0..40u32 {
        let ip = format!("2001:db8:50{:x}::{:x}", i % 10, i + 1);
        assert_eq!(click(&s, "/c/1?pid=net", &ip).await, "blocked");
    }
    let site = get(&s.url("/api/v1/sites/1"), Some(&token)).await.json;
    assert_eq!(
        site["data"]["paused_until"],
        serde_json::Value::Null,
        "{site}"
    );
    // The same with a bot's evidence from those 10 /48s is still one source.
    for i in 0..40u32 {
        let ip = format!("2001:db8:50{:x}::{:x}", i % 10, i + 100);
        let r = call(
            Method::GET,
            &s.url("/c/1?pid=net"),
            None,
            None,
            &[("user-agent", HEADLESS), ("x-forwarded-for", &ip)],
        )
        .await;
        assert_eq!(r.status, 403);
    }
    let site = get(&s.url("/api/v1/sites/1"), Some(&token)).await.json;
    assert_eq!(
        site["data"]["paused_until"],
        serde_json::Value::Null,
        "{site}"
    );
    s.stop().await;
}

/// A flood of bot clicks from distinct /64s of one /48 cannot flush the
/// auto-block cap: the network holds only its share, so another network's
/// block and the offender's own first block (and history) survive.
#[tokio::test]
async fn one_networks_flood_cannot_flush_auto_blocks() {
    let (_d, s, token) = start(|c| {
        c.auto_blocks.cap = 30;
        c.auto_blocks.per_network = 10;
    })
    .await;
    signing_enabled(&s).await;
    let bot = |ip: String| bot_click(&s, ip);
    assert_eq!(bot("2001:db8:aa:1::1".into()).await, 403);
    assert_eq!(bot("198.51.100.5".into()).await, 403);
    for i in 0..100u32 {
        bot(format!("2001:db8:aa:{:x}::1", 0x100 + i)).await;
    }
    let blocks = blocked_ips(&s, &token).await;
    let ips: Vec<&str> = blocks.iter().map(String::as_str).collect();
    assert!(
        ips.contains(&"198.51.100.5"),
        "another network's block: {ips:?}"
    );
    assert!(
        ips.contains(&"2001:db8:aa:1::/64"),
        "the offender's own block: {ips:?}"
    );
    assert!(ips.len() <= 11, "{} blocks: {ips:?}", ips.len());
    // The offender's next click is still refused as blocked.
    let r = call(
        Method::GET,
        &s.url("/c/1"),
        None,
        None,
        &[
            ("user-agent", CHROME),
            ("x-forwarded-for", "2001:db8:aa:1::2"),
        ],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.json);
    s.stop().await;
}

/// Rotating /48s inside one provider's /32 gets past the per-network share,
/// not past the allocation's: the /32 holds at most `per_source` blocks, so
/// another allocation's block survives its flood.
#[tokio::test]
async fn one_allocations_many_48s_cannot_flush_auto_blocks() {
    let (_d, s, token) = start(|c| {
        c.auto_blocks.cap = 30;
        c.auto_blocks.per_network = 10;
        c.auto_blocks.per_source = 15;
    })
    .await;
    signing_enabled(&s).await;
    let bot = |ip: String| bot_click(&s, ip);
    assert_eq!(bot("198.51.100.5".into()).await, 403);
    // 40 /48s of 2001:db8::/32, one /64 each.
    for i in 0..40u32 {
        bot(format!("2001:db8:{:x}:1::1", 0x100 + i)).await;
    }
    let blocks = blocked_ips(&s, &token).await;
    let ips: Vec<&str> = blocks.iter().map(String::as_str).collect();
    assert!(
        ips.contains(&"198.51.100.5"),
        "another allocation's block: {ips:?}"
    );
    let in_32 = ips.iter().filter(|ip| ip.starts_with("2001:db8:")).count();
    assert_eq!(in_32, 15, "{ips:?}");
    s.stop().await;
}
