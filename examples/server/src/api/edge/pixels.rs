//! `POST /api/pixels`: storefront events, checked per type and limited per
//! shop and visitor.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use clickfence::ip::Granularity;
use clickfence::rate::visitors::{is_billable, VisitorFacts};
use serde_json::{json, Map, Value};

use super::{blocking, day_of, parse_json, visitor, EdgeError, EdgeResult};
use crate::state::{now, AppState};
use crate::storage::NewPixel;

/// Largest accepted pixel body (the storefront routes' limit).
pub const MAX_PIXEL_BYTES: usize = super::STOREFRONT_BODY_MAX;

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

/// A pixel event: the common fields typed, the type's own in `rest`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pixel {
    shop: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    session_id: Option<String>,
    visitor_id: Option<String>,
    page: Option<String>,
    /// The storefront's `navigator.userAgent` (a bot's is not billed).
    user_agent: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// Stores one event.
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
        (status = 404, description = "No enrolled shop of that name; nothing stored", body = crate::docs::schemas::EdgeError),
        (status = 413, description = "Body over 64 KiB", body = crate::docs::schemas::EdgeError),
        (status = 429, description = "Too many events from this visitor (Retry-After)", body = crate::docs::schemas::EdgeError),
    )
)]
pub async fn pixels(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> EdgeResult<Json<Value>> {
    if body.len() > MAX_PIXEL_BYTES {
        return Err(EdgeError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body is larger than {MAX_PIXEL_BYTES} bytes"),
        ));
    }
    let pixel: Pixel = parse_json(&body)?;
    let shop = super::enrolled_shop(&state, pixel.shop.clone())?;
    let kind = check(&pixel)?;
    let (ip, country) = visitor(&state, peer, &headers);
    let now_ms = now() * 1000;
    let payload = String::from_utf8_lossy(&body).into_owned();
    let agent = crate::surface::header_text(&headers, axum::http::header::USER_AGENT);
    let work = state.store.work();
    let redis = state.config.shared_rates.is_some();
    let store = move || {
        let client = Granularity::CLIENT.label(ip);
        within_quota(
            &state,
            &shop,
            &client,
            &Granularity::NETWORK.label(ip),
            now_ms,
        )?;
        let day = day_of(now_ms);
        let event = Arrival {
            shop: &shop,
            ip,
            country: country.as_deref(),
            client: &client,
            day: &day,
            agents: [agent.as_deref(), pixel.user_agent.as_deref()],
        };
        let scope = budget_scope(&state, ip);
        if !within_budget(&state, &shop, &day, &scope, payload.len())? {
            return Ok(Json(json!({ "success": true })));
        }
        let (billed, new_billed) = if kind == "session_init" {
            billed(&state, &event, pixel.visitor_id.as_deref())?
        } else {
            (false, false)
        };
        state.store.insert_pixel(&NewPixel {
            shop: &shop,
            kind,
            session: pixel.session_id.as_deref(),
            visitor: pixel.visitor_id.as_deref(),
            ip: Some(&ip.to_string()),
            country: country.as_deref(),
            page: pixel.page.as_deref(),
            payload: &payload,
            at_ms: now_ms,
            day: &day,
            client: Some(&client),
            billed,
        })?;
        let size = i64::try_from(payload.len()).unwrap_or(i64::MAX);
        state
            .store
            .count_stored(&shop, &day, &scope, size, new_billed)?;
        Ok(Json(json!({ "success": true })))
    };
    if redis {
        // The quotas are Redis round trips: on the blocking pool, never the
        // SQLite thread, in line for a connection (`Work::pool_gated`).
        let _place = work.admit().await;
        return blocking(store).await;
    }
    // Where the store's work runs: SQLite's own thread, whose queue is
    // first come first served, or PostgreSQL's line.
    work.run(store)
        .await
        .unwrap_or_else(|e| Err(EdgeError::internal(e)))
}

/// One event's arrival, as the billing rule needs it.
struct Arrival<'a> {
    shop: &'a str,
    ip: IpAddr,
    country: Option<&'a str>,
    client: &'a str,
    day: &'a str,
    /// The request's `User-Agent` and the event's `userAgent`.
    agents: [Option<&'a str>; 2],
}

