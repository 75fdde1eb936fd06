//! Clients claiming a major crawler, checked over real DNS: a dnsmasq on a
//! free loopback port holds the PTR and A records, a silent UDP socket
//! plays a resolver that never answers.

mod common;

use std::net::UdpSocket;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use clickfence::score::CrawlerRanges;
use clickfence_server::crawler_dns::{
    CrawlerDns, DnsServers, RangeFile, LOOKUPS_PER_NETWORK_MINUTE,
};
use common::{call, dnsmasq, get, Server};
use hyper::Method;
use serde_json::Value;

const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

async fn start(dns: DnsServers, ranges: CrawlerRanges) -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let verifier = Arc::new(CrawlerDns::new(ranges, &dns).unwrap());
    let (server, token) =
        Server::start_with(&dir.path().join("db"), |c| c.crawler_dns = Some(verifier)).await;
    (dir, server, token.unwrap())
}

async fn click(s: &Server, ip: &str) -> u16 {
    call(
        Method::GET,
        &s.url("/c/1"),
        None,
        None,
        &[
            ("user-agent", GOOGLEBOT),
            ("x-forwarded-for", ip),
            ("referer", "https://g.example/"),
        ],
    )
    .await
    .status
}

/// The newest click: (category, reasons).
async fn last_click(s: &Server, token: &str) -> (String, Vec<String>) {
    let list = get(&s.url("/api/v1/sites/1/clicks?limit=1"), Some(token))
        .await
        .json;
    let c = &list["data"][0];
    let reasons = c["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    (c["category"].as_str().unwrap().to_owned(), reasons)
}

async fn auto_blocks(s: &Server, token: &str) -> Vec<Value> {
    get(&s.url("/api/v1/sites/1/blocked-ips"), Some(token))
        .await
        .json["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_real_googlebot_is_verified_and_impersonators_are_fraud() {
    let dns = dnsmasq(&[
        "--ptr-record=1.66.249.66.in-addr.arpa,crawl-66-249-66-1.googlebot.com",
        "--host-record=crawl-66-249-66-1.googlebot.com,66.249.66.1",
        // A PTR that names Google's domain, whose name does not lead back.
        "--ptr-record=7.113.0.203.in-addr.arpa,crawl-fake.googlebot.com",
        "--host-record=crawl-fake.googlebot.com,198.51.100.1",
        "--ptr-record=9.113.0.203.in-addr.arpa,host-9.isp.example",
    ]);
    let (_d, s, token) = start(DnsServers::At(dns.1), CrawlerRanges::new()).await;
    // The real one, fast enough to trip velocity: still givt, never blocked.
    for _ in 0..8 {
        click(&s, "66.249.66.1").await;
    }
    let (category, reasons) = last_click(&s, &token).await;
    assert_eq!(category, "givt", "{reasons:?}");
    assert!(
        reasons.contains(&"verified_crawler".to_owned()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"click_velocity_minute".to_owned()),
        "{reasons:?}"
    );
    assert!(auto_blocks(&s, &token).await.is_empty());
    // Impersonators: a PTR outside Google, a name that does not lead back,
    // no PTR at all (NXDOMAIN). Each is sivt, refused and auto-blocked.
    for ip in ["203.0.113.9", "203.0.113.7", "203.0.113.10"] {
        assert_eq!(click(&s, ip).await, 403, "{ip}");
        let (category, reasons) = last_click(&s, &token).await;
        assert_eq!(category, "sivt", "{ip}: {reasons:?}");
        assert!(
            reasons.contains(&"crawler_impersonation".to_owned()),
            "{ip}: {reasons:?}"
        );
    }
    let blocked: Vec<String> = auto_blocks(&s, &token)
        .await
        .iter()
        .map(|b| b["ip_address"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(blocked.len(), 3, "{blocked:?}");
    s.stop().await;
}

/// A resolver that never answers: each claim costs at most the budget and
/// ends `unverified` (neither believed nor refused), and one network's
/// claims stop reaching DNS after its quota while another's still do.
#[tokio::test]
async fn a_silent_resolver_costs_a_bounded_wait_and_bounded_queries() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&received);
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while socket.recv_from(&mut buf).is_ok() {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    // The quota counts per clock minute: start early in one, so the claims
    // past the quota cannot fall into the next minute's (a slow machine
    // crossed the boundary mid-test and saw a fresh quota).
    let second = clickfence_server::state::now().rem_euclid(60);
    if second > 15 {
        tokio::time::sleep(std::time::Duration::from_secs((60 - second) as u64)).await;
    }
    let (_d, s, token) = start(DnsServers::At(addr), CrawlerRanges::new()).await;
    let quota = LOOKUPS_PER_NETWORK_MINUTE as usize;
    for i in 0..quota {
        click(&s, &format!("203.0.113.{}", 10 + i)).await;
    }
    let (category, reasons) = last_click(&s, &token).await;
    assert_eq!(category, "givt", "{reasons:?}");
    assert!(
        reasons.contains(&"unverified_crawler".to_owned()),
        "{reasons:?}"
    );
    let after_quota = received.load(Ordering::SeqCst);
    assert!(after_quota >= quota, "each claim asked once: {after_quota}");
    for i in 0..10 {
        click(&s, &format!("203.0.113.{}", 100 + i)).await;
    }
    assert_eq!(
        received.load(Ordering::SeqCst),
        after_quota,
        "claims beyond the network's quota reached DNS"
    );
    click(&s, "198.51.100.20").await;
    assert!(
        received.load(Ordering::SeqCst) > after_quota,
        "another network's claim is asked"
    );
    assert!(
        auto_blocks(&s, &token).await.is_empty(),
        "unverified is never blocked as fraud"
    );
    s.stop().await;
}

/// Published ranges decide without DNS, and a changed file is reloaded;
/// a broken one keeps the last good ranges.
#[tokio::test]
async fn published_ranges_verify_without_dns_and_reload_when_changed() {
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("googlebot.json");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/crawlers/googlebot.json");
    std::fs::copy(fixture, &file).unwrap();
    let dns = Arc::new(
        CrawlerDns::new(CrawlerRanges::new(), &DnsServers::Off)
            .unwrap()
            .with_files(vec![RangeFile::new("google", &file)])
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::clone(&dns);
    let (s, token) = Server::start_with(&dir.path().join("db"), |c| c.crawler_dns = Some(d)).await;
    let token = token.unwrap();
    let reasons = |ip: &'static str| {
        let s = &s;
        let token = &token;
        async move {
            click(s, ip).await;
            last_click(s, token).await.1
        }
    };
    assert!(reasons("66.249.64.5")
        .await
        .contains(&"verified_crawler".to_owned()));
    assert!(reasons("203.0.113.5")
        .await
        .contains(&"unverified_crawler".to_owned()));
    // A newer file: reloaded.
    let rewrite = |text: &str, secs: u64| {
        std::fs::write(&file, text).unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(secs);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(later)
            .unwrap();
    };
    rewrite(
        r#"{"creationTime": "2026-12-04T00:00:00.000000", "prefixes": [{"ipv4Prefix": "203.0.113.0/24"}]}"#,
        5,
    );
    assert_eq!(dns.refresh(), None);
    assert!(reasons("203.0.113.6")
        .await
        .contains(&"verified_crawler".to_owned()));
    assert_eq!(
        dns.range_dates(),
        vec![("google".to_owned(), "2026-12-04T00:00:00.000000".to_owned())]
    );
    let ready = get(&s.url("/readyz"), None).await.json;
    assert_eq!(
        ready["crawler_ranges"]["google"], "2026-12-04T00:00:00.000000",
        "{ready}"
    );
    assert_eq!(ready["crawler_list"]["patterns"], 1500, "{ready}");
    // A broken file: the last ranges stay, and the error names the file.
    rewrite("{", 10);
    assert!(dns.refresh().unwrap().contains("googlebot.json"));
    assert!(reasons("203.0.113.7")
        .await
        .contains(&"verified_crawler".to_owned()));
    s.stop().await;
}
