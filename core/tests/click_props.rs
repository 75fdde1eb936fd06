//! Property tests: sign → verify round-trips on arbitrary encoded URLs, and
//! any single-byte change breaks the signature.

use clickfence::{ClickSigner, ClickVerifier, Mode};
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000;

/// Arbitrary percent-encoded URLs without `expires`/`signature` parameters.
fn encoded_url() -> impl Strategy<Value = String> {
    let segment = "[A-Za-z0-9._~-]{1,12}";
    let value = prop::collection::vec(
        prop_oneof![
            "[A-Za-z0-9._~!$'()*+,;:@/-]".prop_map(|s| s),
            any::<u8>().prop_map(|b| format!("%{b:02X}")),
        ],
        0..16,
    )
    .prop_map(|parts| parts.concat());
    (
        segment,
        prop::collection::vec((("[a-df-rt-z][a-z0-9_]{0,8}"), value), 0..6),
    )
        .prop_map(|(app, params)| {
            let mut url = format!("https://app.example.com/{app}");
            for (i, (name, value)) in params.iter().enumerate() {
                url.push(if i == 0 { '?' } else { '&' });
                url.push_str(name);
                url.push('=');
                url.push_str(value);
            }
            url
        })
}

fn verifier(secret: &str) -> ClickVerifier {
    let v = ClickVerifier::new(Mode::Enabled, false);
    v.add_key("k", secret, NOW + 3600, NOW).unwrap();
    v
}

proptest! {
    #[test]
    fn sign_then_verify_round_trips(url in encoded_url(), secret in "[ -~]{1,64}", ttl in 0u64..100_000) {
        let signed = ClickSigner::new(&secret).unwrap().sign(&url, NOW + ttl).unwrap();
        prop_assert!(signed.starts_with(&url));
        let verdict = verifier(&secret).verify(&signed, NOW);
        prop_assert_eq!(verdict.outcome.code(), "valid");
    }

    #[test]
    fn any_single_byte_change_fails(url in encoded_url(), pos in any::<prop::sample::Index>(), delta in 1u8..=255) {
        let signed = ClickSigner::new("secret").unwrap().sign(&url, NOW + 60).unwrap();
        let mut bytes = signed.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] = bytes[i].wrapping_add(delta);
        // Only ASCII is meaningful in a URL; other bytes are not valid text.
        if let Ok(tampered) = String::from_utf8(bytes) {
            let verdict = verifier("secret").verify(&tampered, NOW);
            prop_assert!(!verdict.accepted, "{} accepted as {}", tampered, verdict.outcome.code());
        }
    }

    #[test]
    fn verify_never_panics_on_garbage(url in ".{0,200}", now in any::<u64>()) {
        let _ = verifier("secret").verify(&url, now);
    }
}
