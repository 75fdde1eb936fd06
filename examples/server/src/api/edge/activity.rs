//! The three activity feeds: bot, spy and IP blocking events, newest first.

use std::sync::Arc;

use crate::storage::db::Value as Sql;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use super::period::{int, limit, text};
use super::{blocking, EdgeError, EdgeQuery, EdgeResult};
use crate::state::AppState;

/// `?shop=&limit=&offset=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The shop domain.
    #[param(required = true, value_type = String, example = "mystore.myshopify.com")]
    pub shop: Option<String>,
    /// At most this many, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Entries to skip.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// One feed: events of `kind`, ids prefixed `prefix_`, with `fields` taken
/// from each event's payload (`country` from the stored column).
async fn feed(
    state: Arc<AppState>,
    q: FeedQuery,
    kind: &'static str,
    prefix: &'static str,
    fields: &'static [&'static str],
) -> EdgeResult<Json<Value>> {
    let shop = super::shop(q.shop)?;
    let n = limit(q.limit, 50)?;
    let offset = match q.offset {
        None => 0,
        Some(o) if o >= 0 => o,
        Some(_) => return Err(EdgeError::invalid("offset must be a non-negative integer")),
    };
    let (total, rows) = blocking(move || {
        let total = state.store.query_rows(
            "SELECT COUNT(*) FROM pixel_events WHERE shop = ?1 AND type = ?2",
            &[&shop, &kind],
        )?;
        let rows = state.store.query_rows(
            "SELECT id, ip, page, country, payload, created_at_ms FROM pixel_events WHERE shop = ?1 AND type = ?2 ORDER BY id DESC LIMIT ?3 OFFSET ?4",
            &[&shop, &kind, &n, &offset],
        )?;
        Ok((total, rows))
    })
    .await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|r| entry(r.as_slice(), prefix, fields))
        .collect();
    let total = total.first().map_or(0, |r| int(&r[0]));
    Ok(Json(
        json!({ "data": data, "total": total, "limit": n, "offset": offset }),
    ))
}

fn entry(r: &[Sql], prefix: &str, fields: &[&str]) -> Value {
    let payload: Value = match &r[4] {
        Sql::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let mut o = Map::new();
    o.insert("id".into(), json!(format!("{prefix}_{}", int(&r[0]))));
    for f in fields {
        let v = match *f {
            "country" => text(&r[3]),
            other => payload.get(other).cloned().unwrap_or(Value::Null),
        };
        o.insert((*f).into(), v);
    }
    o.insert("ip".into(), text(&r[1]));
    o.insert("page".into(), text(&r[2]));
    o.insert("createdAt".into(), json!(int(&r[5])));
    Value::Object(o)
}

/// Bot detections.
#[utoipa::path(
    get,
    path = "/api/bot-activity",
    tag = "edge",
    operation_id = "botActivity",
    summary = "Bot activity feed",
    security(("api_secret" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "Newest first", body = crate::docs::schemas::Activity),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn bot_activity(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<FeedQuery>,
) -> EdgeResult<Json<Value>> {
    feed(
        state,
        q,
        "bot_detection",
        "bot",
        &["signalType", "confidence"],
    )
    .await
}

/// Spy tool detections.
#[utoipa::path(
    get,
    path = "/api/spy-activity",
    tag = "edge",
    operation_id = "spyActivity",
    summary = "Spy activity feed",
    security(("api_secret" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "Newest first", body = crate::docs::schemas::Activity),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn spy_activity(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<FeedQuery>,
) -> EdgeResult<Json<Value>> {
    feed(
        state,
        q,
        "spy_detection",
        "spy",
        &["toolName", "detectionMethod"],
    )
    .await
}

/// Refused visits and `ip_blocking` pixels.
#[utoipa::path(
    get,
    path = "/api/ip-blocking-activity",
    tag = "edge",
    operation_id = "ipBlockingActivity",
    summary = "IP blocking activity feed",
    security(("api_secret" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "Newest first", body = crate::docs::schemas::Activity),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn ip_blocking_activity(
    State(state): State<Arc<AppState>>,
    EdgeQuery(q): EdgeQuery<FeedQuery>,
) -> EdgeResult<Json<Value>> {
    feed(state, q, "ip_blocking", "ipb", &["country", "reason"]).await
}
