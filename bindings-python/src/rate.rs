//! Rate limiting and velocity counters.

use clickfence::rate::{DEFAULT_LIMIT, DEFAULT_MAX_KEYS, DEFAULT_WINDOW};

// The keyword defaults below are literals so Python's signature (and the
// stubs) show them; the core owns the values, and this fails to compile the
// day they differ.
const _: () = assert!(DEFAULT_LIMIT == 60 && DEFAULT_WINDOW == 60 && DEFAULT_MAX_KEYS == 1_000_000);
use std::collections::HashMap;

use clickfence::rate::{
    Quota, RateDecision as CoreDecision, RateLimiter as CoreLimiter,
    VelocityCounter as CoreVelocity,
};
use pyo3::prelude::*;

use crate::convert::{bytes_like, now_or, rate_err};

/// One rate decision.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct RateDecision(CoreDecision);

#[pymethods]
impl RateDecision {
    /// Whether the request may proceed (and was counted).
    #[getter]
    fn allowed(&self) -> bool {
        self.0.allowed
    }
    /// The quota's limit.
    #[getter]
    fn limit(&self) -> u32 {
        self.0.limit
    }
    /// Units left in the window.
    #[getter]
    fn remaining(&self) -> u32 {
        self.0.remaining
    }
    /// When refused: seconds until this request would pass; else `None`.
    #[getter]
    fn retry_after(&self) -> Option<u64> {
        self.0.retry_after
    }
    /// Seconds until the whole quota is back.
    #[getter]
    fn reset_after(&self) -> u64 {
        self.0.reset_after
    }
    /// The response headers (X-RateLimit-*, RateLimit-Policy, RateLimit, Retry-After).
    fn headers(&self) -> HashMap<&'static str, String> {
        self.0.headers().into_iter().collect()
    }
    fn __repr__(&self) -> String {
        format!(
            "RateDecision(allowed={}, remaining={}, retry_after={:?})",
            self.0.allowed, self.0.remaining, self.0.retry_after
        )
    }
}

/// At most `limit` units per key in any `window` seconds. Thread-safe.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct RateLimiter(CoreLimiter);

#[pymethods]
impl RateLimiter {
    #[new]
    #[pyo3(signature = (*, limit=60, window=60, max_keys=1_000_000))]
    fn new(py: Python<'_>, limit: u32, window: u64, max_keys: usize) -> PyResult<Self> {
        let quota = Quota::new(limit, window).map_err(|e| rate_err(py, e))?;
        Ok(Self(CoreLimiter::with_max_keys(quota, max_keys)))
    }

    /// Checks and counts `cost` units (0 only reads) of `key`; a refusal is a decision, not an exception.
    #[pyo3(signature = (key, *, cost=1, now=None))]
    fn check(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        cost: u32,
        now: Option<f64>,
    ) -> PyResult<RateDecision> {
        let key = bytes_like(key, "key")?;
        self.0
            .check_cost(key, cost, now_or(now)?)
            .map(RateDecision)
            .map_err(|e| rate_err(py, e))
    }
}

/// Sliding minute / hour event counts per key. Thread-safe.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct VelocityCounter(CoreVelocity);

#[pymethods]
impl VelocityCounter {
    #[new]
    #[pyo3(signature = (*, max_keys=1_000_000))]
    fn new(max_keys: usize) -> Self {
        Self(CoreVelocity::new(max_keys))
    }

    /// Records one event; returns (last_minute, last_hour) including it.
    #[pyo3(signature = (key, *, now=None))]
    fn record(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<(u64, u64)> {
        counts(py, self.0.record(bytes_like(key, "key")?, now_or(now)?))
    }

    /// The counts of `key` (last_minute, last_hour) without recording an event.
    #[pyo3(signature = (key, *, now=None))]
    fn peek(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<(u64, u64)> {
        counts(py, self.0.peek(bytes_like(key, "key")?, now_or(now)?))
    }
}

/// A velocity answer as Python's (last_minute, last_hour).
fn counts(
    py: Python<'_>,
    c: Result<clickfence::rate::VelocityCounts, clickfence::RateError>,
) -> PyResult<(u64, u64)> {
    c.map(|c| (c.last_minute, c.last_hour))
        .map_err(|e| rate_err(py, e))
}

/// The arguments of the core's window script for one check (as strings);
/// refuses what the in-process limiter refuses.
#[pyfunction]
#[pyo3(signature = (*, limit, window, cost))]
fn rate_script_args(py: Python<'_>, limit: u32, window: u64, cost: u32) -> PyResult<Vec<String>> {
    let quota = Quota::new(limit, window).map_err(|e| rate_err(py, e))?;
    let args = clickfence::rate::redis::script_args(quota, cost).map_err(|e| rate_err(py, e))?;
    Ok(args.to_vec())
}

/// The Redis key for `key` under `prefix`; refuses a key the in-process limiter refuses (over 1024 bytes, `rate_key_too_long`).
#[pyfunction]
fn shared_rate_key<'py>(
    py: Python<'py>,
    prefix: &str,
    key: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let key = bytes_like(key, "key")?;
    let out = clickfence::rate::redis::shared_key(prefix, &key).map_err(|e| rate_err(py, e))?;
    Ok(pyo3::types::PyBytes::new(py, &out))
}

/// `text` as a key part: as it is when it is at most 64 bytes of printable ASCII other than `#`, `|` and `:`, else `#` and 32 hex digits of its SHA-256; bounds keys built from client text (click ids, shop names).
#[pyfunction]
fn client_key(text: &str) -> String {
    clickfence::rate::client_key(text).into_owned()
}

/// The window script's reply as the decision the core makes.
#[pyfunction]
#[pyo3(signature = (reply, *, limit, window))]
fn decode_rate_reply(
    py: Python<'_>,
    reply: Vec<i64>,
    limit: u32,
    window: u64,
) -> PyResult<RateDecision> {
    let quota = Quota::new(limit, window).map_err(|e| rate_err(py, e))?;
    clickfence::rate::redis::decode_reply(quota, &reply)
        .map(RateDecision)
        .map_err(|e| rate_err(py, e))
}

/// The velocity script's reply as (last_minute, last_hour).
#[pyfunction]
fn decode_velocity_reply(py: Python<'_>, reply: Vec<i64>) -> PyResult<(u64, u64)> {
    let c = clickfence::rate::redis::decode_velocity(&reply).map_err(|e| rate_err(py, e))?;
    Ok((c.last_minute, c.last_hour))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RATE_SCRIPT", clickfence::rate::redis::SLIDING_WINDOW_LUA)?;
    m.add("VELOCITY_SCRIPT", clickfence::rate::redis::VELOCITY_LUA)?;
    m.add_function(wrap_pyfunction!(rate_script_args, m)?)?;
    m.add_function(wrap_pyfunction!(shared_rate_key, m)?)?;
    m.add_function(wrap_pyfunction!(client_key, m)?)?;
    m.add_function(wrap_pyfunction!(decode_rate_reply, m)?)?;
    m.add_function(wrap_pyfunction!(decode_velocity_reply, m)?)?;
    m.add_class::<RateLimiter>()?;
    m.add_class::<RateDecision>()?;
    m.add_class::<VelocityCounter>()?;
    Ok(())
}
