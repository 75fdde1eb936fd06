//! Clients claiming a major crawler, checked over real DNS: a dnsmasq on a
//! free loopback port holds the PTR and A records, a silent UDP socket
//! plays a resolver that never answers.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use clickfence::score::CrawlerRanges;
use clickfence_server::crawler_dns::{CrawlerDns, DnsServers, LOOKUPS_PER_NETWORK_MINUTE};
use common::{call, get, Server};
use hyper::Method;
use serde_json::Value;

const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// A dnsmasq answering only for its own records (authoritative for `arpa`
/// and `com`: other names there are NXDOMAIN), killed on drop.
struct Dnsmasq(std::process::Child, SocketAddr);

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dnsmasq(records: &[&str]) -> Dnsmasq {
    let bin = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("dnsmasq is needed: run scripts/setup.sh");
    for _ in 0..20 {
        let port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(bin)
            .args([
                "--keep-in-foreground",
                &format!("--port={port}"),
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--conf-file=/dev/null",
                "--pid-file=",
                "--user=root",
                "--local=/arpa/",
                "--local=/com/",
                "--local=/example/",
            ])
            .args(records)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        if child.try_wait().unwrap().is_none() {
            return Dnsmasq(child, SocketAddr::from(([127, 0, 0, 1], port)));
        }
    }
    panic!("dnsmasq did not start");
}

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

/// Published ranges decide without DNS; a claim from outside them with
/// lookups off is unverified.
#[tokio::test]
async fn published_ranges_verify_without_dns() {
    let mut ranges = CrawlerRanges::new();
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/crawlers/googlebot.json");
    ranges
        .load("google", &std::fs::read_to_string(file).unwrap())
        .unwrap();
    let (_d, s, token) = start(DnsServers::Off, ranges).await;
    click(&s, "66.249.64.5").await;
    assert!(last_click(&s, &token)
        .await
        .1
        .contains(&"verified_crawler".to_owned()));
    click(&s, "203.0.113.5").await;
    assert!(last_click(&s, &token)
        .await
        .1
        .contains(&"unverified_crawler".to_owned()));
    s.stop().await;
}
