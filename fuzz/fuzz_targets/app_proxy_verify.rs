//! Shopify app-proxy verification over arbitrary query strings: never a
//! panic, and a query the signer signed always verifies at its timestamp.
#![no_main]
use clickfence::webhook::{app_proxy_signature, verify_app_proxy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let _ = verify_app_proxy(query, b"hush", 1_317_327_555);
    let _ = verify_app_proxy(query, b"hush", u64::MAX);
    // Re-signed with the query's own signature parameters removed, a query
    // with exactly one timestamp and shop verifies.
    let Ok(sig) = app_proxy_signature(query, b"hush") else { return };
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "signature")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut encoded = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &kept {
        encoded.append_pair(k, v);
    }
    encoded.append_pair("signature", &sig);
    let resigned = encoded.finish();
    if let Ok(r) = verify_app_proxy(&resigned, b"hush", 1_317_327_555) {
        assert!(!r.shop.is_empty());
    }
    assert_ne!(
        verify_app_proxy(&resigned, b"hush", 1_317_327_555).err().map(|e| e.code()),
        Some("signature_mismatch"),
        "a re-signed query failed its signature"
    );
});
