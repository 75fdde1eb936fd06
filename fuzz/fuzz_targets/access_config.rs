//! Access configs from arbitrary JSON, then checks against them.
#![no_main]
use clickfence::ip::{AccessConfig, AccessPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (json, probe) = text.rsplit_once('\n').unwrap_or((text, "203.0.113.9"));
    let Ok(config) = AccessConfig::from_json(json) else { return };
    let Ok(policy) = AccessPolicy::builder(config).build() else { return };
    let _ = policy.check_str(probe, Some(probe), 1_700_000_000);
    let _ = policy.check_str("::ffff:1.2.3.4", Some("USA"), u64::MAX);
});
