//! One-time tickets: a genuine signature is valid once.
//!
//! A signed click URL is a bearer ticket: whoever holds it can send it. The
//! verifier therefore remembers each genuine signature that was counted as
//! a person's click (its decoded 32-byte HMAC tag) until it could no longer
//! verify anyway, and answers a repeat with `replayed` (or `duplicate` for a
//! double click from the same client and user agent within
//! [`DUPLICATE_SECONDS`]).
//!
//! **Lifetime.** An entry lives until the earliest of the URL's `expires`,
//! its key's expiry and `now + max_lifetime` (default
//! [`DEFAULT_TICKET_MAX_LIFETIME`], 7 days). A URL signed to live longer
//! than that is still verified, and its replays are caught for
//! `max_lifetime` only: the signer chose that lifetime, and refusing every
//! such click would take a network offline for a setting. Keys should be
//! short-lived (the spec's best practice is 36 hours), which makes the
//! bound moot.
//!
//! **Memory.** An entry is the 32-byte tag plus 16 bytes (expiry and first
//! use as `u32` unix seconds, the first client's 64-bit fingerprint), held
//! in 16 open-addressed tables (one control byte per bucket, load at most
//! 7/8): between 49 and 98 bytes an entry depending on where the tables
//! stand in their doubling; `BENCHMARKS.md` has the measurement at 10
//! million. **Bound**: at most `capacity` live entries in the whole store
//! (default [`DEFAULT_TICKET_CAPACITY`]; concurrent first uses may pass it
//! by at most one per thread); a full store first drops expired entries,
//! and if it is still full the click is answered `ticket_store_full`:
//! refusing to count a click as valid is preferred to forgetting a ticket,
//! which would let its replay pass. Only genuine signatures are ever
//! stored, so nobody without the network's key can fill it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::fetch::DUPLICATE_SECONDS;
use crate::mac::TAG_LEN;

/// Live tickets a verifier holds by default (about 0.5–1 GB when full; set
/// your own with [`ClickVerifier::set_ticket_limits`](super::ClickVerifier::set_ticket_limits)).
pub const DEFAULT_TICKET_CAPACITY: usize = 10_000_000;
/// The longest a ticket is remembered by default: 7 days.
pub const DEFAULT_TICKET_MAX_LIFETIME: u64 = 7 * 24 * 3600;

const SHARDS: usize = 16;

/// A genuine signature waiting to be claimed: its tag, until when it must be
/// remembered, and who presented it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// The decoded HMAC tag of the signature.
    pub tag: [u8; TAG_LEN],
    /// Unix seconds from which the entry may be forgotten (exclusive end of
    /// its life).
    pub expires_at: u64,
    /// The presenting client's [`Fetch::fingerprint`](super::Fetch::fingerprint).
    pub fingerprint: u64,
}

/// What claiming a ticket found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First use: the ticket is now consumed.
    First,
    /// Used before by the same client and user agent within
    /// [`DUPLICATE_SECONDS`] of its first use.
    Duplicate,
    /// Used before, by another client or longer ago.
    Replayed,
    /// Not seen before, but the store is full of live tickets: the click
    /// cannot be shown to be a first use.
    Full,
}

/// What a ticket's earlier use recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Used {
    pub(crate) consumed_at: u64,
    pub(crate) fingerprint: u64,
}

impl Used {
    /// How a new presentation of the same ticket reads against this use.
    pub(crate) fn judge(&self, fingerprint: u64, now: u64) -> Claim {
        if fingerprint == self.fingerprint
            && fingerprint != super::fetch::UNKNOWN_CLIENT
            && now >= self.consumed_at
            && now - self.consumed_at <= DUPLICATE_SECONDS
        {
            Claim::Duplicate
        } else {
            Claim::Replayed
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    expires_at: u32,
    consumed_at: u32,
    fingerprint: u64,
}

/// HMAC tags are uniformly random and only genuine ones (which an attacker
/// cannot choose) are stored, so their first 8 bytes are already a good
/// hash: no SipHash per lookup.
#[derive(Default)]
struct TagHasher(u64);

impl Hasher for TagHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }
    fn write_usize(&mut self, _: usize) {}
}

type Map = HashMap<[u8; TAG_LEN], Entry, BuildHasherDefault<TagHasher>>;

