//! A site's clicks, newest first, with filters and cursor paging.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use clickfence::score::ClickStatus;
use serde_json::Value;

use super::auth::{ClicksRead, SiteOf};
use super::blocking;
use super::error::ApiError;
use super::params::{
    datetime, datetime_until, decode_cursor, in_range, page, ValidQuery, DEFAULT_PER_PAGE, PER_PAGE,
};
use crate::state::AppState;
use crate::storage::ClickFilter;

/// Filters and paging of `GET .../clicks`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClicksQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only clicks with this status.
    #[param(value_type = Option<crate::docs::schemas::ClickStatusName>)]
    pub status: Option<ClickStatus>,
    /// Only clicks with this classification (a reason code or `clean`).
    pub classification: Option<String>,
    /// Only clicks from this IPv4 or IPv6 address.
    pub ip: Option<String>,
    /// From this ISO-8601 date or date-time (inclusive).
    pub since: Option<String>,
    /// Until this ISO-8601 date-time, or the whole of this date.
    pub until: Option<String>,
}

/// A page of the site's clicks.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}/clicks",
    tag = "platform",
    operation_id = "listClicks",
    summary = "List a site's clicks",
    description = "Needs the `clicks:read` ability.",
    security(("platform_token" = [])),
    params(("id" = i64, Path, description = "Site id", example = 1), ClicksQuery),
    responses(
        (status = 200, description = "A page of clicks, newest first", body = crate::docs::schemas::ClickPage),
        crate::docs::schemas::PlatformErrors
    )
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    access: SiteOf<ClicksRead>,
    ValidQuery(q): ValidQuery<ClicksQuery>,
) -> Result<Json<Value>, ApiError> {
    let per_page = in_range("per_page", q.per_page, PER_PAGE, DEFAULT_PER_PAGE)?;
    let before = decode_cursor(q.cursor.as_deref(), "clicks")?;
    let ip =
        q.ip.as_deref()
            .map(|ip| {
                clickfence::ip::parse_ip(ip)
                    .map(|a| a.to_string())
                    .map_err(|_| ApiError::invalid("ip", "The ip must be an IPv4 or IPv6 address."))
            })
            .transpose()?;
    let filter = ClickFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        classification: q.classification,
        ip,
        since: q.since.map(|s| datetime("since", &s)).transpose()?,
        until: q.until.map(|s| datetime_until("until", &s)).transpose()?,
    };
    let site = access.site.id;
    let rows = blocking(state.store.work(), move || {
        Ok(state.store.clicks(site, &filter, before, per_page + 1)?)
    })
    .await?;
    Ok(Json(page(rows, per_page, "clicks", |c| c.id)))
}
