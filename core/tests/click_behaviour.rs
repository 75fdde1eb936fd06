//! Click verification rules that span several calls: key ring, circuit
//! breaker, report counts under concurrency.

use std::net::IpAddr;
use std::sync::Arc;

use clickfence::click::{ReportRange, BREAKER_MIN_CLICKS, REPORT_CSV_HEADER};
use clickfence::{ClickSigner, ClickVerifier, Mode};

const NOW: u64 = 1_610_866_800; // 2021-01-17T07:00:00Z
const URL: &str = "https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign";

/// A fresh genuine click: the `n`th, signed with `secret-one`.
fn fresh(n: u64, expires: u64) -> String {
    ClickSigner::new("secret-one")
        .unwrap()
        .sign(&format!("{URL}&n={n}"), expires)
        .unwrap()
}

fn verifier(mode: Mode) -> ClickVerifier {
    let v = ClickVerifier::new(mode, true);
    v.add_key("k1", "secret-one", NOW + 36 * 3600, NOW).unwrap();
    v
}

#[test]
fn generated_key_signs_clicks_the_verifier_accepts() {
    let v = ClickVerifier::new(Mode::Enabled, true);
    let key = v.generate_key(36, NOW).unwrap();
    let url = ClickSigner::new(key.secret.as_bytes())
        .unwrap()
        .sign(URL, NOW + 300)
        .unwrap();
    let verdict = v.verify(&url, NOW);
    assert_eq!(verdict.outcome.key_id(), Some(key.id.as_str()));
    assert!(verdict.accepted);
}

#[test]
fn at_most_two_active_keys_and_revoked_keys_stop_verifying() {
    let v = verifier(Mode::Enabled);
    v.generate_key(36, NOW).unwrap();
    assert_eq!(
        v.generate_key(36, NOW).unwrap_err().code(),
        "too_many_active_keys"
    );
    assert_eq!(
        v.add_key("k3", "x", NOW + 10, NOW).unwrap_err().code(),
        "too_many_active_keys"
    );
    let url = ClickSigner::new("secret-one")
        .unwrap()
        .sign(URL, NOW + 300)
        .unwrap();
    assert_eq!(v.verify(&url, NOW).outcome.code(), "valid");
    v.revoke_key("k1").unwrap();
    assert_eq!(v.verify(&url, NOW).outcome.code(), "invalid_signature");
    assert_eq!(v.revoke_key("k1").unwrap_err().code(), "unknown_key");
    // Room again after the revoke.
    v.generate_key(36, NOW).unwrap();
}

#[test]
fn expired_keys_are_inactive_without_removal() {
    let v = verifier(Mode::Enabled);
    let later = NOW + 36 * 3600;
    let url = ClickSigner::new("secret-one")
        .unwrap()
        .sign(URL, later + 300)
        .unwrap();
    assert_eq!(v.verify(&url, later - 1).outcome.code(), "valid");
    assert_eq!(v.verify(&url, later).outcome.code(), "no_active_secrets");
    assert!(v.config(later).active_keys.is_empty());
}

#[test]
fn config_shows_the_spec_keys() {
    let v = verifier(Mode::ReportOnly);
    v.exclude_app("app-id-2").unwrap();
    v.exclude_app("app-id-1").unwrap();
    let json = serde_json::to_value(v.config(NOW)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "mode": "report-only",
            "circuit-breaker-config": {"status": "enabled"},
            "active-key-ids": [{"secret-key-id": "k1", "expiration": NOW + 36 * 3600}],
            "excluded-app-ids": ["app-id-1", "app-id-2"],
        })
    );
    assert!(v.include_app("app-id-1"));
    assert!(!v.include_app("app-id-1"));
    assert_eq!(v.exclude_app("").unwrap_err().code(), "empty_app_id");
}

/// A client address in network `i` (a distinct /24 per `i`).
fn net(i: u64) -> Option<IpAddr> {
    Some(IpAddr::from([100, 64 + (i >> 8) as u8, i as u8, 9]))
}

