//! One-time tickets: a shared store's reply (any bytes Redis could hold),
//! and verification with any user agent and purpose header, consumed twice.
#![no_main]
use clickfence::click::{Claim, Fetch, Ticket};
use clickfence::{ClickSigner, ClickVerifier, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ticket = Ticket {
        tag: [7; 32],
        expires_at: 1_700_000_300,
        fingerprint: 42,
    };
    match ticket.shared_claim(Some(text), 1_700_000_000) {
        Ok(Claim::First) => panic!("a stored value is never a first use"),
        Ok(_) | Err(_) => {}
    }
    let (ua, purpose) = text.split_once('\n').unwrap_or((text, ""));
    let v = ClickVerifier::new(Mode::Enabled, true);
    v.add_key("k", "s", 1_800_000_000, 1_700_000_000).unwrap();
    let url = ClickSigner::new("s")
        .unwrap()
        .sign("https://a.example/com.app?pid=x", 1_700_000_300)
        .unwrap();
    let fetch = Fetch {
        source: Some([198, 51, 100, 7].into()),
        user_agent: Some(ua),
        purpose: Some(purpose),
        ..Fetch::default()
    };
    let first = v.verify_fetch(&url, &fetch, 1_700_000_000);
    let second = v.verify_fetch(&url, &fetch, 1_700_000_100);
    // Valid at most once, whatever the headers say.
    assert!(!(first.outcome.code() == "valid" && second.outcome.code() == "valid"));
});