/// The pixel quotas: per shop and client (IPv4 address, IPv6 /64), and per
/// shop and network (IPv4 /24, IPv6 /48) at ten times that, so rotating
/// addresses inside one allocation buys no fresh quota.
fn within_quota(
    state: &AppState,
    shop: &str,
    client: &str,
    network: &str,
    now_ms: i64,
) -> EdgeResult<()> {
    let now = (now_ms / 1000) as u64;
    for (limiter, key) in [
        (&state.pixel_limiter, format!("{shop}|{client}")),
        (
            &state.pixel_network_limiter,
            format!("{shop}|net|{network}"),
        ),
    ] {
        let decision = state
            .rate("pixels", limiter, &key, 1, now)
            .map_err(EdgeError::internal)?;
        if !decision.allowed {
            state.metrics.refused("pixels");
            let mut refused = EdgeError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many events from this visitor",
            );
            refused.retry_after = Some(decision.retry_after.unwrap_or(1));
            return Err(refused);
        }
    }
    Ok(())
}

/// The network whose share of a shop's daily budget an event uses: its
/// autonomous system when `--asn-db` knows it, else IPv6 /48, IPv4 /24.
fn budget_scope(state: &AppState, ip: IpAddr) -> String {
    state
        .asn(ip)
        .filter(|&n| clickfence::ip::is_public_asn(n))
        .map_or_else(|| Granularity::NETWORK.label(ip), |n| format!("AS{n}"))
}

/// Whether the shop's daily budget (the core's `rate::budget`) stores one
/// more event of `size` bytes from `scope`; an event past it is counted
/// (shown on the dashboard) and answered as usual, not stored.
fn within_budget(
    state: &AppState,
    shop: &str,
    day: &str,
    scope: &str,
    size: usize,
) -> EdgeResult<bool> {
    let (shop_used, network_used) = state.store.pixel_usage(shop, day, scope)?;
    let size = u64::try_from(size).unwrap_or(u64::MAX);
    if state
        .config
        .pixel_budget
        .admits(shop_used, network_used, size)
    {
        return Ok(true);
    }
    state.store.count_dropped(shop, day)?;
    state.metrics.refused("pixel_budget");
    Ok(false)
}

/// Whether a `session_init`'s visitor is billed, and newly so today: the
/// core's rule over what the shop's policy, the bot list and today's
/// stored events say.
fn billed(
    state: &AppState,
    event: &Arrival<'_>,
    visitor: Option<&str>,
) -> EdgeResult<(bool, bool)> {
    let Some(visitor) = visitor.filter(|v| !v.is_empty()) else {
        return Ok((false, false));
    };
    let hint = event.country.and_then(|c| c.parse().ok());
    let allowed = state.policy(event.shop).is_none_or(|p| {
        p.check(event.ip, hint, now() as u64)
            .is_ok_and(|d| d.allowed)
    });
    let scorer = state.scorer(70, 40);
    let known_bot = event
        .agents
        .iter()
        .flatten()
        .any(|ua| scorer.is_bot_user_agent(ua));
    let (billed_today, billed_from_client) =
        state
            .store
            .billing_facts(event.shop, event.day, visitor, event.client)?;
    let facts = VisitorFacts {
        allowed,
        known_bot,
        billed_today,
        billed_from_client,
    };
    let billed = is_billable(event.ip, &facts);
    Ok((billed, billed && !billed_today))
}

/// The event's type, once its required fields are there.
fn check(pixel: &Pixel) -> EdgeResult<&'static str> {
    let kind = pixel.kind.as_deref().unwrap_or("");
    let Some((kind, required)) = PIXEL_TYPES.iter().find(|(t, _)| *t == kind) else {
        return Err(EdgeError::invalid(format!(
            "type must be one of {}",
            PIXEL_TYPES.map(|(t, _)| t).join(", ")
        )));
    };
    for field in *required {
        if pixel.rest.get(*field).is_none_or(Value::is_null) {
            return Err(EdgeError::invalid(format!(
                "{field} is required for {kind} events"
            )));
        }
    }
    let confidence = pixel.rest.get("confidence").and_then(Value::as_f64);
    if *kind == "bot_detection" && !confidence.is_some_and(|c| (0.0..=100.0).contains(&c)) {
        return Err(EdgeError::invalid(
            "confidence must be a number from 0 to 100",
        ));
    }
    Ok(kind)
}
