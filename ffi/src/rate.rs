//! Rate limiting.

use clickfence::rate::{Quota, RateDecision, RateLimiter, VelocityCounter, VelocityCounts};

use crate::buf::{bytes, free_handle, handle, new_handle, put, tri, write_str};
use crate::status::{clickfence_status, core_error, guard};

/// Per-key sliding-window limiter (opaque; thread-safe).
pub struct clickfence_rate_limiter(RateLimiter);

/// One rate decision.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_rate_decision {
    /// Whether the request may proceed (and was counted).
    pub allowed: bool,
    /// The quota's limit.
    pub limit: u32,
    /// Units left in the window.
    pub remaining: u32,
    /// Seconds until the whole quota is back.
    pub reset_after: u64,
    /// When refused: seconds until this request would pass; else 0.
    pub retry_after: u64,
    /// The quota's window in seconds.
    pub window: u64,
    /// The time of the check.
    pub now: u64,
}

impl From<RateDecision> for clickfence_rate_decision {
    fn from(d: RateDecision) -> Self {
        Self {
            allowed: d.allowed,
            limit: d.limit,
            remaining: d.remaining,
            reset_after: d.reset_after,
            retry_after: d.retry_after.unwrap_or(0),
            window: d.window,
            now: d.now,
        }
    }
}

impl From<&clickfence_rate_decision> for RateDecision {
    fn from(d: &clickfence_rate_decision) -> Self {
        RateDecision {
            allowed: d.allowed,
            limit: d.limit,
            remaining: d.remaining,
            reset_after: d.reset_after,
            retry_after: (!d.allowed).then_some(d.retry_after),
            window: d.window,
            now: d.now,
        }
    }
}

/// Makes a limiter of `limit` units per `window` seconds holding up to about
/// `max_keys` keys (0 = one million).
///
/// # Safety
/// `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_rate_limiter_new(
    limit: u32,
    window: u64,
    max_keys: usize,
    out: *mut *mut clickfence_rate_limiter,
) -> clickfence_status {
    guard(|| {
        let quota = tri!(Quota::new(limit, window).map_err(core_error));
        let max = if max_keys == 0 {
            clickfence::rate::DEFAULT_MAX_KEYS
        } else {
            max_keys
        };
        // SAFETY: caller contract.
        unsafe {
            new_handle(
                out,
                clickfence_rate_limiter(RateLimiter::with_max_keys(quota, max)),
            )
        }
    })
}

/// Frees a limiter; NULL is a no-op.
///
/// # Safety
/// NULL or a live limiter, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_rate_limiter_free(limiter: *mut clickfence_rate_limiter) {
    // SAFETY: caller contract.
    unsafe { free_handle(limiter) }
}

/// Checks and counts a request of `cost` units (0 only reads) for `key` at `now`.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_rate_limiter_check(
    limiter: *const clickfence_rate_limiter,
    key: *const u8,
    key_len: usize,
    cost: u32,
    now: u64,
    out: *mut clickfence_rate_decision,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let l = tri!(unsafe { handle(limiter, "limiter") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let key = tri!(unsafe { bytes(key, key_len, "key") });
        let d = tri!(l.0.check_cost(key, cost, now).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { put(out, d.into(), "out") }
    })
}

/// Writes `text` as a key part, NUL-terminated: as it is when it is at most
/// 64 bytes of printable ASCII other than `#`, `|` and `:`, else `#` and 32
/// hex digits of its SHA-256 (33 bytes). Build keys from client text (click
/// ids, shop names) with it, so none becomes an unbounded key. `written`
/// gets the length without the NUL (also when `buf` is too small).
///
/// # Safety
/// `text` valid for `text_len` bytes (UTF-8); `buf` valid for `buf_len`
/// bytes; `written` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_client_key(
    text: *const u8,
    text_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: pointers and lengths are valid per this function's contract.
        let text = tri!(unsafe { crate::buf::text(text, text_len, "text") });
        let key = clickfence::rate::client_key(text);
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(key.as_bytes(), buf, buf_len, written) }
    })
}

/// Writes the decision's headers as HTTP header lines (`Name: value\r\n`).
///
/// # Safety
/// `decision` valid; buffers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_rate_decision_headers(
    decision: *const clickfence_rate_decision,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let d = tri!(unsafe { handle(decision, "decision") });
        let block: String = RateDecision::from(d)
            .headers()
            .iter()
            .map(|(n, v)| format!("{n}: {v}\r\n"))
            .collect();
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(block.as_bytes(), buf, buf_len, written) }
    })
}

/// Sliding minute / hour event counts per key (opaque; thread-safe).
pub struct clickfence_velocity_counter(VelocityCounter);

/// Event counts of one key.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_velocity_counts {
    /// Events in the last 60 seconds (one-second buckets).
    pub last_minute: u64,
    /// Events in the last 3600 seconds (one-minute buckets).
    pub last_hour: u64,
}

impl From<VelocityCounts> for clickfence_velocity_counts {
    fn from(c: VelocityCounts) -> Self {
        Self {
            last_minute: c.last_minute,
            last_hour: c.last_hour,
        }
    }
}

/// Makes a velocity counter holding up to about `max_keys` keys (0 = one
/// million; at the cap the lightest keys are forgotten, never a heavy one).
///
/// # Safety
/// `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_velocity_counter_new(
    max_keys: usize,
    out: *mut *mut clickfence_velocity_counter,
) -> clickfence_status {
    guard(|| {
        let max = if max_keys == 0 {
            clickfence::rate::DEFAULT_MAX_KEYS
        } else {
            max_keys
        };
        // SAFETY: caller contract.
        unsafe { new_handle(out, clickfence_velocity_counter(VelocityCounter::new(max))) }
    })
}

/// Frees a velocity counter; NULL is a no-op.
///
/// # Safety
/// NULL or a live counter, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_velocity_counter_free(
    counter: *mut clickfence_velocity_counter,
) {
    // SAFETY: caller contract.
    unsafe { free_handle(counter) }
}

/// Records one event of `key` at `now`; `out` gets the counts including it.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_velocity_counter_record(
    counter: *const clickfence_velocity_counter,
    key: *const u8,
    key_len: usize,
    now: u64,
    out: *mut clickfence_velocity_counts,
) -> clickfence_status {
    // SAFETY: this function's contract is velocity's.
    unsafe { velocity(counter, key, key_len, now, out, |c, k, t| c.record(k, t)) }
}

/// The counts of `key` at `now` without recording an event.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_velocity_counter_peek(
    counter: *const clickfence_velocity_counter,
    key: *const u8,
    key_len: usize,
    now: u64,
    out: *mut clickfence_velocity_counts,
) -> clickfence_status {
    // SAFETY: this function's contract is velocity's.
    unsafe { velocity(counter, key, key_len, now, out, |c, k, t| c.peek(k, t)) }
}

/// Runs `op` (record or peek) on the counter.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
unsafe fn velocity(
    counter: *const clickfence_velocity_counter,
    key: *const u8,
    key_len: usize,
    now: u64,
    out: *mut clickfence_velocity_counts,
    op: fn(&VelocityCounter, &[u8], u64) -> Result<VelocityCounts, clickfence::RateError>,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let c = tri!(unsafe { handle(counter, "counter") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let key = tri!(unsafe { bytes(key, key_len, "key") });
        let counts = tri!(op(&c.0, key, now).map_err(core_error));
        // SAFETY: `out` valid per this function's contract.
        unsafe { put(out, counts.into(), "out") }
    })
}
