//! Step 1: what the request says, read once and checked.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clickfence::ip::{Granularity, Source};
use clickfence::score::CrawlerVerdict;
use serde_json::json;
use url::Url;

use super::redirect::redirect_target;
use crate::state::{now, AppState};
use crate::storage::{Site, StoreError};

/// The raw request, as the handlers received it.
#[derive(Debug)]
pub struct ClickRequest {
    /// The TCP peer.
    pub peer: SocketAddr,
    /// Request headers.
    pub headers: HeaderMap,
    /// The site id from the path or `site_id` parameter; `None` for an
    /// attribution link without one (the server's attribution site).
    pub site_id: Option<String>,
    /// Query parameters.
    pub query: HashMap<String, String>,
    /// The URI exactly as received (the signed text).
    pub uri: Uri,
    /// What checking a claimed major crawler concluded (resolved before
    /// the pipeline, within its DNS budget).
    pub crawler: Option<CrawlerVerdict>,
    /// The time to judge the click at (Unix seconds); `None`: now. Set by
    /// the simulated clock and by a seeded demo day, never by a client of
    /// a production server.
    pub at: Option<i64>,
    /// Set when the click is part of a seeded demo day: judged by the
    /// demo's own verifier and counters, recorded as demo, and never
    /// reacted to (no webhook, block, pause or breaker count).
    pub demo: Option<std::sync::Arc<crate::demo::Demo>>,
}

/// One click request, as the later steps need it.
#[derive(Debug)]
pub struct ClickContext {
    /// The site clicked.
    pub site: Site,
    /// The client's address.
    pub ip: IpAddr,
    /// The client's country, when Cloudflare or the GeoIP database knows it.
    pub country: Option<String>,
    /// The client as velocity, blocks and limits key it (the IPv6 /64).
    pub client: String,
    /// The client's network (IPv4 /24, IPv6 /48): the aggregate level of
    /// per-client counters.
    pub network: String,
    /// The client's autonomous system, when `--asn-db` knows it.
    pub asn: Option<u32>,
    /// The client's source for counting distinct sources (the pause rule):
    /// its autonomous system (`AS16509`) when known, else its allocation
    /// (IPv4 /24, IPv6 /32).
    pub source: String,
    /// The checked redirect target.
    pub to: Option<Url>,
    /// The click id parameter.
    pub click_id: Option<String>,
    /// The URL exactly as the network signed it.
    pub signed_url: String,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `Referer`.
    pub referrer: Option<String>,
    /// Whether the click-signing exclusions apply: only to clicks
    /// attributed to the attribution site (`--attribution-site`, else the
    /// oldest active site), so no other tenant's site can borrow them.
    pub exclusions_apply: bool,
    /// The prefetch marker: `Sec-Purpose`, or the legacy `Purpose`,
    /// `X-Purpose` or `X-Moz`, the first present.
    pub purpose: Option<String>,
    /// What checking a claimed major crawler concluded.
    pub crawler: Option<CrawlerVerdict>,
    /// Unix seconds.
    pub now: i64,
    /// The demo day this click belongs to, if any.
    pub demo: Option<std::sync::Arc<crate::demo::Demo>>,
}

/// The sites a click needs: the one clicked (unknown: `None`) and the
/// server's attribution site (whether the click-signing exclusions apply).
#[derive(Debug)]
pub struct Sites {
    clicked: Option<Site>,
    attribution: Option<i64>,
}

/// The attribution site's id as far as the request and configuration say;
/// [`Attribution::OldestActive`] when it is the oldest active site, read by
/// the caller.
enum Attribution {
    Known(Option<i64>),
    OldestActive,
}

/// Which site the click-signing exclusions belong to, for a click on
/// `clicked`: an attribution link without a site is the attribution site
/// itself; otherwise `--attribution-site`, else the oldest active site.
fn attribution(clicked: &Option<Site>, request: &ClickRequest, state: &AppState) -> Attribution {
    match (
        clicked,
        request.site_id.is_some(),
        state.config.attribution_site,
    ) {
        (None, _, _) => Attribution::Known(None),
        (Some(site), false, _) => Attribution::Known(Some(site.id)),
        (Some(_), true, Some(id)) => Attribution::Known(Some(id)),
        (Some(_), true, None) => Attribution::OldestActive,
    }
}

