//! The click-signing report's hourly counters, aggregated in memory and
//! flushed to the database at least once a second with atomic increments,
//! so clicks never queue on one hot row per hour.
//!
//! A crash loses at most the counts of one flush interval (one second);
//! never a stored click, which is written in its own transaction.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use clickfence::click::HourCounts;
use clickfence::Outcome;

use crate::storage::{Store, StoreResult};

/// How often the counters are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Counts not yet written, per UTC hour (unix hours).
#[derive(Debug, Default)]
pub struct ReportBuffer {
    pending: Mutex<BTreeMap<i64, HourCounts>>,
}

impl ReportBuffer {
    /// Counts one verdict in `hour` (the core decides which column).
    pub fn record(&self, hour: i64, outcome: &Outcome) {
        self.lock().entry(hour).or_default().add(outcome);
    }

    /// Writes everything pending in one transaction; on failure the counts
    /// are kept for the next flush. Returns the hours written.
    pub fn flush(&self, store: &Store) -> StoreResult<usize> {
        let batch = std::mem::take(&mut *self.lock());
        if batch.is_empty() {
            return Ok(0);
        }
        let rows: Vec<(i64, HourCounts)> = batch.iter().map(|(h, c)| (*h, *c)).collect();
        match store.add_report_counts(&rows) {
            Ok(()) => Ok(rows.len()),
            Err(e) => {
                let mut pending = self.lock();
                for (hour, counts) in batch {
                    pending.entry(hour).or_default().merge(&counts);
                }
                Err(e)
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, HourCounts>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_until_written_and_merged_by_hour() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let buffer = ReportBuffer::default();
        for _ in 0..3 {
            buffer.record(10, &Outcome::InvalidSignature);
        }
        buffer.record(10, &Outcome::MissingSignature);
        buffer.record(11, &Outcome::NoActiveSecrets);
        buffer.record(11, &Outcome::Excluded);
        assert!(store.signed_click_report(0, 100).unwrap().is_empty());
        assert_eq!(buffer.flush(&store).unwrap(), 2);
        buffer.record(10, &Outcome::InvalidSignature);
        assert_eq!(buffer.flush(&store).unwrap(), 1);
        assert_eq!(buffer.flush(&store).unwrap(), 0);
        assert_eq!(
            store.signed_click_report(0, 100).unwrap(),
            vec![[10, 5, 0, 1, 0, 4, 0, 0], [11, 1, 0, 0, 0, 0, 1, 0]]
        );
    }
}
