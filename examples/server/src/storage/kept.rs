//! Successful reads kept in memory for a while, forgotten on any change:
//! the one mechanism behind the credential and site caches.
//!
//! Only what a caller chooses to keep enters (successful lookups), at most
//! `capacity` entries; past that, reads simply go to the database. A
//! generation moves with every [`forget`](Kept::forget), so a read that
//! raced a change (read its generation before the change, returned after)
//! is not kept.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Entries by key with the time they were read.
#[derive(Debug)]
pub struct Kept<K, V> {
    entries: Mutex<HashMap<K, (V, i64)>>,
    generation: AtomicU64,
    capacity: usize,
    max_age: i64,
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    /// A cache of at most `capacity` entries, each believed `max_age`
    /// seconds.
    pub fn new(capacity: usize, max_age: i64) -> Self {
        Self {
            entries: Mutex::default(),
            generation: AtomicU64::new(0),
            capacity,
            max_age,
        }
    }

    /// The value kept under `key`, if read less than `max_age` before `now`.
    pub fn get<Q>(&self, key: &Q, now: i64) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (value, at) = entries.get(key)?;
        (now - at < self.max_age && *at <= now).then(|| value.clone())
    }

    /// The generation to pass to [`keep`](Self::keep), read before the
    /// database is.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `value` read at `generation`, unless something changed since
    /// or the cache is full.
    pub fn keep(&self, generation: u64, key: K, value: V, now: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let full = entries.len() >= self.capacity && !entries.contains_key(&key);
        if self.generation.load(Ordering::Acquire) != generation || full {
            return;
        }
        entries.insert(key, (value, now));
    }

    /// The value kept under `key`, else what `read` finds, kept when found.
    pub fn get_or_read<E>(
        &self,
        key: K,
        now: i64,
        read: impl FnOnce() -> Result<Option<V>, E>,
    ) -> Result<Option<V>, E> {
        if let Some(value) = self.get(&key, now) {
            return Ok(Some(value));
        }
        let generation = self.generation();
        let found = read()?;
        if let Some(value) = &found {
            self.keep(generation, key, value.clone(), now);
        }
        Ok(found)
    }

    /// [`get_or_read`](Self::get_or_read) with a read that is awaited.
    pub async fn get_or_await<E, F>(
        &self,
        key: K,
        now: i64,
        read: impl FnOnce() -> F,
    ) -> Result<Option<V>, E>
    where
        F: std::future::Future<Output = Result<Option<V>, E>>,
    {
        if let Some(value) = self.get(&key, now) {
            return Ok(Some(value));
        }
        let generation = self.generation();
        let found = read().await?;
        if let Some(value) = &found {
            self.keep(generation, key, value.clone(), now);
        }
        Ok(found)
    }

    /// Forgets everything: what was read changed here or elsewhere.
    pub fn forget(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