#[derive(Debug, Default)]
struct Shard {
    map: Map,
    /// No entry expires before this: a full shard sweeps only once
    /// something can have expired.
    next_expiry: u64,
}

/// The in-process store of consumed tickets (see the module docs).
#[derive(Debug)]
pub(crate) struct TicketStore {
    shards: [Mutex<Shard>; SHARDS],
    limits: Mutex<(usize, u64)>,
    /// Entries held in all shards together: the bound is on the store, not
    /// on each shard, so an uneven spread never refuses early.
    held: AtomicUsize,
}

impl Default for TicketStore {
    fn default() -> Self {
        Self {
            shards: Default::default(),
            limits: Mutex::new((DEFAULT_TICKET_CAPACITY, DEFAULT_TICKET_MAX_LIFETIME)),
            held: AtomicUsize::new(0),
        }
    }
}

fn secs(t: u64) -> u32 {
    u32::try_from(t).unwrap_or(u32::MAX)
}

impl TicketStore {
    /// Sets the bound on live entries and the longest lifetime.
    pub(crate) fn set_limits(&self, capacity: usize, max_lifetime: u64) {
        *self.limits.lock().unwrap_or_else(PoisonError::into_inner) = (capacity, max_lifetime);
    }

    /// `(capacity, max_lifetime)`.
    pub(crate) fn limits(&self) -> (usize, u64) {
        *self.limits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn shard(&self, tag: &[u8; TAG_LEN]) -> std::sync::MutexGuard<'_, Shard> {
        // A panic cannot leave a map entry half-written, so a poisoned lock is safe.
        self.shards[usize::from(tag[TAG_LEN - 1]) % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// An earlier live use of `tag`, if any.
    pub(crate) fn peek(&self, tag: &[u8; TAG_LEN], now: u64) -> Option<Used> {
        let shard = self.shard(tag);
        shard
            .map
            .get(tag)
            .filter(|e| u64::from(e.expires_at) > now)
            .map(|e| Used {
                consumed_at: u64::from(e.consumed_at),
                fingerprint: e.fingerprint,
            })
    }

    /// Claims `ticket` at `now`.
    pub(crate) fn claim(&self, ticket: &Ticket, now: u64) -> Claim {
        {
            let mut shard = self.shard(&ticket.tag);
            match shard.map.get(&ticket.tag) {
                Some(e) if u64::from(e.expires_at) > now => {
                    let used = Used {
                        consumed_at: u64::from(e.consumed_at),
                        fingerprint: e.fingerprint,
                    };
                    return used.judge(ticket.fingerprint, now);
                }
                // An expired entry for the same tag is replaced in place.
                Some(_) => {
                    shard.insert(ticket, now);
                    return Claim::First;
                }
                None if self.has_room() => {
                    shard.insert(ticket, now);
                    self.held.fetch_add(1, Ordering::Relaxed);
                    return Claim::First;
                }
                None => {}
            }
        }
        // Full: drop what has expired everywhere, then look again.
        self.sweep(now);
        let mut shard = self.shard(&ticket.tag);
        if !self.has_room() {
            return Claim::Full;
        }
        shard.insert(ticket, now);
        self.held.fetch_add(1, Ordering::Relaxed);
        Claim::First
    }

    /// Puts back a ticket consumed before a restart (from the caller's
    /// table). Expired or surplus entries are skipped; returns whether it
    /// was kept.
    pub(crate) fn restore(&self, ticket: &Ticket, consumed_at: u64, now: u64) -> bool {
        if ticket.expires_at <= now {
            return false;
        }
        if !self.has_room() {
            self.sweep(now);
        }
        let mut shard = self.shard(&ticket.tag);
        let new = !shard.map.contains_key(&ticket.tag);
        if new && !self.has_room() {
            return false;
        }
        shard.insert(ticket, consumed_at);
        if new {
            self.held.fetch_add(1, Ordering::Relaxed);
        }
        true
    }

    fn has_room(&self) -> bool {
        self.held.load(Ordering::Relaxed) < self.limits().0
    }

    /// Drops expired entries from every shard where any can have expired.
    fn sweep(&self, now: u64) {
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            let dropped = shard.sweep(now);
            self.held.fetch_sub(dropped, Ordering::Relaxed);
        }
    }

    /// Live entries (expired ones not yet swept included).
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).map.len())
            .sum()
    }

    /// Bytes the tables have allocated.
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let shard = s.lock().unwrap_or_else(PoisonError::into_inner);
                shard.map.capacity() * (std::mem::size_of::<([u8; TAG_LEN], Entry)>() + 1)
            })
            .sum()
    }
}

