//! Click intake: `GET /c/{site_id}?to=<url>&clickid=<id>`, and attribution
//! links shaped like the spec's (`/{app_id}?pid=...&signature=...`, see
//! [`shape`]), attributed to their `site_id` parameter when they carry one,
//! else to the server's attribution site.
//!
//! One pipeline, every rule from the core, each step a small function:
//!
//! 1. [`context`]: the site, the client address (trusted proxies only) and
//!    its keys, the redirect target (checked before anything is recorded);
//! 2. [`judge`]: the site's blocks, click velocity, click-id repeats, the
//!    click-signing verdict, the scorer with the site's thresholds;
//! 3. [`record`]: the click row, the fraud event, an auto-block and an
//!    auto-pause or resume, all in one transaction ([`reactions`]);
//! 4. [`respond`]: 403 for a blocked click (unless grace mode), else a
//!    redirect to `to` or the click as JSON.
//!
//! From a handler the steps run on the async worker while nothing waits
//! (kept site rows, the site's blocks in memory, in-memory counters) and
//! the database is awaited, not waited for: a click with nothing to react
//! to is one statement awaited on PostgreSQL's async client (on SQLite, one
//! job for its own thread), and with `--redis` the click's one Redis round
//! trip is awaited on the instance's multiplexed connection. Whatever
//! blocks (a transaction with reactions, a site's first block-list load) runs
//! where the store runs its work ([`crate::storage::work`]), so a slow disk
//! never stalls the async workers that serve other tenants. A seeded demo
//! day runs the same steps synchronously ([`pipeline`]).

mod context;
mod judge;
mod reactions;
mod redirect;
mod respond;
pub mod shape;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub use context::{ClickContext, ClickRequest};
pub use judge::Judgement;
pub use redirect::redirect_target;

use crate::state::AppState;
use crate::storage::work::Work;
use crate::storage::StoreError;

/// `GET /c/{site_id}`: a site's click link.
#[utoipa::path(
    get,
    path = "/c/{site_id}",
    tag = "clicks",
    operation_id = "click",
    summary = "Follow a site's click link",
    params(
        ("site_id" = i64, Path, description = "Site id", example = 1),
        ("to" = Option<String>, Query, description = "Redirect target: http(s) on the site's domain, a subdomain or a configured host"),
        ("clickid" = Option<String>, Query, description = "The network's click id"),
    ),
    responses(crate::docs::schemas::ClickResponses)
)]
pub async fn click(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(site_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    run(state, peer, headers, Some(site_id), q, uri).await
}

/// `GET /{app_id}?pid=...`: an attribution link shaped like the spec's
/// (`https://app.appsflyer.com/com.app.id?pid=...`), so exclusions match the
/// app id in the first path segment. Any other single-segment path is not
/// found, and records nothing.
#[utoipa::path(
    get,
    path = "/{app_id}",
    tag = "clicks",
    operation_id = "attributionLink",
    summary = "Follow an attribution link",
    params(
        ("app_id" = String, Path, pattern = r"^([A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+|id[0-9]{1,12})$", description = "An app id: com.app.id or id123456789"),
        ("pid" = Option<String>, Query, description = "Media source"),
        ("clickid" = Option<String>, Query, description = "Click id"),
        ("c" = Option<String>, Query, description = "Campaign"),
        ("site_id" = Option<i64>, Query, description = "Site; default: --attribution-site"),
        ("expires" = Option<i64>, Query, description = "Unix milliseconds"),
        ("signature" = Option<String>, Query, description = "base64url HMAC-SHA256"),
    ),
    responses(crate::docs::schemas::ClickResponses)
)]
pub async fn attribution(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(app_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    if !shape::is_attribution_link(&app_id, &q) {
        return context::not_found();
    }
    let site = q.get("site_id").cloned();
    run(state, peer, headers, site, q, uri).await
}

async fn run(
    state: Arc<AppState>,
    peer: SocketAddr,
    headers: HeaderMap,
    site_id: Option<String>,
    query: HashMap<String, String>,
    uri: Uri,
) -> Response {
    let crawler = verify_crawler(&state, peer, &headers).await;
    let at = simulated_time(&state, &headers);
    let request = ClickRequest {
        peer,
        headers,
        site_id,
        query,
        uri,
        crawler,
        at,
        demo: None,
    };
    match awaited(&state, request).await {
        Ok(response) => response,
        Err(e) if e.is_unavailable() => {
            crate::surface::storage_status(&e);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "1")],
                Json(json!({ "message": crate::surface::UNAVAILABLE })),
            )
                .into_response()
        }
        Err(e) => internal(&e.to_string()),
    }
}

