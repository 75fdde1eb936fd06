//! Analytics over a shop's pixel events: totals, a metric per day, and the
//! top threat sources.

use std::collections::HashMap;
use std::sync::Arc;

use crate::storage::db::Value as Sql;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::period::{int, limit, text, Period};
use super::{blocking, EdgeError, EdgeQuery, EdgeResult, BILLED_VISITORS};
use crate::state::AppState;

/// Trend metrics and the events each counts.
pub const METRICS: [(&str, &str); 6] = [
    ("sessions", "type = 'session_init'"),
    ("unique_visitors", ""),
    ("protection_events", "type = 'basic_security'"),
    ("bot_events", "type = 'bot_detection'"),
    ("spy_events", "type = 'spy_detection'"),
    ("ip_blocking_events", "type = 'ip_blocking'"),
];

const THREATS: &str = "type IN ('bot_detection', 'spy_detection', 'ip_blocking')";

/// `?shop=&start=&end=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The shop domain.
    #[param(required = true, value_type = String, example = "mystore.myshopify.com")]
    pub shop: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-01")]
    pub start: Option<String>,
    /// Last day, `YYYY-MM-DD`, at most 366 days after `start`.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-30")]
    pub end: Option<String>,
}

impl PeriodQuery {
    /// The checked period.
    pub fn period(self) -> EdgeResult<Period> {
        Period::read(self.shop, self.start.as_deref(), self.end.as_deref())
    }
}

/// `?shop=&start=&end=&metric=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// The shop domain.
    #[param(required = true, value_type = String, example = "mystore.myshopify.com")]
    pub shop: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-01")]
    pub start: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-30")]
    pub end: Option<String>,
    /// `sessions`, `unique_visitors`, `protection_events`, `bot_events`
    /// (default), `spy_events` or `ip_blocking_events`.
    pub metric: Option<String>,
}

/// `?shop=&start=&end=&limit=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopQuery {
    /// The shop domain.
    #[param(required = true, value_type = String, example = "mystore.myshopify.com")]
    pub shop: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-01")]
    pub start: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-30")]
    pub end: Option<String>,
    /// At most this many, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Totals of every metric over the period.
