//! Webhook rules across calls: deliveries signed afresh per attempt, the
//! spec's sample receiver as a differential oracle, and hostile input.

use clickfence::webhook::{
    AttemptResult, BlockSource, DeliveryState, Event, IpBlocked, Next, ReplayGuard,
    DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use clickfence::{WebhookSigner, WebhookVerifier};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::Sha256;

const NOW: u64 = 1_777_896_000;

/// The spec's Express receiver, transcribed: hex HMAC over `ts + "." + body`,
/// string comparison, `Math.abs(now - Number(ts)) > 300` rejects.
fn spec_sample_accepts(secret: &str, ts: &str, sig: &str, body: &str, now: u64) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let number: f64 = ts.parse().unwrap_or(f64::NAN);
    let stale = (now as f64 - number).abs() > 300.0;
    sig.len() == expected.len() && sig == expected && !stale
}

fn ip_blocked() -> Event {
    Event::IpBlocked(IpBlocked {
        site_id: 17,
        site_domain: "acme-coffee.com".into(),
        ip_address: "203.0.113.42".into(),
        reason: "Manual review".into(),
        fraud_score: None,
        source: BlockSource::Api,
    })
}

#[test]
fn every_retry_is_signed_afresh_with_the_same_delivery_id() {
    let signer = WebhookSigner::new("whsec").unwrap();
    let verifier = WebhookVerifier::new(["whsec"]).unwrap();
    let event = ip_blocked();
    let body = event.envelope_json(NOW);
    let mut state = DeliveryState::new(NOW);
    let mut attempt_at = NOW;
    let mut signatures = vec![];
    loop {
        let headers = signer
            .headers(event.name(), "5821", attempt_at, &body)
            .unwrap();
        assert_eq!(headers[4], (DELIVERY_HEADER, "5821".to_owned()));
        signatures.push(headers[3].1.clone());
        // The receiver's clock is the attempt time: every attempt verifies,
        // even the 30-minute retry.
        verifier
            .verify(
                headers.iter().map(|(n, v)| (*n, v.as_str())),
                &body,
                attempt_at,
            )
            .unwrap();
        match state.record(AttemptResult::Status(503), attempt_at) {
            Next::RetryAt(at) => attempt_at = at,
            Next::GaveUp => break,
            Next::Delivered => unreachable!(),
        }
    }
    assert_eq!(signatures.len(), 5);
    signatures.dedup();
    assert_eq!(signatures.len(), 5, "each attempt has its own signature");
    assert!(
        attempt_at - NOW > 300,
        "the last attempt is outside the first one's window"
    );
}

#[test]
fn sign_event_signs_the_exact_bytes_it_returns() {
    let signer = WebhookSigner::new("whsec").unwrap();
    let delivery = signer.sign_event(&ip_blocked(), "d-1", NOW).unwrap();
    let verified = WebhookVerifier::new(["whsec"])
        .unwrap()
        .verify(
            delivery.headers.iter().map(|(n, v)| (*n, v.as_str())),
            &delivery.body,
            NOW,
        )
        .unwrap();
    assert_eq!(verified.timestamp, NOW);
    assert_eq!(
        delivery.headers[0],
        ("Content-Type", "application/json".to_owned())
    );
    assert_eq!(delivery.headers[1].1, "ip.blocked");
    let json: serde_json::Value = serde_json::from_slice(&delivery.body).unwrap();
    assert_eq!(json["data"]["fraud_score"], serde_json::Value::Null);
    assert_eq!(json["data"]["source"], "api");
}

#[test]
fn header_values_are_checked() {
    let s = WebhookSigner::new("k").unwrap();
    assert_eq!(
        s.headers("ip.blocked", "a b", NOW, b"").unwrap_err().code(),
        "invalid_header_value"
    );
    assert_eq!(
        s.headers("", "1", NOW, b"").unwrap_err().code(),
        "invalid_header_value"
    );
    assert_eq!(
        s.headers("x\r\ny", "1", NOW, b"").unwrap_err().code(),
        "invalid_header_value"
    );
}

