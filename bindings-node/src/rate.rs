//! Rate limiting.

use std::collections::HashMap;

use clickfence::rate::{Quota, RateDecision as CoreDecision, RateLimiter as CoreLimiter};
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

/// One rate decision. Fields are getters; `headers` is rendered on access.
#[napi]
pub struct RateDecision(CoreDecision);

#[napi]
impl RateDecision {
    /// Whether the request may proceed (and was counted).
    #[napi(getter)]
    pub fn allowed(&self) -> bool {
        self.0.allowed
    }

    /// The quota's limit.
    #[napi(getter)]
    pub fn limit(&self) -> u32 {
        self.0.limit
    }

    /// Units left in the window.
    #[napi(getter)]
    pub fn remaining(&self) -> u32 {
        self.0.remaining
    }

    /// When refused: seconds until this request would pass; else undefined.
    #[napi(getter)]
    pub fn retry_after(&self) -> Option<f64> {
        self.0.retry_after.map(|s| s as f64)
    }

    /// Seconds until the whole quota is back.
    #[napi(getter)]
    pub fn reset_after(&self) -> f64 {
        self.0.reset_after as f64
    }

    /// The decision as a plain object, for `JSON.stringify`.
    #[napi(
        js_name = "toJSON",
        ts_return_type = "{ allowed: boolean; limit: number; remaining: number; retryAfter?: number; resetAfter: number; headers: Record<string, string> }"
    )]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "allowed": self.0.allowed,
            "limit": self.0.limit,
            "remaining": self.0.remaining,
            "retryAfter": self.0.retry_after,
            "resetAfter": self.0.reset_after,
            "headers": self.headers(),
        })
    }

    /// The response headers (X-RateLimit-*, RateLimit-Policy, RateLimit, Retry-After).
    #[napi(getter)]
    pub fn headers(&self) -> HashMap<String, String> {
        self.0
            .headers()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }
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
            o.limit.unwrap_or(clickfence::rate::DEFAULT_LIMIT),
            match o.window {
                Some(w) => whole(w, "window")?,
                None => clickfence::rate::DEFAULT_WINDOW,
            },
        )
        .map_err(core)?;
        Ok(Self(CoreLimiter::with_max_keys(
            quota,
            o.max_keys
                .map_or(clickfence::rate::DEFAULT_MAX_KEYS, |k| k as usize),
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
        Ok(RateDecision(d))
    }
}

/// Options of `new VelocityCounter`.
#[napi(object)]
pub struct VelocityOptions {
    /// Key cap (default 1,000,000): at the cap the lightest keys are forgotten.
    pub max_keys: Option<u32>,
}

/// Event counts of one key over the last minute and the last hour.
#[napi(object)]
pub struct VelocityCounts {
    /// Events in the last 60 seconds (one-second buckets).
    pub last_minute: f64,
    /// Events in the last 3600 seconds (one-minute buckets).
    pub last_hour: f64,
}

impl From<clickfence::rate::VelocityCounts> for VelocityCounts {
    fn from(c: clickfence::rate::VelocityCounts) -> Self {
        Self {
            last_minute: c.last_minute as f64,
            last_hour: c.last_hour as f64,
        }
    }
}

/// Sliding minute / hour event counts per key.
#[napi]
pub struct VelocityCounter(clickfence::rate::VelocityCounter);

#[napi]
impl VelocityCounter {
    /// Builds the object.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<VelocityOptions>) -> Self {
        let max_keys = options
            .and_then(|o| o.max_keys)
            .map_or(clickfence::rate::DEFAULT_MAX_KEYS, |k| k as usize);
        Self(clickfence::rate::VelocityCounter::new(max_keys))
    }

    /// Records one event of `key`; returns the counts including it.
    #[napi(catch_unwind)]
    pub fn record(
        &self,
        key: Either<String, Buffer>,
        options: Option<crate::click::NowOptions>,
    ) -> Result<VelocityCounts> {
        let now = now_or(options.and_then(|o| o.now))?;
        self.0
            .record(bytes(&key), now)
            .map(Into::into)
            .map_err(core)
    }

    /// The counts of `key` without recording an event.
    #[napi(catch_unwind)]
    pub fn peek(
        &self,
        key: Either<String, Buffer>,
        options: Option<crate::click::NowOptions>,
    ) -> Result<VelocityCounts> {
        let now = now_or(options.and_then(|o| o.now))?;
        self.0.peek(bytes(&key), now).map(Into::into).map_err(core)
    }
}

/// The core's sliding-window script, run atomically in Redis by
/// `clickfence/redis` (loaded once, called by SHA).
#[napi]
pub const RATE_SCRIPT: &str = clickfence::rate::redis::SLIDING_WINDOW_LUA;

/// The core's minute / hour velocity script for Redis.
#[napi]
pub const VELOCITY_SCRIPT: &str = clickfence::rate::redis::VELOCITY_LUA;

/// A quota for the Redis helpers.
#[napi(object)]
pub struct ScriptQuota {
    /// Units per window.
    pub limit: u32,
    /// Window in seconds.
    pub window: f64,
}

