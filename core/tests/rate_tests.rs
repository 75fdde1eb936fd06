//! Rate windows against the shared vectors (a plain-Python sliding log) and
//! the properties the docs promise.

use std::sync::Arc;

use clickfence::rate::{Quota, RateLimiter, VelocityCounter};
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/rate.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn scenarios_match_the_reference_sliding_log() {
    let all = vectors();
    for scenario in all["scenarios"].as_array().unwrap() {
        let name = scenario["name"].as_str().unwrap();
        let quota = Quota::new(
            scenario["limit"].as_u64().unwrap() as u32,
            scenario["window"].as_u64().unwrap(),
        )
        .unwrap();
        let limiter = RateLimiter::new(quota);
        for (i, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
            let d = limiter
                .check_cost(
                    step["key"].as_str().unwrap(),
                    step["cost"].as_u64().unwrap() as u32,
                    step["now"].as_u64().unwrap(),
                )
                .unwrap();
            let got = (
                d.allowed,
                u64::from(d.remaining),
                d.retry_after,
                d.reset_after,
            );
            let want = (
                step["allowed"].as_bool().unwrap(),
                step["remaining"].as_u64().unwrap(),
                step["retry_after"].as_u64(),
                step["reset_after"].as_u64().unwrap(),
            );
            assert_eq!(got, want, "{name} step {i}: {step}");
        }
    }
}

#[test]
fn headers_match_the_vector() {
    let all = vectors();
    let ex = &all["headers_example"];
    let limiter = RateLimiter::new(Quota::new(60, 60).unwrap());
    let now = ex["now"].as_u64().unwrap();
    for _ in 0..ex["requests_before"].as_u64().unwrap() {
        limiter.check("tok", now).unwrap();
    }
    let headers = limiter.check("tok", now).unwrap().headers();
    let want: Vec<(String, String)> = ex["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_owned(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let got: Vec<(String, String)> = headers
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_flood_of_distinct_keys_stays_within_the_cap_and_never_locks_out() {
    let limiter = RateLimiter::with_max_keys(Quota::new(60, 60).unwrap(), 1024);
    let now = 1_700_000_000;
    for i in 0..100_000u32 {
        let d = limiter.check(i.to_be_bytes(), now).unwrap();
        assert!(d.allowed, "a new key is always admitted");
        assert!(limiter.key_count() <= 1024);
    }
    assert!(limiter.check("newcomer", now).unwrap().allowed);
}

#[test]
fn a_client_near_its_limit_is_not_forgotten_in_a_flood() {
    let limiter = RateLimiter::with_max_keys(Quota::new(10, 60).unwrap(), 64 * 16);
    let now = 1_700_000_000;
    for _ in 0..10 {
        assert!(limiter.check("heavy", now).unwrap().allowed);
    }
    for i in 0..200_000u32 {
        limiter.check(i.to_be_bytes(), now + 1).unwrap();
    }
    let d = limiter.check("heavy", now + 2).unwrap();
    assert!(
        !d.allowed,
        "the flood did not reset the heavy client's window"
    );
}

#[test]
fn one_limiter_shared_by_threads_admits_exactly_the_limit() {
    let limiter = Arc::new(RateLimiter::new(Quota::new(1000, 60).unwrap()));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let l = Arc::clone(&limiter);
            std::thread::spawn(move || {
                (0..500)
                    .filter(|_| l.check("shared", 1_700_000_000).unwrap().allowed)
                    .count()
            })
        })
        .collect();
    let admitted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(admitted, 1000);
}

#[test]
fn bad_input_is_refused_with_codes() {
    assert_eq!(Quota::new(0, 60).unwrap_err().code(), "invalid_quota");
    assert_eq!(Quota::new(60, 0).unwrap_err().code(), "invalid_quota");
    let limiter = RateLimiter::new(Quota::default());
    assert_eq!(
        limiter.check_cost("k", 61, 0).unwrap_err().code(),
        "cost_exceeds_limit"
    );
    assert_eq!(
        limiter.check(vec![0u8; 1025], 0).unwrap_err().code(),
        "rate_key_too_long"
    );
    let v = VelocityCounter::new(10);
    assert_eq!(
        v.record(vec![0u8; 1025], 0).unwrap_err().code(),
        "rate_key_too_long"
    );
}

