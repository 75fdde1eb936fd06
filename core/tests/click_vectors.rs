//! The shared click vectors (`tests/vectors/click.json`), computed by Python's
//! `hmac` + `base64`, must come out of the core byte for byte.

use clickfence::click::{ExpiresFormat, Fetch};
use clickfence::{ClickSigner, ClickVerifier, Mode};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/click.json");
    let text = std::fs::read_to_string(path).expect("vectors readable");
    serde_json::from_str(&text).expect("vectors are JSON")
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is a string in {v}"))
}

fn u64_of(v: &Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} is a number in {v}"))
}

#[test]
fn sign_vectors_match_python_hmac() {
    let all = vectors();
    let cases = all["sign"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let signer = ClickSigner::new(str_of(case, "secret")).unwrap();
        let format = if case["millis"].as_bool().unwrap() {
            ExpiresFormat::Millis
        } else {
            ExpiresFormat::Seconds
        };
        let got = signer
            .sign_with(str_of(case, "url"), u64_of(case, "expires"), format)
            .unwrap();
        assert_eq!(got, str_of(case, "signed"), "{}", str_of(case, "name"));
    }
}

#[test]
fn sign_error_vectors_have_their_codes() {
    let all = vectors();
    let signer = ClickSigner::new("k").unwrap();
    for case in all["sign_errors"].as_array().unwrap() {
        let err = signer.sign(str_of(case, "url"), 1).unwrap_err();
        assert_eq!(err.code(), str_of(case, "code"), "{}", str_of(case, "name"));
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn verify_vectors_give_their_outcomes() {
    let all = vectors();
    let cases = all["verify"].as_array().unwrap();
    for case in cases {
        let name = str_of(case, "name");
        let now = u64_of(case, "now");
        let mode: Mode = str_of(case, "mode").parse().unwrap();
        let verifier = ClickVerifier::new(mode, true);
        for key in case["keys"].as_array().unwrap() {
            // Keys are added at a time when they are all still active.
            verifier
                .add_key(
                    str_of(key, "id"),
                    str_of(key, "secret"),
                    u64_of(key, "expires_at"),
                    0,
                )
                .unwrap();
        }
        for app in case["excluded_apps"].as_array().unwrap() {
            verifier.exclude_app(app.as_str().unwrap()).unwrap();
        }
        let verdict = verifier.verify(str_of(case, "url"), now);
        assert_eq!(verdict.outcome.code(), str_of(case, "outcome"), "{name}");
        assert_eq!(
            verdict.accepted,
            case["accepted"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(verdict.outcome.key_id(), case["key_id"].as_str(), "{name}");
    }
}

/// `source(i)` of tests/vectors/breaker.json: a distinct /24 per `i`.
fn breaker_source(i: u64) -> std::net::IpAddr {
    std::net::IpAddr::from([100, 64 + (i / 256) as u8, (i % 256) as u8, 9])
}

#[test]
fn breaker_scenarios_replay_as_the_vectors_say() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/breaker.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let key = &all["key"];
    let scenarios = all["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 6);
    for scenario in scenarios {
        let name = str_of(scenario, "name");
        let v = ClickVerifier::new(str_of(&all, "start_mode").parse().unwrap(), true);
        v.add_key(
            str_of(key, "id"),
            str_of(key, "secret"),
            u64_of(key, "expires_at"),
            0,
        )
        .unwrap();
        let signer = ClickSigner::new(str_of(key, "secret")).unwrap();
        let urls = &all["urls"];
        let mut counter = 0u64;
        let mut trips = 0;
        for step in scenario["steps"].as_array().unwrap() {
            if let Some(mode) = step["set_mode"].as_str() {
                v.set_mode(mode.parse().unwrap(), u64_of(step, "now"));
                continue;
            }
            let kind = str_of(step, "kind");
            let (n, now, nets) = (u64_of(step, "n"), u64_of(step, "now"), u64_of(step, "nets"));
            for j in 0..n {
                let url = if kind == "valid" {
                    counter += 1;
                    let base = format!("{}&n={}", str_of(urls, "valid_base"), counter - 1);
                    signer.sign(&base, u64_of(urls, "valid_expires")).unwrap()
                } else {
                    str_of(urls, kind).to_owned()
                };
                let fetch = clickfence::click::Fetch {
                    source: step["net"]
                        .as_u64()
                        .map(|net| breaker_source(net + j % nets)),
                    asn: step["asn"].as_u64().map(|a| u32::try_from(a).unwrap()),
                    ..Default::default()
                };
                trips += u64::from(v.verify_fetch(&url, &fetch, now).tripped);
            }
        }
        assert_eq!(v.mode().as_str(), str_of(scenario, "mode"), "{name}");
        assert_eq!(trips, u64_of(scenario, "trips"), "{name}");
    }
}

#[test]
fn ticket_vectors_consume_once() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/tickets.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let key = &all["key"];
    let cases = all["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = str_of(case, "name");
        let v = ClickVerifier::new(str_of(case, "mode").parse().unwrap(), true);
        v.add_key(
            str_of(key, "id"),
            str_of(key, "secret"),
            u64_of(key, "expires_at"),
            u64_of(&all, "added_at"),
        )
        .unwrap();
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let url = match step["url"].as_str() {
                Some(which) => str_of(&all, which),
                None => str_of(case, "url"),
            };
            let source = step["source"].as_str().map(|s| s.parse().unwrap());
            let fetch = Fetch {
                source,
                user_agent: step["user_agent"].as_str(),
                purpose: step["purpose"].as_str(),
                ..Fetch::default()
            };
            let now = u64_of(step, "now");
            if str_of(step, "op") == "check" {
                let outcome = v.check(url, &fetch, now);
                assert_eq!(outcome.code(), str_of(step, "outcome"), "{name}, step {i}");
                continue;
            }
            let verdict = v.verify_fetch(url, &fetch, now);
            assert_eq!(
                verdict.outcome.code(),
                str_of(step, "outcome"),
                "{name}, step {i}"
            );
            assert_eq!(
                verdict.accepted,
                step["accepted"].as_bool().unwrap(),
                "{name}, step {i}"
            );
            assert_eq!(
                verdict.ticket.is_some(),
                verdict.outcome.code() == "valid" && str_of(case, "mode") != "disabled",
                "{name}, step {i}: only a first use consumes"
            );
        }
    }
}
