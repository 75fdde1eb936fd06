//! Sites, stats and clicks.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::auth::authorize;
use super::error::{ok, ApiError};
use super::params::{datetime, datetime_until, decode_cursor, int, page};
use crate::state::{now, AppState};
use crate::storage::ClickFilter;

/// GET /api/v1/sites
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
pub async fn list_route(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &headers, peer, "sites:read")?;
    let sites = state
        .store
        .sites_for(caller.account.id)
        .map_err(|e| ApiError::from(e).with_rate(Some(caller.rate)))?;
    Ok(ok(StatusCode::OK, &caller.rate, json!({ "data": sites })))
}

/// GET /api/v1/sites/{id}
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}",
    tag = "platform",
    operation_id = "getSite",
    summary = "Get a site",
    description = "Needs the `sites:read` ability.",
    security(("platform_token" = [])),
    params(
        ("id" = i64, Path, description = "Site id", example = 1)
    ),
    responses(
        (status = 200, description = "The site", body = crate::docs::schemas::SiteOne),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn show(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &headers, peer, "sites:read")?;
    let site =
        site_of(&state, caller.account.id, &id).map_err(|e| e.with_rate(Some(caller.rate)))?;
    Ok(ok(StatusCode::OK, &caller.rate, json!({ "data": site })))
}

/// GET /api/v1/sites/{id}/stats?days=
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}/stats",
    tag = "platform",
    operation_id = "getSiteStats",
    summary = "Get a site's stats",
    description = "Needs the `stats:read` ability.",
    security(("platform_token" = [])),
    params(
        ("id" = i64, Path, description = "Site id", example = 1),
        ("days" = Option<i64>, Query, minimum = 1, maximum = 90, description = "Window in days (default 30)")
    ),
    responses(
        (status = 200, description = "Click counts and fraud rate", body = crate::docs::schemas::StatsOne),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn stats(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &headers, peer, "stats:read")?;
    let rate = caller.rate;
    let run = || -> Result<Response, ApiError> {
        let site = site_of(&state, caller.account.id, &id)?;
        let days = int(&q, "days", 1, 90, 30)?;
        let (total, blocked, flagged) = state.store.click_counts(site.id, now() - days * 86_400)?;
        Ok(ok(
            StatusCode::OK,
            &rate,
            json!({ "data": {
                "site_id": site.id,
                "window_days": days,
                "total_clicks": total,
                "blocked_clicks": blocked,
                "flagged_clicks": flagged,
                "fraud_rate": clickfence::score::fraud_rate(total as u64, blocked as u64),
            }}),
        ))
    };
    run().map_err(|e| e.with_rate(Some(rate)))
}

/// GET /api/v1/sites/{id}/clicks
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}/clicks",
    tag = "platform",
    operation_id = "listClicks",
    summary = "List a site's clicks",
    description = "Needs the `clicks:read` ability.",
    security(("platform_token" = [])),
    params(
        ("id" = i64, Path, description = "Site id", example = 1),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Page size (default 50)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("status" = Option<String>, Query, description = "`valid`, `flagged` or `blocked`"),
        ("classification" = Option<String>, Query, description = "A classification code"),
        ("ip" = Option<String>, Query, description = "An IPv4 or IPv6 address"),
        ("since" = Option<String>, Query, description = "ISO-8601 date or date-time (inclusive)"),
        ("until" = Option<String>, Query, description = "ISO-8601 date (its whole day) or date-time")
    ),
    responses(
        (status = 200, description = "A page of clicks, newest first", body = crate::docs::schemas::ClickPage),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn clicks(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &headers, peer, "clicks:read")?;
    let rate = caller.rate;
    let run = || -> Result<Response, ApiError> {
        let site = site_of(&state, caller.account.id, &id)?;
        let per_page = int(&q, "per_page", 1, 200, 50)?;
        let before = decode_cursor(&q, "clicks")?;
        let status = q.get("status").cloned();
        if let Some(s) = &status {
            if !["valid", "flagged", "blocked"].contains(&s.as_str()) {
                return Err(ApiError::invalid(
                    "status",
                    "The status must be one of valid, flagged, blocked.",
                ));
            }
        }
        if let Some(ip) = q.get("ip") {
            clickfence::ip::parse_ip(ip)
                .map_err(|_| ApiError::invalid("ip", "The ip must be an IPv4 or IPv6 address."))?;
        }
        let filter = ClickFilter {
            status,
            classification: q.get("classification").cloned(),
            ip: q.get("ip").map(|ip| {
                clickfence::ip::parse_ip(ip)
                    .map(|a| a.to_string())
                    .unwrap_or_default()
            }),
            since: q.get("since").map(|s| datetime("since", s)).transpose()?,
            until: q
                .get("until")
                .map(|s| datetime_until("until", s))
                .transpose()?,
        };
        let rows = state.store.clicks(site.id, &filter, before, per_page + 1)?;
        Ok(ok(
            StatusCode::OK,
            &rate,
            page(rows, per_page, "clicks", |c| c.id),
        ))
    };
    run().map_err(|e| e.with_rate(Some(rate)))
}

/// The site `id` if the account can access it; 404 otherwise (also for ids that are not numbers).
pub fn site_of(state: &AppState, account: i64, id: &str) -> Result<crate::storage::Site, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    state
        .store
        .site_for(account, id)?
        .ok_or_else(ApiError::not_found)
}