impl Shard {
    fn insert(&mut self, ticket: &Ticket, consumed_at: u64) {
        let entry = Entry {
            expires_at: secs(ticket.expires_at),
            consumed_at: secs(consumed_at),
            fingerprint: ticket.fingerprint,
        };
        if self.map.is_empty() || ticket.expires_at < self.next_expiry {
            self.next_expiry = ticket.expires_at;
        }
        self.map.insert(ticket.tag, entry);
    }

    /// Drops expired entries if any can have expired; how many went.
    fn sweep(&mut self, now: u64) -> usize {
        if self.map.is_empty() || now < self.next_expiry {
            return 0;
        }
        let before = self.map.len();
        self.map.retain(|_, e| u64::from(e.expires_at) > now);
        self.next_expiry = self
            .map
            .values()
            .map(|e| u64::from(e.expires_at))
            .min()
            .unwrap_or(0);
        before - self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(n: u8, expires_at: u64, fingerprint: u64) -> Ticket {
        let mut tag = [n; TAG_LEN];
        tag[0] = n.wrapping_mul(31);
        Ticket {
            tag,
            expires_at,
            fingerprint,
        }
    }

    #[test]
    fn first_duplicate_then_replayed() {
        let s = TicketStore::default();
        let t = ticket(1, 2000, 7);
        assert_eq!(s.claim(&t, 1000), Claim::First);
        assert_eq!(s.claim(&t, 1000 + DUPLICATE_SECONDS), Claim::Duplicate);
        assert_eq!(s.claim(&t, 1001 + DUPLICATE_SECONDS), Claim::Replayed);
        let other = Ticket {
            fingerprint: 8,
            ..t
        };
        assert_eq!(s.claim(&other, 1001), Claim::Replayed, "another client");
    }

    #[test]
    fn entries_live_until_their_expiry() {
        let s = TicketStore::default();
        let t = ticket(1, 2000, 7);
        assert_eq!(s.claim(&t, 1000), Claim::First);
        assert_eq!(s.claim(&t, 1999), Claim::Replayed);
        assert_eq!(s.claim(&t, 2000), Claim::First, "forgotten at expiry");
    }

    #[test]
    fn a_full_store_refuses_instead_of_forgetting() {
        let s = TicketStore::default();
        s.set_limits(3, 3600);
        // Three live entries, whatever shards they fall in.
        for n in 0..3 {
            assert_eq!(s.claim(&ticket(n, 5000, 1), 1000), Claim::First);
        }
        assert_eq!(s.claim(&ticket(3, 5000, 1), 1000), Claim::Full);
        // Consumed tickets are still known.
        assert_eq!(s.claim(&ticket(0, 5000, 9), 1000), Claim::Replayed);
        // Once entries expire there is room again, and the count follows.
        assert_eq!(s.claim(&ticket(3, 6000, 1), 5000), Claim::First);
        assert_eq!(s.len(), 1);
        assert_eq!(s.held.load(Ordering::Relaxed), 1);
        assert_eq!(s.claim(&ticket(4, 6000, 1), 5000), Claim::First);
    }

    #[test]
    fn the_bound_is_the_whole_stores() {
        let s = TicketStore::default();
        s.set_limits(1000, 3600);
        let first = (0..2000u32)
            .filter(|i| {
                let mut tag = [0u8; TAG_LEN];
                tag[..4].copy_from_slice(&i.to_le_bytes());
                // Every tag in one shard: the worst spread.
                tag[TAG_LEN - 1] = 0;
                let t = Ticket {
                    tag,
                    expires_at: 5000,
                    fingerprint: 1,
                };
                s.claim(&t, 1000) == Claim::First
            })
            .count();
        assert_eq!(first, 1000);
    }

    #[test]
    fn restore_keeps_live_entries_only() {
        let s = TicketStore::default();
        assert!(!s.restore(&ticket(1, 900, 1), 800, 1000));
        assert!(s.restore(&ticket(2, 2000, 1), 990, 1000));
        assert_eq!(s.claim(&ticket(2, 2000, 1), 1000), Claim::Replayed);
        assert_eq!(s.len(), 1);
    }
}
