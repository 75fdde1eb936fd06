//! The platform REST API v1 (`platform-api.txt`): sites, stats, clicks and
//! blocked IPs.
//!
//! Each handler states what it needs in its signature: [`auth::Caller`] (a
//! token with an ability, 401 → 429 → 402 → 403 in the spec's order) or
//! [`auth::SiteOf`] (and the site in the path, else 404), and typed queries
//! and bodies ([`params::ValidQuery`], [`params::ValidJson`]) whose failures
//! are 422s naming the field. [`rate::attach`] puts the rate-limit headers on
//! every answer past authentication, errors included. Database work runs on
//! tokio's blocking pool ([`blocking`]).

pub mod auth;
pub mod blocked_ips;
pub mod clicks;
pub mod error;
pub mod params;
pub mod rate;
pub mod sites;
pub mod stats;

use error::ApiError;

/// Runs database work where the store runs it ([`crate::storage::work`]:
/// SQLite's own thread, PostgreSQL's blocking pool), so a wait for the disk
/// never stalls the async workers that serve other requests.
pub async fn blocking<R: Send + 'static>(
    work: crate::storage::work::Work,
    f: impl FnOnce() -> Result<R, ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    work.run(f)
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(e)))
}
