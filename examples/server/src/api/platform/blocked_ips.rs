//! Blocked IPs: the list in force, block (idempotent: 201 new, 200
//! updated) and unblock (by record id or address). Blocking and unblocking
//! go through [`crate::ops`], the one write path the CLI shares.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clickfence::ip::{parse_ip, BlockKind};
use clickfence::webhook::BlockSource;
use clickfence::IpError;
use serde_json::{json, Value};

use super::auth::{BlockedIpsRead, BlockedIpsWrite, SiteOf};
use super::blocking;
use super::error::ApiError;
use super::params::{
    datetime, decode_cursor, in_range, page, PageQuery, ValidJson, ValidQuery, DEFAULT_PER_PAGE,
    PER_PAGE,
};
use crate::state::{now, AppState};

/// Longest accepted `reason`.
pub const MAX_REASON_CHARS: usize = 500;

/// The body of `POST .../blocked-ips`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct BlockBody {
    /// IPv4 or IPv6 address (required).
    pub ip_address: Option<String>,
    /// At most 500 characters.
    pub reason: Option<String>,
    /// `permanent` (default) or `temporary`.
    #[serde(rename = "type")]
    #[schema(value_type = Option<crate::docs::schemas::BlockType>)]
    pub kind: Option<String>,
    /// RFC 3339 date-time or date: required and in the future for
    /// `temporary`, refused for `permanent`.
    pub expires_at: Option<String>,
}

/// The blocks in force, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}/blocked-ips",
    tag = "platform",
    operation_id = "listBlockedIps",
    summary = "List blocked IPs",
    description = "Needs the `blocked-ips:read` ability.",
    security(("platform_token" = [])),
    params(("id" = i64, Path, description = "Site id", example = 1), PageQuery),
    responses(
        (status = 200, description = "Blocks in force, oldest first", body = crate::docs::schemas::BlockedPage),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    access: SiteOf<BlockedIpsRead>,
    ValidQuery(q): ValidQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let per_page = in_range("per_page", q.per_page, PER_PAGE, DEFAULT_PER_PAGE)?;
    let after = decode_cursor(q.cursor.as_deref(), "blocked-ips")?;
    let site = access.site.id;
    let rows = blocking(state.store.work(), move || {
        Ok(state.store.blocks(site, now(), after, per_page + 1)?)
    })
    .await?;
    Ok(Json(page(rows, per_page, "blocked-ips", |b| b.id)))
}

/// Blocks an address; blocking it again updates the block.
#[utoipa::path(
    post,
    path = "/api/v1/sites/{id}/blocked-ips",
    tag = "platform",
    operation_id = "blockIp",
    summary = "Block an IP",
    description = "Needs the `blocked-ips:write` ability. Sends `ip.blocked` for a new block only.",
    security(("platform_token" = [])),
    params(("id" = i64, Path, description = "Site id", example = 1)),
    request_body(content = BlockBody, content_type = "application/json"),
    responses(
        (status = 201, description = "A new block", body = crate::docs::schemas::BlockedOne),
        (status = 200, description = "An existing block, updated", body = crate::docs::schemas::BlockedOne),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn block(
    State(state): State<Arc<AppState>>,
    access: SiteOf<BlockedIpsWrite>,
    ValidJson(body): ValidJson<BlockBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let now = now();
    let request = read_block(body, now)?;
    let site = access.site;
    let (record, fresh) = blocking(state.store.work(), move || {
        Ok(crate::ops::block_ip(
            &state,
            &crate::ops::BlockRequest {
                site: &site,
                ip: request.0,
                reason: request.1,
                kind: request.2,
                source: BlockSource::Api,
            },
            now,
        )?)
    })
    .await?;
    let status = if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!({ "data": record }))))
}

/// The checked address, reason and kind of a block request (the API's
/// rules, which the dashboard's form goes through too).
pub fn read_block(
    body: BlockBody,
    now: i64,
) -> Result<(std::net::IpAddr, Option<String>, BlockKind), ApiError> {
    let ip_text = body
        .ip_address
        .ok_or_else(|| ApiError::invalid("ip_address", "The ip_address field is required."))?;
    let ip = parse_ip(&ip_text).map_err(|_| {
        ApiError::invalid(
            "ip_address",
            "The ip_address must be a valid IPv4 or IPv6 address.",
        )
    })?;
    if body
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(ApiError::invalid(
            "reason",
            format!("The reason must be a string of at most {MAX_REASON_CHARS} characters."),
        ));
    }
    let expires_at = body
        .expires_at
        .map(|s| datetime("expires_at", &s))
        .transpose()?;
    let kind = BlockKind::parse(
        body.kind.as_deref(),
        expires_at.map(|t| t.max(0) as u64),
        now as u64,
    )
    .map_err(|e| match e {
        IpError::InvalidBlock { field, reason } => ApiError::invalid(field, reason),
        other => ApiError::internal(other),
    })?;
    Ok((ip, body.reason, kind))
}

/// Removes a block, by record id or address; sends `ip.unblocked`.
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
    access: SiteOf<BlockedIpsWrite>,
    Path(path): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let blocked = path.1;
    let key = parse_ip(&blocked)
        .map(|ip| ip.to_string())
        .unwrap_or(blocked);
    let site = access.site;
    let record = blocking(state.store.work(), move || {
        crate::ops::unblock_ip(&state, &site, &key, BlockSource::Api, now())?
            .ok_or_else(ApiError::not_found)
    })
    .await?;
    Ok(Json(json!({ "data": record })))
}
