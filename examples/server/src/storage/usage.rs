//! Storefronts' daily pixel usage (events and bytes per shop and per
//! network, and events past the budget) counted in memory and added to
//! `pixel_usage` at least once a second, as the report counters are, so
//! pixels never queue on a shop's one usage row (two PostgreSQL instances'
//! pixels did: p99 up to 307 ms).
//!
//! What this instance has not written yet is added to every read here, so
//! its own budget checks and dashboards are exact; another instance's last
//! second is not seen, so a fleet may store up to one second of its pixels
//! past a budget. What the database said is kept for up to a second too
//! (forgotten at this instance's own flush), so a pixel reads `pixel_usage`
//! at most once a second per shop and network instead of once per event:
//! another instance's counts are then seen within two seconds. A newly
//! billed visitor is written with its event, never
//! held: a crash loses at most one second of usage counts, never a bill
//! nor an event. Past [`MAX_PENDING`] rows waiting (the database down for
//! long), counts are written at once again, as before.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use clickfence::rate::budget::Usage;

use super::db::Param;
use super::{Store, StoreResult};

/// Usage rows held at most before counts are written at once.
pub const MAX_PENDING: usize = 100_000;

/// How long a read of the database's usage is used again.
pub const READ_KEPT: Duration = Duration::from_secs(1);

/// Reads kept at most: a spray from many networks (a row each) cannot grow
/// the memory; past it the kept reads start over.
const MAX_READS_KEPT: usize = 10_000;

/// Rows per statement when flushing.
const CHUNK: usize = 500;

/// A row's key: shop, day, scope (`""` for the shop's own row).
type Key = (String, String, String);

/// Counts not yet written for one row.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delta {
    /// Events stored.
    pub events: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Events past the budget, counted and not stored.
    pub dropped: u64,
}

impl Delta {
    fn merge(&mut self, other: &Delta) {
        self.events += other.events;
        self.bytes += other.bytes;
        self.dropped += other.dropped;
    }
}

/// The usage counts waiting for their flush, and the database's last
/// answers.
#[derive(Debug, Default)]
pub struct UsageBuffer {
    pending: Mutex<HashMap<Key, Delta>>,
    reads: Mutex<Reads>,
}

/// The database's usage, as last read per shop, day and network: the
/// shop's row and the network's, and when.
#[derive(Debug, Default)]
struct Reads {
    /// Bumped by every flush of this instance: a read that began before
    /// one is not kept (it misses what the flush moved out of `pending`).
    epoch: u64,
    rows: HashMap<Key, ((Usage, Usage), Instant)>,
}

impl UsageBuffer {
    /// Adds `delta` to each of `scopes`' rows of `shop` on `day`; `false`
    /// (nothing added) when the buffer is full and the caller must write.
    pub fn add(&self, shop: &str, day: &str, scopes: &[&str], delta: Delta) -> bool {
        let mut pending = self.lock();
        if pending.len() + scopes.len() > MAX_PENDING {
            return false;
        }
        for scope in scopes {
            let key = (shop.to_owned(), day.to_owned(), (*scope).to_owned());
            pending.entry(key).or_default().merge(&delta);
        }
        true
    }

