//! Rate and velocity windows under arbitrary keys, costs and clock steps,
//! checking the documented bound: at most `limit` units in any window.
#![no_main]
use clickfence::rate::{Quota, RateLimiter, VelocityCounter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Room for every key: at the cap the lightest keys are forgotten by
    // design, which loosens a limit; the bound holds while nothing is.
    let limiter = RateLimiter::with_max_keys(Quota::new(5, 10).unwrap_or_default(), 64 * 64);
    let velocity = VelocityCounter::new(64);
    let mut now: u64 = 1_700_000_000;
    let mut admitted: Vec<(u64, u32)> = Vec::new();
    for chunk in data.chunks(3) {
        let [step, key, cost] = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&1)];
        now = match step {
            255 => u64::MAX,
            254 => clickfence::MAX_UNIX_TIME,
            s => now.saturating_add(u64::from(s % 16)),
        };
        let cost = u32::from(cost % 6);
        if let Ok(d) = limiter.check_cost([key % 4], cost, now) {
            if d.allowed && key % 4 == 0 && cost > 0 {
                admitted.push((now, cost));
                let in_window: u32 = admitted.iter().filter(|(t, _)| t + 10 > now).map(|(_, c)| c).sum();
                assert!(in_window <= 5, "more than the limit in one window");
            }
        }
        let _ = velocity.record([key], now);
    }
});
