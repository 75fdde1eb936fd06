//! Rate limiting.

use std::collections::HashMap;

use clickfence::rate::{Quota, RateLimiter as CoreLimiter};
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use crate::convert::{bytes, core, now_or, whole, Result};

/// Options of `new RateLimiter`.
#[napi(object)]
pub struct LimiterOptions {
    /// Units per window (default 60).
    pub limit: Option<u32>,
    /// Window in seconds (default 60).
    pub window: Option<f64>,
    /// Key cap (default 1,000,000).
    pub max_keys: Option<u32>,
}

/// Options of `RateLimiter.check`.
#[napi(object)]
pub struct RateCheckOptions {
    /// Units this request costs (default 1; 0 only reads).
    pub cost: Option<u32>,
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
}

/// One rate decision.
#[napi(object)]
pub struct RateDecision {
    /// Whether the request may proceed (and was counted).
    pub allowed: bool,
    /// The quota's limit.
    pub limit: u32,
    /// Units left in the window.
    pub remaining: u32,
    /// When refused: seconds until this request would pass.
    pub retry_after: Option<f64>,
    /// Seconds until the whole quota is back.
    pub reset_after: f64,
    /// The response headers.
    pub headers: HashMap<String, String>,
}

/// At most `limit` units per key in any `window` seconds.
#[napi]
pub struct RateLimiter(CoreLimiter);

#[napi]
impl RateLimiter {
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<LimiterOptions>) -> Result<Self> {
        let o = options.unwrap_or(LimiterOptions {
            limit: None,
            window: None,
            max_keys: None,
        });
        let quota = Quota::new(
            o.limit.unwrap_or(60),
            whole(o.window.unwrap_or(60.0), "window")?,
        )
        .map_err(core)?;
        Ok(Self(CoreLimiter::with_max_keys(
            quota,
            o.max_keys.unwrap_or(1_000_000) as usize,
        )))
    }

    /// Checks and counts a request for `key`.
    #[napi(catch_unwind)]
    pub fn check(
        &self,
        key: Either<String, Buffer>,
        options: Option<RateCheckOptions>,
    ) -> Result<RateDecision> {
        let o = options.unwrap_or(RateCheckOptions {
            cost: None,
            now: None,
        });
        let d = self
            .0
            .check_cost(bytes(&key), o.cost.unwrap_or(1), now_or(o.now)?)
            .map_err(core)?;
        Ok(RateDecision {
            allowed: d.allowed,
            limit: d.limit,
            remaining: d.remaining,
            retry_after: d.retry_after.map(|s| s as f64),
            reset_after: d.reset_after as f64,
            headers: d
                .headers()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        })
    }
}