proptest! {
    #[test]
    fn no_window_admits_more_than_the_limit(
        limit in 1u32..12,
        window in 1u64..20,
        steps in prop::collection::vec((0u64..4, 0u32..4, 0usize..3), 1..300),
    ) {
        let limiter = RateLimiter::new(Quota::new(limit, window).unwrap());
        let mut now = 1_000u64;
        let mut admitted: Vec<Vec<u64>> = vec![vec![]; 3];
        for (dt, cost, key) in steps {
            now += dt;
            if let Ok(d) = limiter.check_cost([key as u8], cost.min(limit), now) {
                if d.allowed {
                    admitted[key].extend(std::iter::repeat_n(now, cost.min(limit) as usize));
                }
            }
        }
        for units in admitted {
            for &start in &units {
                let in_window = units.iter().filter(|&&t| t >= start && t < start + window).count();
                prop_assert!(in_window as u32 <= limit, "{} units in [{}, {})", in_window, start, start + window);
            }
        }
    }

    #[test]
    fn evicting_fresh_keys_never_changes_a_decision(
        window in 1u64..10,
        steps in prop::collection::vec((0u64..6, 0u8..8), 1..300),
    ) {
        let quota = Quota::new(3, window).unwrap();
        let kept = RateLimiter::new(quota);
        let swept = RateLimiter::new(quota);
        let mut now = 0u64;
        for (dt, key) in steps {
            now += dt;
            swept.sweep(now);
            prop_assert_eq!(kept.check([key], now).unwrap(), swept.check([key], now).unwrap());
        }
    }
}

#[test]
fn velocity_still_sees_a_fast_clicker_and_new_clients_after_two_million_keys() {
    let counter = VelocityCounter::new(100_000);
    let t0 = 1_700_000_000 - 1_700_000_000 % 60;
    let mut fast = 0;
    for i in 0..2_000_000u64 {
        let now = t0 + i / 1000; // 1,000 single-use keys a second
        counter.record(i.to_be_bytes(), now).unwrap();
        if i % 6000 == 0 {
            // A client clicking 10 times a minute.
            fast = counter
                .record("2001:db8:1:2::/64", now)
                .unwrap()
                .last_minute;
        }
    }
    assert_eq!(fast, 10, "the fast clicker is still counted");
    let newcomer = counter.record("203.0.113.77", t0 + 2000).unwrap();
    assert_eq!(newcomer.last_hour, 1, "a new client is still counted");
    assert!(counter.key_count() <= 100_032);
}

#[test]
fn times_past_year_9999_are_refused_and_the_window_still_limits_at_the_edge() {
    use clickfence::MAX_UNIX_TIME;
    let limiter = RateLimiter::new(Quota::new(2, 60).unwrap());
    for now in [MAX_UNIX_TIME + 1, u64::MAX] {
        assert_eq!(
            limiter.check("k", now).unwrap_err().code(),
            "time_out_of_range"
        );
        assert_eq!(
            VelocityCounter::new(10)
                .record("k", now)
                .unwrap_err()
                .code(),
            "time_out_of_range"
        );
    }
    // At the last accepted second the arithmetic neither wraps nor panics,
    // and the key stays limited.
    assert!(limiter.check("edge", MAX_UNIX_TIME).unwrap().allowed);
    assert!(limiter.check("edge", MAX_UNIX_TIME).unwrap().allowed);
    assert!(!limiter.check("edge", MAX_UNIX_TIME).unwrap().allowed);
    assert!(!limiter.check("edge", MAX_UNIX_TIME).unwrap().allowed);
}

/// tests/vectors/keys.json: key parts from client text and shared keys.
#[test]
fn key_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/keys.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = v["client_keys"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for c in cases {
        let text = c["text"].as_str().unwrap();
        assert_eq!(
            clickfence::rate::client_key(text),
            c["expected"].as_str().unwrap(),
            "{text:.40}"
        );
    }
    for c in v["shared_keys"].as_array().unwrap() {
        let got = clickfence::rate::redis::shared_key(
            c["prefix"].as_str().unwrap(),
            c["key"].as_str().unwrap().as_bytes(),
        );
        match c["error"].as_str() {
            Some(code) => assert_eq!(got.unwrap_err().code(), code),
            None => assert_eq!(got.unwrap(), c["expected"].as_str().unwrap().as_bytes()),
        }
    }
}
