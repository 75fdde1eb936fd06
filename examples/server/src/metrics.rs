//! Prometheus metrics at `/metrics`, in the OpenMetrics text format.
//!
//! One registry per server (no process-global recorder, so tests can run
//! several servers in one process). Labels are bounded: routes are the
//! router's templates (`/api/v1/sites/{id}`), never raw paths, and a
//! request no route matched is `unmatched`, so a scanner cannot mint series.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::state::AppState;

/// A request's route and answer.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// Route template, or `unmatched`.
    pub route: String,
    /// HTTP method (standard ones; anything else is `OTHER`).
    pub method: String,
    /// Status code.
    pub status: u16,
}

/// A route template.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// Route template, or `unmatched`.
    pub route: String,
}

/// One label naming an outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    /// The outcome (click status, attempt result, quota name).
    pub kind: String,
}

/// One label naming an enrolled shop.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ShopLabels {
    /// The shop domain.
    pub shop: String,
}

/// What the database says at a scrape.
#[derive(Debug, Default)]
pub struct StoredFigures {
    /// Webhook deliveries waiting.
    pub outbox_depth: i64,
    /// Droppable events (fraud reports, auto-blocks) full outboxes dropped.
    pub dropped_events: i64,
    /// Per enrolled shop with events this week: whether today's billed
    /// visitors jumped (the core's `rate::visitors::billed_jump`).
    pub billed_jumps: Vec<(String, bool)>,
    /// Per published data file: whether it is older than the configured age.
    pub data_degraded: Vec<(String, bool)>,
}

