//! Shared server state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use clickfence::rate::{Quota, RateLimiter, VelocityCounter};
use clickfence::score::{Scorer, ScoringRules, Thresholds};
use clickfence::IpSet;
use tokio::sync::Notify;

use crate::storage::Store;

/// Everything handlers share.
pub struct AppState {
    /// Records.
    pub store: Store,
    /// 60 requests per minute per token (the spec's quota).
    pub api_limiter: RateLimiter,
    /// Clicks per site and IP, for the scorer.
    pub velocity: VelocityCounter,
    /// Repeats of one click id per site.
    pub click_ids: VelocityCounter,
    /// Proxies whose X-Forwarded-For / CF-Connecting-IP are trusted.
    pub trusted_proxies: IpSet,
    /// Wakes the webhook worker when a delivery is queued.
    pub deliveries: Notify,
    scorers: Mutex<HashMap<(u8, u8), Arc<Scorer>>>,
}

impl AppState {
    /// State over `store`, trusting proxy headers from `trusted_proxies`.
    pub fn new(store: Store, trusted_proxies: IpSet) -> Self {
        Self {
            store,
            api_limiter: RateLimiter::new(Quota::PER_MINUTE_60),
            velocity: VelocityCounter::new(1_000_000),
            click_ids: VelocityCounter::new(1_000_000),
            trusted_proxies,
            deliveries: Notify::new(),
            scorers: Mutex::new(HashMap::new()),
        }
    }

    /// The scorer for a site's thresholds, compiled once per threshold pair.
    pub fn scorer(&self, block: i64, flag: i64) -> Arc<Scorer> {
        let t = Thresholds::new(block, flag).unwrap_or_default();
        let key = (t.block_threshold, t.flag_threshold);
        let mut scorers = self.scorers.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            scorers
                .entry(key)
                .or_insert_with(|| Arc::new(Scorer::new(ScoringRules::default(), t))),
        )
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
