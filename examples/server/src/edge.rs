//! The edge API (`edge-api.txt`): pixel ingestion, heartbeat, IP access
//! checks and config sync, analytics, activity feeds, billing and protection
//! config. Errors use this API's own shape `{"error": true, "message", "code"}`.
//!
//! Counting rules (all by the server's receive time, UTC days, `start` and
//! `end` inclusive): `sessions` = `session_init` events; `uniqueVisitors` =
//! distinct `visitorId` over all events; `protectionEvents` = `basic_security`;
//! `botEvents` = `bot_detection`; `spyEvents` = `spy_detection`;
//! `ipBlockingEvents` = `ip_blocking` (pixels, plus visits refused by
//! check-ip-access). Top IPs / pages / countries rank *threat events*:
//! `bot_detection`, `spy_detection` and `ip_blocking`.

// Early-return helpers carry a ready Response on their (cold) error path.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::types::Value as Sql;
use serde_json::{json, Map, Value};

use crate::state::{now, AppState};

/// Largest accepted pixel body.
pub const MAX_PIXEL_BYTES: usize = 64 * 1024;

/// The seven pixel types and their required fields.
pub const PIXEL_TYPES: [(&str, &[&str]); 7] = [
    ("session_init", &["fingerprint", "deviceInfo"]),
    ("basic_security", &["event"]),
    ("bot_detection", &["signalType", "confidence", "details"]),
    ("spy_detection", &["toolName", "detectionMethod"]),
    ("ip_blocking", &["reason"]),
    ("behavior_analytics", &["signalType", "data"]),
    ("checkout_session", &["cartValue", "itemCount"]),
];

/// Trend metrics.
pub const METRICS: [(&str, &str); 6] = [
    ("sessions", "type = 'session_init'"),
    ("unique_visitors", ""),
    ("protection_events", "type = 'basic_security'"),
    ("bot_events", "type = 'bot_detection'"),
    ("spy_events", "type = 'spy_detection'"),
    ("ip_blocking_events", "type = 'ip_blocking'"),
];

const THREATS: &str = "type IN ('bot_detection', 'spy_detection', 'ip_blocking')";

/// An edge API error.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": true, "message": message.into(), "code": code })),
    )
        .into_response()
}

fn invalid(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "edge API failure");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "Server error",
    )
}

/// The visitor's address and CF-IPCountry: the country is believed only
/// when Cloudflare vouched for the address (see the core's `client_ip`).
fn visitor(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> (std::net::IpAddr, Option<String>) {
    let (ip, source) = state.client(peer.ip(), headers);
    let hint = (source == clickfence::ip::ClientIpSource::CfConnectingIp)
        .then(|| headers.get("cf-ipcountry"))
        .flatten();
    let country = hint
        .and_then(|v| v.to_str().ok())
        .filter(|c| c.parse::<clickfence::ip::CountryCode>().is_ok())
        .map(str::to_uppercase);
    if hint.is_some() && country.is_none() {
        // Cloudflare never sends this: a proxy in front is misconfigured.
        // Read as unknown (the README's rule: never an error a caller could
        // fail open on), and said once per request so an operator sees it.
        tracing::warn!(hint = ?hint, %ip, "country_hint_ignored: malformed CF-IPCountry read as unknown");
    }
    (ip, country)
}

fn day_of(ms: i64) -> String {
    crate::storage::rfc3339(ms / 1000)[..10].to_owned()
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(invalid("body must be a JSON object")),
    }
}

fn shop_of(m: &Map<String, Value>) -> Result<String, Response> {
    match m.get("shop") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 255 => Ok(s.clone()),
        _ => Err(invalid("shop is required (a shop domain)")),
    }
}

