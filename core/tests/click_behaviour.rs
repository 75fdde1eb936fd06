//! Click verification rules that span several calls: key ring, circuit
//! breaker, report counts under concurrency.

use std::sync::Arc;

use clickfence::click::{ReportRange, BREAKER_MIN_CLICKS, REPORT_CSV_HEADER};
use clickfence::{ClickSigner, ClickVerifier, Mode};

const NOW: u64 = 1_610_866_800; // 2021-01-17T07:00:00Z
const URL: &str = "https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign";

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

#[test]
fn breaker_trips_to_report_only_after_ninety_percent_failures() {
    let v = verifier(Mode::Enabled);
    let good = ClickSigner::new("secret-one")
        .unwrap()
        .sign(URL, NOW + 3000)
        .unwrap();
    // 9 valid, then failures until the hour holds 100 clicks with 91 failed.
    for _ in 0..9 {
        assert!(v.verify(&good, NOW).accepted);
    }
    for i in 0..90 {
        let verdict = v.verify(URL, NOW + i);
        assert!(!verdict.accepted, "click {i} is rejected while enabled");
    }
    assert_eq!(
        v.mode(),
        Mode::Enabled,
        "99 clicks are below the minimum sample"
    );
    assert!(
        !v.verify(URL, NOW + 100).accepted,
        "the tripping click was judged under enabled"
    );
    assert_eq!(v.mode(), Mode::ReportOnly);
    let trip = v.breaker_trip().unwrap();
    assert_eq!(
        (trip.at, trip.total, trip.failed),
        (NOW + 100, BREAKER_MIN_CLICKS, 91)
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
    let good = ClickSigner::new("secret-one")
        .unwrap()
        .sign(URL, NOW + 7200)
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let v = Arc::clone(&v);
            let good = good.clone();
            std::thread::spawn(move || {
                for i in 0..500u64 {
                    let url = if (i + t) % 2 == 0 { good.as_str() } else { URL };
                    v.verify(url, NOW + (i % 2) * 3600);
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
    v.set_mode(Mode::Disabled);
    v.include_app("com.app.id");
    assert_eq!(v.verify(URL, NOW).outcome.code(), "not_validated");
    assert!(v.report(ReportRange::LastDay, NOW).is_empty());
}
