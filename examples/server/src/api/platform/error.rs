//! The platform API's responses: `{"message"}` errors (with `errors` for
//! 422), and the rate-limit headers on every response.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clickfence::rate::RateDecision;
use serde_json::json;

/// An API failure.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `message`.
    pub message: String,
    /// `errors` (422 only): field → messages.
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    /// Rate-limit decision, when the request got that far.
    pub rate: Option<RateDecision>,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: None,
            rate: None,
        }
    }

    /// 422 for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut errors = BTreeMap::new();
        errors.insert(field.to_owned(), vec![message.clone()]);
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message,
            errors: Some(errors),
            rate: None,
        }
    }

    /// 404 for sites and records the caller cannot see.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Resource not found.")
    }

    /// 500 without details (they go to the log).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error.")
    }

    /// Attaches the rate decision so the headers are sent.
    pub fn with_rate(mut self, rate: Option<RateDecision>) -> Self {
        if self.rate.is_none() {
            self.rate = rate;
        }
        self
    }
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(e: crate::storage::StoreError) -> Self {
        match crate::surface::storage_status(&e) {
            StatusCode::SERVICE_UNAVAILABLE => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, crate::surface::UNAVAILABLE)
            }
            _ => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error."),
        }
    }
}

/// The rate-limit headers of a decision.
pub fn rate_headers(rate: &RateDecision) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in rate.headers() {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            headers.insert(n, v);
        }
    }
    headers
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "message": self.message });
        if let Some(errors) = self.errors {
            body["errors"] = json!(errors);
        }
        let headers = self.rate.as_ref().map(rate_headers).unwrap_or_default();
        (self.status, headers, Json(body)).into_response()
    }
}