#[utoipa::path(
    get,
    path = "/api/analytics/summary",
    tag = "edge",
    operation_id = "analyticsSummary",
    summary = "Analytics totals",
    security(("api_secret" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "Totals", body = crate::docs::schemas::Summary),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn summary(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<PeriodQuery>,
) -> EdgeResult<Json<Value>> {
    let p = q.period()?;
    let (shop, start, end) = (p.shop.clone(), p.start_text(), p.end_text());
    let rows = blocking(move || {
        Ok(state.store.query_rows(
            &format!("SELECT COALESCE(SUM(CASE WHEN type = 'session_init' THEN 1 ELSE 0 END), 0), {BILLED_VISITORS}, COALESCE(SUM(CASE WHEN type = 'basic_security' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN type = 'bot_detection' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN type = 'spy_detection' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN type = 'ip_blocking' THEN 1 ELSE 0 END), 0)
             FROM pixel_events WHERE shop = ?1 AND day BETWEEN ?2 AND ?3"),
            &[&shop, &start, &end],
        )?)
    })
    .await?;
    let r = rows
        .first()
        .ok_or_else(|| EdgeError::internal("no totals row"))?;
    Ok(Json(json!({
        "totals": { "sessions": int(&r[0]), "uniqueVisitors": int(&r[1]), "protectionEvents": int(&r[2]),
                    "botEvents": int(&r[3]), "spyEvents": int(&r[4]), "ipBlockingEvents": int(&r[5]) },
        "period": p.json(),
    })))
}

/// One metric per day of the period, zeros included.
#[utoipa::path(
    get,
    path = "/api/analytics/trend",
    tag = "edge",
    operation_id = "analyticsTrend",
    summary = "A metric per day",
    security(("api_secret" = [])),
    params(TrendQuery),
    responses(
        (status = 200, description = "One point per day", body = crate::docs::schemas::Trend),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn trend(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<TrendQuery>,
) -> EdgeResult<Json<Value>> {
    let metric = q.metric.unwrap_or_else(|| "bot_events".to_owned());
    let p = Period::read(q.shop, q.start.as_deref(), q.end.as_deref())?;
    let Some((_, filter)) = METRICS.iter().find(|(m, _)| *m == metric) else {
        return Err(EdgeError::invalid(format!(
            "metric must be one of {}",
            METRICS.map(|(m, _)| m).join(", ")
        )));
    };
    let value = if metric == "unique_visitors" {
        BILLED_VISITORS.to_owned()
    } else {
        format!("COALESCE(SUM(CASE WHEN {filter} THEN 1 ELSE 0 END), 0)")
    };
    let (shop, start, end) = (p.shop.clone(), p.start_text(), p.end_text());
    let rows = blocking(move || {
        Ok(state.store.query_rows(
            &format!("SELECT day, {value} FROM pixel_events WHERE shop = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY day"),
            &[&shop, &start, &end],
        )?)
    })
    .await?;
    let by_day: HashMap<String, i64> = rows
        .iter()
        .filter_map(|r| match &r[0] {
            Sql::Text(d) => Some((d.clone(), int(&r[1]))),
            _ => None,
        })
        .collect();
    let mut data = Vec::new();
    let mut day = p.start;
    loop {
        let key = day.to_string();
        data.push(json!({ "date": key, "value": by_day.get(&key).copied().unwrap_or(0) }));
        match day.next_day() {
            Some(next) if next <= p.end => day = next,
            _ => break,
        }
    }
    Ok(Json(json!({ "data": data, "metric": metric })))
}

/// The `limit` most frequent values of `column` among threat events.
async fn top(state: Arc<AppState>, q: TopQuery, column: &'static str) -> EdgeResult<Json<Value>> {
    let n = limit(q.limit, 10)?;
    let p = Period::read(q.shop, q.start.as_deref(), q.end.as_deref())?;
    let extra = if column == "ip" {
        ", (SELECT country FROM pixel_events c WHERE c.shop = ?1 AND c.ip = e.ip AND c.country IS NOT NULL ORDER BY c.id DESC LIMIT 1)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {column}, COUNT(*) AS n{extra} FROM pixel_events e WHERE shop = ?1 AND day BETWEEN ?2 AND ?3 AND {THREATS}
         AND {column} IS NOT NULL GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?4"
    );
    let (shop, start, end) = (p.shop, p.start.to_string(), p.end.to_string());
    let rows =
        blocking(move || Ok(state.store.query_rows(&sql, &[&shop, &start, &end, &n])?)).await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut o = json!({ column: text(&r[0]), "count": int(&r[1]) });
            if column == "ip" {
                o["country"] = text(&r[2]);
            }
            o
        })
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// The addresses with the most threat events.
#[utoipa::path(
    get,
    path = "/api/analytics/top-ips",
    tag = "edge",
    operation_id = "analyticsTopIps",
    summary = "Top threat addresses",
    security(("api_secret" = [])),
    params(TopQuery),
    responses(
        (status = 200, description = "Top addresses", body = crate::docs::schemas::TopIps),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn top_ips(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<TopQuery>,
) -> EdgeResult<Json<Value>> {
    top(state, q, "ip").await
}

/// The pages with the most threat events.
#[utoipa::path(
    get,
    path = "/api/analytics/top-pages",
    tag = "edge",
    operation_id = "analyticsTopPages",
    summary = "Top targeted pages",
    security(("api_secret" = [])),
    params(TopQuery),
    responses(
        (status = 200, description = "Top pages", body = crate::docs::schemas::TopPages),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn top_pages(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<TopQuery>,
) -> EdgeResult<Json<Value>> {
    top(state, q, "page").await
}

/// The countries with the most threat events.
#[utoipa::path(
    get,
    path = "/api/analytics/top-countries",
    tag = "edge",
    operation_id = "analyticsTopCountries",
    summary = "Top threat countries",
    security(("api_secret" = [])),
    params(TopQuery),
    responses(
        (status = 200, description = "Top countries", body = crate::docs::schemas::TopCountries),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn top_countries(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<TopQuery>,
) -> EdgeResult<Json<Value>> {
    top(state, q, "country").await
}