/// Reads the sites `request` needs from the store's kept rows, or the
/// database on a miss.
pub fn sites(state: &AppState, request: &ClickRequest) -> Result<Sites, StoreError> {
    // Kept rows age by the wall clock, whatever time the click is judged at.
    let now = now();
    let clicked = match request.site_id.as_deref().map(str::parse::<i64>) {
        Some(Ok(id)) => state.store.site_kept(id, now)?,
        Some(Err(_)) => None,
        None => state.attribution_site()?,
    };
    let attribution = match attribution(&clicked, request, state) {
        Attribution::Known(id) => id,
        Attribution::OldestActive => state.store.oldest_active_site_kept(now)?.map(|s| s.id),
    };
    Ok(Sites {
        clicked,
        attribution,
    })
}

/// [`sites`], awaited: no thread waits for a miss.
pub async fn sites_async(state: &AppState, request: &ClickRequest) -> Result<Sites, StoreError> {
    let now = now();
    let store = &state.store;
    let clicked = match request.site_id.as_deref().map(str::parse::<i64>) {
        Some(Ok(id)) => store.site_kept_async(id, now).await?,
        Some(Err(_)) => None,
        None => match state.config.attribution_site {
            Some(id) => store.site_kept_async(id, now).await?,
            None => store.oldest_active_site_kept_async(now).await?,
        },
    };
    let attribution = match attribution(&clicked, request, state) {
        Attribution::Known(id) => id,
        Attribution::OldestActive => store
            .oldest_active_site_kept_async(now)
            .await?
            .map(|s| s.id),
    };
    Ok(Sites {
        clicked,
        attribution,
    })
}

/// Reads the request; `Err(response)` refuses it before anything is
/// recorded (unknown or inactive site: 404; bad redirect target: 400).
pub fn build(
    state: &AppState,
    request: &ClickRequest,
    sites: Sites,
) -> Result<ClickContext, Box<Response>> {
    let ClickRequest {
        peer,
        headers,
        site_id: _,
        query: q,
        uri,
        crawler,
        at,
        demo,
    } = request;
    let Some(site) = sites.clicked.filter(|s| s.is_active) else {
        return Err(Box::new(not_found()));
    };
    let to = match q.get("to").map(|to| redirect_target(to, &site)).transpose() {
        Ok(to) => to,
        Err(why) => return Err(Box::new(bad_target(why))),
    };
    let exclusions_apply = sites.attribution == Some(site.id);
    let (ip, source) = state.client(peer.ip(), headers);
    let country = state.visitor_country(ip, source, headers);
    let asn = state.asn(ip);
    let header = |name: &str| crate::surface::header_text(headers, name);
    let signed_url = format!(
        "{}{}",
        state.config.click_base_url.trim_end_matches('/'),
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    Ok(ClickContext {
        site,
        ip,
        country,
        client: Granularity::CLIENT.label(ip),
        network: Granularity::NETWORK.label(ip),
        asn,
        source: Source { ip: Some(ip), asn }.label().unwrap_or_default(),
        to,
        click_id: q.get("clickid").cloned(),
        signed_url,
        user_agent: header("user-agent"),
        referrer: header("referer"),
        exclusions_apply,
        purpose: ["sec-purpose", "purpose", "x-purpose", "x-moz"]
            .into_iter()
            .find_map(header),
        crawler: *crawler,
        now: at.unwrap_or_else(now),
        demo: demo.clone(),
    })
}

/// 404 in the platform's shape: no such site, or no click link here.
pub fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "message": "Resource not found." })),
    )
        .into_response()
}

fn bad_target(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "message": "The redirect target is not allowed.",
            "errors": { "to": [why] },
        })),
    )
        .into_response()
}
