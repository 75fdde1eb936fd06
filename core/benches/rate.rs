//! Rate checks: a hot key, a million distinct keys, two threads on one
//! limiter; each beside the `governor` crate's keyed GCRA limiter.
//!
//! Run: `cargo bench -p clickfence --bench rate`

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clickfence::rate::{Quota, RateLimiter};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const NOW: u64 = 1_700_000_000;
const KEYS: u32 = 1_000_000;

fn governor_limiter() -> governor::DefaultKeyedRateLimiter<Vec<u8>> {
    // A huge quota so the bench measures bookkeeping, not refusals.
    governor::RateLimiter::keyed(governor::Quota::per_minute(
        NonZeroU32::new(1_000_000).unwrap(),
    ))
}

fn key(i: u32) -> [u8; 16] {
    let mut k = *b"203.000.000.000\0";
    k[12..16].copy_from_slice(&i.to_be_bytes());
    k
}

fn rate(c: &mut Criterion) {
    let ours = RateLimiter::new(Quota::new(1_000_000, 60).unwrap());
    let theirs = governor_limiter();
    let hot = b"mcs_live_hot_token".to_vec();
    let mut tick = 0u64;
    c.bench_function("rate/hot_key/clickfence", |b| {
        b.iter(|| {
            tick += 1;
            // Advance a second every 1000 checks, as a busy token would see.
            ours.check(black_box(&hot), NOW + tick / 1000).unwrap()
        })
    });
    c.bench_function("rate/hot_key/governor", |b| {
        b.iter(|| theirs.check_key(black_box(&hot)))
    });

    let ours = RateLimiter::with_max_keys(Quota::new(60, 60).unwrap(), 2_000_000);
    let theirs = governor_limiter();
    for i in 0..KEYS {
        ours.check(key(i), NOW).unwrap();
        let _ = theirs.check_key(&key(i).to_vec());
    }
    let mut i = 0u32;
    c.bench_function("rate/1M_keys/clickfence", |b| {
        b.iter(|| {
            i = (i + 7919) % KEYS;
            ours.check(black_box(key(i)), NOW).unwrap()
        })
    });
    let mut i = 0u32;
    c.bench_function("rate/1M_keys/governor", |b| {
        b.iter(|| {
            i = (i + 7919) % KEYS;
            theirs.check_key(black_box(&key(i).to_vec())).ok()
        })
    });
    let mut fresh = KEYS;
    c.bench_function("rate/new_key/clickfence", |b| {
        b.iter(|| {
            fresh += 1;
            ours.check(black_box(key(fresh)), NOW).ok()
        })
    });
    let mut fresh = KEYS;
    c.bench_function("rate/new_key/governor", |b| {
        b.iter(|| {
            fresh += 1;
            theirs.check_key(black_box(&key(fresh).to_vec())).ok()
        })
    });

    let ours = Arc::new(RateLimiter::new(Quota::new(1_000_000, 60).unwrap()));
    c.bench_function("rate/2_threads_8_keys/clickfence", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, {
                let l = Arc::clone(&ours);
                move |i| {
                    l.check(key((i % 8) as u32), NOW + i / 100_000).unwrap();
                }
            })
        })
    });
    let theirs = Arc::new(governor_limiter());
    c.bench_function("rate/2_threads_8_keys/governor", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, {
                let l = Arc::clone(&theirs);
                move |i| {
                    let _ = l.check_key(&key((i % 8) as u32).to_vec());
                }
            })
        })
    });
}

/// Runs `iters` calls split over two threads; returns the wall time divided
/// back per call, so the figure is per check with two cores busy.
fn two_threads(iters: u64, f: impl Fn(u64) + Send + Sync + Clone + 'static) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let f = f.clone();
            std::thread::spawn(move || {
                for i in (t..iters).step_by(2) {
                    f(i);
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    start.elapsed()
}

criterion_group!(benches, rate);
criterion_main!(benches);
