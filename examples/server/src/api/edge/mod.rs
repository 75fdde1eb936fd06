//! The edge API (`edge-api.txt`): pixel ingestion, heartbeat, IP access
//! checks and config sync, analytics, activity feeds, billing and protection
//! config. Every error uses this API's own shape `{"error": true, "message",
//! "code"}` ([`EdgeError`]), typed bodies and queries included
//! ([`EdgeJson`], [`EdgeQuery`]: 400 `INVALID_REQUEST` naming the field).
//!
//! Counting rules (all by the server's receive time, UTC days, `start` and
//! `end` inclusive): `sessions` = `session_init` events; `uniqueVisitors` =
//! billed visitors ([`BILLED_VISITORS`]); `protectionEvents` = `basic_security`;
//! `botEvents` = `bot_detection`; `spyEvents` = `spy_detection`;
//! `ipBlockingEvents` = `ip_blocking` (pixels, plus visits refused by
//! check-ip-access). Top IPs / pages / countries rank *threat events*:
//! `bot_detection`, `spy_detection` and `ip_blocking`.

pub mod access;
pub mod activity;
pub mod analytics;
pub mod billing;
pub mod heartbeat;
pub mod period;
pub mod pixels;
pub mod protection;
pub mod shops;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::state::AppState;

/// The billed visitors among the selected events: distinct visitor ids
/// whose `session_init` was billed (the core's `rate::visitors` rule).
/// Billing and `uniqueVisitors` both count this, so they always agree.
pub const BILLED_VISITORS: &str = "COUNT(DISTINCT CASE WHEN billed = 1 THEN visitor_id END)";

/// The largest body a storefront route (pixels, heartbeat) reads: 64 KiB,
/// enforced while the body arrives, so a multi-MiB or endless chunked body
/// is refused (413) after 64 KiB, not buffered.
pub const STOREFRONT_BODY_MAX: usize = 64 * 1024;

/// An edge API failure.
#[derive(Debug)]
pub struct EdgeError {
    /// HTTP status.
    pub status: StatusCode,
    /// `INVALID_REQUEST`, `UNAUTHORIZED`, `NOT_FOUND`, `RATE_LIMITED`,
    /// `INTERNAL_ERROR`, ...
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// `Retry-After` seconds (429 only).
    pub retry_after: Option<u64>,
}

impl EdgeError {
    /// An error with the code of its status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: crate::surface::edge_code(status),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `INVALID_REQUEST`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 500 without details (they go to the log).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "edge API failure");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Server error")
    }
}

impl From<crate::ops::OpError> for EdgeError {
    fn from(e: crate::ops::OpError) -> Self {
        use crate::ops::OpError;
        match e {
            OpError::Store(e) => e.into(),
            OpError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, e.to_string()),
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<crate::storage::StoreError> for EdgeError {
    fn from(e: crate::storage::StoreError) -> Self {
        match crate::surface::storage_status(&e) {
            StatusCode::SERVICE_UNAVAILABLE => Self {
                retry_after: Some(1),
                ..Self::new(StatusCode::SERVICE_UNAVAILABLE, crate::surface::UNAVAILABLE)
            },
            _ => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Server error"),
        }
    }
}

impl IntoResponse for EdgeError {
    fn into_response(self) -> Response {
        let body = json!({ "error": true, "message": self.message, "code": self.code });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&wait.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// The result of an edge handler.
pub type EdgeResult<T> = Result<T, EdgeError>;

/// Runs database work on tokio's blocking pool.
pub async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> EdgeResult<R> + Send + 'static,
) -> EdgeResult<R> {
    crate::storage::work::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(EdgeError::internal(e)))
}

/// A JSON body read into `T`; anything else is a 400 naming the field.
pub struct EdgeJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for EdgeJson<T> {
    type Rejection = EdgeError;

    async fn from_request(request: Request, state: &S) -> EdgeResult<Self> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| EdgeError::new(e.status(), "The request body could not be read"))?;
        parse_json(&bytes).map(EdgeJson)
    }
}

/// `T` from JSON text, or a 400 naming the field that was wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> EdgeResult<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "." => EdgeError::invalid(format!("body: {}", e.into_inner())),
            _ => EdgeError::invalid(format!("{path}: {}", e.into_inner())),
        }
    })?;
    de.end()
        .map_err(|e| EdgeError::invalid(format!("body: {e}")))?;
    Ok(value)
}

/// A query string read into `T`; a value of the wrong type is a 400 naming
/// its parameter.
pub struct EdgeQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for EdgeQuery<T> {
    type Rejection = EdgeError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> EdgeResult<Self> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(EdgeQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                EdgeError::invalid(format!("{path}: {}", e.into_inner()))
            })
    }
}

/// A required, non-empty `shop` of at most 255 bytes.
pub fn shop(shop: Option<String>) -> EdgeResult<String> {
    shop.filter(|s| crate::ops::shops::valid(s).is_ok())
        .ok_or_else(|| EdgeError::invalid("shop is required (a shop domain)"))
}

/// The `shop` parameter of a storefront route, which must name an enrolled
/// shop: 404 `NOT_FOUND` otherwise, before anything is stored.
pub fn enrolled_shop(state: &AppState, shop: Option<String>) -> EdgeResult<String> {
    let shop = self::shop(shop)?;
    if state.is_enrolled(&shop) {
        Ok(shop)
    } else {
        Err(EdgeError::new(
            StatusCode::NOT_FOUND,
            "No enrolled shop of that name",
        ))
    }
}

/// Route layer of sync-ip-blocking-config, analytics, feeds and billing:
/// `Authorization: Bearer <API_SECRET>`, compared in constant time first;
/// wrong ones count in the shared failure quota (429 past it).
pub async fn require_api_secret(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let given = crate::bearer(request.headers()).unwrap_or("");
    let valid = state
        .config
        .api_secret
        .as_deref()
        .is_some_and(|s| crate::secret_eq(given, s));
    match crate::auth_failures::judge_request(&state, &request, valid).await {
        Ok(()) => next.run(request).await,
        Err(refused) => EdgeError::new(
            refused.status(),
            refused.message("Missing or invalid authorization"),
        )
        .into_response(),
    }
}

/// The visitor's address and CF-IPCountry: the country is believed only
/// when Cloudflare vouched for the address (see the core's `client_ip`).
pub fn visitor(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> (IpAddr, Option<String>) {
    let (ip, source) = state.client(peer.ip(), headers);
    let country = state.country_hint(ip, source, headers);
    (ip, country)
}

/// The UTC day of unix milliseconds, `YYYY-MM-DD`.
pub fn day_of(ms: i64) -> String {
    crate::storage::rfc3339(ms / 1000)[..10].to_owned()
}
