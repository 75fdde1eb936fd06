//! Each endpoint's pending deliveries as this instance last counted them,
//! so a droppable event (a fraud report, an auto-block) is admitted or
//! dropped without counting the outbox every time.
//!
//! The count reads up to the core's bound (5,000) of the endpoint's pending
//! rows, once per fraud report: in a flood of blocked clicks on an account
//! whose receiver fell behind, that was the largest part of PostgreSQL's
//! CPU (0.95 ms a click, `BENCHMARKS.md`). A count at most [`FRESH`] old,
//! plus what this instance queued since, less what its worker took out of
//! the outbox since, decides instead, so a receiver catching up is seen at
//! once here; another instance's queued events and deliveries show within
//! [`FRESH`]. The bound was never exact
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

    /// Takes one delivery that left `endpoint`'s outbox (delivered, or
    /// out of attempts) off its kept count. It was forgotten instead, and
    /// counted again for the next report: up to 5,000 rows after every
    /// delivery of a receiver catching up on a full outbox, the largest
    /// part of PostgreSQL's CPU in a fresh-client flood (`BENCHMARKS.md`).
    pub(super) fn left(&self, endpoint: i64) {
        if let Some(c) = self.lock().get_mut(&endpoint) {
            c.pending = (c.pending - 1).max(0);
        }
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
    fn a_count_is_kept_a_second_and_follows_what_is_queued_and_leaves() {
        let room = OutboxRoom::default();
        assert_eq!(room.pending(7), None);
        room.queued(7);
        room.left(7);
        assert_eq!(room.pending(7), None, "nothing kept to add to");
        room.counted(7, 1);
        room.queued(7);
        room.queued(7);
        assert_eq!(room.pending(7), Some(3));
        for _ in 0..4 {
            room.left(7);
        }
        assert_eq!(room.pending(7), Some(0), "never below none");
        room.counted(7, 10);
        if let Some(c) = room.lock().get_mut(&7) {
            c.read = c.read.checked_sub(FRESH).unwrap();
        }
        assert_eq!(room.pending(7), None, "older than FRESH");
    }
}
