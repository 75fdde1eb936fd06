//! Verification of arbitrary received URLs, with and without a source.
#![no_main]
use clickfence::{ClickVerifier, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else { return };
    let v = ClickVerifier::new(Mode::Enabled, true);
    let _ = v.add_key("k", "fuzz-secret", 2_000_000_000, 1_700_000_000);
    let _ = v.exclude_app("com.excluded");
    let _ = v.verify(url, 1_700_000_000);
    let _ = v.verify_from(url, Some([203, 0, 113, 1].into()), u64::MAX);
    let _ = v.test(url, 0);
});
