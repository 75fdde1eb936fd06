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
