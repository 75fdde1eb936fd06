//! Property tests: sign → verify round-trips on arbitrary encoded URLs, and
//! any single-byte change breaks the signature.

use clickfence::{ClickSigner, ClickVerifier, Mode};
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000;

/// Arbitrary percent-encoded URLs without `expires`/`signature` parameters.
fn encoded_url() -> impl Strategy<Value = String> {
    // No leading '.': `.` and `..` are dot segments a browser resolves.
    let segment = "[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,11}";
    let value = prop::collection::vec(
        prop_oneof![
            // No raw `'`: browsers percent-encode it in a query.
            "[A-Za-z0-9._~!$()*+,;:@/-]".prop_map(|s| s),
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

/// URLs built to break the signer's text handling: queries ending in `?`
/// or `&`, nested URLs, `%` escapes, empty values and names, repeated `?`,
/// `expires`/`signature` look-alikes, paths with dots.
fn adversarial_url() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("?".to_owned()),
        Just("&".to_owned()),
        Just("=".to_owned()),
        Just("/".to_owned()),
        Just(".".to_owned()),
        Just("https://x.example/?".to_owned()),
        Just("expire".to_owned()),
        Just("signatures".to_owned()),
        Just("xexpires".to_owned()),
        Just("%3F".to_owned()),
        Just("%26".to_owned()),
        Just("%2e".to_owned()),
        "[a-z0-9]{1,4}".prop_map(|s| s),
        any::<u8>().prop_map(|b| format!("%{b:02X}")),
    ];
    (
        prop_oneof![
            Just("https://app.example.com/"),
            Just("http://a.example/p/")
        ],
        prop::collection::vec(piece, 0..12),
    )
        .prop_map(|(base, parts)| format!("{base}{}", parts.concat()))
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

    /// Whatever `sign` accepts verifies as valid with the same key.
    #[test]
    fn every_url_sign_accepts_verifies(url in adversarial_url(), ttl in 0u64..100_000) {
        if let Ok(signed) = ClickSigner::new("k").unwrap().sign(&url, NOW + ttl) {
            prop_assert!(signed.starts_with(&url));
            let verdict = verifier("k").verify(&signed, NOW);
            prop_assert_eq!(verdict.outcome.code(), "valid", "{}", signed);
        }
    }

    #[test]
    fn verify_never_panics_on_garbage(url in ".{0,200}", now in any::<u64>()) {
        let _ = verifier("secret").verify(&url, now);
    }
}
