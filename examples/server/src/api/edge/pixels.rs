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
    let event = Arrival {
        shop,
        ip,
        country,
        client: Granularity::CLIENT.label(ip),
        day: day_of(now_ms),
        agents: [
            crate::surface::header_text(&headers, axum::http::header::USER_AGENT),
            pixel.user_agent.clone(),
        ],
        // Only a session's start can bill its visitor.
        visitor: pixel.visitor_id.clone().filter(|_| kind == "session_init"),
        at_ms: now_ms,
        size: payload.len(),
    };
    let Some(admitted) = admit(&state, event).await? else {
        return Ok(Json(json!({ "success": true })));
    };
    let event = &admitted.event;
    // The row, with whatever other events are waiting, in one statement.
    state
        .store
        .insert_pixel_async(&NewPixel {
            shop: &event.shop,
            kind,
            session: pixel.session_id.as_deref(),
            visitor: pixel.visitor_id.as_deref(),
            ip: Some(&ip.to_string()),
            country: event.country.as_deref(),
            page: pixel.page.as_deref(),
            payload: &payload,
            at_ms: now_ms,
            day: &event.day,
            client: Some(&event.client),
            billed: admitted.billed,
        })
        .await?;
    let size = i64::try_from(payload.len()).unwrap_or(i64::MAX);
    state
        .store
        .count_stored_async(
            &event.shop,
            &event.day,
            &admitted.scope,
            size,
            admitted.new_billed,
        )
        .await?;
    Ok(Json(json!({ "success": true })))
}

/// One event's arrival, as the quotas, the budget and the billing rule
/// need it.
struct Arrival {
    shop: String,
    ip: IpAddr,
    country: Option<String>,
    /// The client (IPv4 address, IPv6 /64) that sent it.
    client: String,
    /// Its UTC day (`YYYY-MM-DD`).
    day: String,
    /// The request's `User-Agent` and the event's `userAgent`.
    agents: [Option<String>; 2],
    /// The visitor a `session_init` starts a session for.
    visitor: Option<String>,
    at_ms: i64,
    /// Its payload's bytes.
    size: usize,
}

/// An event the quotas and the budget let through, and how it bills.
struct Admitted {
    event: Arrival,
    /// The network whose share of the budget it uses.
    scope: String,
    billed: bool,
    new_billed: bool,
}

/// The checks before an event is stored: the quotas (a refusal is the
/// error), the daily budget (`None`: counted as dropped, not stored) and
/// the billing rule. In memory where they can be ([`admit_in_memory`]);
/// else they read the store, so they run where its work runs (the SQLite
/// thread, or PostgreSQL's line); with `--redis` the quotas are Redis
/// round trips, so on the blocking pool, never the SQLite thread.
async fn admit(state: &Arc<AppState>, event: Arrival) -> EdgeResult<Option<Admitted>> {
    let redis = state.config.shared_rates.is_some();
    if let Some(decided) = admit_in_memory(state, &event, redis) {
        return decided.map(|scope| {
            Some(Admitted {
                event,
                scope,
                billed: false,
                new_billed: false,
            })
        });
    }
    let work = state.store.work();
    let state = Arc::clone(state);
    let checks = move || -> EdgeResult<Option<Admitted>> {
        within_quota(&state, &event)?;
        let scope = budget_scope(&state, event.ip);
        if !within_budget(&state, &event, &scope)? {
            return Ok(None);
        }
        let (billed, new_billed) = billed(&state, &event)?;
        Ok(Some(Admitted {
            event,
            scope,
            billed,
            new_billed,
        }))
    };
    if redis {
        let _place = work.admit().await;
        return blocking(checks).await;
    }
    work.run(checks)
        .await
        .unwrap_or_else(|e| Err(EdgeError::internal(e)))
}

/// [`admit`]'s checks where nothing needs the database nor Redis (most
/// events: not a visitor's first, the usage read within the second, the
/// budget not reached), on the caller's thread: no hop to where the
/// store's work runs. The event's budget scope once admitted; `None`,
/// nothing counted, when they need the store.
fn admit_in_memory(state: &AppState, event: &Arrival, redis: bool) -> Option<EdgeResult<String>> {
    if redis || event.visitor.is_some() {
        return None;
    }
    let scope = budget_scope(state, event.ip);
    let (shop_used, network_used) =
        state
            .store
            .pixel_usage_kept(&event.shop, &event.day, &scope)?;
    let size = u64::try_from(event.size).unwrap_or(u64::MAX);
    if !state
        .config
        .pixel_budget
        .admits(shop_used, network_used, size)
    {
        // Past the budget: counted as dropped where the store's work runs.
        return None;
    }
    Some(within_quota(state, event).map(|()| scope))
}

/// The pixel quotas: per shop and client (IPv4 address, IPv6 /64), and per
/// shop and network (IPv4 /24, IPv6 /48) at ten times that, so rotating
/// addresses inside one allocation buys no fresh quota.
fn within_quota(state: &AppState, event: &Arrival) -> EdgeResult<()> {
    let (shop, now_ms) = (&event.shop, event.at_ms);
    let (client, network) = (&event.client, Granularity::NETWORK.label(event.ip));
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
fn within_budget(state: &AppState, event: &Arrival, scope: &str) -> EdgeResult<bool> {
    let (shop, day) = (&event.shop, &event.day);
    let (shop_used, network_used) = state.store.pixel_usage(shop, day, scope)?;
    let size = u64::try_from(event.size).unwrap_or(u64::MAX);
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
fn billed(state: &AppState, event: &Arrival) -> EdgeResult<(bool, bool)> {
    let Some(visitor) = event.visitor.as_deref().filter(|v| !v.is_empty()) else {
        return Ok((false, false));
    };
    let hint = event.country.as_deref().and_then(|c| c.parse().ok());
    let allowed = state.policy(&event.shop).is_none_or(|p| {
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
            .billing_facts(&event.shop, &event.day, visitor, &event.client)?;
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
