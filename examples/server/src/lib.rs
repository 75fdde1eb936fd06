//! The clickfence reference server: the platform REST API v1, click intake
//! and webhook delivery, with every rule taken from the `clickfence` core.
#![deny(missing_docs)]

pub mod api;
pub mod auth_failures;
pub mod blocks;
pub mod cli;
pub mod counters;
pub mod crawler_dns;
pub mod dashboard;
pub mod delivery;
pub mod demo;
pub mod docs;
pub mod events;
pub mod fleet;
pub mod intake;
pub mod metrics;
pub mod ops;
pub mod secrets;
pub mod shared_rates;
pub mod state;
pub mod storage;
pub mod surface;
pub mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

/// Cloudflare's published edge ranges (cloudflare.com/ips, as of 2026-11),
/// the default for `--cloudflare-range`. Refresh with the flag or env var
/// when Cloudflare adds ranges.
pub const CLOUDFLARE_RANGES: &[&str] = &[
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
    "2400:cb00::/32",
    "2606:4700::/32",
    "2803:f800::/32",
    "2405:b500::/32",
    "2405:8100::/32",
    "2a06:98c0::/29",
    "2c0f:f248::/32",
];

/// The router over shared state: the documented API (every route
/// registered with its OpenAPI operation), `/openapi.json`, `/docs`, and the
/// few routes that are not API operations.
pub fn router(state: Arc<AppState>) -> Router {
    let (api, document) = documented(&state).split_for_parts();
    api.merge(SwaggerUi::new("/docs").url("/openapi.json", document))
        .merge(dashboard::router())
        .route("/", get(landing))
        // The spec's own breaker URL lacks the /api prefix; served as an
        // alias of the documented operation.
        .route(
            "/p360-click-signing/config/circuit-breaker",
            post(api::signing::set_breaker).route_layer(middleware::from_fn_with_state(
                Arc::clone(&state),
                api::signing::require_admin,
            )),
        )
        // Reserved single-segment paths: answered here, so the attribution
        // route never takes them for an app id.
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NOT_FOUND }),
        )
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /\n" }),
        )
        .route_layer(middleware::from_fn(metrics::tag_route))
        // Bodies are small JSON; the storefront routes, which anyone can
        // call, read at most 64 KiB (their own layer, which wins).
        .layer(DefaultBodyLimit::max(256 * 1024))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            surface::shape_errors,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            log_requests,
        ))
        .with_state(state)
}

/// Every documented operation, grouped by the credential it needs.
fn documented(state: &Arc<AppState>) -> OpenApiRouter<Arc<AppState>> {
    use utoipa::OpenApi as _;
    use utoipa_axum::routes;
    // The back-end side of the edge API: API secret on every route.
    let edge_private = OpenApiRouter::new()
        .routes(routes!(api::edge::access::sync_config))
        .routes(routes!(api::edge::analytics::summary))
        .routes(routes!(api::edge::analytics::trend))
        .routes(routes!(api::edge::analytics::top_ips))
        .routes(routes!(api::edge::analytics::top_pages))
        .routes(routes!(api::edge::analytics::top_countries))
        .routes(routes!(api::edge::activity::bot_activity))
        .routes(routes!(api::edge::activity::spy_activity))
        .routes(routes!(api::edge::activity::ip_blocking_activity))
        .routes(routes!(api::edge::billing::visitor_count))
        .routes(routes!(api::edge::protection::set_protection_config))
        .routes(routes!(api::edge::shops::enrol, api::edge::shops::unenrol))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(state),
            api::edge::require_api_secret,
        ));
    // The click-signing API: admin token on every route.
    let click_signing = OpenApiRouter::new()
        .routes(routes!(api::signing::generate))
        .routes(routes!(api::signing::revoke))
        .routes(routes!(api::signing::test))
        .routes(routes!(api::signing::set_mode))
        .routes(routes!(api::signing::set_breaker))
        .routes(routes!(api::signing::config))
        .routes(routes!(api::signing::report))
        .routes(routes!(api::signing::exclude, api::signing::include))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(state),
            api::signing::require_admin,
        ));
    // The platform API: a bearer token per route (extractors), and the
    // rate-limit headers on every answer.
    let platform = OpenApiRouter::new()
        .routes(routes!(api::platform::sites::list))
        .routes(routes!(api::platform::sites::show))
        .routes(routes!(api::platform::stats::stats))
        .routes(routes!(api::platform::clicks::list))
        .routes(routes!(
            api::platform::blocked_ips::list,
            api::platform::blocked_ips::block
        ))
        .routes(routes!(api::platform::blocked_ips::unblock))
        .layer(middleware::from_fn(api::platform::rate::attach));
    OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(platform)
        .routes(routes!(intake::click))
        .routes(routes!(intake::attribution))
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(metrics::serve))
        .merge(storefront(state))
        .merge(edge_private)
        .merge(click_signing)
}

