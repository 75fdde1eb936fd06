//! Hosting networks from the free ip-location-db ASN data (real rows in
//! tests/vectors/asn/), through the access policy's blockDatacenter, with
//! Apple's Private Relay egress ranges as relays, never data centers.

use std::path::PathBuf;
use std::sync::Arc;

use clickfence::ip::{
    AccessConfig, AccessPolicy, AsnTable, HostingNetworks, PublishedRanges, RangeFormat,
};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn table() -> AsnTable {
    let mut t = AsnTable::new();
    for f in ["asn-ipv4.csv", "asn-ipv6.csv"] {
        t.load_csv(&std::fs::read_to_string(vectors().join("asn").join(f)).unwrap())
            .unwrap();
    }
    t
}

fn relays() -> Arc<clickfence::IpSet> {
    let text =
        std::fs::read_to_string(vectors().join("ranges/apple-egress-ip-ranges.csv")).unwrap();
    Arc::new(
        PublishedRanges::parse(RangeFormat::ApplePrivateRelay, &text)
            .unwrap()
            .set,
    )
}

fn policy(networks: HostingNetworks) -> AccessPolicy {
    let config = AccessConfig::from_json(r#"{"enabled": true, "blockDatacenter": true}"#).unwrap();
    AccessPolicy::builder(config)
        .hosting(Arc::new(networks))
        .build()
        .unwrap()
}

#[test]
fn hosting_providers_are_data_centers_from_free_data_alone() {
    let p = policy(HostingNetworks::new(Arc::new(table())).relay(relays()));
    let verdict = |ip: &str| {
        let d = p.check_str(ip, None, 0).unwrap();
        d.reason.map_or("allowed", |r| r.as_str())
    };
    for ip in [
        "1.44.96.7",       // AWS (AS16509)
        "52.95.100.1",     // AWS Ireland (AS8987)
        "1.179.112.9",     // Google Cloud (AS396982)
        "1.186.0.1",       // Microsoft Azure (AS8075)
        "5.9.10.10",       // Hetzner
        "2620:dd:a000::1", // Hetzner, IPv6
        "5.101.96.1",      // DigitalOcean
        "2001:4f8:2::9",   // AWS, IPv6
    ] {
        assert_eq!(verdict(ip), "blocked_datacenter", "{ip}");
    }
    for ip in [
        "23.24.1.1",     // Comcast
        "2001:558::1",   // Comcast, IPv6
        "2.58.100.1",    // Deutsche Telekom
        "1.0.0.1",       // Cloudflare: a CDN, not hosting
        "172.224.226.1", // an iCloud Private Relay egress (Akamai)
        "198.51.100.1",  // in no row
    ] {
        assert_eq!(verdict(ip), "allowed", "{ip}");
    }
}

#[test]
fn a_relay_egress_is_never_a_data_center() {
    // A relay list covering part of a hosting provider's network (as Apple's
    // egress covers parts of CDN networks): those addresses are people.
    let relay = Arc::new(clickfence::IpSet::from_strs(["5.9.1.0/24"]).unwrap());
    let p = policy(HostingNetworks::new(Arc::new(table())).relay(relay));
    assert!(p.check_str("5.9.1.7", None, 0).unwrap().allowed);
    assert!(!p.check_str("5.9.2.7", None, 0).unwrap().allowed);
}

#[test]
fn each_listed_provider_and_no_person_from_the_vectors() {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors().join("hosting.json")).unwrap())
            .unwrap();
    let h = HostingNetworks::new(Arc::new(table())).relay(relays());
    let p = policy(h.clone());
    let cases = v["cases"].as_array().unwrap();
    let providers: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c["operator"].as_str())
        .collect();
    assert!(providers.len() >= 10, "{providers:?}");
    for c in cases {
        let ip = c["ip"].as_str().unwrap();
        let want = c["operator"].as_str();
        assert_eq!(
            h.hosting(ip.parse().unwrap()).map(|x| x.operator),
            want,
            "{c}"
        );
        assert_eq!(
            p.check_str(ip, None, 0).unwrap().allowed,
            want.is_none(),
            "{c}"
        );
    }
}
