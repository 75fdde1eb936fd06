//! Errors of the rate-window job.

/// Why a quota or a check was refused. Each variant has a stable
/// [`code`](RateError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// The quota's limit or window is zero or too large.
    #[error("invalid quota: {0}")]
    InvalidQuota(&'static str),
    /// One request costs more than the whole quota, so it could never pass.
    #[error("cost {cost} exceeds the quota's limit of {limit}")]
    CostExceedsLimit {
        /// The cost asked for.
        cost: u32,
        /// The quota's limit.
        limit: u32,
    },
    /// Every slot of the key store holds a key with live state.
    #[error("rate store is full ({0} keys with live windows): the request was not counted")]
    StoreFull(usize),
    /// The key is longer than the store accepts.
    #[error("rate key is {0} bytes; the most accepted is 1024")]
    KeyTooLong(usize),
    /// `now` is after the end of year 9999 (see [`crate::MAX_UNIX_TIME`]).
    #[error(
        "time {0} is out of range: the latest accepted is 253402300799 (the end of year 9999)"
    )]
    TimeOutOfRange(u64),
    /// A shared store (Redis) answered something the window script never
    /// returns.
    #[error("unexpected reply from the shared rate store: {0}")]
    BadReply(String),
}

impl RateError {
    /// The stable `snake_case` code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidQuota(_) => "invalid_quota",
            Self::TimeOutOfRange(_) => "time_out_of_range",
            Self::CostExceedsLimit { .. } => "cost_exceeds_limit",
            Self::KeyTooLong(_) => "rate_key_too_long",
            Self::StoreFull(_) => "rate_store_full",
            Self::BadReply(_) => "rate_bad_reply",
        }
    }
}

impl From<crate::TimeOutOfRange> for RateError {
    fn from(e: crate::TimeOutOfRange) -> Self {
        Self::TimeOutOfRange(e.0)
    }
}