#[test]
fn breaker_trips_on_a_fresh_system_when_many_networks_fail() {
    let v = verifier(Mode::Enabled);
    // No valid click at all: failures from distinct networks until the
    // window holds 100 clicks.
    for i in 0..99 {
        let verdict = v.verify_from(URL, net(i), NOW + i);
        assert!(!verdict.accepted, "click {i} is rejected while enabled");
        assert!(!verdict.tripped);
    }
    assert_eq!(
        v.mode(),
        Mode::Enabled,
        "99 clicks are below the minimum sample"
    );
    let verdict = v.verify_from(URL, net(99), NOW + 100);
    assert!(
        !verdict.accepted,
        "the tripping click was judged under enabled"
    );
    assert!(verdict.tripped);
    assert_eq!(v.mode(), Mode::ReportOnly);
    let trip = v.breaker_trip().unwrap();
    assert_eq!(
        (trip.at, trip.total, trip.failed, trip.sources),
        (NOW + 100, BREAKER_MIN_CLICKS, 100, 100)
    );
    assert_eq!(trip.hour.to_string(), "2021-01-17T07");
    assert!(v.verify(URL, NOW + 101).accepted, "now report-only");
    let json = serde_json::to_value(v.config(NOW)).unwrap();
    assert_eq!(
        json["circuit-breaker-config"]["tripped"]["hour"],
        "2021-01-17T07"
    );
}

#[test]
fn one_valid_click_in_fifty_minutes_holds_the_breaker_on_a_fresh_system() {
    let v = verifier(Mode::Enabled);
    for n in 0..9 {
        assert!(v.verify_from(&fresh(n, NOW + 3000), net(0), NOW).accepted);
    }
    for i in 0..2000 {
        assert!(!v.verify_from(URL, net(i), NOW + 1 + i).tripped, "{i}");
    }
    assert_eq!(v.mode(), Mode::Enabled);
}

#[test]
fn a_thousand_failures_from_five_addresses_never_trip() {
    let v = verifier(Mode::Enabled);
    for i in 0..1000 {
        v.verify_from(URL, net(i % 5), NOW + i);
    }
    for i in 0..1000 {
        v.verify(URL, NOW + i);
    }
    assert_eq!(v.mode(), Mode::Enabled);
    assert_eq!(v.breaker_trip(), None);
}

#[test]
fn steady_signed_traffic_outweighs_a_forged_flood_from_many_networks() {
    let v = verifier(Mode::Enabled);
    // 1,000 genuine clicks an hour, for an hour, then a flood of 9,001
    // forged clicks from 9,001 networks while the genuine clicks go on.
    for i in 0..1000 {
        v.verify_from(&fresh(i, NOW + 3 * 3600), net(i), NOW + i * 36 / 10);
    }
    for i in 0..9001u64 {
        let t = NOW + 3600 + i * 2 / 5;
        if i % 9 == 0 {
            v.verify_from(&fresh(1000 + i, NOW + 3 * 3600), net(i), t);
        }
        let verdict = v.verify_from(URL, net(i), t);
        assert!(!verdict.accepted && !verdict.tripped, "forged click {i}");
    }
    assert_eq!(v.mode(), Mode::Enabled);
}

#[test]
fn the_same_keys_with_the_signer_broken_trip_within_the_hour() {
    let v = verifier(Mode::Enabled);
    let broken = ClickSigner::new("not-the-secret")
        .unwrap()
        .sign(URL, NOW + 3 * 3600)
        .unwrap();
    for i in 0..1000 {
        v.verify_from(&fresh(i, NOW + 3 * 3600), net(i), NOW + i * 36 / 10);
    }
    let mut tripped_at = None;
    for i in 0..1000u64 {
        let t = NOW + 3600 + i * 36 / 10;
        if v.verify_from(&broken, net(i), t).tripped {
            tripped_at = Some(t);
            break;
        }
    }
    let at = tripped_at.expect("a broken signer trips the breaker");
    assert!(at < NOW + 2 * 3600, "within the hour");
    assert!(
        at >= NOW + 3600 + 49 * 60,
        "after 50 minutes without a valid click"
    );
    assert_eq!(v.mode(), Mode::ReportOnly);
    assert!(v.breaker_trip().unwrap().sources >= 20);
}

