//! A sharded, capped map from keys to per-key window state.
//!
//! Keys are not stored: each is reduced to 128 bits by two independently
//! keyed SipHash-1-3 hashes (std's `RandomState`), so an entry has a fixed
//! size and needs no allocation, and an attacker who cannot see the random
//! keys can neither aim keys at one shard nor make two keys collide (a chance
//! collision among a million keys has probability about 2^-88).
//!
//! When a shard is full, keys whose state is equivalent to a fresh key's are
//! swept out first (at most once per second per shard, as freshness changes
//! only by the second); forgetting them changes no decision. If the shard is
//! still full, the eighth of its keys that matter least are forgotten: the
//! lowest count in their window, and among equal counts the least recently
//! active. A new key is therefore always admitted, and a flood of single-use
//! keys (free to make with IPv6) pushes out only other single-use keys: it can
//! neither lock new clients out nor make the store forget a heavy hitter.
//! A forgotten key restarts from zero, so the error is bounded by the
//! smallest counts in the store (the Space-Saving idea, in batches so each
//! insert costs O(1) amortized).

use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

use hashbrown::HashTable;

use super::RateError;

const SHARDS: usize = 64;
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 1024;

pub(crate) struct KeyedStore<S> {
    hasher: std::collections::hash_map::RandomState,
    tag_hasher: std::collections::hash_map::RandomState,
    shards: Box<[Mutex<Shard<S>>]>,
    per_shard_cap: usize,
}

struct Shard<S> {
    /// `(table hash, second hash, state)`.
    table: HashTable<(u64, u64, S)>,
    last_sweep: u64,
}

/// What a key's state is worth keeping for: `(count in its window, the
/// second it was last active)`. The lowest weights are forgotten first.
pub(crate) type Weight = (u64, u64);

impl<S: Default> KeyedStore<S> {
    /// A store holding at most about `cap` keys (rounded up to a multiple of 64).
    pub(crate) fn new(cap: usize) -> Self {
        let per_shard_cap = cap.div_ceil(SHARDS).max(1);
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(Shard {
                    table: HashTable::new(),
                    last_sweep: 0,
                })
            })
            .collect();
        Self {
            hasher: Default::default(),
            tag_hasher: Default::default(),
            shards,
            per_shard_cap,
        }
    }

    /// Runs `f` on the state of `key`, creating it if absent. `fresh` tells
    /// whether a state is equivalent to a new key's at `now`; `weight` ranks
    /// states for eviction. With `create` false, an absent key is given a
    /// temporary default state.
    pub(crate) fn with<R>(
        &self,
        key: &[u8],
        now: u64,
        create: bool,
        fresh: impl Fn(&S, u64) -> bool,
        weight: impl Fn(&S) -> Weight,
        f: impl FnOnce(&mut S) -> R,
    ) -> Result<R, RateError> {
        if key.len() > MAX_KEY_LEN {
            return Err(RateError::KeyTooLong(key.len()));
        }
        let hash = self.hasher.hash_one(key);
        let tag = self.tag_hasher.hash_one(key);
        let shard_index = (hash >> 58) as usize % SHARDS;
        // A panic inside `f` leaves at worst one key's window half-updated,
        // which is still a valid window; the lock stays usable.
        let mut shard = self.shards[shard_index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, _, state)) = shard
            .table
            .find_mut(hash, |(h, t, _)| *h == hash && *t == tag)
        {
            return Ok(f(state));
        }
        if !create {
            return Ok(f(&mut S::default()));
        }
        if shard.table.len() >= self.per_shard_cap && shard.last_sweep < now {
            shard.table.retain(|(_, _, s)| !fresh(s, now));
            shard.last_sweep = now;
        }
        if shard.table.len() >= self.per_shard_cap {
            evict_lightest(&mut shard.table, self.per_shard_cap, &weight);
        }
        let mut state = S::default();
        let out = f(&mut state);
        shard
            .table
            .insert_unique(hash, (hash, tag, state), |(h, _, _)| *h);
        Ok(out)
    }

    /// Keys held now.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).table.len())
            .sum()
    }

    /// Removes every key whose state is fresh at `now`; returns how many.
    pub(crate) fn sweep(&self, now: u64, fresh: impl Fn(&S, u64) -> bool) -> usize {
        let mut removed = 0;
        for shard in self.shards.iter() {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            let before = shard.table.len();
            shard.table.retain(|(_, _, s)| !fresh(s, now));
            shard.last_sweep = now;
            removed += before - shard.table.len();
        }
        removed
    }
}

/// Forgets the lightest eighth (at least one) of a full shard's keys.
fn evict_lightest<S>(
    table: &mut HashTable<(u64, u64, S)>,
    cap: usize,
    weight: &impl Fn(&S) -> Weight,
) {
    let target = cap - (cap / 8).max(1);
    let excess = table.len().saturating_sub(target);
    if excess == 0 {
        return;
    }
    let mut weights: Vec<Weight> = table.iter().map(|(_, _, s)| weight(s)).collect();
    // The `excess`-th lightest weight: everything strictly below it goes,
    // and entries equal to it go until `excess` are gone.
    let (_, &mut cut, _) = weights.select_nth_unstable(excess - 1);
    let below = weights.iter().filter(|w| **w < cut).count();
    let mut ties_to_drop = excess - below;
    table.retain(|(_, _, s)| {
        let w = weight(s);
        if w < cut {
            false
        } else if w == cut && ties_to_drop > 0 {
            ties_to_drop -= 1;
            false
        } else {
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_shard_forgets_its_lightest_keys() {
        // Capacity 64 × 8: keys weigh their own number.
        let store: KeyedStore<u64> = KeyedStore::new(64 * 8);
        for i in 0..100_000u64 {
            store
                .with(
                    &i.to_be_bytes(),
                    1,
                    true,
                    |_, _| false,
                    |s| (*s, 0),
                    |s| *s = i % 1000,
                )
                .unwrap();
        }
        assert!(store.len() <= 64 * 8);
        // What survived is heavy: the lightest keys went first.
        let mut survivors = 0;
        // Keys from before the last few rounds: only heavy ones are left.
        for i in 0..99_000u64 {
            let kept = store
                .with(
                    &i.to_be_bytes(),
                    1,
                    false,
                    |_, _| false,
                    |s| (*s, 0),
                    |s| *s,
                )
                .unwrap();
            if kept > 0 {
                survivors += 1;
                assert!(kept >= 500, "a light key {kept} outlived heavier ones");
            }
        }
        assert!(survivors > 0);
    }
}