/// The edge routes a storefront calls from shoppers' browsers, with CORS:
/// preflights answered, any origin by default (they are public and carry no
/// credentials) or the `--cors-origin` list. No other route sends CORS
/// headers, so the authenticated APIs stay out of reach of other sites' pages.
fn storefront(state: &Arc<AppState>) -> OpenApiRouter<Arc<AppState>> {
    use axum::http::{header, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    use utoipa_axum::routes;
    let origins = &state.config.cors_origins;
    let allow = if origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().cloned())
    };
    let cors = CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600));
    OpenApiRouter::new()
        .routes(routes!(api::edge::pixels::pixels))
        .routes(routes!(api::edge::heartbeat::heartbeat))
        .routes(routes!(api::edge::access::check_ip_access))
        .routes(routes!(api::edge::protection::protection_config))
        .layer(DefaultBodyLimit::max(api::edge::STOREFRONT_BODY_MAX))
        .layer(cors)
}

/// `/healthz`: the process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    operation_id = "health",
    summary = "Liveness",
    responses((status = 200, description = "The process is up", body = docs::schemas::Health))
)]
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// A worker that has not gone round its loop (at least once a second) for
/// this long is reported as stalled.
pub const WORKER_STALL_SECS: i64 = 30;

/// `/readyz`: 200 when the database answers and the webhook worker is
/// running its loop, else 503 naming what is wrong.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    operation_id = "ready",
    summary = "Readiness",
    responses(
        (status = 200, description = "Ready", body = docs::schemas::Readiness),
        (status = 503, description = "Database or webhook worker unavailable", body = docs::schemas::Readiness)
    )
)]
async fn ready(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let worker_beat = state.worker_beat.load(std::sync::atomic::Ordering::Relaxed);
    let instance = state.instance.clone();
    // Degraded rate sharing keeps the instance ready: it limits in-process.
    let rate_store = match &state.config.shared_rates {
        None => "local",
        Some(shared) if shared.degraded(state::now()) => "degraded",
        Some(_) => "ok",
    };
    let eviction = state
        .config
        .shared_rates
        .as_ref()
        .and_then(|s| s.eviction().map(str::to_owned));
    let scorer = state.scorer(70, 40);
    let (source, patterns) = scorer.crawler_list();
    let crawler_list = serde_json::json!({ "source": source, "patterns": patterns });
    let crawler_ranges: serde_json::Map<String, serde_json::Value> = state
        .config
        .crawler_dns
        .as_ref()
        .map(|d| d.range_dates())
        .unwrap_or_default()
        .into_iter()
        .map(|(op, date)| (op, date.into()))
        .collect();
    let data = state.data_freshness(state::now());
    let clock = if state.config.simulated_clock {
        "simulated"
    } else {
        "system"
    };
    let database = crate::storage::work::spawn_blocking(move || state.store.is_empty().is_ok())
        .await
        .unwrap_or(false);
    let worker = worker_alive(worker_beat, state::now());
    let status = if database && worker {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(serde_json::json!({
            "status": if status.is_success() { "ready" } else { "not ready" },
            "database": word(database),
            "webhook_worker": word(worker),
            "instance": instance,
            "rate_store": rate_store,
            "redis_maxmemory_policy": eviction,
            "crawler_list": crawler_list,
            "crawler_ranges": crawler_ranges,
            "data": data,
            "clock": clock,
        })),
    )
        .into_response()
}

/// Whether a worker whose last beat was at `beat` is running at `now`.
fn worker_alive(beat: i64, now: i64) -> bool {
    beat > 0 && now - beat <= WORKER_STALL_SECS
}

/// The landing page: what this server is and where to go next.
async fn landing() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../assets/index.html"))
}

/// One structured log line per request, with a request id; never the query
/// string or headers (they may carry tokens or click signatures).
async fn log_requests(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    // An incoming request id (from a proxy or the caller) is kept when it is
    // plain visible text of at most 128 bytes, so logs can be joined up.
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| (0x21..=0x7e).contains(&b))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let start = Instant::now();
    let mut response = next.run(request).await;
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let took = start.elapsed();
    let route = response
        .extensions()
        .get::<metrics::Route>()
        .map_or("unmatched", |r| &r.0);
    state.metrics.request(
        route,
        metrics::method_label(&method),
        response.status(),
        took,
    );
    tracing::info!(request_id = %id, %method, %path, status = response.status().as_u16(), micros = took.as_micros() as u64, "request");
    response
}

