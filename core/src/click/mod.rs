//! Click signing (the ad network's side) and verification (the receiving side).
//!
//! Spec: `click-signing.txt`. A click URL is signed by appending
//! `expires=<unix time>` and `signature=<base64url(HMAC-SHA256(secret, url))>`,
//! where the HMAC covers the whole URL up to and including the `expires` value.

mod breaker;
pub mod breaker_shared;
pub mod click_shared;
mod error;
mod fetch;
mod keyring;
mod policy;
mod report;
mod signer;
pub mod ticket;
mod ticket_shared;
mod url;
mod verifier;

pub use breaker::{
    BreakerSums, BreakerTrip, BREAKER_MIN_CLICKS, BREAKER_MIN_SOURCES, BREAKER_QUIET_MINUTES,
    BREAKER_REENABLE_HOLD,
};
pub use error::ClickError;
pub use fetch::{
    is_prefetch_purpose, is_preview_agent, Fetch, DUPLICATE_SECONDS, PREVIEW_AGENT_TOKENS,
    UNKNOWN_CLIENT,
};
pub use keyring::{SecretKey, DEFAULT_TTL_HOURS, MAX_ACTIVE_KEYS, MAX_TTL_HOURS};
pub use policy::{parse_circuit_breaker_status, Mode};
pub use report::{
    rows_to_csv, HourCounts, ReportRange, ReportRow, REPORT_CSV_HEADER, REPORT_RETENTION_HOURS,
};
pub use signer::{ClickSigner, ExpiresFormat};
pub use ticket::{Claim, Ticket, DEFAULT_TICKET_CAPACITY, DEFAULT_TICKET_MAX_LIFETIME};
pub use verifier::{
    BreakerConfig, ClickConfig, ClickVerifier, Inspection, KeyInfo, Outcome, Verdict,
    EXPIRES_MILLIS_THRESHOLD,
};
