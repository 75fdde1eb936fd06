//! Sites: the list a token can see, and one site.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::auth::{Authorized, SiteOf, SitesRead};
use super::error::ApiError;
use crate::state::AppState;

/// The sites the token's account can access: its own and its team sites.
#[utoipa::path(
    get,
    path = "/api/v1/sites",
    tag = "platform",
    operation_id = "listSites",
    summary = "List sites",
    description = "Needs the `sites:read` ability.",
    security(("platform_token" = [])),
    responses(
        (status = 200, description = "Sites the token can access", body = crate::docs::schemas::SiteList),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Authorized<SitesRead>,
) -> Result<Json<Value>, ApiError> {
    let sites = state
        .store
        .sites_for_kept(caller.account.id, crate::state::now())
        .await?;
    Ok(Json(json!({ "data": sites })))
}

/// One site.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}",
    tag = "platform",
    operation_id = "getSite",
    summary = "Get a site",
    description = "Needs the `sites:read` ability.",
    security(("platform_token" = [])),
    params(("id" = i64, Path, description = "Site id", example = 1)),
    responses(
        (status = 200, description = "The site", body = crate::docs::schemas::SiteOne),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn show(access: SiteOf<SitesRead>) -> Json<Value> {
    Json(json!({ "data": access.site }))
}
