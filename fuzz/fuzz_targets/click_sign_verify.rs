//! Sign → verify round trip: every URL `sign` accepts must verify as valid
//! with the same key (the property that found the trailing-'?' defect).
#![no_main]
use clickfence::{ClickSigner, ClickVerifier, Mode};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (secret, url) = text.split_once('\n').unwrap_or(("fuzz-secret", text));
    let Ok(signer) = ClickSigner::new(secret) else { return };
    if let Ok(signed) = signer.sign(url, NOW + 300) {
        let verifier = ClickVerifier::new(Mode::Enabled, false);
        verifier.add_key("k", secret, NOW + 3600, NOW).expect("a fresh key is accepted");
        let verdict = verifier.verify(&signed, NOW);
        assert_eq!(verdict.outcome.code(), "valid", "sign accepted {url:?} but verify says {verdict:?}");
    }
});
