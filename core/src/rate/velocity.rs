//! Click-velocity counters: events per key over the last minute and hour.

use super::store::{KeyedStore, Weight};
use super::window::WindowLog;
use super::RateError;

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;

/// Counts of one key's events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct VelocityCounts {
    /// Events in the last 60 seconds (one-second resolution), this one included.
    pub last_minute: u64,
    /// Events in the current minute and the 59 before it (one-minute
    /// resolution), this one included.
    pub last_hour: u64,
}

#[derive(Debug, Default)]
struct Velocity {
    minute: WindowLog,
    hour: WindowLog,
}

impl Velocity {
    fn is_fresh(&self, now: u64) -> bool {
        self.hour.is_fresh(now, HOUR)
    }

    fn weight(&self) -> Weight {
        self.hour.weight()
    }
}

/// Sliding minute and hour counters per key (clicks per IP, repeats of one
/// click id). `Send + Sync`. Memory: about 130 bytes per key plus the key,
/// plus 16 bytes per distinct second (last minute) and per distinct minute
/// (last hour) with events; keys idle for an hour are forgotten when space is
/// needed, then the keys with the fewest events in the hour (least recently
/// active first). A new key is always counted, and a flood of single-use keys
/// cannot push out a key that clicks often.
///
/// ```
/// use clickfence::rate::VelocityCounter;
/// let clicks_per_ip = VelocityCounter::new(100_000);
/// clicks_per_ip.record("203.0.113.7", 1_700_000_000)?;
/// let counts = clicks_per_ip.record("203.0.113.7", 1_700_000_030)?;
/// assert_eq!((counts.last_minute, counts.last_hour), (2, 2));
/// # Ok::<(), clickfence::rate::RateError>(())
/// ```
pub struct VelocityCounter {
    store: KeyedStore<Velocity>,
}

impl std::fmt::Debug for VelocityCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VelocityCounter").finish_non_exhaustive()
    }
}

impl VelocityCounter {
    /// A counter holding at most about `max_keys` keys.
    pub fn new(max_keys: usize) -> Self {
        Self {
            store: KeyedStore::new(max_keys),
        }
    }

    /// Records one event of `key` at `now` and returns the counts including it.
    pub fn record(&self, key: impl AsRef<[u8]>, now: u64) -> Result<VelocityCounts, RateError> {
        let now = crate::check_time(now)?;
        self.apply(key.as_ref(), now, 1)
    }

    /// The counts of `key` at `now` without recording anything.
    pub fn peek(&self, key: impl AsRef<[u8]>, now: u64) -> Result<VelocityCounts, RateError> {
        let now = crate::check_time(now)?;
        self.apply(key.as_ref(), now, 0)
    }

    fn apply(&self, key: &[u8], now: u64, count: u32) -> Result<VelocityCounts, RateError> {
        self.store.with(
            key,
            now,
            count > 0,
            |v: &Velocity, now| v.is_fresh(now),
            Velocity::weight,
            |v| {
                v.minute.expire(now, MINUTE);
                v.hour.expire(now, HOUR);
                if count > 0 {
                    v.minute.add(now, 1, count);
                    v.hour.add(now, MINUTE, count);
                }
                VelocityCounts {
                    last_minute: v.minute.total(),
                    last_hour: v.hour.total(),
                }
            },
        )
    }

    /// Keys currently held.
    pub fn key_count(&self) -> usize {
        self.store.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_and_hour_windows_slide() {
        let c = VelocityCounter::new(1000);
        let t = 1_700_000_000 - 1_700_000_000 % 60; // a minute boundary
        for i in 0..5 {
            c.record("ip", t + i * 10).unwrap();
        }
        assert_eq!(
            c.peek("ip", t + 40).unwrap(),
            VelocityCounts {
                last_minute: 5,
                last_hour: 5
            }
        );
        assert_eq!(
            c.peek("ip", t + 61).unwrap().last_minute,
            4,
            "the event at t left at t+60"
        );
        assert_eq!(
            c.peek("ip", t + 3599).unwrap(),
            VelocityCounts {
                last_minute: 0,
                last_hour: 5
            }
        );
        assert_eq!(
            c.peek("ip", t + 3600).unwrap().last_hour,
            0,
            "the whole first minute left"
        );
        assert_eq!(c.peek("other", t).unwrap(), VelocityCounts::default());
        assert_eq!(c.key_count(), 1, "peek does not create keys");
    }
}
