//! IP access: the storefront's check of a visitor, and the shop back-end's
//! sync of its policy.

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clickfence::IpError;
use serde_json::{json, Value};

use super::{blocking, day_of, visitor, EdgeError, EdgeJson, EdgeQuery, EdgeResult};
use crate::state::{now, AppState};
use crate::storage::NewPixel;

/// `?shop=&page=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// The shop domain.
    #[param(required = true, value_type = String, example = "mystore.myshopify.com")]
    pub shop: Option<String>,
    /// The page visited, recorded with refusals.
    pub page: Option<String>,
}

/// Whether the visitor may see the shop.
#[utoipa::path(
    get,
    path = "/api/check-ip-access",
    tag = "edge",
    operation_id = "checkIpAccess",
    summary = "Check a visitor's IP access",
    description = "Public; CORS. The visitor is the client address (CF-Connecting-IP / CF-IPCountry believed only from Cloudflare).",
    params(CheckQuery),
    responses(
        (status = 200, description = "The decision", body = crate::docs::schemas::AccessAnswer),
        (status = 400, description = "shop missing", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn check_ip_access(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    EdgeQuery(q): EdgeQuery<CheckQuery>,
) -> EdgeResult<Response> {
    let shop = super::shop(q.shop)?;
    let Some(policy) = state.policy(&shop) else {
        return Ok(Json(json!({ "allowed": true })).into_response());
    };
    let (ip, country) = visitor(&state, peer, &headers);
    let hint = country.as_deref().and_then(|c| c.parse().ok());
    let decision = policy
        .check(ip, hint, now() as u64)
        .map_err(EdgeError::internal)?;
    // Refusals are recorded at a bounded rate per shop and client (the IPv6
    // /64), so a client calling this in a loop cannot fill the disk; the
    // answer itself is unaffected.
    let record = !decision.allowed
        && state
            .refusal_log
            .check(
                format!("{shop}|{}", clickfence::ip::Granularity::CLIENT.label(ip)),
                now() as u64,
            )
            .is_ok_and(|d| d.allowed);
    if record {
        let reason = decision.reason.map(|r| r.as_str()).unwrap_or("");
        let country = decision.country.map(|c| c.to_string());
        let page = q.page;
        let payload = json!({ "type": "ip_blocking", "shop": shop, "reason": reason, "country": country, "page": page });
        // The decision stands whether or not the record is written: a
        // database outage must not turn a refusal into an error a storefront
        // script would fail open on. Written with whatever pixel events are
        // waiting (one statement).
        let now_ms = now() * 1000;
        let recorded = state
            .store
            .insert_pixel_async(&NewPixel {
                shop: &shop,
                kind: "ip_blocking",
                session: None,
                visitor: None,
                ip: Some(&ip.to_string()),
                country: country.as_deref(),
                page: page.as_deref(),
                payload: &payload.to_string(),
                at_ms: now_ms,
                day: &day_of(now_ms),
                client: Some(&clickfence::ip::Granularity::CLIENT.label(ip)),
                billed: false,
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!(code = e.code(), message = %e, "refusal_not_recorded");
        }
    }
    Ok(Json(decision).into_response())
}

/// The body of `sync-ip-blocking-config`.
#[derive(Debug, serde::Deserialize)]
pub struct SyncBody {
    shop: Option<String>,
    config: Option<Value>,
}

/// Validates the whole config, then swaps the shop's compiled policy at
/// once; a bad config changes nothing.
#[utoipa::path(
    post,
    path = "/api/sync-ip-blocking-config",
    tag = "edge",
    operation_id = "syncIpBlockingConfig",
    summary = "Sync a shop's IP blocking config",
    security(("api_secret" = [])),
    request_body(content = crate::docs::schemas::SyncBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved and in force", body = crate::docs::schemas::Success),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn sync_config(
    State(state): State<Arc<AppState>>,
    EdgeJson(body): EdgeJson<SyncBody>,
) -> EdgeResult<Json<Value>> {
    // Memory and database change together, never interleaved with a reload.
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let shop = super::shop(body.shop)?;
    let config = body
        .config
        .filter(Value::is_object)
        .ok_or_else(|| EdgeError::invalid("config must be an object"))?;
    let text = config.to_string();
    let policy = state.compile_policy(&text).map_err(|e| match e {
        IpError::InvalidConfig { path, message } => {
            EdgeError::invalid(format!("config.{path}: {message}"))
        }
        other => EdgeError::invalid(format!("config: {other}")),
    })?;
    let saved = Arc::clone(&state);
    let key = shop.clone();
    blocking(move || Ok(saved.store.save_shop_policy(&key, &text, now())?)).await?;
    state
        .enrolled
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(shop.clone());
    state
        .policies
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(shop, Arc::new(policy));
    Ok(Json(json!({ "success": true })))
}
