//! clickfence: the library that ad networks, webhook receivers and shop back
//! ends link in-process to stop click fraud.
//!
//! ```
//! use clickfence::{ClickSigner, ClickVerifier, Mode};
//!
//! // The ad network signs a click URL that expires in five minutes.
//! let now = 1_700_000_000;
//! let signer = ClickSigner::new("zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg=")?;
//! let url = signer.sign("https://app.appsflyer.com/com.app.id?pid=adnetwork_int", now + 300)?;
//!
//! // The receiving side verifies it against its key ring.
//! let verifier = ClickVerifier::new(Mode::Enabled, true);
//! verifier.add_key("59ad6547-affc-45eb-a6c9-9805f88ee755",
//!                  "zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg=", now + 36 * 3600, now)?;
//! assert!(verifier.verify(&url, now).accepted);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every function that depends on time takes `now` (unix seconds) as an
//! argument; nothing reads the clock.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod civil;
pub mod click;
mod codes;
mod decimal;
mod hour;
pub mod ip;
mod json;
mod mac;
pub mod rate;
pub mod score;
mod time;
pub mod webhook;

pub use click::{
    ClickError, ClickSigner, ClickVerifier, Mode, Outcome, ReportRange, SecretKey, Verdict,
};
pub use codes::ERROR_CODES;
pub use hour::UtcHour;
pub use ip::{AccessPolicy, GeoIp, IpError, IpSet};
pub use rate::{Quota, RateError, RateLimiter};
pub use score::{Assessment, ClickSignals, ScoreError, Scorer};
pub use time::{check_time, TimeOutOfRange, MAX_UNIX_TIME};
pub use webhook::{WebhookError, WebhookSigner, WebhookVerifier};

/// The README's Rust sample, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeSamples;

/// The guide's Rust chapter, its samples compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/surfaces/rust.md")]
pub struct GuideRustSamples;
