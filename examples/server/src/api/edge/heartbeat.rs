//! `POST /api/heartbeat`: the theme extension's protection configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::{blocking, EdgeError, EdgeJson, EdgeResult};
use crate::state::{now, AppState};

/// Most switches accepted in `protections` or `botDetection`.
pub const MAX_SWITCHES: usize = 64;

/// A heartbeat body: every switch a JSON boolean, so `"rightClick": "yes"`
/// or `"spyDetection": "true"` is refused rather than stored or read as off.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// The shop domain.
    pub shop: String,
    /// Storefront protections: switch → on (`rightClick`, `copy`, ...).
    pub protections: BTreeMap<String, bool>,
    /// Bot detection switches (`enabled`, `honeypot`, `trapLinks`).
    #[serde(default)]
    pub bot_detection: BTreeMap<String, bool>,
    /// Spy detection on.
    #[serde(default)]
    pub spy_detection: bool,
    /// IP blocking on.
    #[serde(default)]
    pub ip_blocking: bool,
    /// The theme extension's version (accepted, not stored).
    #[serde(default)]
    pub version: Option<String>,
    /// Unix milliseconds at the storefront (accepted, not stored).
    #[serde(default)]
    pub timestamp: Option<i64>,
}

/// Stores the shop's configuration, read back by `protection-config`.
#[utoipa::path(
    post,
    path = "/api/heartbeat",
    tag = "edge",
    operation_id = "heartbeat",
    summary = "Send the protection configuration",
    description = "Public; CORS.",
    request_body(content = Heartbeat, content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = crate::docs::schemas::Success),
        (status = 400, description = "Invalid body: every switch must be a JSON boolean", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn heartbeat(
    State(state): State<Arc<AppState>>,
    EdgeJson(beat): EdgeJson<Heartbeat>,
) -> EdgeResult<Json<Value>> {
    let shop = super::shop(Some(beat.shop))?;
    if beat.protections.len() > MAX_SWITCHES || beat.bot_detection.len() > MAX_SWITCHES {
        return Err(EdgeError::invalid(format!(
            "at most {MAX_SWITCHES} switches per group"
        )));
    }
    let config = json!({
        "protections": beat.protections,
        "botDetection": beat.bot_detection,
        "spyDetection": beat.spy_detection,
        "ipBlocking": beat.ip_blocking,
    });
    blocking(move || {
        state
            .store
            .save_protection(&shop, &config.to_string(), now())?;
        Ok(Json(json!({ "success": true })))
    })
    .await
}
