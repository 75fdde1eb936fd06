//! `GET /api/billing/visitor-count`: distinct visitors over a period.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::analytics::PeriodQuery;
use super::period::int;
use super::{blocking, EdgeQuery, EdgeResult, BILLED_VISITORS};
use crate::state::AppState;

/// Distinct `visitorId`s over the period.
#[utoipa::path(
    get,
    path = "/api/billing/visitor-count",
    tag = "edge",
    operation_id = "visitorCount",
    summary = "Distinct visitors for billing",
    security(("api_secret" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "Distinct visitors", body = crate::docs::schemas::VisitorCount),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn visitor_count(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<PeriodQuery>,
) -> EdgeResult<Json<Value>> {
    let p = q.period()?;
    let (shop, start, end) = (p.shop.clone(), p.start_text(), p.end_text());
    let rows = blocking(move || {
        Ok(state.store.query_rows(
            &format!("SELECT {BILLED_VISITORS} FROM pixel_events WHERE shop = ?1 AND day BETWEEN ?2 AND ?3"),
            &[&shop, &start, &end],
        )?)
    })
    .await?;
    let count = rows.first().map_or(0, |r| int(&r[0]));
    Ok(Json(json!({ "count": count, "period": p.json() })))
}