    /// What is waiting for `scope`'s row of `shop` on `day`.
    pub fn pending(&self, shop: &str, day: &str, scope: &str) -> Delta {
        let key = (shop.to_owned(), day.to_owned(), scope.to_owned());
        self.lock().get(&key).copied().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Delta>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The database's usage for `scope` and its shop, if read within
    /// [`READ_KEPT`] and since this instance's last flush.
    pub fn kept(&self, shop: &str, day: &str, scope: &str) -> Option<(Usage, Usage)> {
        let key = (shop.to_owned(), day.to_owned(), scope.to_owned());
        let reads = self.reads();
        let (usage, at) = reads.rows.get(&key)?;
        (at.elapsed() < READ_KEPT).then_some(*usage)
    }

    /// Where reads stand now: pass it to [`keep`](Self::keep) with what a
    /// read begun after this call returned.
    pub fn epoch(&self) -> u64 {
        self.reads().epoch
    }

    /// Keeps a read begun at `epoch`, unless a flush came since.
    pub fn keep(&self, epoch: u64, shop: &str, day: &str, scope: &str, usage: (Usage, Usage)) {
        let mut reads = self.reads();
        if reads.epoch != epoch {
            return;
        }
        if reads.rows.len() >= MAX_READS_KEPT {
            reads.rows.clear();
        }
        let key = (shop.to_owned(), day.to_owned(), scope.to_owned());
        reads.rows.insert(key, (usage, Instant::now()));
    }

    /// Forgets every kept read (this instance's flush moved its counts
    /// from memory into the rows they describe).
    fn forget_reads(&self) {
        let mut reads = self.reads();
        reads.epoch += 1;
        reads.rows.clear();
    }

    fn reads(&self) -> MutexGuard<'_, Reads> {
        self.reads.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store {
    /// Adds every waiting usage count to the database, a few hundred rows
    /// per statement; what a failed statement held is kept for the next
    /// flush. Returns the rows written.
    pub fn flush_pixel_usage(&self) -> StoreResult<usize> {
        let batch: Vec<(Key, Delta)> = std::mem::take(&mut *self.usage.lock())
            .into_iter()
            .collect();
        if batch.is_empty() {
            return Ok(0);
        }
        let written = self.write_usage(&batch);
        // The counts left memory for the rows: a read kept from before
        // would miss them, as would one begun before their commit.
        self.usage.forget_reads();
        written
    }

    /// Writes `batch` in chunks; what a failed chunk and the rest held
    /// goes back to memory.
    fn write_usage(&self, batch: &[(Key, Delta)]) -> StoreResult<usize> {
        let mut written = 0;
        for (i, chunk) in batch.chunks(CHUNK).enumerate() {
            if let Err(e) = self.add_usage_rows(chunk) {
                let mut pending = self.usage.lock();
                for (key, delta) in &batch[i * CHUNK..] {
                    pending.entry(key.clone()).or_default().merge(delta);
                }
                return Err(e);
            }
            written += chunk.len();
        }
        Ok(written)
    }

    /// One multi-row upsert adding `rows` to `pixel_usage`.
    fn add_usage_rows(&self, rows: &[(Key, Delta)]) -> StoreResult<usize> {
        let numbers: Vec<[i64; 3]> = rows
            .iter()
            .map(|(_, d)| {
                [d.events, d.bytes, d.dropped].map(|n| i64::try_from(n).unwrap_or(i64::MAX))
            })
            .collect();
        let mut params: Vec<&dyn Param> = Vec::with_capacity(rows.len() * 6);
        let mut values = Vec::with_capacity(rows.len());
        for (i, ((shop, day, scope), _)) in rows.iter().enumerate() {
            let n = i * 6;
            values.push(format!(
                "(?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6
            ));
            params.extend([shop as &dyn Param, day, scope]);
            params.extend(numbers[i].iter().map(|v| v as &dyn Param));
        }
        let sql = format!(
            "INSERT INTO pixel_usage (shop, day, scope, events, bytes, dropped) VALUES {}
             ON CONFLICT (shop, day, scope) DO UPDATE SET events = pixel_usage.events + excluded.events,
                bytes = pixel_usage.bytes + excluded.bytes, dropped = pixel_usage.dropped + excluded.dropped",
            values.join(", ")
        );
        self.db()?.execute(&sql, &params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spray of pixels from more networks than the buffer holds is not
    /// held in memory: past the bound, the caller writes at once.
    #[test]
    fn the_buffer_is_bounded() {
        let buffer = UsageBuffer::default();
        let one = Delta {
            events: 1,
            ..Delta::default()
        };
        for i in 0..MAX_PENDING {
            assert!(buffer.add("s", "d", &[&format!("AS{i}")], one));
        }
        assert!(!buffer.add("s", "d", &["AS-one-more"], one));
        assert_eq!(buffer.pending("s", "d", "AS-one-more"), Delta::default());
        assert_eq!(buffer.lock().len(), MAX_PENDING);
    }

    /// Counts wait in memory, are read exactly meanwhile, and are written
    /// once, in chunks, by the flush.
    #[test]
    fn counts_wait_for_the_flush_and_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let scopes = CHUNK * 2 + 1;
        for i in 0..scopes {
            store
                .count_stored(
                    "s.myshopify.com",
                    "2026-12-04",
                    &format!("AS{i}"),
                    10,
                    false,
                )
                .unwrap();
        }
        store
            .count_dropped("s.myshopify.com", "2026-12-04")
            .unwrap();
        let expected = (scopes as i64, 10 * scopes as i64, 1);
        assert_eq!(
            store.usage_on("s.myshopify.com", "2026-12-04").unwrap(),
            expected
        );
        assert_eq!(store.flush_pixel_usage().unwrap(), scopes + 1);
        assert_eq!(store.flush_pixel_usage().unwrap(), 0);
        assert_eq!(
            store.usage_on("s.myshopify.com", "2026-12-04").unwrap(),
            expected
        );
        let (_, network) = store
            .pixel_usage("s.myshopify.com", "2026-12-04", "AS7")
            .unwrap();
        assert_eq!((network.events, network.bytes), (1, 10));
    }
}
