//! Enrolment: a shop exists for the edge API once its owner enrolled it
//! (the API secret here, `sync-ip-blocking-config` and
//! `sync-protection-config`, the CLI, the dashboard). Storefront routes answer
//! 404 for any other shop name and store nothing, so made-up shops cannot
//! fill the disk, bills or the dashboard.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::{blocking, EdgeJson, EdgeQuery, EdgeResult};
use crate::api::edge::protection::ShopQuery;
use crate::state::{now, AppState};

/// `{"shop": ...}`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct EnrolBody {
    /// The shop domain.
    pub shop: Option<String>,
}

/// Enrols a shop.
#[utoipa::path(
    post,
    path = "/api/shops",
    tag = "edge",
    operation_id = "enrolShop",
    summary = "Enrol a shop for the edge API",
    security(("api_secret" = [])),
    request_body(content = EnrolBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Enrolled (`created` says whether it was new)", body = Value),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn enrol(
    State(state): State<Arc<AppState>>,
    EdgeJson(body): EdgeJson<EnrolBody>,
) -> EdgeResult<Json<Value>> {
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let shop = super::shop(body.shop)?;
    let created = blocking(move || Ok(crate::ops::shops::enrol(&state, &shop, now())?)).await?;
    Ok(Json(json!({ "success": true, "created": created })))
}

/// Un-enrols a shop: its IP policy and protection config go; its stored
/// events stay for the analytics.
#[utoipa::path(
    delete,
    path = "/api/shops",
    tag = "edge",
    operation_id = "unenrolShop",
    summary = "Un-enrol a shop",
    security(("api_secret" = [])),
    params(ShopQuery),
    responses(
        (status = 200, description = "Un-enrolled (`removed` says whether it was enrolled)", body = Value),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn unenrol(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<ShopQuery>,
) -> EdgeResult<Json<Value>> {
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let shop = super::shop(q.shop)?;
    let removed = blocking(move || Ok(crate::ops::shops::unenrol(&state, &shop)?)).await?;
    Ok(Json(json!({ "success": true, "removed": removed })))
}
