//! A quota: `limit` units per `window` seconds.

use super::RateError;

/// `limit` units in any `window` consecutive seconds. The spec's default is
/// 60 per minute per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    limit: u32,
    window: u64,
}

/// The spec's default limit: 60 units per window.
pub const DEFAULT_LIMIT: u32 = 60;
/// The spec's default window: 60 seconds.
pub const DEFAULT_WINDOW: u64 = 60;

impl Quota {
    /// The spec's API quota: 60 requests per minute.
    pub const PER_MINUTE_60: Quota = Quota {
        limit: 60,
        window: 60,
    };

    /// The largest limit a quota takes.
    pub const MAX_LIMIT: u32 = 1_000_000;

    /// `limit` (1 to [`MAX_LIMIT`](Self::MAX_LIMIT)) per `window` seconds
    /// (1 to 86,400).
    pub fn new(limit: u32, window: u64) -> Result<Self, RateError> {
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(RateError::InvalidQuota(
                "limit must be between 1 and 1000000",
            ));
        }
        if !(1..=86_400).contains(&window) {
            return Err(RateError::InvalidQuota(
                "window must be between 1 and 86400 seconds",
            ));
        }
        Ok(Self { limit, window })
    }

    /// Units per window.
    pub fn limit(self) -> u32 {
        self.limit
    }

    /// Window length in seconds.
    pub fn window(self) -> u64 {
        self.window
    }
}

impl Default for Quota {
    fn default() -> Self {
        Self::PER_MINUTE_60
    }
}
