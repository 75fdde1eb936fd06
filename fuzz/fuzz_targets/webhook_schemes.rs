//! Every webhook scheme over arbitrary header values and body: nothing
//! panics, and a delivery that verifies is refused when replayed.
#![no_main]
use clickfence::webhook::{ReplayGuard, Scheme, SCHEMES};
use clickfence::WebhookVerifier;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the scheme; then one line per header the scheme
    // reads (in `Scheme::headers` order; an empty line leaves it out); the
    // rest is the body.
    let Some((&pick, rest)) = data.split_first() else { return };
    let scheme: Scheme = SCHEMES[usize::from(pick) % SCHEMES.len()];
    let names = scheme.headers();
    let mut parts = rest.splitn(names.len() + 1, |b| *b == b'\n');
    let mut headers = Vec::new();
    for name in names {
        let value = parts.next().unwrap_or_default();
        if !value.is_empty() {
            headers.push((name.as_bytes(), value));
        }
    }
    let body = parts.next().unwrap_or_default();
    let secrets = match scheme {
        // RFC 8032's first test key, as a Standard Webhooks public key.
        Scheme::StandardV1aExperimental => ["whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="; 2],
        _ => ["whsec_ZnV6ei1mdXp6LWZ1enotZnV6eg==", "It's a Secret"],
    };
    let Ok(v) = WebhookVerifier::with_scheme(scheme, secrets) else {
        // Only the Standard scheme decodes, and the first secret is base64.
        assert!(scheme == Scheme::Standard, "{scheme} refused plain secrets");
        let Ok(v) = WebhookVerifier::with_scheme(scheme, ["whsec_ZnV6ei1mdXp6LWZ1enotZnV6eg=="]) else { return };
        let _ = v.verify(headers.iter().copied(), body, 1_777_896_000);
        return;
    };
    if let Ok(verified) = v.verify(headers.iter().copied(), body, 1_777_896_000) {
        let guard = ReplayGuard::new(300, 16);
        if guard.check(&verified, 1_777_896_000).is_ok() {
            assert!(guard.check(&verified, 1_777_896_000).is_err(), "a replay passed");
        }
    }
});
