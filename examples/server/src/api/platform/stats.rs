//! A site's click counts and fraud rate over recent days.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::auth::{SiteOf, StatsRead};
use super::blocking;
use super::error::ApiError;
use super::params::{in_range, ValidQuery};
use crate::state::{now, AppState};

/// The window of `GET .../stats`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Days counted back from now, 1–90 (default 30).
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<i64>,
}

/// Clicks of the last `days` × 24 h; `fraud_rate` is the core's.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}/stats",
    tag = "platform",
    operation_id = "getSiteStats",
    summary = "Get a site's stats",
    description = "Needs the `stats:read` ability.",
    security(("platform_token" = [])),
    params(("id" = i64, Path, description = "Site id", example = 1), StatsQuery),
    responses(
        (status = 200, description = "Click counts and fraud rate", body = crate::docs::schemas::StatsOne),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn stats(
    State(state): State<Arc<AppState>>,
    access: SiteOf<StatsRead>,
    ValidQuery(q): ValidQuery<StatsQuery>,
) -> Result<Json<Value>, ApiError> {
    let days = in_range("days", q.days, (1, 90), 30)?;
    let site = access.site.id;
    let stats = blocking(state.store.work(), move || {
        Ok(SiteStats::of(&state.store, site, days, now())?)
    })
    .await?;
    Ok(Json(json!({ "data": {
        "site_id": site,
        "window_days": days,
        "total_clicks": stats.total,
        "blocked_clicks": stats.blocked,
        "flagged_clicks": stats.flagged,
        "givt_clicks": stats.givt,
        "sivt_clicks": stats.sivt,
        "fraud_rate": stats.fraud_rate,
    }})))
}

/// A site's clicks over the last `days` × 24 h, as the stats endpoint and
/// the dashboard show them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteStats {
    /// Every click.
    pub total: i64,
    /// Clicks let through unflagged.
    pub valid: i64,
    /// Flagged clicks.
    pub flagged: i64,
    /// Blocked clicks.
    pub blocked: i64,
    /// General invalid traffic: declared crawlers, libraries (not fraud).
    pub givt: i64,
    /// Sophisticated invalid traffic (fraud).
    pub sivt: i64,
    /// The core's fraud rate: blocked `sivt` clicks, in percent of all
    /// (a declared crawler refused is not fraud).
    pub fraud_rate: f64,
}

impl SiteStats {
    /// The counts of `site` over the `days` before `now`.
    pub fn of(
        store: &crate::storage::Store,
        site: i64,
        days: i64,
        now: i64,
    ) -> crate::storage::StoreResult<Self> {
        let c = store.click_counts(site, now - days * 86_400)?;
        Ok(Self {
            total: c.total,
            valid: c.total - c.blocked - c.flagged,
            flagged: c.flagged,
            blocked: c.blocked,
            givt: c.givt,
            sivt: c.sivt,
            fraud_rate: clickfence::score::fraud_rate(
                c.total.max(0) as u64,
                c.blocked_sivt.max(0) as u64,
            ),
        })
    }
}
