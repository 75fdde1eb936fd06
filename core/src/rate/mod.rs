//! Rate windows: per-key quotas with the standard headers, and click-velocity
//! counters. Spec: Rate limits in `platform-api.txt` (60 requests per minute
//! per token).

pub mod budget;
mod error;
mod headers;
mod key;
mod limiter;
mod quota;
pub mod redis;
mod store;
mod velocity;
pub mod visitors;
mod window;

pub use error::RateError;
pub use key::{client_key, CLIENT_KEY_MAX};
pub use limiter::{RateLimiter, DEFAULT_MAX_KEYS};
pub use quota::{Quota, DEFAULT_LIMIT, DEFAULT_WINDOW};
pub use store::MAX_KEY_LEN;
pub use velocity::{VelocityCounter, VelocityCounts};
pub use window::{decide, RateDecision, WindowLog};
