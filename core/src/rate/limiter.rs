//! `RateLimiter`: per-key quotas over a sliding window, safe to share.

use super::store::KeyedStore;
use super::window::{decide, RateDecision, WindowLog};
use super::{Quota, RateError};

/// Default key cap: one million keys.
pub const DEFAULT_MAX_KEYS: usize = 1_000_000;

/// Per-key rate limiting: at most `limit` units in any `window` consecutive
/// seconds per key (an exact sliding window at one-second resolution, not
/// GCRA, which admits up to twice the limit in the first window after a quiet
/// spell). `Send + Sync`; every method takes `&self`.
///
/// Memory: about 80 bytes per key plus the key's bytes, plus 16 bytes per
/// distinct second with requests inside the window (so at most
/// `min(limit, window)` × 16). Keys whose window is empty are forgotten when
/// space is needed; at the key cap with no such key, the keys with the
/// fewest units in their window (least recently active first) are forgotten,
/// so a new key is always admitted and a flood of single-use keys cannot
/// make the limiter forget a client near its limit.
///
/// ```
/// use clickfence::rate::{Quota, RateLimiter};
/// let limiter = RateLimiter::new(Quota::new(60, 60)?);
/// let d = limiter.check("mcs_live_token", 1_700_000_000)?;
/// assert!(d.allowed);
/// assert_eq!(d.remaining, 59);
/// # Ok::<(), clickfence::rate::RateError>(())
/// ```
pub struct RateLimiter {
    quota: Quota,
    store: KeyedStore<WindowLog>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter for `quota` holding up to [`DEFAULT_MAX_KEYS`] keys.
    pub fn new(quota: Quota) -> Self {
        Self::with_max_keys(quota, DEFAULT_MAX_KEYS)
    }

    /// A limiter holding at most about `max_keys` keys (rounded up to a multiple of 64).
    pub fn with_max_keys(quota: Quota, max_keys: usize) -> Self {
        Self {
            quota,
            store: KeyedStore::new(max_keys),
        }
    }

    /// The quota.
    pub fn quota(&self) -> Quota {
        self.quota
    }

    /// Checks and counts one request of `key` at `now` (unix seconds).
    pub fn check(&self, key: impl AsRef<[u8]>, now: u64) -> Result<RateDecision, RateError> {
        self.check_cost(key, 1, now)
    }

    /// Checks and counts a request costing `cost` units; 0 only reads.
    pub fn check_cost(
        &self,
        key: impl AsRef<[u8]>,
        cost: u32,
        now: u64,
    ) -> Result<RateDecision, RateError> {
        let quota = self.quota;
        let window = quota.window();
        self.store.with(
            key.as_ref(),
            now,
            cost > 0,
            |log: &WindowLog, now| log.is_fresh(now, window),
            WindowLog::weight,
            |log| decide(log, now, quota, cost),
        )?
    }

    /// Keys currently held.
    pub fn key_count(&self) -> usize {
        self.store.len()
    }

    /// Forgets keys whose window is empty at `now`; returns how many.
    pub fn sweep(&self, now: u64) -> usize {
        let now = crate::time::clamp_time(now);
        let window = self.quota.window();
        self.store.sweep(now, |log, now| log.is_fresh(now, window))
    }
}
