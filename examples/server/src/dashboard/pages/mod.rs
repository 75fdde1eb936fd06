//! One module per page. Handlers read through the same storage, operations
//! ([`crate::ops`]) and API functions as the APIs, and only render.

pub mod blocks;
pub mod clicks;
pub mod shops;
pub mod signin;
pub mod signing;
pub mod sites;
pub mod tokens;
pub mod webhooks;

use std::sync::Arc;

use axum::response::{Html, IntoResponse, Response};
use maud::Markup;

use super::session::Viewer;
use super::{DashError, DashResult};
use crate::state::AppState;
use crate::storage::Site;

/// Runs store work on the blocking pool.
pub async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> DashResult<R> + Send + 'static,
) -> DashResult<R> {
    crate::storage::work::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| Err(DashError::Invalid("The request was interrupted.".into())))
}

/// Site `id` of the viewer's account (or a team site), when their token
/// holds `ability`: the API's own rule (`store.site_for`), 404 otherwise.
pub async fn site_of(
    state: &Arc<AppState>,
    viewer: &Viewer,
    id: &str,
    ability: &str,
) -> DashResult<Site> {
    let account = viewer.account_with(ability)?.id;
    let id: i64 = id.parse().map_err(|_| DashError::NotFound)?;
    let state = Arc::clone(state);
    blocking(move || {
        state
            .store
            .site_for(account, id)?
            .ok_or(DashError::NotFound)
    })
    .await
}

/// A rendered page with `status`.
pub fn html(status: axum::http::StatusCode, page: Markup) -> Response {
    (status, Html(page.into_string())).into_response()
}

/// The query string read into `T`; a malformed one is refused in words.
pub fn query<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> DashResult<T> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| DashError::Invalid(format!("The address is malformed: {e}.")))
}
