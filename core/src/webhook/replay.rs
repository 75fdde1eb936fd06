//! A bounded memory of accepted deliveries, so a replay inside the tolerance
//! window is refused even when it carries a new delivery id (the id header is
//! not signed).

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use super::{Verified, WebhookError};

/// Remembers `(timestamp, signature)` of accepted deliveries until the
/// verifier's tolerance would reject them anyway.
///
/// Memory: at most `capacity` entries of 40 bytes each plus B-tree overhead
/// (about 64 bytes an entry in all). When full of live entries it refuses
/// (`replay_guard_full`) instead of forgetting, so it fails closed: the sender
/// retries later.
#[derive(Debug)]
pub struct ReplayGuard {
    tolerance: u64,
    capacity: usize,
    seen: Mutex<BTreeSet<(u64, [u8; 32])>>,
}

/// Entries a replay guard holds by default.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

impl ReplayGuard {
    /// A guard for deliveries verified with `tolerance` seconds, holding at
    /// most `capacity` entries.
    pub fn new(tolerance: u64, capacity: usize) -> Self {
        Self {
            tolerance,
            capacity,
            seen: Mutex::default(),
        }
    }

    /// Records a verified delivery; `replayed_delivery` if it was seen before.
    pub fn check(&self, verified: &Verified, now: u64) -> Result<(), WebhookError> {
        let now = crate::check_time(now)?;
        // A panic cannot leave a B-tree set half-inserted, so a poisoned lock is safe.
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let horizon = now.saturating_sub(self.tolerance);
        while seen.first().is_some_and(|(ts, _)| *ts < horizon) {
            seen.pop_first();
        }
        let entry = (verified.timestamp, verified.signature);
        if seen.contains(&entry) {
            return Err(WebhookError::Replayed);
        }
        if seen.len() >= self.capacity {
            return Err(WebhookError::ReplayGuardFull(seen.len()));
        }
        seen.insert(entry);
        Ok(())
    }

    /// Entries currently held.
    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(ts: u64, n: u8) -> Verified {
        Verified {
            secret_index: 0,
            timestamp: ts,
            signature: [n; 32],
        }
    }

    #[test]
    fn a_replay_inside_the_window_is_refused() {
        let g = ReplayGuard::new(300, 10);
        g.check(&delivery(1000, 1), 1000).unwrap();
        assert_eq!(
            g.check(&delivery(1000, 1), 1200).unwrap_err().code(),
            "replayed_delivery"
        );
        g.check(&delivery(1000, 2), 1200).unwrap();
    }

    #[test]
    fn entries_expire_with_the_tolerance() {
        let g = ReplayGuard::new(300, 10);
        g.check(&delivery(1000, 1), 1000).unwrap();
        g.check(&delivery(1301, 2), 1301).unwrap();
        assert_eq!(g.len(), 1, "the first entry is older than the window");
    }

    #[test]
    fn a_full_guard_fails_closed() {
        let g = ReplayGuard::new(300, 2);
        g.check(&delivery(1000, 1), 1000).unwrap();
        g.check(&delivery(1000, 2), 1000).unwrap();
        assert_eq!(
            g.check(&delivery(1000, 3), 1000).unwrap_err().code(),
            "replay_guard_full"
        );
        // Room again once the window has passed.
        g.check(&delivery(1400, 3), 1400).unwrap();
    }
}
