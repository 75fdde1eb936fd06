//! A bounded memory of accepted deliveries, so a replay inside the tolerance
//! window is refused even when it carries a new delivery id (the id header is
//! not signed). GitHub and Shopify sign neither a time nor an id: their
//! deliveries are remembered by delivery id for [`DELIVERY_ID_TTL`]
//! (see [`Verified::replay_name`]).

use std::collections::{BTreeSet, HashSet};
use std::sync::{Mutex, PoisonError};

#[cfg(doc)]
use super::DELIVERY_ID_TTL;
use super::{Verified, WebhookError};

/// Remembers accepted deliveries until the verifier's tolerance would reject
/// them anyway.
///
/// Memory: at most `capacity` entries, each held twice (by expiry to forget
/// in order, by name to look up): about 120 bytes an entry in all. When full of live entries it refuses
/// (`replay_guard_full`) instead of forgetting, so it fails closed: the sender
/// retries later.
#[derive(Debug)]
pub struct ReplayGuard {
    tolerance: u64,
    capacity: usize,
    seen: Mutex<Seen>,
}

/// The remembered deliveries: a delivery's name (its replay digest) is
/// looked up without its expiry, because a GitHub or Shopify replay
/// verified later has a later expiry than the original.
#[derive(Debug, Default)]
struct Seen {
    by_expiry: BTreeSet<(u64, [u8; 32])>,
    names: HashSet<[u8; 32]>,
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
        let name = verified.replay_digest()?;
        // Inserts and removals below keep both sets equal whatever panics
        // (none can: no user code runs under the lock), so a poisoned lock
        // is safe.
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(&(until, old)) = seen.by_expiry.first() {
            if until >= now {
                break;
            }
            seen.by_expiry.pop_first();
            seen.names.remove(&old);
        }
        if seen.names.contains(&name) {
            return Err(WebhookError::Replayed);
        }
        if seen.names.len() >= self.capacity {
            return Err(WebhookError::ReplayGuardFull(seen.names.len()));
        }
        seen.names.insert(name);
        seen.by_expiry
            .insert((verified.remember_until(self.tolerance), name));
        Ok(())
    }

    /// Entries currently held.
    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .names
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
        Verified::new(0, ts, [n; 32])
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

    #[test]
    fn deliveries_without_a_timestamp_are_remembered_by_id() {
        use crate::webhook::{Scheme, DELIVERY_ID_TTL};
        let g = ReplayGuard::new(300, 10);
        let github = |id: u8, sig: u8, now: u64| Verified {
            scheme: Scheme::GitHub,
            delivery_id: Some([id; 32]),
            ..Verified::new(0, now, [sig; 32])
        };
        g.check(&github(1, 1, 1000), 1000).unwrap();
        // The same body under another delivery id is another delivery.
        g.check(&github(2, 1, 1000), 1000).unwrap();
        let again = g.check(
            &github(1, 1, 1000 + DELIVERY_ID_TTL),
            1000 + DELIVERY_ID_TTL,
        );
        assert_eq!(again.unwrap_err().code(), "replayed_delivery");
        g.check(
            &github(1, 1, 1001 + DELIVERY_ID_TTL),
            1001 + DELIVERY_ID_TTL,
        )
        .unwrap();
        let no_id = Verified {
            delivery_id: None,
            ..github(0, 0, 5000)
        };
        assert_eq!(g.check(&no_id, 5000).unwrap_err().code(), "missing_header");
    }
}
