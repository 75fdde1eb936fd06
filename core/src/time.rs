//! The range of times the core accepts.
//!
//! Every function that takes `now` (unix seconds) reads it within
//! `0..=MAX_UNIX_TIME`: far beyond any real clock, yet small enough that no
//! window, expiry or retry arithmetic can overflow. Functions that return a
//! `Result` answer `time_out_of_range` outside it; the few that cannot fail
//! (click verification, configuration and report snapshots) read a later
//! time as `MAX_UNIX_TIME`, and the bindings refuse it before calling them.

/// 9999-12-31T23:59:59Z.
pub const MAX_UNIX_TIME: u64 = 253_402_300_799;

/// A `now` after [`MAX_UNIX_TIME`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("time {0} is out of range: the latest accepted is {MAX_UNIX_TIME} (the end of year 9999)")]
pub struct TimeOutOfRange(pub u64);

impl TimeOutOfRange {
    /// The stable code, `time_out_of_range`, in every surface.
    pub fn code(&self) -> &'static str {
        "time_out_of_range"
    }
}

/// `now` if it is in range.
pub fn check_time(now: u64) -> Result<u64, TimeOutOfRange> {
    if now <= MAX_UNIX_TIME {
        Ok(now)
    } else {
        Err(TimeOutOfRange(now))
    }
}

/// `now`, read as [`MAX_UNIX_TIME`] when later (for infallible functions).
pub(crate) fn clamp_time(now: u64) -> u64 {
    now.min(MAX_UNIX_TIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_ends_with_year_9999() {
        assert_eq!(check_time(MAX_UNIX_TIME), Ok(MAX_UNIX_TIME));
        assert_eq!(
            check_time(MAX_UNIX_TIME + 1).unwrap_err().code(),
            "time_out_of_range"
        );
        assert_eq!(clamp_time(u64::MAX), MAX_UNIX_TIME);
        let end = time::OffsetDateTime::from_unix_timestamp(MAX_UNIX_TIME as i64).unwrap();
        assert_eq!(
            (end.year(), end.month() as u8, end.day(), end.hour()),
            (9999, 12, 31, 23)
        );
    }
}
