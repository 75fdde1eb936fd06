//! Blocked IPs: list, block (idempotent), unblock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use clickfence::ip::{parse_ip, BlockKind};
use clickfence::webhook::BlockSource;
use serde_json::{json, Value};

use super::auth::authorize;
use super::error::{ok, ApiError};
use super::params::{datetime, decode_cursor, int, page};
use super::sites::site_of;
use crate::state::{now, AppState};

/// GET /api/v1/sites/{id}/blocked-ips
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}/blocked-ips",
    tag = "platform",
    operation_id = "listBlockedIps",
    summary = "List blocked IPs",
    description = "Needs the `blocked-ips:read` ability.",
    security(("platform_token" = [])),
    params(
        ("id" = i64, Path, description = "Site id", example = 1),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Page size (default 50)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")
    ),
    responses(
        (status = 200, description = "Blocks in force, oldest first", body = crate::docs::schemas::BlockedPage),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &headers, peer, "blocked-ips:read")?;
    let rate = caller.rate;
    let run = || -> Result<Response, ApiError> {
        let site = site_of(&state, caller.account.id, &id)?;
        let per_page = int(&q, "per_page", 1, 200, 50)?;
        let after = decode_cursor(&q, "blocked-ips")?;
        let rows = state.store.blocks(site.id, now(), after, per_page + 1)?;
        Ok(ok(
            StatusCode::OK,
            &rate,
            page(rows, per_page, "blocked-ips", |b| b.id),
        ))
    };
    run().map_err(|e| e.with_rate(Some(rate)))
}

/// POST /api/v1/sites/{id}/blocked-ips — 201 when new, 200 when an existing block was updated.
#[utoipa::path(
    post,
    path = "/api/v1/sites/{id}/blocked-ips",
    tag = "platform",
    operation_id = "blockIp",
    summary = "Block an IP",
    description = "Needs the `blocked-ips:write` ability.",
    security(("platform_token" = [])),
    params(
        ("id" = i64, Path, description = "Site id", example = 1)
    ),
    request_body(content = crate::docs::schemas::BlockBody, content_type = "application/json"),
    responses(
        (status = 201, description = "A new block", body = crate::docs::schemas::BlockedOne),
        (status = 200, description = "An existing block, updated", body = crate::docs::schemas::BlockedOne),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn block(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &headers, peer, "blocked-ips:write")?;
    let rate = caller.rate;
    let run = || -> Result<Response, ApiError> {
        let site = site_of(&state, caller.account.id, &id)?;
        let input: Value = serde_json::from_slice(&body)
            .map_err(|_| ApiError::invalid("body", "The request body must be a JSON object."))?;
        let ip_text = input
            .get("ip_address")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid("ip_address", "The ip_address field is required."))?;
        let ip = parse_ip(ip_text).map_err(|_| {
            ApiError::invalid(
                "ip_address",
                "The ip_address must be a valid IPv4 or IPv6 address.",
            )
        })?;
        let reason = match input.get("reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.len() <= 500 => Some(s.clone()),
            Some(_) => {
                return Err(ApiError::invalid(
                    "reason",
                    "The reason must be a string of at most 500 characters.",
                ))
            }
        };
        let kind = match input.get("type") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                return Err(ApiError::invalid(
                    "type",
                    "The type must be permanent or temporary.",
                ))
            }
        };
        let expires_at = match input.get("expires_at") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(datetime("expires_at", s)?),
            Some(_) => {
                return Err(ApiError::invalid(
                    "expires_at",
                    "The expires_at must be a date-time.",
                ))
            }
        };
        let now = now();
        let kind = BlockKind::parse(kind, expires_at.map(|t| t.max(0) as u64), now as u64)
            .map_err(|e| {
                let field = if e.to_string().contains("type must") {
                    "type"
                } else {
                    "expires_at"
                };
                ApiError::invalid(
                    field,
                    e.to_string()
                        .trim_start_matches("invalid block: ")
                        .to_owned(),
                )
            })?;
        let (record, fresh) = crate::ops::block_ip(
            &state,
            &crate::ops::BlockRequest {
                site: &site,
                ip,
                reason,
                kind,
                source: BlockSource::Api,
            },
            now,
        )?;
        let status = if fresh {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok(ok(status, &rate, json!({ "data": record })))
    };
    run().map_err(|e| e.with_rate(Some(rate)))
}

/// DELETE /api/v1/sites/{id}/blocked-ips/{blockedIp} — by record id or address.
#[utoipa::path(
    delete,
    path = "/api/v1/sites/{id}/blocked-ips/{blocked_ip}",
    tag = "platform",
    operation_id = "unblockIp",
    summary = "Unblock an IP",
    description = "Needs the `blocked-ips:write` ability.",
    security(("platform_token" = [])),
    params(
        ("id" = i64, Path, description = "Site id", example = 1),
        ("blocked_ip" = String, Path, description = "A block id or an address")
    ),
    responses(
        (status = 200, description = "The removed block", body = crate::docs::schemas::BlockedOne),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn unblock(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((id, blocked)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &headers, peer, "blocked-ips:write")?;
    let rate = caller.rate;
    let run = || -> Result<Response, ApiError> {
        let site = site_of(&state, caller.account.id, &id)?;
        let key = parse_ip(&blocked)
            .map(|ip| ip.to_string())
            .unwrap_or(blocked.clone());
        let record = crate::ops::unblock_ip(&state, &site, &key, BlockSource::Api, now())?
            .ok_or_else(ApiError::not_found)?;
        Ok(ok(StatusCode::OK, &rate, json!({ "data": record })))
    };
    run().map_err(|e| e.with_rate(Some(rate)))
}