#[test]
fn replay_inside_window_with_a_new_delivery_id_is_refused() {
    let signer = WebhookSigner::new("k").unwrap();
    let verifier = WebhookVerifier::new(["k"]).unwrap();
    let guard = ReplayGuard::new(verifier.tolerance(), 10_000);
    let body = b"{}";
    let sig = signer.sign(NOW, body);
    let ts = NOW.to_string();
    let first = [
        (TIMESTAMP_HEADER, ts.as_str()),
        (SIGNATURE_HEADER, &sig),
        (DELIVERY_HEADER, "1"),
    ];
    let v = verifier.verify(first, body, NOW).unwrap();
    guard.check(&v, NOW).unwrap();
    let replay = [
        (TIMESTAMP_HEADER, ts.as_str()),
        (SIGNATURE_HEADER, &sig),
        (DELIVERY_HEADER, "2"),
    ];
    let v = verifier.verify(replay, body, NOW + 60).unwrap();
    assert_eq!(
        guard.check(&v, NOW + 60).unwrap_err().code(),
        "replayed_delivery"
    );
}

proptest! {
    #[test]
    fn agrees_with_the_spec_sample_on_well_formed_input(
        secret in "[ -~]{1,40}",
        body in ".{0,300}",
        skew in -400i64..400,
        sign_ts_offset in prop_oneof![Just(0i64), -2i64..2],
        tamper in any::<bool>(),
    ) {
        let ts = (NOW as i64 + skew) as u64;
        let signed_ts = (ts as i64 + sign_ts_offset) as u64;
        let mut sig = WebhookSigner::new(&secret).unwrap().sign(signed_ts, body.as_bytes());
        if tamper {
            let last = if sig.ends_with('0') { "1" } else { "0" };
            sig.replace_range(63.., last);
        }
        let ts_text = ts.to_string();
        let ours = WebhookVerifier::new([&secret]).unwrap()
            .verify([(TIMESTAMP_HEADER, ts_text.as_str()), (SIGNATURE_HEADER, sig.as_str())], body.as_bytes(), NOW)
            .is_ok();
        prop_assert_eq!(ours, spec_sample_accepts(&secret, &ts_text, &sig, &body, NOW));
    }

    #[test]
    fn any_single_byte_change_fails(body in prop::collection::vec(any::<u8>(), 1..200), which in 0usize..3, pos in any::<prop::sample::Index>(), delta in 1u8..=255) {
        let signer = WebhookSigner::new("k").unwrap();
        let verifier = WebhookVerifier::new(["k"]).unwrap();
        let mut ts = NOW.to_string().into_bytes();
        let mut sig = signer.sign(NOW, &body).into_bytes();
        let mut body = body;
        let target = match which { 0 => &mut body, 1 => &mut ts, _ => &mut sig };
        let i = pos.index(target.len());
        target[i] = target[i].wrapping_add(delta);
        prop_assert!(verifier.verify_parts(&ts, &sig, &body, NOW).is_err());
    }

    #[test]
    fn arbitrary_headers_and_bodies_never_panic(
        headers in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..30), prop::collection::vec(any::<u8>(), 0..80)), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..100),
        now in any::<u64>(),
    ) {
        let verifier = WebhookVerifier::new(["k"]).unwrap();
        let mut all = headers.clone();
        all.push((b"x-myclickshield-timestamp".to_vec(), now.to_string().into_bytes()));
        let _ = verifier.verify(headers, &body, now);
        let _ = verifier.verify(all, &body, now);
    }
}

#[test]
fn times_past_year_9999_are_refused() {
    let v = clickfence::WebhookVerifier::new(["whsec_x"]).unwrap();
    let e = v
        .verify_parts(b"1", &[b'0'; 64], b"{}", u64::MAX)
        .unwrap_err();
    assert_eq!(e.code(), "time_out_of_range");
    let signer = clickfence::WebhookSigner::new("whsec_x").unwrap();
    assert_eq!(
        signer
            .headers("ip.blocked", "1", u64::MAX, b"{}")
            .unwrap_err()
            .code(),
        "time_out_of_range"
    );
}
