//! Events a full outbox dropped, counted in memory and added to their
//! endpoints' rows at the counters' flush (at least once a second).
//!
//! Counting each drop in the transaction that raised it made every fraud
//! report past the bound update its endpoint's one row, holding that row's
//! lock to the commit: a flood of blocked clicks from fresh clients queued
//! on it (26.6 ms a statement on PostgreSQL, `BENCHMARKS.md`). A crash
//! loses at most one interval's count; never an event that was queued.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::db::params;
use super::{Store, StoreResult};

/// Drops not yet written, per endpoint.
#[derive(Debug, Default)]
pub(super) struct DroppedEvents {
    pending: Mutex<HashMap<i64, u64>>,
}

impl DroppedEvents {
    /// Counts one dropped event for each of `endpoints` (a committed
    /// transaction's drops).
    pub(super) fn add(&self, endpoints: &[i64]) {
        if endpoints.is_empty() {
            return;
        }
        let mut pending = self.lock();
        for id in endpoints {
            *pending.entry(*id).or_default() += 1;
        }
    }

    /// Drops counted here and not yet written.
    pub(super) fn unwritten(&self) -> i64 {
        let sum: u64 = self.lock().values().sum();
        i64::try_from(sum).unwrap_or(i64::MAX)
    }

    /// `endpoint`'s drops counted here and not yet written.
    fn unwritten_of(&self, endpoint: i64) -> i64 {
        let n = self.lock().get(&endpoint).copied().unwrap_or(0);
        i64::try_from(n).unwrap_or(i64::MAX)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, u64>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store {
    /// The events `endpoint`'s full outbox dropped since it was added,
    /// written to its row or still counted here.
    pub fn dropped_events_of(&self, endpoint: i64) -> StoreResult<i64> {
        let written: i64 = self.db()?.query_row(
            "SELECT dropped_events FROM webhook_endpoints WHERE id = ?1",
            params![endpoint],
            |r| r.get(0),
        )?;
        Ok(written.saturating_add(self.dropped.unwritten_of(endpoint)))
    }

    /// Adds the waiting drop counts to their endpoints' rows in one
    /// transaction; on failure they are kept for the next flush. Returns
    /// the endpoints written.
    pub fn flush_dropped_events(&self) -> StoreResult<usize> {
        let batch = std::mem::take(&mut *self.dropped.lock());
        if batch.is_empty() {
            return Ok(0);
        }
        let written = self.transaction(|db| {
            for (id, n) in &batch {
                let n = i64::try_from(*n).unwrap_or(i64::MAX);
                db.execute(
                    "UPDATE webhook_endpoints SET dropped_events = dropped_events + ?2 WHERE id = ?1",
                    params![id, n],
                )?;
            }
            Ok(batch.len())
        });
        if written.is_err() {
            let mut pending = self.dropped.lock();
            for (id, n) in batch {
                *pending.entry(id).or_default() += n;
            }
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_wait_in_memory_until_flushed_and_merge_by_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let account = store.create_account("A", "pro", 0).unwrap();
        let events = ["fraud.detected".to_owned()];
        let endpoint = |url: &str| {
            store
                .add_endpoint(account, url, "s", &events, 0)
                .unwrap()
                .unwrap()
        };
        let (a, b) = (
            endpoint("https://a.example/h"),
            endpoint("https://b.example/h"),
        );
        store.dropped.add(&[a, a, b]);
        store.dropped.add(&[a]);
        let column = |id: i64| {
            format!(
                "{:?}",
                store
                    .query_rows(
                        "SELECT dropped_events FROM webhook_endpoints WHERE id = ?1",
                        &[&id]
                    )
                    .unwrap()[0][0]
            )
        };
        assert_eq!(
            store.outbox_figures().unwrap().1,
            4,
            "unwritten drops count"
        );
        assert_eq!(column(a), "Int(0)");
        assert_eq!(store.dropped_events_of(a).unwrap(), 3);
        assert_eq!(store.flush_dropped_events().unwrap(), 2);
        assert_eq!(store.dropped_events_of(a).unwrap(), 3, "written once");
        assert_eq!(store.dropped_events_of(b).unwrap(), 1);
        assert_eq!((column(a), column(b)), ("Int(3)".into(), "Int(1)".into()));
        assert_eq!(
            store.outbox_figures().unwrap().1,
            4,
            "written once, not twice"
        );
        assert_eq!(store.flush_dropped_events().unwrap(), 0);
    }
}
