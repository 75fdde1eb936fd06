//! The three API surfaces and their one error shape each, applied to every
//! error the server can produce, the framework's own included.
//!
//! Handlers answer in their surface's shape themselves. What they never see
//! — an unknown route (404), a wrong method (405), a body over the limit
//! (413), a missing `Content-Type` (415), a query or path the extractors
//! reject (400), an over-long URI (414) or header block (431) — leaves axum
//! as an empty or `text/plain` body; [`shape_errors`] rewrites it into the
//! shape of the surface the path belongs to, keeping the status and headers
//! such as `Allow`. On the platform API the caller is authenticated first, as
//! for any route (401 before 404), so those answers carry the rate-limit
//! headers the spec promises "on every response".

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::AppState;

/// A header's value as text. Bytes that are not visible ASCII (a device
/// name in UTF-8, an app's mojibake) are kept, decoded lossily: a real
/// browser's user agent with them is that user agent, never a missing one.
pub fn header_text(
    headers: &axum::http::HeaderMap,
    name: impl axum::http::header::AsHeaderName,
) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Longest request target accepted (path and query), in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest header block accepted (names and values), in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest framework rejection text carried into a message.
const MAX_REJECTION_TEXT: usize = 1024;

/// Which API a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/v1/...`: `{"message", "errors"?}` with rate-limit headers.
    Platform,
    /// `/api/p360-click-signing/...`: `{"message"}`.
    ClickSigning,
    /// Every other `/api/...` route: `{"error": true, "message", "code"}`.
    Edge,
    /// Click links, health, docs and the landing page: the platform's
    /// `{"message"}` shape.
    Site,
}

impl Surface {
    /// The surface of a request path.
    pub fn of(path: &str) -> Self {
        if path == "/api/v1" || path.starts_with("/api/v1/") {
            Self::Platform
        } else if path.starts_with("/api/p360-click-signing")
            || path.starts_with("/p360-click-signing")
        {
            Self::ClickSigning
        } else if path == "/api" || path.starts_with("/api/") {
            Self::Edge
        } else {
            Self::Site
        }
    }

    /// An error response in this surface's shape.
    pub fn error(self, status: StatusCode, message: &str) -> Response {
        let body = match self {
            Self::Edge => json!({ "error": true, "message": message, "code": edge_code(status) }),
            Self::Platform | Self::ClickSigning | Self::Site => json!({ "message": message }),
        };
        (status, Json(body)).into_response()
    }
}

/// The edge API's error code for a status: the spec's five, and the
/// transport's own statuses named the same way.
pub fn edge_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "INVALID_REQUEST",
        401 | 403 => "UNAUTHORIZED",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        413 => "PAYLOAD_TOO_LARGE",
        414 => "URI_TOO_LONG",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        429 => "RATE_LIMITED",
        431 => "HEADERS_TOO_LARGE",
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_ERROR",
    }
}

/// What a request is told while the database cannot be reached.
pub const UNAVAILABLE: &str = "Service temporarily unavailable; retry shortly.";

/// The answer to a storage failure: 503 (with `Retry-After`) while the
/// database cannot be reached, so clients retry and nothing counts as
/// acknowledged; otherwise 500. The details go to the log either way.
pub fn storage_status(e: &crate::storage::StoreError) -> StatusCode {
    if e.is_unavailable() {
        tracing::warn!(error = %e, code = e.code(), "database_unavailable");
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        tracing::error!(error = %e, code = e.code(), "storage failure");
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// The message of a status whose framework text says nothing useful.
fn standard_message(status: StatusCode) -> Option<&'static str> {
    Some(match status.as_u16() {
        404 => "Resource not found.",
        405 => "Method not allowed.",
        413 => "Request body too large.",
        414 => "Request URI too long.",
        415 => "Content-Type must be application/json.",
        431 => "Request headers too large.",
        500 => "Internal server error.",
        503 => UNAVAILABLE,
        _ => return None,
    })
}

/// Middleware: refuses over-long URIs and header blocks, then rewrites any
/// error response that is not already JSON into the path's surface shape.
pub async fn shape_errors(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let surface = Surface::of(&path);
    if let Some(status) = oversized(&request) {
        return surface.error(status, standard_message(status).unwrap_or_default());
    }
    let headers = request.headers().clone();
    let response = next.run(request).await;
    if !needs_shaping(&response) {
        return response;
    }
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    let text = rejection_text(body).await;
    let message = standard_message(status).map_or(text, str::to_owned);
    let rate = if surface == Surface::Platform {
        match authenticate(&state, headers, peer).await {
            Ok(rate) => Some(rate),
            Err(refused) => return refused.into_response(),
        }
    } else {
        None
    };
    let shaped = surface.error(status, &message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(rate) = rate {
        parts
            .headers
            .extend(crate::api::platform::error::rate_headers(&rate));
    }
    Response::from_parts(parts, shaped.into_body())
}

/// The platform's authentication for a request no route answered, on the
/// blocking pool like every other token lookup: 401 / 429 as for any route,
/// else the rate decision whose headers the answer carries.
async fn authenticate(
    state: &Arc<AppState>,
    headers: axum::http::HeaderMap,
    peer: SocketAddr,
) -> Result<clickfence::rate::RateDecision, crate::api::platform::error::ApiError> {
    let state = Arc::clone(state);
    crate::storage::work::spawn_blocking(move || {
        crate::api::platform::auth::authenticate(&state, &headers, peer)
            .map(|(caller, _)| caller.rate)
    })
    .await
    .map_err(crate::api::platform::error::ApiError::internal)?
}

/// 414 or 431 for a request past the limits.
fn oversized(request: &Request) -> Option<StatusCode> {
    let uri = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri > MAX_URI_BYTES {
        return Some(StatusCode::URI_TOO_LONG);
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum();
    (headers > MAX_HEADER_BYTES).then_some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
}

/// An error the handlers did not shape: any 4xx or 5xx whose body is
/// neither JSON nor HTML (the dashboard's error pages are HTML; the
/// framework's own rejections are plain text).
fn needs_shaping(response: &Response) -> bool {
    let shaped = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    (response.status().is_client_error() || response.status().is_server_error()) && !shaped
}

/// The framework's plain-text explanation, bounded.
async fn rejection_text(body: Body) -> String {
    let bytes = axum::body::to_bytes(body, MAX_REJECTION_TEXT)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
    if text.is_empty() {
        "Bad request.".to_owned()
    } else {
        text
    }
}
