//! `GET /api/protection-config`: the configuration the shop's owner set;
//! `POST /api/sync-protection-config` (API secret): the owner sets it, as
//! `sync-ip-blocking-config` sets the IP policy. Heartbeats never change it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

use super::heartbeat::Heartbeat;
use super::{blocking, EdgeError, EdgeJson, EdgeQuery, EdgeResult};
use crate::state::{now, AppState};

/// `?shop=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopQuery {
    /// The shop domain.
    #[param(required = true, value_type = String, example = "mystore.myshopify.com")]
    pub shop: Option<String>,
}

/// The stored configuration.
#[utoipa::path(
    get,
    path = "/api/protection-config",
    tag = "edge",
    operation_id = "protectionConfig",
    summary = "Get a shop's protection config",
    description = "Public; CORS.",
    params(ShopQuery),
    responses(
        (status = 200, description = "The configuration the owner set", body = crate::docs::schemas::ProtectionConfig),
        (status = 400, description = "shop missing", body = crate::docs::schemas::EdgeError),
        (status = 404, description = "No enrolled shop of that name, or its owner set no configuration yet", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn protection_config(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<ShopQuery>,
) -> EdgeResult<Json<Value>> {
    let shop = super::enrolled_shop(&state, q.shop)?;
    let text = blocking(move || Ok(state.store.protection(&shop)?))
        .await?
        .ok_or_else(|| {
            EdgeError::new(
                StatusCode::NOT_FOUND,
                "No protection config set for this shop yet",
            )
        })?;
    serde_json::from_str(&text)
        .map(Json)
        .map_err(EdgeError::internal)
}

/// The owner sets the shop's configuration (from the shop's app back end,
/// with the API secret), enrolling the shop.
#[utoipa::path(
    post,
    path = "/api/sync-protection-config",
    tag = "edge",
    operation_id = "syncProtectionConfig",
    summary = "Set a shop's protection config",
    description = "API secret. The body has the heartbeat's shape; `version` and `timestamp` are ignored.",
    request_body(content = Heartbeat, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved; protection-config answers it", body = crate::docs::schemas::Success),
        crate::docs::schemas::EdgeSecretErrors,
    ),
    security(("api_secret" = []))
)]
pub async fn set_protection_config(
    State(state): State<Arc<AppState>>,
    EdgeJson(body): EdgeJson<Heartbeat>,
) -> EdgeResult<Json<Value>> {
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let key = super::shop(Some(body.shop.clone()))?;
    let config = body.config()?.to_string();
    let saved = Arc::clone(&state);
    blocking(move || {
        crate::ops::shops::enrol(&saved, &key, now())?;
        Ok(saved.store.save_protection(&key, &config, now())?)
    })
    .await?;
    Ok(Json(serde_json::json!({ "success": true })))
}