/// Serves until `shutdown` resolves: in-flight requests finish, the delivery
/// worker stops between attempts, queued deliveries stay in the outbox.
pub async fn serve(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // The worker beats from its spawn: on a busy host its task may be first
    // polled after the first `/readyz`, which must not call a server that is
    // starting its worker unready (a stall still shows after
    // WORKER_STALL_SECS).
    state
        .worker_beat
        .store(state::now(), std::sync::atomic::Ordering::Relaxed);
    let worker = tokio::spawn(delivery::run(Arc::clone(&state), stop_rx.clone()));
    let flusher = tokio::spawn(flush_counters(Arc::clone(&state), stop_rx.clone()));
    let follower = tokio::spawn(fleet::follow(Arc::clone(&state), stop_rx.clone()));
    let ranges = tokio::spawn(refresh_crawler_ranges(Arc::clone(&state), stop_rx));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = flusher.await;
    let _ = follower.await;
    let _ = ranges.await;
    result
}

/// Reloads changed crawler range files every
/// [`crawler_dns::REFRESH_EVERY`]; a file that stops parsing keeps the
/// operator's last ranges and is logged.
async fn refresh_crawler_ranges(
    state: Arc<AppState>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Some(dns) = state.config.crawler_dns.clone() else {
        return;
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(crawler_dns::REFRESH_EVERY) => {}
            _ = stop.changed() => return,
        }
        let d = Arc::clone(&dns);
        if let Ok(Some(error)) = crate::storage::work::spawn_blocking(move || d.refresh()).await {
            tracing::warn!(%error, "crawler ranges not reloaded; the last ones stay");
        }
    }
}

/// Writes the report counters, the pixel usage counts and the outboxes'
/// drop counts every
/// [`counters::FLUSH_EVERY`], and once more on the way out so a clean
/// shutdown loses none.
async fn flush_counters(state: Arc<AppState>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let stopping = tokio::select! {
            _ = tokio::time::sleep(counters::FLUSH_EVERY) => false,
            _ = stop.changed() => true,
        };
        let s = Arc::clone(&state);
        let flushed = crate::storage::work::spawn_blocking(move || s.report.flush(&s.store)).await;
        if let Ok(Err(e)) = flushed {
            tracing::error!(error = %e, code = e.code(), "report counters not written; kept for the next flush");
        }
        let s = Arc::clone(&state);
        let flushed =
            crate::storage::work::spawn_blocking(move || s.store.flush_pixel_usage()).await;
        if let Ok(Err(e)) = flushed {
            tracing::error!(error = %e, code = e.code(), "pixel usage not written; kept for the next flush");
        }
        let s = Arc::clone(&state);
        let flushed =
            crate::storage::work::spawn_blocking(move || s.store.flush_dropped_events()).await;
        if let Ok(Err(e)) = flushed {
            tracing::error!(error = %e, code = e.code(), "dropped-event counts not written; kept for the next flush");
        }
        if stopping || *stop.borrow() {
            break;
        }
    }
}

/// Seeds an empty database with a demo account on the Pro plan, one site and
/// a token with all five abilities; returns the token text (shown once).
pub fn seed_demo(store: &storage::Store, now: i64) -> Result<Option<String>, storage::StoreError> {
    if !store.is_empty()? {
        return Ok(None);
    }
    let account = store.create_account("Demo", "pro", now)?;
    store.create_site(account, "Acme Coffee", "acme-coffee.com", now)?;
    let token = tokens::generate().map_err(|e| storage::StoreError::Random(e.to_string()))?;
    let abilities: Vec<String> = storage::ABILITIES.iter().map(|s| s.to_string()).collect();
    store.create_token(
        account,
        &tokens::hash(&token),
        &abilities,
        now + 365 * 86_400,
        now,
    )?;
    Ok(Some(token))
}

/// The credentials of an `Authorization: Bearer <token>` header. The scheme
/// is matched case-insensitively (RFC 9110 §11.1), on every surface alike.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Compares a presented secret with the configured one in constant time
/// (over their SHA-256 digests, so lengths leak nothing either).
pub fn secret_eq(given: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.ct_eq(&b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_is_alive_until_it_misses_its_beat() {
        assert!(!worker_alive(0, 1_000), "never started");
        assert!(worker_alive(1_000, 1_000));
        assert!(worker_alive(1_000, 1_000 + WORKER_STALL_SECS));
        assert!(!worker_alive(1_000, 1_001 + WORKER_STALL_SECS));
    }
}
