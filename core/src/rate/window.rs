//! The per-key state of a sliding window, and the pure decision over it.
//!
//! The state is a short list of `(bucket start, count)` pairs, oldest first,
//! for the buckets that still fall inside the window. Everything here is a
//! pure function of (state, now, quota), so a shared store (a Redis sorted
//! set or hash driven by a script) can run the same arithmetic.

use smallvec::SmallVec;

use super::{Quota, RateError};

/// Events of one key inside the window, bucketed by `bucket` seconds. The
/// first two buckets are stored inline; the list never exceeds the number of
/// buckets in a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowLog {
    entries: SmallVec<[(u64, u32); 2]>,
    total: u64,
}

impl WindowLog {
    /// Drops buckets that have left the window at `now`: a bucket starting at
    /// `t` counts while `t + window > now`.
    pub fn expire(&mut self, now: u64, window: u64) {
        let gone = self
            .entries
            .iter()
            .take_while(|(start, _)| start.saturating_add(window) <= now)
            .count();
        if gone > 0 {
            for (_, count) in self.entries.drain(..gone) {
                self.total -= u64::from(count);
            }
        }
    }

    /// Adds `count` events at `now`. A clock that went backwards is clamped to
    /// the newest bucket, so the list stays ordered.
    pub fn add(&mut self, now: u64, bucket: u64, count: u32) {
        let start = now - now % bucket.max(1);
        match self.entries.last_mut() {
            Some((last, n)) if *last >= start => *n = n.saturating_add(count),
            _ => self.entries.push((start, count)),
        }
        self.total += u64::from(count);
    }

    /// Events counted in the window.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether the log is equivalent to a fresh key's at `now`: nothing left
    /// in the window. Forgetting such a key changes no decision.
    pub fn is_fresh(&self, now: u64, window: u64) -> bool {
        self.entries
            .last()
            .is_none_or(|&(start, _)| start.saturating_add(window) <= now)
    }

    /// Heap and inline bytes this log uses.
    pub fn bytes(&self) -> usize {
        let spilled = if self.entries.spilled() {
            self.entries.capacity()
        } else {
            0
        };
        std::mem::size_of::<Self>() + spilled * std::mem::size_of::<(u64, u32)>()
    }

    /// The eviction weight: events counted, then the newest bucket's start.
    pub(crate) fn weight(&self) -> (u64, u64) {
        (self.total, self.newest().unwrap_or(0))
    }

    fn newest(&self) -> Option<u64> {
        self.entries.last().map(|&(s, _)| s)
    }
}

/// The outcome of one rate check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may proceed (and was counted).
    pub allowed: bool,
    /// The quota's limit.
    pub limit: u32,
    /// Units left in the window after this request.
    pub remaining: u32,
    /// Seconds until the whole quota is available again.
    pub reset_after: u64,
    /// When refused: seconds until this request would pass.
    pub retry_after: Option<u64>,
    /// The quota's window in seconds.
    pub window: u64,
    /// The time of the check, for rendering `X-RateLimit-Reset`.
    pub now: u64,
}

/// Decides a request of `cost` units at `now` and updates `log`.
///
/// Bound: in any `window` consecutive seconds at most `limit` units are
/// admitted, whatever the order, timing and cost of requests. A refused
/// request is not counted. `cost` 0 only reads the state.
pub fn decide(
    log: &mut WindowLog,
    now: u64,
    quota: Quota,
    cost: u32,
) -> Result<RateDecision, RateError> {
    let now = crate::check_time(now)?;
    let (limit, window) = (quota.limit(), quota.window());
    if cost > limit {
        return Err(RateError::CostExceedsLimit { cost, limit });
    }
    // Work at the newest second seen if the clock stepped back.
    let now = log.newest().map_or(now, |n| now.max(n));
    log.expire(now, window);
    let used = log.total();
    let allowed = used + u64::from(cost) <= u64::from(limit);
    let mut retry_after = None;
    if allowed {
        if cost > 0 {
            log.add(now, 1, cost);
        }
    } else {
        // The earliest time enough old units have left the window.
        let need = used + u64::from(cost) - u64::from(limit);
        let mut freed = 0u64;
        for &(start, count) in &log.entries {
            freed += u64::from(count);
            if freed >= need {
                retry_after = Some(start + window - now);
                break;
            }
        }
    }
    let used = log.total();
    Ok(RateDecision {
        allowed,
        limit,
        remaining: u32::try_from(u64::from(limit).saturating_sub(used)).unwrap_or(0),
        reset_after: log.newest().map_or(0, |n| n + window - now),
        retry_after,
        window,
        now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(limit: u32, window: u64) -> Quota {
        Quota::new(limit, window).unwrap()
    }

    #[test]
    fn sixty_per_minute_means_sixty_in_any_minute() {
        let q = quota(60, 60);
        let mut log = WindowLog::default();
        for i in 0..60 {
            let d = decide(&mut log, 1000, q, 1).unwrap();
            assert!(d.allowed);
            assert_eq!(d.remaining, 59 - i);
        }
        let refused = decide(&mut log, 1000, q, 1).unwrap();
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, Some(60));
        assert_eq!(refused.reset_after, 60);
        assert!(
            !decide(&mut log, 1059, q, 1).unwrap().allowed,
            "59 s later the minute is still full"
        );
        let d = decide(&mut log, 1060, q, 1).unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, 59);
    }

    #[test]
    fn retry_after_points_at_the_first_time_enough_frees_up() {
        let q = quota(3, 10);
        let mut log = WindowLog::default();
        decide(&mut log, 100, q, 1).unwrap();
        decide(&mut log, 104, q, 2).unwrap();
        let d = decide(&mut log, 105, q, 1).unwrap();
        assert_eq!(d.retry_after, Some(5), "the unit from t=100 leaves at 110");
        let d = decide(&mut log, 105, q, 2).unwrap();
        assert_eq!(d.retry_after, Some(9), "two units free only at 114");
        assert_eq!(d.reset_after, 9);
    }

    #[test]
    fn cost_rules() {
        let q = quota(5, 60);
        let mut log = WindowLog::default();
        assert_eq!(
            decide(&mut log, 0, q, 6).unwrap_err().code(),
            "cost_exceeds_limit"
        );
        assert!(decide(&mut log, 0, q, 5).unwrap().allowed);
        let peek = decide(&mut log, 0, q, 0).unwrap();
        assert!(peek.allowed);
        assert_eq!(peek.remaining, 0);
        assert!(!decide(&mut log, 0, q, 1).unwrap().allowed);
    }

    #[test]
    fn a_backwards_clock_cannot_reopen_the_window() {
        let q = quota(2, 60);
        let mut log = WindowLog::default();
        decide(&mut log, 1000, q, 2).unwrap();
        assert!(!decide(&mut log, 500, q, 1).unwrap().allowed);
        assert!(decide(&mut log, 1060, q, 1).unwrap().allowed);
    }

    #[test]
    fn freshness() {
        let mut log = WindowLog::default();
        assert!(log.is_fresh(0, 60));
        log.add(100, 1, 1);
        assert!(!log.is_fresh(159, 60));
        assert!(log.is_fresh(160, 60));
    }
}
