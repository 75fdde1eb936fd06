//! GeoIP on real MaxMind DB files. The fixtures in `tests/vectors/geoip/` are
//! built here with `mmdb-writer`; this test fails if the committed files
//! differ from what the builder makes (regenerate with CLICKFENCE_REGEN=1).

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use clickfence::ip::{GeoIp, IpError};
use mmdb_writer::{Value, Writer};

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/geoip")
}

fn writer(kind: &str) -> Writer {
    Writer::builder(kind)
        .build_epoch(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        .build()
}

fn iso(code: &str) -> Value {
    Value::map([("iso_code", Value::from(code))])
}

fn flags(pairs: &[(&str, bool)]) -> Value {
    Value::map(pairs.iter().map(|(k, v)| (*k, Value::from(*v))))
}

fn country_db() -> Vec<u8> {
    let mut w = writer("GeoIP2-Country");
    for (net, code) in [
        ("81.2.69.0/24", "DE"),
        ("203.0.113.0/24", "RU"),
        ("192.0.2.0/24", "CN"),
        ("2001:db8:1::/48", "JP"),
    ] {
        w.insert_value(
            net.parse::<ipnet::IpNet>().unwrap(),
            Value::map([("country", iso(code)), ("registered_country", iso(code))]),
        )
        .unwrap();
    }
    // Only a registered country: the reader falls back to it.
    w.insert_value(
        "198.51.100.0/24".parse::<ipnet::IpNet>().unwrap(),
        Value::map([("registered_country", iso("US"))]),
    )
    .unwrap();
    w.to_bytes().unwrap()
}

fn anonymous_db() -> Vec<u8> {
    let mut w = writer("GeoIP2-Anonymous-IP");
    let rows: [(&str, &[(&str, bool)]); 5] = [
        (
            "185.220.101.0/24",
            &[("is_anonymous", true), ("is_tor_exit_node", true)],
        ),
        (
            "45.83.0.0/16",
            &[("is_anonymous", true), ("is_anonymous_vpn", true)],
        ),
        (
            "34.0.0.0/8",
            &[("is_anonymous", true), ("is_hosting_provider", true)],
        ),
        (
            "2001:db8:2::/48",
            &[("is_anonymous", true), ("is_anonymous_vpn", true)],
        ),
        // A record whose flags are all false is not anonymous.
        (
            "100.64.0.0/24",
            &[
                ("is_anonymous", false),
                ("is_anonymous_vpn", false),
                ("is_tor_exit_node", false),
            ],
        ),
    ];
    for (net, f) in rows {
        w.insert_value(net.parse::<ipnet::IpNet>().unwrap(), flags(f))
            .unwrap();
    }
    w.to_bytes().unwrap()
}

fn asn_db() -> Vec<u8> {
    let mut w = writer("GeoLite2-ASN");
    let record: BTreeMap<&str, Value> = [
        ("autonomous_system_number", Value::from(13335u32)),
        (
            "autonomous_system_organization",
            Value::from("CLOUDFLARENET"),
        ),
    ]
    .into();
    w.insert_value(
        "1.1.1.0/24".parse::<ipnet::IpNet>().unwrap(),
        Value::map(record),
    )
    .unwrap();
    // One hosting provider's many /24s (the server's pause and breaker
    // tests send from them).
    let record: BTreeMap<&str, Value> = [
        ("autonomous_system_number", Value::from(16509u32)),
        ("autonomous_system_organization", Value::from("AMAZON-02")),
    ]
    .into();
    w.insert_value(
        "100.64.0.0/16".parse::<ipnet::IpNet>().unwrap(),
        Value::map(record),
    )
    .unwrap();
    w.to_bytes().unwrap()
}

#[test]
fn fixtures_are_fresh() {
    for (name, bytes) in [
        ("country.mmdb", country_db()),
        ("anonymous-ip.mmdb", anonymous_db()),
        ("asn.mmdb", asn_db()),
    ] {
        let path = dir().join(name);
        if std::env::var_os("CLICKFENCE_REGEN").is_some() {
            std::fs::write(&path, &bytes).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{name} is stale: run CLICKFENCE_REGEN=1 cargo test --test ip_geoip"
        );
    }
}

fn open(name: &str) -> GeoIp {
    GeoIp::open(dir().join(name)).unwrap()
}

#[test]
fn country_lookups() {
    let db = open("country.mmdb");
    assert_eq!(db.database_type(), "GeoIP2-Country");
    let country = |ip: &str| {
        db.country(ip.parse().unwrap())
            .unwrap()
            .map(|c| c.to_string())
    };
    assert_eq!(country("81.2.69.142").as_deref(), Some("DE"));
    assert_eq!(country("::ffff:81.2.69.142").as_deref(), Some("DE"));
    assert_eq!(country("2001:db8:1::5").as_deref(), Some("JP"));
    assert_eq!(
        country("198.51.100.3").as_deref(),
        Some("US"),
        "registered_country fallback"
    );
    assert_eq!(country("8.8.8.8"), None);
}

#[test]
fn anonymous_flags_come_from_the_flags() {
    let db = open("anonymous-ip.mmdb");
    let flags = |ip: &str| db.anonymous(ip.parse().unwrap()).unwrap();
    assert!(flags("185.220.101.4").tor);
    assert!(flags("45.83.7.7").vpn);
    assert!(flags("2001:db8:2::1").vpn);
    assert!(flags("34.1.2.3").hosting);
    let quiet = flags("100.64.0.9");
    assert!(
        !quiet.anonymous && !quiet.vpn && !quiet.tor && !quiet.hosting,
        "a record with false flags"
    );
    assert_eq!(flags("8.8.8.8"), Default::default());
}

#[test]
fn asn_lookups() {
    let db = open("asn.mmdb");
    let asn = db.asn("1.1.1.1".parse().unwrap()).unwrap().unwrap();
    assert_eq!(
        (asn.number, asn.organization.as_deref()),
        (13335, Some("CLOUDFLARENET"))
    );
    assert_eq!(db.asn("9.9.9.9".parse().unwrap()).unwrap(), None);
}

#[test]
fn wrong_database_type_is_a_clear_error() {
    let err = open("asn.mmdb")
        .country("1.1.1.1".parse().unwrap())
        .unwrap_err();
    assert_eq!(err.code(), "wrong_database_type");
    assert!(err.to_string().contains("GeoLite2-ASN"));
    assert_eq!(
        open("country.mmdb")
            .anonymous("1.1.1.1".parse().unwrap())
            .unwrap_err()
            .code(),
        "wrong_database_type"
    );
}

#[test]
fn corrupt_and_missing_files_fail_at_open_without_panicking() {
    assert_eq!(
        GeoIp::open(dir().join("missing.mmdb")).unwrap_err().code(),
        "geoip_open_failed"
    );
    assert_eq!(
        GeoIp::from_bytes(b"not a database".to_vec())
            .unwrap_err()
            .code(),
        "geoip_open_failed"
    );
    assert_eq!(
        GeoIp::from_bytes(Vec::new()).unwrap_err().code(),
        "geoip_open_failed"
    );
    // Truncations and byte flips of a real file: open or lookup may fail, never panic.
    let good = country_db();
    for cut in (0..good.len()).step_by(37) {
        if let Ok(db) = GeoIp::from_bytes(good[..cut].to_vec()) {
            let _ = db.country("81.2.69.142".parse().unwrap());
        }
    }
    for i in (0..good.len()).step_by(11) {
        let mut bad = good.clone();
        bad[i] ^= 0xa5;
        if let Ok(db) = GeoIp::from_bytes(bad) {
            for ip in ["81.2.69.142", "2001:db8:1::5", "8.8.8.8"] {
                let r: Result<_, IpError> = db.country(ip.parse().unwrap());
                let _ = r;
            }
        }
    }
}

/// The shared lookup vectors every surface replays.
#[test]
fn lookup_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/geoip_lookups.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let anon = open("anonymous-ip.mmdb");
    for c in v["anonymous"].as_array().unwrap() {
        let f = anon
            .anonymous(c["ip"].as_str().unwrap().parse().unwrap())
            .unwrap();
        let got = serde_json::json!({"anonymous": f.anonymous, "vpn": f.vpn, "hosting": f.hosting,
            "public_proxy": f.public_proxy, "residential_proxy": f.residential_proxy, "tor": f.tor});
        assert_eq!(got, c["flags"], "{}", c["ip"]);
    }
    let asn = open("asn.mmdb");
    for c in v["asn"].as_array().unwrap() {
        let got = asn.asn(c["ip"].as_str().unwrap().parse().unwrap()).unwrap();
        let got = got.map_or(
            serde_json::Value::Null,
            |a| serde_json::json!({"number": a.number, "organization": a.organization}),
        );
        assert_eq!(got, c["asn"], "{}", c["ip"]);
    }
}
