//! The shared velocity, replay-guard and client-address vectors
//! (`tests/vectors/velocity.json`, `replay.json`, `client_ip.json`), whose
//! answers come from plain-Python models of the rules, must come out of the
//! core exactly.

use clickfence::rate::VelocityCounter;
use clickfence::webhook::{ReplayGuard, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use clickfence::WebhookVerifier;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn velocity_vectors() {
    for s in load("velocity.json")["scenarios"].as_array().unwrap() {
        let counter = VelocityCounter::new(1000);
        for (i, step) in s["steps"].as_array().unwrap().iter().enumerate() {
            let (key, now) = (step["key"].as_str().unwrap(), step["now"].as_u64().unwrap());
            let got = match step["op"].as_str().unwrap() {
                "record" => counter.record(key, now),
                _ => counter.peek(key, now),
            }
            .unwrap();
            let expected = (step["last_minute"].as_u64(), step["last_hour"].as_u64());
            assert_eq!(
                (Some(got.last_minute), Some(got.last_hour)),
                expected,
                "{} step {i}",
                s["name"]
            );
        }
    }
}

#[test]
fn replay_vectors() {
    let all = load("replay.json");
    let secret = all["secret"].as_str().unwrap();
    for s in all["scenarios"].as_array().unwrap() {
        let tolerance = s["tolerance"].as_u64().unwrap();
        let verifier = WebhookVerifier::new([secret])
            .unwrap()
            .with_tolerance(tolerance)
            .unwrap();
        let guard = ReplayGuard::new(tolerance, s["capacity"].as_u64().unwrap() as usize);
        for (i, step) in s["steps"].as_array().unwrap().iter().enumerate() {
            let ts = step["timestamp"].as_u64().unwrap().to_string();
            let headers = [
                (TIMESTAMP_HEADER, ts.as_str()),
                (SIGNATURE_HEADER, step["signature"].as_str().unwrap()),
            ];
            let now = step["now"].as_u64().unwrap();
            let body = step["body"].as_str().unwrap().as_bytes();
            let got = verifier
                .verify(headers, body, now)
                .and_then(|v| guard.check(&v, now));
            let code = got.map_or_else(|e| e.code(), |()| "ok");
            assert_eq!(
                code,
                step["expect"].as_str().unwrap(),
                "{} step {i}",
                s["name"]
            );
        }
    }
}

#[test]
fn client_ip_vectors() {
    use clickfence::ip::{client_ip, IpSet, ProxyTrust};
    let all = load("client_ip.json");
    let set = |key: &str| {
        IpSet::from_strs(
            all[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap()),
        )
        .unwrap()
    };
    let trust = ProxyTrust {
        proxies: set("proxies"),
        cloudflare: set("cloudflare"),
    };
    for c in all["cases"].as_array().unwrap() {
        let xff: Vec<&str> = c["forwarded_for"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let peer = c["peer"].as_str().unwrap().parse().unwrap();
        let (ip, source) = client_ip(peer, &xff, c["cf_connecting_ip"].as_str(), &trust);
        let source = source.as_str();
        assert_eq!(
            (ip.to_string().as_str(), source),
            (c["ip"].as_str().unwrap(), c["source"].as_str().unwrap()),
            "{}",
            c["name"]
        );
    }
}
