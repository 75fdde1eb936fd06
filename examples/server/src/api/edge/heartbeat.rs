//! `POST /api/heartbeat`: the theme extension's report of the protection
//! configuration it runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
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

impl Heartbeat {
    /// The configuration as `protection-config` answers it; refuses more
    /// than [`MAX_SWITCHES`] switches per group.
    pub fn config(&self) -> EdgeResult<Value> {
        if self.protections.len() > MAX_SWITCHES || self.bot_detection.len() > MAX_SWITCHES {
            return Err(EdgeError::invalid(format!(
                "at most {MAX_SWITCHES} switches per group"
            )));
        }
        Ok(json!({
            "protections": self.protections,
            "botDetection": self.bot_detection,
            "spyDetection": self.spy_detection,
            "ipBlocking": self.ip_blocking,
        }))
    }
}

/// Keeps the storefront's report of what it runs. A heartbeat is a report,
/// never the configuration: anyone can send one, so it changes nothing
/// `protection-config` answers (the owner sets that, with the API secret or
/// in the dashboard, which shows the two side by side).
#[utoipa::path(
    post,
    path = "/api/heartbeat",
    tag = "edge",
    operation_id = "heartbeat",
    summary = "Report the storefront's protection configuration",
    description = "Public; CORS. Kept as the shop's last report; it never changes protection-config.",
    request_body(content = Heartbeat, content_type = "application/json"),
    responses(
        (status = 200, description = "Report kept", body = crate::docs::schemas::Success),
        (status = 400, description = "Invalid body: every switch must be a JSON boolean", body = crate::docs::schemas::EdgeError),
        (status = 401, description = "Shopify's app-proxy signature present and refused", body = crate::docs::schemas::EdgeError),
        (status = 404, description = "No enrolled shop of that name; nothing stored", body = crate::docs::schemas::EdgeError),
        (status = 413, description = "Body over 64 KiB", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn heartbeat(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    EdgeJson(beat): EdgeJson<Heartbeat>,
) -> EdgeResult<Json<Value>> {
    let (shop, proxied) = match proxied_shop(&state, query.as_deref())? {
        Some(shop) => (shop, true),
        None => (beat.shop.clone(), false),
    };
    let shop = super::enrolled_shop(&state, Some(shop))?;
    let config = beat.config()?;
    blocking(move || {
        state
            .store
            .save_report(&shop, &config.to_string(), proxied, now())?;
        Ok(Json(json!({ "success": true })))
    })
    .await
}

/// The shop a request came through when it carries Shopify's app-proxy
/// signature and `--shopify-app-secret` is set: verified by the core, or
/// refused (401). Requests without a signature, or with no secret set,
/// are plain storefront requests (`None`).
fn proxied_shop(state: &AppState, query: Option<&str>) -> EdgeResult<Option<String>> {
    let (Some(secret), Some(query)) = (state.config.shopify_app_secret.as_deref(), query) else {
        return Ok(None);
    };
    let signed = url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "signature");
    if !signed {
        return Ok(None);
    }
    clickfence::webhook::verify_app_proxy(query, secret.as_bytes(), now() as u64)
        .map(|r| Some(r.shop))
        .map_err(|e| {
            EdgeError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                format!("app-proxy signature refused: {e}"),
            )
        })
}
