//! Click signing (the ad network's side) and verification (the receiving side).
//!
//! Spec: `click-signing.txt`. A click URL is signed by appending
//! `expires=<unix time>` and `signature=<base64url(HMAC-SHA256(secret, url))>`,
//! where the HMAC covers the whole URL up to and including the `expires` value.

mod breaker;
pub mod breaker_shared;
mod error;
mod keyring;
mod policy;
mod report;
mod signer;
mod url;
mod verifier;

pub use breaker::{
    BreakerSums, BreakerTrip, BREAKER_BASELINE_MIN_VALID, BREAKER_MIN_CLICKS, BREAKER_MIN_SOURCES,
};
pub use error::ClickError;
pub use keyring::{SecretKey, DEFAULT_TTL_HOURS, MAX_ACTIVE_KEYS, MAX_TTL_HOURS};
pub use policy::{parse_circuit_breaker_status, Mode};
pub use report::{
    rows_to_csv, HourCounts, ReportRange, ReportRow, REPORT_CSV_HEADER, REPORT_RETENTION_HOURS,
};
pub use signer::{ClickSigner, ExpiresFormat};
pub use verifier::{
    BreakerConfig, ClickConfig, ClickVerifier, KeyInfo, Outcome, Verdict, EXPIRES_MILLIS_THRESHOLD,
};
