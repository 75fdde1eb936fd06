//! The platform REST API v1.

pub mod auth;
pub mod blocked;
pub mod error;
pub mod params;
pub mod sites;

/// Runs a handler's body on tokio's blocking pool: every platform handler
/// reads the database, and a wait for it must not stall the async workers
/// that serve other requests.
pub async fn blocking(
    f: impl FnOnce() -> Result<axum::response::Response, error::ApiError> + Send + 'static,
) -> Result<axum::response::Response, error::ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(error::ApiError::internal(e)))
}
