//! One-time tickets: what consuming a signed click costs beside verifying
//! its signature alone, and what the store holds at 10 million tickets.
//!
//! Run: `cargo bench -p clickfence --bench tickets`
//! (the memory figure is printed first; it fills a store with 10 million
//! tickets, about 1 GB, once).

use std::time::{Duration, Instant};

use clickfence::click::{Fetch, Ticket};
use clickfence::{ClickSigner, ClickVerifier, Mode};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const URL: &str =
    "https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign&af_site_id=12345";
const KEY: &str = "zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg=";
const NOW: u64 = 1_597_657_000;

fn verifier() -> ClickVerifier {
    let v = ClickVerifier::new(Mode::Enabled, true);
    v.add_key("k", KEY, NOW + 36 * 3600, NOW).unwrap();
    v
}

/// A uniformly spread tag for ticket `i` (SplitMix64), as HMAC tags are.
fn tag(i: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut x = i;
    for chunk in out.chunks_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Fills a store with 10 million live tickets and prints what it holds.
fn memory_at_ten_million() {
    let v = verifier();
    let before = resident_bytes().unwrap_or(0);
    let started = Instant::now();
    for i in 0..10_000_000u64 {
        let t = Ticket {
            tag: tag(i),
            expires_at: NOW + 3600,
            fingerprint: i,
        };
        v.claim_ticket(&t, NOW);
    }
    let took = started.elapsed();
    let after = resident_bytes().unwrap_or(0);
    eprintln!(
        "tickets: {} held; tables {:.1} MiB ({:.1} B/entry); resident +{:.1} MiB ({:.1} B/entry); filled in {:.2?} ({:.0} ns/claim)",
        v.ticket_count(),
        v.ticket_memory() as f64 / 1048576.0,
        v.ticket_memory() as f64 / 1e7,
        after.saturating_sub(before) as f64 / 1048576.0,
        after.saturating_sub(before) as f64 / 1e7,
        took,
        took.as_nanos() as f64 / 1e7,
    );
}

fn tickets(c: &mut Criterion) {
    memory_at_ten_million();
    let signer = ClickSigner::new(KEY).unwrap();
    let v = verifier();
    let signed = signer.sign(URL, NOW + 118).unwrap();
    // The signature alone: the test API's check, nothing consumed or counted.
    c.bench_function("tickets/signature_only", |b| {
        b.iter(|| v.test(black_box(&signed), black_box(NOW)))
    });
    // A first use each time: fresh URLs signed outside the timing.
    c.bench_function("tickets/verify_first_use", |b| {
        b.iter_custom(|iters| {
            let v = verifier();
            let urls: Vec<String> = (0..iters)
                .map(|i| signer.sign(&format!("{URL}&n={i}"), NOW + 118).unwrap())
                .collect();
            let started = Instant::now();
            for url in &urls {
                black_box(v.verify(black_box(url), NOW));
            }
            started.elapsed()
        })
    });
    let fetch = Fetch {
        source: Some([198, 51, 100, 7].into()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"),
        purpose: None,
        ..Fetch::default()
    };
    v.verify_fetch(&signed, &fetch, NOW);
    c.bench_function("tickets/verify_replayed", |b| {
        b.iter(|| v.verify_fetch(black_box(&signed), &fetch, black_box(NOW + 60)))
    });
    c.bench_function("tickets/check_only", |b| {
        b.iter(|| v.check(black_box(&signed), &fetch, black_box(NOW + 60)))
    });
    // The store alone, on a store already holding a million tickets (with
    // room for every iteration, so this is the insert, not the refusal).
    let store = verifier();
    store.set_ticket_limits(usize::MAX, 7 * 24 * 3600);
    for i in 0..1_000_000u64 {
        let t = Ticket {
            tag: tag(i),
            expires_at: NOW + 3600,
            fingerprint: 1,
        };
        store.claim_ticket(&t, NOW);
    }
    let mut next = 1_000_000u64;
    c.bench_function("tickets/claim_new_in_1m", |b| {
        b.iter(|| {
            next += 1;
            let t = Ticket {
                tag: tag(next),
                expires_at: NOW + 3600,
                fingerprint: 1,
            };
            store.claim_ticket(black_box(&t), NOW)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = tickets
}
criterion_main!(benches);
