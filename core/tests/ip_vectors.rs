//! The shared IP access vectors (`tests/vectors/ip.json`).

use std::sync::Arc;

use clickfence::ip::{parse_ip, AccessConfig, AccessPolicy, BlockKind, BlockRecord, GeoIp, IpSet};
use serde_json::Value;

fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn vectors() -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("ip.json")).unwrap()).unwrap()
}

fn build(policy: &Value) -> AccessPolicy {
    let config = AccessConfig::from_value(policy["config"].clone()).unwrap();
    let mut builder = AccessPolicy::builder(config);
    let sources = &policy["sources"];
    let db = |key: &str| {
        sources[key]
            .as_str()
            .map(|p| Arc::new(GeoIp::open(vectors_dir().join(p)).unwrap()))
    };
    let list = |key: &str| {
        sources[key].as_array().map(|items| {
            Arc::new(IpSet::from_strs(items.iter().map(|s| s.as_str().unwrap())).unwrap())
        })
    };
    if let Some(g) = db("geoip") {
        builder = builder.geoip(g);
    }
    if let Some(g) = db("anonymous_ip") {
        builder = builder.anonymous_ip(g);
    }
    if let Some(l) = list("tor") {
        builder = builder.tor(l);
    }
    if let Some(l) = list("vpn") {
        builder = builder.vpn(l);
    }
    if let Some(l) = list("datacenter") {
        builder = builder.datacenter(l);
    }
    let blocks = policy["blocks"].as_array().unwrap().iter().map(|b| {
        let kind = BlockKind::parse(
            b["type"].as_str(),
            b["expires_at"].as_u64(),
            b["created"].as_u64().unwrap(),
        )
        .unwrap();
        BlockRecord::new(parse_ip(b["ip"].as_str().unwrap()).unwrap(), kind)
    });
    builder.blocks(blocks.collect::<Vec<_>>()).build().unwrap()
}

#[test]
fn policy_vectors_answer_in_the_spec_shape() {
    let all = vectors();
    let mut checked = 0;
    for policy in all["policies"].as_array().unwrap() {
        let compiled = build(policy);
        for case in policy["checks"].as_array().unwrap() {
            let decision = compiled
                .check_str(
                    case["ip"].as_str().unwrap(),
                    case["country"].as_str(),
                    case["now"].as_u64().unwrap(),
                )
                .unwrap();
            let got = serde_json::to_value(decision).unwrap();
            assert_eq!(got, case["expect"], "{}: {}", policy["name"], case);
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked}");
}

#[test]
fn ip_parse_vectors() {
    for case in vectors()["ip_parse"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        match case["canonical"].as_str() {
            Some(canonical) => {
                assert_eq!(parse_ip(input).unwrap().to_string(), canonical, "{input}")
            }
            None => assert_eq!(
                parse_ip(input).unwrap_err().code(),
                case["code"].as_str().unwrap(),
                "{input}"
            ),
        }
    }
}

#[test]
fn config_error_vectors_name_the_field() {
    for case in vectors()["config_errors"].as_array().unwrap() {
        let field = case["field"].as_str().unwrap();
        let err = AccessConfig::from_value(case["config"].clone())
            .and_then(|c| AccessPolicy::builder(c).build().map(|_| ()))
            .expect_err(field);
        assert_eq!(err.code(), "invalid_config", "{field}: {err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}

#[test]
fn address_garbage_is_an_error_not_a_guess() {
    let policy = AccessPolicy::builder(AccessConfig {
        enabled: true,
        ..Default::default()
    })
    .build()
    .unwrap();
    assert_eq!(
        policy.check_str("1.2.3", None, 0).unwrap_err().code(),
        "invalid_ip"
    );
}

#[test]
fn a_wrong_database_for_a_role_is_refused_at_build() {
    let asn = Arc::new(GeoIp::open(vectors_dir().join("geoip/asn.mmdb")).unwrap());
    let config = AccessConfig {
        enabled: true,
        ..Default::default()
    };
    let err = AccessPolicy::builder(config.clone())
        .geoip(asn.clone())
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "wrong_database_type");
    let err = AccessPolicy::builder(config)
        .anonymous_ip(asn)
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "wrong_database_type");
}

#[test]
fn a_malformed_country_hint_never_aborts_the_decision() {
    use clickfence::ip::{AccessConfig, AccessPolicy};
    let config = AccessConfig::from_json(
        r#"{"enabled": true, "blockedIPs": ["1.2.3.4"], "allowedIPs": ["5.6.7.8"], "blockedCountries": ["US"]}"#,
    )
    .unwrap();
    let policy = AccessPolicy::builder(config).build().unwrap();
    for hint in ["USA", "1", "", "u$"] {
        let d = policy.check_str("1.2.3.4", Some(hint), 0).unwrap();
        assert_eq!(
            (d.allowed, d.reason.map(|r| r.as_str())),
            (false, Some("blocked_ip")),
            "{hint}"
        );
        assert!(d.country_hint_ignored);
        assert!(policy.check_str("5.6.7.8", Some(hint), 0).unwrap().allowed);
        let unknown = policy.check_str("9.9.9.9", Some(hint), 0).unwrap();
        assert!(unknown.allowed, "a bad hint is unknown, not US");
    }
    let disabled = AccessPolicy::builder(AccessConfig::from_json(r#"{"enabled": false}"#).unwrap())
        .build()
        .unwrap();
    assert!(
        disabled
            .check_str("1.2.3.4", Some("USA"), 0)
            .unwrap()
            .allowed
    );
    assert!(
        !policy
            .check_str("1.2.3.4", Some("DE"), 0)
            .unwrap()
            .country_hint_ignored
    );
}

#[test]
fn ipv6_forms_embedding_an_ipv4_address_are_that_address() {
    use clickfence::ip::{AccessConfig, AccessPolicy};
    let policy = AccessPolicy::builder(
        AccessConfig::from_json(
            r#"{"enabled": true, "blockedIPs": ["1.2.3.4"], "blockedCIDRs": ["10.0.0.0/8"]}"#,
        )
        .unwrap(),
    )
    .build()
    .unwrap();
    for ip in [
        "::1.2.3.4",
        "::ffff:1.2.3.4",
        "64:ff9b::102:304",
        "2002:102:304::5",
    ] {
        let d = policy.check_str(ip, None, 0).unwrap();
        assert_eq!(d.reason.map(|r| r.as_str()), Some("blocked_ip"), "{ip}");
    }
    assert!(
        !policy.check_str("2002:a00:1::1", None, 0).unwrap().allowed,
        "6to4 of 10.0.0.1"
    );
    assert!(policy.check_str("2001:db8::1", None, 0).unwrap().allowed);
}