/// One label naming a data source.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// `FORMAT:PATH`.
    pub source: String,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    clicks: Family<KindLabels, Counter>,
    attempts: Family<KindLabels, Counter>,
    refusals: Family<KindLabels, Counter>,
    rate_store_errors: Family<KindLabels, Counter>,
    outbox: Gauge,
    dropped: Gauge,
    billed_jump: Family<ShopLabels, Gauge>,
    eviction: Gauge,
    data_degraded: Family<SourceLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("clickfence");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 0.25 ms to ~4 s.
            Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
        });
        let clicks = Family::<KindLabels, Counter>::default();
        let attempts = Family::<KindLabels, Counter>::default();
        let refusals = Family::<KindLabels, Counter>::default();
        let rate_store_errors = Family::<KindLabels, Counter>::default();
        let outbox = Gauge::default();
        let dropped = Gauge::default();
        let billed_jump = Family::<ShopLabels, Gauge>::default();
        let eviction = Gauge::default();
        let data_degraded = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "redis_eviction_possible",
            "1 when the shared Redis's maxmemory-policy is not noeviction (rate windows may be evicted when it is full)",
            eviction.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            latency.clone(),
        );
        registry.register("clicks", "Clicks recorded, by status", clicks.clone());
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts, by result (HTTP status, timeout, transport_error)",
            attempts.clone(),
        );
        registry.register(
            "rate_limit_refusals",
            "Requests refused by a quota (api_token, auth_failures, pixels)",
            refusals.clone(),
        );
        registry.register(
            "rate_store_errors",
            "Checks the shared rate store (Redis) could not answer, by quota; each was decided in-process instead",
            rate_store_errors.clone(),
        );
        registry.register(
            "webhook_outbox_depth",
            "Webhook deliveries waiting to be attempted",
            outbox.clone(),
        );
        registry.register(
            "webhook_events_dropped",
            "fraud.detected and auto-block ip.blocked events not queued because their endpoint's outbox was full, every instance, since each endpoint was added",
            dropped.clone(),
        );
        registry.register(
            "billed_visitors_jump",
            "1 when an enrolled shop's billed visitors today are at least 50 and more than 3 times its average of the previous 7 days (a signal to look, not a refusal)",
            billed_jump.clone(),
        );
        registry.register(
            "data_degraded",
            "1 when a published data file (--published-ranges) is older than --data-max-age-days by its own date, else its modification time (readiness is not failed)",
            data_degraded.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            clicks,
            attempts,
            refusals,
            rate_store_errors,
            outbox,
            dropped,
            billed_jump,
            eviction,
            data_degraded,
        }
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, route: &str, method: &str, status: StatusCode, took: Duration) {
        let route = route.to_owned();
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method: method.to_owned(),
                status: status.as_u16(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(took.as_secs_f64());
    }

    /// Counts a recorded click.
    pub fn click(&self, status: &str) {
        self.kind(&self.clicks, status);
    }

    /// Counts a webhook attempt.
    pub fn attempt(&self, result: &str) {
        self.kind(&self.attempts, result);
    }

    /// Whether the shared Redis may evict our keys (its policy at start).
    pub fn eviction_possible(&self, possible: bool) {
        self.eviction.set(i64::from(possible));
    }

    /// Counts a check the shared rate store could not answer.
    pub fn rate_store_error(&self, quota: &str) {
        self.kind(&self.rate_store_errors, quota);
    }

    /// Counts a request a quota refused.
    pub fn refused(&self, quota: &str) {
        self.kind(&self.refusals, quota);
    }

    fn kind(&self, family: &Family<KindLabels, Counter>, kind: &str) {
        family
            .get_or_create(&KindLabels {
                kind: kind.to_owned(),
            })
            .inc();
    }

    /// The OpenMetrics text, with the stored figures as of now.
    pub fn render(&self, figures: &StoredFigures) -> Result<String, std::fmt::Error> {
        self.outbox.set(figures.outbox_depth);
        self.dropped.set(figures.dropped_events);
        self.billed_jump.clear();
        for (shop, jump) in &figures.billed_jumps {
            self.billed_jump
                .get_or_create(&ShopLabels { shop: shop.clone() })
                .set(i64::from(*jump));
        }
        for (source, degraded) in &figures.data_degraded {
            self.data_degraded
                .get_or_create(&SourceLabels {
                    source: source.clone(),
                })
                .set(i64::from(*degraded));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Reads the figures a scrape shows from the database.
fn stored_figures(store: &crate::storage::Store) -> crate::storage::StoreResult<StoredFigures> {
    let (outbox_depth, dropped_events) = store.outbox_figures()?;
    let today = crate::state::now().div_euclid(86_400);
    let day = |d: i64| {
        crate::storage::rfc3339(d * 86_400)
            .get(..10)
            .unwrap_or_default()
            .to_owned()
    };
    let week: Vec<String> = (1..=7).map(|back| day(today - back)).collect();
    let mut per_shop: std::collections::BTreeMap<String, (u64, Vec<u64>)> = Default::default();
    for (shop, d, billed) in store.billed_by_day(&day(today - 7))? {
        let entry = per_shop.entry(shop).or_insert_with(|| (0, vec![0; 7]));
        let billed = u64::try_from(billed).unwrap_or(0);
        if d == day(today) {
            entry.0 = billed;
        } else if let Some(i) = week.iter().position(|w| *w == d) {
            entry.1[i] = billed;
        }
    }
    let billed_jumps = per_shop
        .into_iter()
        .map(|(shop, (now, previous))| {
            let jump = clickfence::rate::visitors::billed_jump(now, &previous);
            (shop, jump)
        })
        .collect();
    Ok(StoredFigures {
        outbox_depth,
        dropped_events,
        billed_jumps,
        data_degraded: Vec::new(),
    })
}

/// The label of a method: the standard ones by name, others `OTHER`.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// The matched route template, carried from routing to the response so the
/// outer logging layer can label the request.
#[derive(Clone, Debug)]
pub struct Route(pub Arc<str>);

/// Route layer: tags the response with the route template that answered.
pub async fn tag_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| Route(Arc::from(m.as_str())));
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// `GET /metrics`: open unless `--metrics-token` is set, then Bearer only.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    operation_id = "metrics",
    summary = "Prometheus metrics",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "OpenMetrics text", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 401, description = "--metrics-token is set and was not given", body = crate::docs::schemas::MessageError)
    )
)]
pub async fn serve(State(state): State<Arc<AppState>>, request: Request) -> Response {
    if let Some(expected) = state.config.metrics_token.as_deref() {
        let given = crate::bearer(request.headers()).unwrap_or("");
        let valid = crate::secret_eq(given, expected);
        if let Err(refused) = crate::auth_failures::judge_request(&state, &request, valid).await {
            return crate::surface::Surface::Site.error(
                refused.status(),
                refused.message("Missing or invalid metrics token."),
            );
        }
    }
    let store = Arc::clone(&state);
    let mut figures = crate::storage::work::spawn_blocking(move || stored_figures(&store.store))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(StoredFigures {
            outbox_depth: -1,
            dropped_events: -1,
            billed_jumps: Vec::new(),
            data_degraded: Vec::new(),
        });
    figures.data_degraded = state
        .data_freshness(crate::state::now())
        .into_iter()
        .map(|d| (d.source, d.degraded))
        .collect();
    match state.metrics.render(&figures) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(_) => crate::surface::Surface::Site
            .error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error."),
    }
}