/// POST /api/pixels
#[utoipa::path(
    post,
    path = "/api/pixels",
    tag = "edge",
    operation_id = "ingestPixel",
    summary = "Ingest a pixel event",
    description = "Public; CORS.",
    request_body(content = crate::docs::schemas::PixelEvent, content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = crate::docs::schemas::Success),
        (status = 400, description = "Invalid event", body = crate::docs::schemas::EdgeError),
        (status = 413, description = "Body over 64 KiB", body = crate::docs::schemas::EdgeError),
        (status = 429, description = "Too many events from this visitor (Retry-After)", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn pixels(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > MAX_PIXEL_BYTES {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "INVALID_REQUEST",
            format!("body is larger than {MAX_PIXEL_BYTES} bytes"),
        );
    }
    let m = match object(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let shop = match shop_of(&m) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let kind = m.get("type").and_then(Value::as_str).unwrap_or("");
    let Some((_, required)) = PIXEL_TYPES.iter().find(|(t, _)| *t == kind) else {
        return invalid(format!(
            "type must be one of {}",
            PIXEL_TYPES.map(|(t, _)| t).join(", ")
        ));
    };
    for field in *required {
        if m.get(*field).is_none_or(Value::is_null) {
            return invalid(format!("{field} is required for {kind} events"));
        }
    }
    for field in ["sessionId", "visitorId", "page", "userAgent"] {
        if m.get(field).is_some_and(|v| !v.is_string() && !v.is_null()) {
            return invalid(format!("{field} must be a string"));
        }
    }
    if kind == "bot_detection"
        && !m
            .get("confidence")
            .and_then(Value::as_f64)
            .is_some_and(|c| (0.0..=100.0).contains(&c))
    {
        return invalid("confidence must be a number from 0 to 100");
    }
    let (ip, country) = visitor(&state, peer, &headers);
    let now_ms = now() * 1000;
    match state
        .pixel_limiter
        .check(format!("{shop}|{ip}"), (now_ms / 1000) as u64)
    {
        Ok(d) if d.allowed => {}
        Ok(d) => {
            state.metrics.refused("pixels");
            let mut refused = error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "Too many events from this visitor",
            );
            let wait = d.retry_after.unwrap_or(1).max(1).to_string();
            if let Ok(v) = axum::http::HeaderValue::from_str(&wait) {
                refused
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            return refused;
        }
        Err(e) => return internal(e),
    }
    let s = |f: &str| m.get(f).and_then(Value::as_str);
    match state.store.insert_pixel(
        &shop,
        kind,
        s("sessionId"),
        s("visitorId"),
        Some(&ip.to_string()),
        country.as_deref(),
        s("page"),
        &Value::Object(m.clone()).to_string(),
        now_ms,
        &day_of(now_ms),
    ) {
        Ok(_) => Json(json!({ "success": true })).into_response(),
        Err(e) => internal(e),
    }
}

/// POST /api/heartbeat
#[utoipa::path(
    post,
    path = "/api/heartbeat",
    tag = "edge",
    operation_id = "heartbeat",
    summary = "Send the protection configuration",
    description = "Public; CORS.",
    request_body(content = Heartbeat, content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = crate::docs::schemas::Success),
        (status = 400, description = "Invalid body: every switch must be a JSON boolean", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn heartbeat(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let beat: Heartbeat = match typed(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if beat.shop.is_empty() || beat.shop.len() > 255 {
        return invalid("shop is required (a shop domain)");
    }
    if beat.protections.len() > MAX_SWITCHES || beat.bot_detection.len() > MAX_SWITCHES {
        return invalid(format!("at most {MAX_SWITCHES} switches per group"));
    }
    let config = json!({
        "protections": beat.protections,
        "botDetection": beat.bot_detection,
        "spyDetection": beat.spy_detection,
        "ipBlocking": beat.ip_blocking,
    });
    match state
        .store
        .save_protection(&beat.shop, &config.to_string(), now())
    {
        Ok(()) => Json(json!({ "success": true })).into_response(),
        Err(e) => internal(e),
    }
}

/// Most switches accepted in `protections` or `botDetection`.
const MAX_SWITCHES: usize = 64;

/// A heartbeat body: every switch a JSON boolean, so `"rightClick": "yes"`
/// or `"spyDetection": "true"` is refused rather than stored or read as off.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// The shop domain.
    pub shop: String,
    /// Storefront protections: switch → on (`rightClick`, `copy`, ...).
    pub protections: std::collections::BTreeMap<String, bool>,
    /// Bot detection switches (`enabled`, `honeypot`, `trapLinks`).
    #[serde(default)]
    pub bot_detection: std::collections::BTreeMap<String, bool>,
    /// Spy detection on.
    #[serde(default)]
    pub spy_detection: bool,
    /// IP blocking on.
    #[serde(default)]
    pub ip_blocking: bool,
    /// The theme extension's version (accepted, not stored).
    #[serde(default)]
    pub version: Option<String>,
    /// Unix milliseconds at the storefront (accepted, not stored).
    #[serde(default)]
    pub timestamp: Option<i64>,
}

/// A typed body, or a 400 naming the field that was wrong.
fn typed<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "." => invalid(format!("body: {}", e.into_inner())),
            _ => invalid(format!("{path}: {}", e.into_inner())),
        }
    })?;
    de.end()
        .map_err(|e| invalid(format!("body: {e}")))
        .map(|()| value)
}

