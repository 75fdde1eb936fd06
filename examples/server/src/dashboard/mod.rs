//! The dashboard at `/dashboard`: server-rendered HTML (maud templates,
//! checked at compile time) over the same storage, operations and core
//! calls as the APIs. No JavaScript: every action is a form, every chart
//! server-rendered SVG with its numbers in a table beside it.
//!
//! Who sees what is decided by the credential a session was opened with
//! ([`session::Viewer`]): a platform token's abilities, the click-signing
//! admin token, or the edge API secret. Every form carries the session's
//! CSRF token; the cookie is `HttpOnly`, `SameSite=Strict`, and `Secure`
//! when the request came over https.

pub mod chart;
pub mod error;
pub mod form;
pub mod layout;
pub mod pages;
pub mod session;
pub mod words;

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;
pub use error::DashError;

/// The result of a dashboard handler.
pub type DashResult<T> = Result<T, DashError>;

/// The dashboard's routes, every one under `/dashboard`.
pub fn router() -> Router<Arc<AppState>> {
    use pages::{blocks, clicks, shops, signin, signing, sites, tokens, webhooks};
    Router::new()
        .route("/dashboard", get(home))
        .route("/dashboard/", get(home))
        .route("/dashboard/style.css", get(style))
        .route("/dashboard/login", get(signin::form).post(signin::sign_in))
        .route("/dashboard/logout", post(signin::sign_out))
        .route("/dashboard/sites", get(sites::list))
        .route("/dashboard/sites/{id}", get(sites::show))
        .route("/dashboard/sites/{id}/clicks", get(clicks::list))
        .route(
            "/dashboard/sites/{id}/blocked-ips",
            get(blocks::list).post(blocks::add),
        )
        .route(
            "/dashboard/sites/{id}/blocked-ips/{block}/remove",
            post(blocks::remove),
        )
        .route("/dashboard/tokens", get(tokens::list).post(tokens::create))
        .route("/dashboard/tokens/{token}/revoke", post(tokens::revoke))
        .route("/dashboard/webhooks", get(webhooks::list))
        .route(
            "/dashboard/webhooks/{endpoint}/enable",
            post(webhooks::enable),
        )
        .route("/dashboard/signing", get(signing::show))
        .route("/dashboard/shops", get(shops::show))
        .route("/dashboard/shops/enrol", post(shops::enrol))
        .route("/dashboard/shops/remove", post(shops::remove))
        .layer(axum::middleware::from_fn(layout::headers))
}

/// `/dashboard/`: the first page the credential may see.
async fn home(viewer: Option<session::Viewer>) -> Response {
    let to = match viewer.as_ref().map(|v| &v.credential) {
        None => "/dashboard/login",
        Some(session::Credential::Platform { .. }) => "/dashboard/sites",
        Some(session::Credential::Admin) => "/dashboard/signing",
        Some(session::Credential::Shop) => "/dashboard/shops",
    };
    Redirect::to(to).into_response()
}

/// The stylesheet, from the binary.
async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/dashboard.css"),
    )
        .into_response()
}
