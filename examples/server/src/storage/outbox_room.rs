//! Each endpoint's pending deliveries as this instance last counted them,
//! so a droppable event (a fraud report, an auto-block) is admitted or
//! dropped without counting the outbox every time.
//!
//! The count reads up to the core's bound (5,000) of the endpoint's pending
//! rows, once per fraud report: in a flood of blocked clicks on an account
//! whose receiver fell behind, that was the largest part of PostgreSQL's
//! CPU (0.95 ms a click, `BENCHMARKS.md`). A count at most [`FRESH`] old,
//! plus what this instance queued since, decides instead. It is forgotten
//! when this instance's worker takes a delivery out of the outbox, so a
//! receiver catching up is seen at once here; another instance's queued
//! events and deliveries show within [`FRESH`]. The bound was never exact
//! across concurrent transactions (each counts, then inserts); a fleet may
//! pass it by what other instances queue within [`FRESH`].

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a count is trusted.
pub const FRESH: Duration = Duration::from_secs(1);
/// Endpoints whose count is kept at once (cleared when full).
const ENDPOINTS: usize = 10_000;

/// A count and when it was read.
#[derive(Debug, Clone, Copy)]
struct Counted {
    pending: i64,
    read: Instant,
}

/// Counts per endpoint.
#[derive(Debug, Default)]
pub(super) struct OutboxRoom {
    endpoints: Mutex<HashMap<i64, Counted>>,
}

impl OutboxRoom {
    /// `endpoint`'s pending deliveries, if counted within [`FRESH`].
    pub(super) fn pending(&self, endpoint: i64) -> Option<i64> {
        self.lock()
            .get(&endpoint)
            .filter(|c| c.read.elapsed() < FRESH)
            .map(|c| c.pending)
    }

    /// Keeps `pending`, just counted, for `endpoint`.
    pub(super) fn counted(&self, endpoint: i64, pending: i64) {
        let mut endpoints = self.lock();
        if endpoints.len() >= ENDPOINTS && !endpoints.contains_key(&endpoint) {
            endpoints.clear();
        }
        let read = Instant::now();
        endpoints.insert(endpoint, Counted { pending, read });
    }

    /// Adds one delivery queued for `endpoint` to its kept count (a
    /// rolled-back one leaves the count over, never under).
    pub(super) fn queued(&self, endpoint: i64) {
        if let Some(c) = self.lock().get_mut(&endpoint) {
            c.pending += 1;
        }
    }

    /// Forgets `endpoint`'s count: a delivery left its outbox.
    pub(super) fn forget(&self, endpoint: i64) {
        self.lock().remove(&endpoint);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, Counted>> {
        self.endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_kept_a_second_grows_with_what_is_queued_and_is_forgotten() {
        let room = OutboxRoom::default();
        assert_eq!(room.pending(7), None);
        room.queued(7);
        assert_eq!(room.pending(7), None, "nothing kept to add to");
        room.counted(7, 10);
        room.queued(7);
        room.queued(7);
        assert_eq!(room.pending(7), Some(12));
        room.forget(7);
        assert_eq!(room.pending(7), None);
        room.counted(7, 10);
        if let Some(c) = room.lock().get_mut(&7) {
            c.read = c.read.checked_sub(FRESH).unwrap();
        }
        assert_eq!(room.pending(7), None, "older than FRESH");
    }
}
