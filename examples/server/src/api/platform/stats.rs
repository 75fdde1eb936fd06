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
    let (total, blocked, flagged) =
        blocking(move || Ok(state.store.click_counts(site, now() - days * 86_400)?)).await?;
    Ok(Json(json!({ "data": {
        "site_id": site,
        "window_days": days,
        "total_clicks": total,
        "blocked_clicks": blocked,
        "flagged_clicks": flagged,
        "fraud_rate": clickfence::score::fraud_rate(total as u64, blocked as u64),
    }})))
}
