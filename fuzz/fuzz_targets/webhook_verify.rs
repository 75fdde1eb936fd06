//! Webhook verification and the replay guard over arbitrary headers and body.
#![no_main]
use clickfence::webhook::ReplayGuard;
use clickfence::WebhookVerifier;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Lines: timestamp, signature, delivery id, then the body.
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let ts = parts.next().unwrap_or_default();
    let sig = parts.next().unwrap_or_default();
    let id = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let Ok(v) = WebhookVerifier::new(["whsec_fuzz", "whsec_other"]) else { return };
    let headers = [
        (&b"X-MyClickShield-Timestamp"[..], ts),
        (&b"x-myclickshield-signature"[..], sig),
        (&b"X-MyClickShield-Delivery"[..], id),
    ];
    let _ = v.verify(headers, body, 1_777_896_000);
    let _ = v.verify_parts(ts, sig, body, u64::MAX);
    if let Ok(verified) = v.verify(headers, body, 1_777_896_000) {
        let guard = ReplayGuard::new(300, 16);
        let _ = guard.check(&verified, 1_777_896_000);
        assert!(guard.check(&verified, 1_777_896_000).is_err(), "a replay passed");
    }
});