/// Where judging runs when it must block (a site's first block-list load):
/// with `--redis` judging makes a Redis round trip, the blocking pool's,
/// never the SQLite thread's.
fn judging_work(state: &AppState) -> Work {
    if state.config.shared_rates.is_some() {
        Work::pool()
    } else {
        state.store.work()
    }
}

/// The pipeline for one click from a handler (see the module's notes).
async fn awaited(state: &Arc<AppState>, request: ClickRequest) -> Result<Response, StoreError> {
    let sites = context::sites_async(state, &request).await?;
    let ctx = match context::build(state, &request, sites) {
        Ok(ctx) => ctx,
        Err(refusal) => return Ok(*refusal),
    };
    let (ctx, judgement) = judge_awaited(state, ctx).await?;
    if !judgement.verdict.outcome.is_new_click() {
        return Ok(respond::not_a_new_click(&ctx, &judgement));
    }
    let (ctx, judgement, click_id) = reactions::record_async(state, ctx, judgement).await?;
    Ok(respond::respond(&ctx, &judgement, click_id))
}

/// Judges on this worker, awaiting Redis, when the site's blocks are in
/// memory, else where blocking work runs (their first load is a statement).
async fn judge_awaited(
    state: &Arc<AppState>,
    ctx: ClickContext,
) -> Result<(ClickContext, Judgement), StoreError> {
    if state.blocks.is_loaded(ctx.site.id) {
        let judgement = judge::judge_async(state, &ctx).await?;
        return Ok((ctx, judgement));
    }
    let work = judging_work(state);
    let state = Arc::clone(state);
    work.run(move || judge::judge(&state, &ctx).map(|j| (ctx, j)))
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}

/// The check of a client that claims a major crawler, within its DNS
/// budget, before the pipeline takes a blocking thread.
async fn verify_crawler(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Option<clickfence::score::CrawlerVerdict> {
    let dns = state.config.crawler_dns.as_ref()?;
    let ua = crate::surface::header_text(headers, axum::http::header::USER_AGENT)?;
    let (ip, _) = state.client(peer.ip(), headers);
    dns.verify(&ua, ip).await
}

/// The header a simulated clock reads (`--simulated-clock`).
pub const SIMULATED_TIME_HEADER: &str = "x-clickfence-simulated-time";

/// The click's time from [`SIMULATED_TIME_HEADER`] when the server runs on
/// a simulated clock; otherwise the header is ignored.
fn simulated_time(state: &AppState, headers: &HeaderMap) -> Option<i64> {
    if !state.config.simulated_clock {
        return None;
    }
    headers
        .get(SIMULATED_TIME_HEADER)?
        .to_str()
        .ok()?
        .parse::<i64>()
        .ok()
        .filter(|t| *t >= 0)
}

/// The whole pipeline for one click, synchronously (a seeded demo day).
pub fn pipeline(state: &AppState, request: &ClickRequest) -> Result<Response, StoreError> {
    let sites = context::sites(state, request)?;
    let ctx = match context::build(state, request, sites) {
        Ok(ctx) => ctx,
        Err(refusal) => return Ok(*refusal),
    };
    let judgement = judge::judge(state, &ctx)?;
    // A double click or a link preview is answered, never recorded.
    if !judgement.verdict.outcome.is_new_click() {
        return Ok(respond::not_a_new_click(&ctx, &judgement));
    }
    let click_id = reactions::record(state, &ctx, &judgement)?;
    Ok(respond::respond(&ctx, &judgement, click_id))
}

fn internal(error: &str) -> Response {
    tracing::error!(%error, "click intake failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "message": "Internal server error." })),
    )
        .into_response()
}