#[test]
fn a_manual_re_enable_is_not_re_tripped_by_old_counts() {
    let v = verifier(Mode::Enabled);
    for i in 0..200 {
        v.verify_from(URL, net(i), NOW + i);
    }
    assert_eq!(v.mode(), Mode::ReportOnly, "tripped");
    v.set_mode(Mode::Enabled, NOW + 200);
    for i in 0..50 {
        let verdict = v.verify_from(URL, net(1000 + i), NOW + 300 + i);
        assert!(
            !verdict.accepted && !verdict.tripped,
            "click {i} after re-enable"
        );
    }
    assert_eq!(v.mode(), Mode::Enabled);
}

#[test]
fn disabled_breaker_never_trips() {
    let v = verifier(Mode::Enabled);
    v.set_circuit_breaker(false);
    for i in 0..500 {
        v.verify(URL, NOW + i);
    }
    assert_eq!(v.mode(), Mode::Enabled);
    assert_eq!(v.breaker_trip(), None);
}

#[test]
fn one_bad_click_in_a_quiet_hour_does_not_trip() {
    let v = verifier(Mode::Enabled);
    v.verify(URL, NOW);
    assert_eq!(v.mode(), Mode::Enabled);
}

#[test]
fn report_counts_every_click_from_many_threads() {
    let v = Arc::new(verifier(Mode::ReportOnly));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let v = Arc::clone(&v);
            std::thread::spawn(move || {
                for i in 0..500u64 {
                    let url = if (i + t) % 2 == 0 {
                        fresh(t * 1000 + i, NOW + 7200)
                    } else {
                        URL.to_owned()
                    };
                    v.verify(&url, NOW + (i % 2) * 3600);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let rows = v.report(ReportRange::LastDay, NOW + 3600);
    assert_eq!(rows.len(), 2);
    let total: u64 = rows.iter().map(|r| r.counts.total).sum();
    let valid: u64 = rows.iter().map(|r| r.counts.valid).sum();
    let missing: u64 = rows.iter().map(|r| r.counts.missing_signature).sum();
    assert_eq!((total, valid, missing), (4000, 2000, 2000));
    let csv = v.report_csv(
        ReportRange::parse(Some("2021-01-17T07"), Some("2021-01-17T08")).unwrap(),
        NOW,
    );
    assert!(csv.starts_with(REPORT_CSV_HEADER));
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn excluded_and_disabled_clicks_are_not_counted() {
    let v = verifier(Mode::Enabled);
    v.exclude_app("com.app.id").unwrap();
    assert_eq!(v.verify(URL, NOW).outcome.code(), "excluded");
    v.set_mode(Mode::Disabled, NOW);
    v.include_app("com.app.id");
    assert_eq!(v.verify(URL, NOW).outcome.code(), "not_validated");
    assert!(v.report(ReportRange::LastDay, NOW).is_empty());
}

#[test]
fn times_past_year_9999_are_refused_or_read_as_its_end() {
    let v = ClickVerifier::new(Mode::Enabled, true);
    assert_eq!(
        v.add_key("k", "s", u64::MAX, u64::MAX).unwrap_err().code(),
        "time_out_of_range"
    );
    assert_eq!(
        v.generate_key(36, u64::MAX).unwrap_err().code(),
        "time_out_of_range"
    );
    // Verification cannot fail: a later time is read as the end of 9999.
    assert_eq!(v.verify(URL, u64::MAX).outcome.code(), "missing_signature");
    let _ = v.config(u64::MAX);
    let _ = v.report(ReportRange::LastDay, u64::MAX);
}

#[test]
fn exclusions_can_be_ignored_for_clicks_they_do_not_cover() {
    let v = verifier(Mode::Enabled);
    v.exclude_app("com.app.id").unwrap();
    let fetch = clickfence::click::Fetch {
        ignore_exclusions: true,
        ..Default::default()
    };
    assert_eq!(v.verify(URL, NOW).outcome.code(), "excluded");
    let verdict = v.verify_fetch(URL, &fetch, NOW);
    assert_eq!(verdict.outcome.code(), "missing_signature");
    assert!(!verdict.accepted);
}