fn script_quota(q: &ScriptQuota) -> Result<Quota> {
    Quota::new(q.limit, whole(q.window, "window")?).map_err(core)
}

/// The window script's `ARGV` for one check of `cost` units (strings, as
/// Redis takes them); throws what `RateLimiter.check` throws.
#[napi(catch_unwind)]
pub fn rate_script_args(quota: ScriptQuota, cost: u32) -> Result<Vec<String>> {
    let args = clickfence::rate::redis::script_args(script_quota(&quota)?, cost).map_err(core)?;
    Ok(args.to_vec())
}

/// The Redis key for `key` under `prefix`; throws `rate_key_too_long` for
/// a key `RateLimiter.check` refuses (over 1024 bytes).
#[napi(catch_unwind)]
pub fn shared_rate_key(prefix: String, key: Either<String, Buffer>) -> Result<Buffer> {
    let full = clickfence::rate::redis::shared_key(&prefix, bytes(&key)).map_err(core)?;
    Ok(full.into())
}

/// `text` as a key part: as it is when it is at most 64 bytes of printable
/// ASCII other than `#`, `|` and `:`, else `#` and 32 hex digits of its
/// SHA-256; bounds keys built from client text (click ids, shop names).
#[napi(catch_unwind)]
pub fn client_key(text: String) -> String {
    clickfence::rate::client_key(&text).into_owned()
}

/// The window script's reply (five integers) as the decision the core
/// makes; `rate_bad_reply` for a reply of any other shape.
#[napi(catch_unwind)]
pub fn decode_rate_reply(reply: Vec<i64>, quota: ScriptQuota) -> Result<RateDecision> {
    clickfence::rate::redis::decode_reply(script_quota(&quota)?, &reply)
        .map(RateDecision)
        .map_err(core)
}

/// The velocity script's reply (two integers) as counts.
#[napi(catch_unwind)]
pub fn decode_velocity_reply(reply: Vec<i64>) -> Result<VelocityCounts> {
    clickfence::rate::redis::decode_velocity(&reply)
        .map(Into::into)
        .map_err(core)
}

/// Internal (use `RateLimiter`): the limiter behind the JavaScript
/// `RateLimiter` of main.cjs:
/// an external handle, so a check is a plain function call with no class
/// instance to unwrap or build.
#[napi(catch_unwind, ts_return_type = "unknown")]
pub fn rate_limiter_new(
    limit: u32,
    window: f64,
    max_keys: u32,
) -> Result<napi::bindgen_prelude::External<CoreLimiter>> {
    let quota = Quota::new(limit, whole(window, "window")?).map_err(core)?;
    let max = if max_keys == 0 {
        clickfence::rate::DEFAULT_MAX_KEYS
    } else {
        max_keys as usize
    };
    Ok(napi::bindgen_prelude::External::new(
        CoreLimiter::with_max_keys(quota, max),
    ))
}

/// Internal (use `RateLimiter.check`): checks `cost` units of `key` at
/// `now` (unix seconds) and writes the
/// decision into `out`: `[allowed (0|1), remaining, resetAfter,
/// retryAfter (-1: none), now]`.
#[napi]
pub fn rate_limiter_check(
    #[napi(ts_arg_type = "unknown")] limiter: &napi::bindgen_prelude::External<CoreLimiter>,
    key: Either<String, Buffer>,
    cost: u32,
    now: f64,
    mut out: napi::bindgen_prelude::Float64Array,
) -> Result<()> {
    let d = limiter
        .check_cost(bytes(&key), cost, now_or(Some(now))?)
        .map_err(core)?;
    // SAFETY: the slice is used only inside this call, on the JavaScript
    // thread, while no JavaScript runs that could touch the buffer.
    let slots: &mut [f64] = unsafe { out.as_mut() };
    if slots.len() < 5 {
        return Err(crate::convert::invalid("out must hold 5 numbers"));
    }
    slots[0] = f64::from(u8::from(d.allowed));
    slots[1] = f64::from(d.remaining);
    slots[2] = d.reset_after as f64;
    slots[3] = d.retry_after.map_or(-1.0, |r| r as f64);
    slots[4] = d.now as f64;
    Ok(())
}

/// Internal (use `RateDecision.headers`): the response headers of a
/// decision given as its numbers, rendered by the core.
#[napi(catch_unwind)]
pub fn rate_decision_headers(
    quota: ScriptQuota,
    remaining: u32,
    reset_after: f64,
    retry_after: Option<f64>,
    now: f64,
) -> Result<HashMap<String, String>> {
    let q = script_quota(&quota)?;
    let d = CoreDecision {
        allowed: retry_after.is_none(),
        limit: q.limit(),
        remaining,
        reset_after: whole(reset_after, "resetAfter")?,
        retry_after: retry_after.map(|r| whole(r, "retryAfter")).transpose()?,
        window: q.window(),
        now: now_or(Some(now))?,
    };
    Ok(d.headers()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
}
