//! A sharded, capped map from keys to per-key window state.
//!
//! Keys are not stored: each is reduced to 128 bits by two independently
//! keyed SipHash-1-3 hashes (std's `RandomState`), so an entry has a fixed
//! size and needs no allocation, and an attacker who cannot see the random
//! keys can neither aim keys at one shard nor make two keys collide (a chance
//! collision among a million keys has probability about 2^-88). When a shard is full, keys whose state is
//! equivalent to a fresh key's are swept out (at most once per second per
//! shard, as freshness changes only by the second); if none are, the new key
//! is refused rather than a live key forgotten, so eviction never changes a
//! decision.

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

/// The store is full of live keys; the new key was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

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
    /// whether a state is equivalent to a new key's at `now`. With `create`
    /// false, an absent key is given a temporary default state.
    pub(crate) fn with<R>(
        &self,
        key: &[u8],
        now: u64,
        create: bool,
        fresh: impl Fn(&S, u64) -> bool,
        f: impl FnOnce(&mut S) -> R,
    ) -> Result<Result<R, Full>, RateError> {
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
            return Ok(Ok(f(state)));
        }
        if !create {
            return Ok(Ok(f(&mut S::default())));
        }
        if shard.table.len() >= self.per_shard_cap && shard.last_sweep < now {
            shard.table.retain(|(_, _, s)| !fresh(s, now));
            shard.last_sweep = now;
        }
        if shard.table.len() >= self.per_shard_cap {
            return Ok(Err(Full));
        }
        let mut state = S::default();
        let out = f(&mut state);
        shard
            .table
            .insert_unique(hash, (hash, tag, state), |(h, _, _)| *h);
        Ok(Ok(out))
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

    /// The key cap actually enforced (a multiple of the shard count).
    pub(crate) fn capacity(&self) -> usize {
        self.per_shard_cap * SHARDS
    }
}
