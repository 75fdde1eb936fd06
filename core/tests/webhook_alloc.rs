//! Verifying a delivery allocates nothing on the heap: a receiver under load
//! pays only for the HMAC.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use clickfence::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use clickfence::{WebhookSigner, WebhookVerifier};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
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

    let before = ALLOCATIONS.load(Ordering::SeqCst);
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
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst) - before, 0);
}