/// GET /api/check-ip-access?shop=
#[utoipa::path(
    get,
    path = "/api/check-ip-access",
    tag = "edge",
    operation_id = "checkIpAccess",
    summary = "Check a visitor's IP access",
    description = "Public; CORS. The visitor is the client address (CF-Connecting-IP / CF-IPCountry believed only from Cloudflare).",
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("page" = Option<String>, Query, description = "The page visited, recorded with refusals"),
    ),
    responses(
        (status = 200, description = "The decision", body = crate::docs::schemas::AccessAnswer),
        (status = 400, description = "shop missing", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn check_ip_access(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(shop) = q.get("shop").filter(|s| !s.is_empty()) else {
        return invalid("shop is required");
    };
    let Some(policy) = state.policy(shop) else {
        return Json(json!({ "allowed": true })).into_response();
    };
    let (ip, country) = visitor(&state, peer, &headers);
    let hint = country.as_deref().and_then(|c| c.parse().ok());
    let decision = match policy.check(ip, hint, now() as u64) {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    // Refusals are recorded at a bounded rate per shop and client (the IPv6
    // /64), so a client calling this in a loop cannot fill the disk; the
    // answer itself is unaffected.
    let record = !decision.allowed
        && state
            .refusal_log
            .check(
                format!("{shop}|{}", clickfence::ip::Granularity::CLIENT.label(ip)),
                now() as u64,
            )
            .is_ok_and(|d| d.allowed);
    if record {
        let now_ms = now() * 1000;
        let reason = decision.reason.map(|r| r.as_str()).unwrap_or("");
        let c = decision.country.map(|c| c.to_string());
        let payload = json!({ "type": "ip_blocking", "shop": shop, "reason": reason, "country": c, "page": q.get("page") });
        if let Err(e) = state.store.insert_pixel(
            shop,
            "ip_blocking",
            None,
            None,
            Some(&ip.to_string()),
            c.as_deref(),
            q.get("page").map(String::as_str),
            &payload.to_string(),
            now_ms,
            &day_of(now_ms),
        ) {
            return internal(e);
        }
    }
    Json(decision).into_response()
}

/// Route layer of sync-ip-blocking-config, analytics, feeds and billing:
/// `Authorization: Bearer <API_SECRET>`, compared in constant time.
pub async fn require_api_secret(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let given = crate::bearer(request.headers()).unwrap_or("");
    if state
        .config
        .api_secret
        .as_deref()
        .is_some_and(|s| crate::secret_eq(given, s))
    {
        next.run(request).await
    } else {
        error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Missing or invalid authorization",
        )
    }
}

/// POST /api/sync-ip-blocking-config — validates the whole config, then swaps
#[utoipa::path(
    post,
    path = "/api/sync-ip-blocking-config",
    tag = "edge",
    operation_id = "syncIpBlockingConfig",
    summary = "Sync a shop's IP blocking config",
    security(("api_secret" = [])),
    request_body(content = crate::docs::schemas::SyncBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved and in force", body = crate::docs::schemas::Success),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
/// the shop's compiled policy at once; a bad config changes nothing.
pub async fn sync_config(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let m = match object(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let shop = match shop_of(&m) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(config) = m.get("config").filter(|c| c.is_object()) else {
        return invalid("config must be an object");
    };
    let text = config.to_string();
    let policy = match state.compile_policy(&text) {
        Ok(p) => p,
        Err(e) => {
            return invalid(format!(
                "config.{}",
                e.to_string()
                    .trim_start_matches("invalid IP blocking config at ")
            ))
        }
    };
    if let Err(e) = state.store.save_shop_policy(&shop, &text, now()) {
        return internal(e);
    }
    state
        .policies
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(shop, Arc::new(policy));
    Json(json!({ "success": true })).into_response()
}

/// A validated `shop`, `start`, `end` (inclusive days).
struct Period {
    shop: String,
    start: String,
    end: String,
}

fn period(q: &HashMap<String, String>) -> Result<Period, Response> {
    let shop = q
        .get("shop")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("shop is required"))?
        .clone();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let date = |name: &str| -> Result<time::Date, Response> {
        let text = q
            .get(name)
            .ok_or_else(|| invalid(format!("{name} is required (YYYY-MM-DD)")))?;
        time::Date::parse(text, fmt)
            .map_err(|_| invalid(format!("{name} must be a date YYYY-MM-DD")))
    };
    let (s, e) = (date("start")?, date("end")?);
    if s > e {
        return Err(invalid("start must not be after end"));
    }
    if (e - s).whole_days() > 366 {
        return Err(invalid("the period may span at most 366 days"));
    }
    Ok(Period {
        shop,
        start: s.to_string(),
        end: e.to_string(),
    })
}

fn limit(q: &HashMap<String, String>, default: i64) -> Result<i64, Response> {
    match q.get("limit") {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| invalid("limit must be an integer from 1 to 100")),
    }
}

fn int(v: &Sql) -> i64 {
    match v {
        Sql::Integer(i) => *i,
        _ => 0,
    }
}

fn text(v: &Sql) -> Value {
    match v {
        Sql::Text(s) => Value::String(s.clone()),
        _ => Value::Null,
    }
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

/// GET /api/analytics/summary
#[utoipa::path(
    get,
    path = "/api/analytics/summary",
    tag = "edge",
    operation_id = "analyticsSummary",
    summary = "Analytics totals",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("start" = String, Query, format = Date, description = "First day, YYYY-MM-DD", example = "2026-11-01"),
        ("end" = String, Query, format = Date, description = "Last day, YYYY-MM-DD (at most 366 days after start)", example = "2026-11-30"),
    ),
    responses(
        (status = 200, description = "Totals", body = crate::docs::schemas::Summary),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn summary(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = tri!(period(&q));
    let rows = tri!(state.store.query_rows(
        "SELECT COALESCE(SUM(type = 'session_init'), 0), COUNT(DISTINCT visitor_id), COALESCE(SUM(type = 'basic_security'), 0),
                COALESCE(SUM(type = 'bot_detection'), 0), COALESCE(SUM(type = 'spy_detection'), 0), COALESCE(SUM(type = 'ip_blocking'), 0)
         FROM pixel_events WHERE shop = ?1 AND day BETWEEN ?2 AND ?3",
        &[&p.shop, &p.start, &p.end],
    ).map_err(internal));
    let r = &rows[0];
    Json(json!({
        "totals": { "sessions": int(&r[0]), "uniqueVisitors": int(&r[1]), "protectionEvents": int(&r[2]),
                    "botEvents": int(&r[3]), "spyEvents": int(&r[4]), "ipBlockingEvents": int(&r[5]) },
        "period": { "start": p.start, "end": p.end },
    }))
    .into_response()
}

/// GET /api/analytics/trend — every day of the period, zeros included.
#[utoipa::path(
    get,
    path = "/api/analytics/trend",
    tag = "edge",
    operation_id = "analyticsTrend",
    summary = "A metric per day",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("start" = String, Query, format = Date, description = "First day, YYYY-MM-DD", example = "2026-11-01"),
        ("end" = String, Query, format = Date, description = "Last day, YYYY-MM-DD (at most 366 days after start)", example = "2026-11-30"),
        ("metric" = Option<String>, Query, description = "sessions, unique_visitors, protection_events, bot_events (default), spy_events or ip_blocking_events"),
    ),
    responses(
        (status = 200, description = "One point per day", body = crate::docs::schemas::Trend),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn trend(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = tri!(period(&q));
    let metric = q.get("metric").map(String::as_str).unwrap_or("bot_events");
    let Some((_, filter)) = METRICS.iter().find(|(m, _)| *m == metric) else {
        return invalid(format!(
            "metric must be one of {}",
            METRICS.map(|(m, _)| m).join(", ")
        ));
    };
    let value = if metric == "unique_visitors" {
        "COUNT(DISTINCT visitor_id)".to_owned()
    } else {
        format!("COALESCE(SUM({filter}), 0)")
    };
    let rows = tri!(state
        .store
        .query_rows(&format!("SELECT day, {value} FROM pixel_events WHERE shop = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY day"), &[&p.shop, &p.start, &p.end])
        .map_err(internal));
    let by_day: HashMap<String, i64> = rows
        .iter()
        .filter_map(|r| match &r[0] {
            Sql::Text(d) => Some((d.clone(), int(&r[1]))),
            _ => None,
        })
        .collect();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let (Ok(mut day), Ok(end)) = (
        time::Date::parse(&p.start, fmt),
        time::Date::parse(&p.end, fmt),
    ) else {
        return invalid("bad dates");
    };
    let mut data = Vec::new();
    loop {
        let key = day.to_string();
        data.push(json!({ "date": key, "value": by_day.get(&key).copied().unwrap_or(0) }));
        match day.next_day() {
            Some(next) if next <= end => day = next,
            _ => break,
        }
    }
    Json(json!({ "data": data, "metric": metric })).into_response()
}

async fn top(state: Arc<AppState>, q: HashMap<String, String>, column: &str) -> Response {
    let p = tri!(period(&q));
    let n = tri!(limit(&q, 10));
    let extra = if column == "ip" {
        ", (SELECT country FROM pixel_events c WHERE c.shop = e.shop AND c.ip = e.ip AND c.country IS NOT NULL ORDER BY c.id DESC LIMIT 1)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {column}, COUNT(*) AS n{extra} FROM pixel_events e WHERE shop = ?1 AND day BETWEEN ?2 AND ?3 AND {THREATS}
         AND {column} IS NOT NULL GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?4"
    );
    let rows = tri!(state
        .store
        .query_rows(&sql, &[&p.shop, &p.start, &p.end, &n])
        .map_err(internal));
    let key = if column == "ip" { "ip" } else { column };
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut o = json!({ key: text(&r[0]), "count": int(&r[1]) });
            if column == "ip" {
                o["country"] = text(&r[2]);
            }
            o
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}

/// GET /api/analytics/top-ips
#[utoipa::path(
    get,
    path = "/api/analytics/top-ips",
    tag = "edge",
    operation_id = "analyticsTopIps",
    summary = "Top threat addresses",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("start" = String, Query, format = Date, description = "First day, YYYY-MM-DD", example = "2026-11-01"),
        ("end" = String, Query, format = Date, description = "Last day, YYYY-MM-DD (at most 366 days after start)", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "At most this many (default 10)"),
    ),
    responses(
        (status = 200, description = "Top addresses", body = crate::docs::schemas::TopIps),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn top_ips(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    top(state, q, "ip").await
}

/// GET /api/analytics/top-pages
#[utoipa::path(
    get,
    path = "/api/analytics/top-pages",
    tag = "edge",
    operation_id = "analyticsTopPages",
    summary = "Top targeted pages",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("start" = String, Query, format = Date, description = "First day, YYYY-MM-DD", example = "2026-11-01"),
        ("end" = String, Query, format = Date, description = "Last day, YYYY-MM-DD (at most 366 days after start)", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "At most this many (default 10)"),
    ),
    responses(
        (status = 200, description = "Top pages", body = crate::docs::schemas::TopPages),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn top_pages(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    top(state, q, "page").await
}

/// GET /api/analytics/top-countries
#[utoipa::path(
    get,
    path = "/api/analytics/top-countries",
    tag = "edge",
    operation_id = "analyticsTopCountries",
    summary = "Top threat countries",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("start" = String, Query, format = Date, description = "First day, YYYY-MM-DD", example = "2026-11-01"),
        ("end" = String, Query, format = Date, description = "Last day, YYYY-MM-DD (at most 366 days after start)", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "At most this many (default 10)"),
    ),
    responses(
        (status = 200, description = "Top countries", body = crate::docs::schemas::TopCountries),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn top_countries(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    top(state, q, "country").await
}

async fn feed(
    state: Arc<AppState>,
    q: HashMap<String, String>,
    kind: &str,
    prefix: &str,
    fields: &[&str],
) -> Response {
    let Some(shop) = q.get("shop").filter(|s| !s.is_empty()) else {
        return invalid("shop is required");
    };
    let n = tri!(limit(&q, 50));
    let offset = match q.get("offset").map(|v| v.parse::<i64>()) {
        None => 0,
        Some(Ok(o)) if o >= 0 => o,
        _ => return invalid("offset must be a non-negative integer"),
    };
    let total = tri!(state
        .store
        .query_rows(
            "SELECT COUNT(*) FROM pixel_events WHERE shop = ?1 AND type = ?2",
            &[shop, &kind]
        )
        .map_err(internal));
    let rows = tri!(state
        .store
        .query_rows("SELECT id, ip, page, country, payload, created_at_ms FROM pixel_events WHERE shop = ?1 AND type = ?2 ORDER BY id DESC LIMIT ?3 OFFSET ?4", &[shop, &kind, &n, &offset])
        .map_err(internal));
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
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
        })
        .collect();
    Json(json!({ "data": data, "total": int(&total[0][0]), "limit": n, "offset": offset }))
        .into_response()
}

/// GET /api/bot-activity
#[utoipa::path(
    get,
    path = "/api/bot-activity",
    tag = "edge",
    operation_id = "botActivity",
    summary = "Bot activity feed",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "At most this many (default 50)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Entries to skip"),
    ),
    responses(
        (status = 200, description = "Newest first", body = crate::docs::schemas::Activity),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn bot_activity(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    feed(
        state,
        q,
        "bot_detection",
        "bot",
        &["signalType", "confidence"],
    )
    .await
}

/// GET /api/spy-activity
#[utoipa::path(
    get,
    path = "/api/spy-activity",
    tag = "edge",
    operation_id = "spyActivity",
    summary = "Spy activity feed",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "At most this many (default 50)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Entries to skip"),
    ),
    responses(
        (status = 200, description = "Newest first", body = crate::docs::schemas::Activity),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn spy_activity(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    feed(
        state,
        q,
        "spy_detection",
        "spy",
        &["toolName", "detectionMethod"],
    )
    .await
}

/// GET /api/ip-blocking-activity
#[utoipa::path(
    get,
    path = "/api/ip-blocking-activity",
    tag = "edge",
    operation_id = "ipBlockingActivity",
    summary = "IP blocking activity feed",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "At most this many (default 50)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Entries to skip"),
    ),
    responses(
        (status = 200, description = "Newest first", body = crate::docs::schemas::Activity),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn ip_blocking_activity(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    feed(state, q, "ip_blocking", "ipb", &["country", "reason"]).await
}

/// GET /api/billing/visitor-count
#[utoipa::path(
    get,
    path = "/api/billing/visitor-count",
    tag = "edge",
    operation_id = "visitorCount",
    summary = "Distinct visitors for billing",
    security(("api_secret" = [])),
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
        ("start" = String, Query, format = Date, description = "First day, YYYY-MM-DD", example = "2026-11-01"),
        ("end" = String, Query, format = Date, description = "Last day, YYYY-MM-DD (at most 366 days after start)", example = "2026-11-30"),
    ),
    responses(
        (status = 200, description = "Distinct visitors", body = crate::docs::schemas::VisitorCount),
        crate::docs::schemas::EdgeSecretErrors,
    )
)]
pub async fn visitor_count(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = tri!(period(&q));
    let rows = tri!(state
        .store
        .query_rows("SELECT COUNT(DISTINCT visitor_id) FROM pixel_events WHERE shop = ?1 AND day BETWEEN ?2 AND ?3", &[&p.shop, &p.start, &p.end])
        .map_err(internal));
    Json(json!({ "count": int(&rows[0][0]), "period": { "start": p.start, "end": p.end } }))
        .into_response()
}

/// GET /api/protection-config?shop=
#[utoipa::path(
    get,
    path = "/api/protection-config",
    tag = "edge",
    operation_id = "protectionConfig",
    summary = "Get a shop's protection config",
    description = "Public; CORS.",
    params(
        ("shop" = String, Query, description = "The shop domain", example = "mystore.myshopify.com"),
    ),
    responses(
        (status = 200, description = "The last heartbeat's configuration", body = crate::docs::schemas::ProtectionConfig),
        (status = 400, description = "shop missing", body = crate::docs::schemas::EdgeError),
        (status = 404, description = "No heartbeat from this shop yet", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn protection_config(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(shop) = q.get("shop").filter(|s| !s.is_empty()) else {
        return invalid("shop is required");
    };
    match state.store.protection(shop) {
        Ok(Some(text)) => {
            Json(serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)).into_response()
        }
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "No protection config for this shop yet",
        ),
        Err(e) => internal(e),
    }
}
