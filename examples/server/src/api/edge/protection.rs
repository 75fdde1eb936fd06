//! `GET /api/protection-config`: what the shop's last heartbeat said.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

use super::{blocking, EdgeError, EdgeQuery, EdgeResult};
use crate::state::AppState;

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
        (status = 200, description = "The last heartbeat's configuration", body = crate::docs::schemas::ProtectionConfig),
        (status = 400, description = "shop missing", body = crate::docs::schemas::EdgeError),
        (status = 404, description = "No heartbeat from this shop yet", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn protection_config(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<ShopQuery>,
) -> EdgeResult<Json<Value>> {
    let shop = super::shop(q.shop)?;
    let text = blocking(move || Ok(state.store.protection(&shop)?))
        .await?
        .ok_or_else(|| {
            EdgeError::new(
                StatusCode::NOT_FOUND,
                "No protection config for this shop yet",
            )
        })?;
    serde_json::from_str(&text)
        .map(Json)
        .map_err(EdgeError::internal)
}
