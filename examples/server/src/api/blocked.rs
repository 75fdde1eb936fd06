//! Blocked IPs: list, block (idempotent), unblock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use clickfence::ip::{parse_ip, BlockKind};
use clickfence::webhook::{BlockSource, Event, IpBlocked, IpUnblocked};
use serde_json::{json, Value};

use super::auth::authorize;
use super::error::{ok, ApiError};
use super::params::{datetime, decode_cursor, int, page};
use super::sites::site_of;
use crate::events::emit;
use crate::state::{now, AppState};

/// GET /api/v1/sites/{id}/blocked-ips
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
        let ip = ip.to_string();
        let existed = state
            .store
            .blocks(site.id, i64::MIN, None, i64::MAX)?
            .iter()
            .any(|b| b.ip_address == ip);
        let record = state.store.upsert_block(
            site.id,
            &ip,
            reason.as_deref(),
            kind.as_str(),
            kind.expires_at().map(|t| t as i64),
            "api",
            None,
            now,
        )?;
        emit(
            &state,
            site.account_id,
            &Event::IpBlocked(IpBlocked {
                site_id: site.id as u64,
                site_domain: site.domain.clone(),
                ip_address: ip,
                reason: reason.unwrap_or_else(|| "Blocked via API".into()),
                fraud_score: None,
                source: BlockSource::Api,
            }),
        );
        let status = if existed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        Ok(ok(status, &rate, json!({ "data": record })))
    };
    run().map_err(|e| e.with_rate(Some(rate)))
}

/// DELETE /api/v1/sites/{id}/blocked-ips/{blockedIp} — by record id or address.
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
        let record = state
            .store
            .delete_block(site.id, &key)?
            .ok_or_else(ApiError::not_found)?;
        emit(
            &state,
            site.account_id,
            &Event::IpUnblocked(IpUnblocked {
                site_id: site.id as u64,
                site_domain: site.domain.clone(),
                ip_address: record.ip_address.clone(),
                source: BlockSource::Api,
            }),
        );
        Ok(ok(StatusCode::OK, &rate, json!({ "data": record })))
    };
    run().map_err(|e| e.with_rate(Some(rate)))
}
