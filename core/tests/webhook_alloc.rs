//! Verifying a delivery allocates nothing on the heap: a receiver under load
//! pays only for the HMAC.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use clickfence::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use clickfence::{WebhookSigner, WebhookVerifier};

struct Counting;

// Counted on the test's own thread only: the test harness's threads may
// allocate meanwhile (a loaded machine makes them wake), and they are not
// the verifier's.
thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // try_with: a thread being torn down has no counter, and is not ours.
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn verify_of_a_300_byte_body_does_not_allocate() {
    const NOW: u64 = 1_777_896_000;
    let body = vec![b'x'; 300];
    let sig = WebhookSigner::new("whsec").unwrap().sign(NOW, &body);
    let verifier = WebhookVerifier::new(["whsec"]).unwrap();
    let ts = NOW.to_string();
    let stale = (NOW - 1000).to_string();

    let before = allocations();
    for _ in 0..100 {
        let ok = [
            (TIMESTAMP_HEADER, ts.as_str()),
            (SIGNATURE_HEADER, sig.as_str()),
        ];
        assert!(verifier.verify(ok, &body, NOW).is_ok());
        let old = [
            (TIMESTAMP_HEADER, stale.as_str()),
            (SIGNATURE_HEADER, sig.as_str()),
        ];
        assert!(verifier.verify(old, &body, NOW).is_err());
    }
    assert_eq!(allocations() - before, 0);
    // The counter counts: building a verifier allocates.
    let before = allocations();
    drop(WebhookVerifier::new(["other"]).unwrap());
    assert!(allocations() > before);
}

#[test]
fn verify_in_every_scheme_does_not_allocate() {
    use clickfence::webhook::Scheme;
    // The first case of each scheme in the shared vectors that verifies.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/webhook_schemes.json"
    );
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut seen = Vec::new();
    for case in all["cases"].as_array().unwrap() {
        let scheme = Scheme::from_name(case["scheme"].as_str().unwrap()).unwrap();
        // Ed25519 (experimental) verifies one contiguous message: it copies.
        let ed25519 = scheme == Scheme::StandardV1aExperimental;
        if !case["code"].is_null() || seen.contains(&scheme) || ed25519 {
            continue;
        }
        seen.push(scheme);
        let secrets: Vec<&str> = case["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let verifier = WebhookVerifier::with_scheme(scheme, secrets).unwrap();
        let headers: Vec<(&str, &str)> = case["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            .collect();
        let hex = case["body_hex"].as_str().unwrap();
        let body: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let now = case["now"].as_u64().unwrap();
        let before = allocations();
        for _ in 0..100 {
            assert!(verifier.verify(headers.iter().copied(), &body, now).is_ok());
        }
        assert_eq!(allocations() - before, 0, "{scheme}");
    }
    assert_eq!(seen.len(), 5);
}
