//! The demo day a new database is seeded with, so the first run shows what
//! the product does with traffic: yesterday's labelled day of one site
//! (people, crawlers, link previews, a bot farm, impersonated Googlebot,
//! automation, /64 rotation, a click flood and replayed signed clicks, from
//! the `clickfence-traffic` generator) played through the real click
//! pipeline at each click's own time.
//!
//! The demo is judged with a verifier and counters of its own, so the
//! site's key ring, mode, breaker, report, live counters and Redis are
//! untouched; its clicks are recorded with `demo = 1` and nothing reacts
//! to them (no webhook, block, pause or metric). `clickfence-server demo
//! remove` deletes them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, Uri};
use clickfence::rate::VelocityCounter;
use clickfence::{ClickSigner, ClickVerifier, Mode};
use clickfence_traffic::{day, forge, Corpus, Ticket, Visit, DAY, TICKET_SECS};

use crate::intake::{pipeline, ClickRequest};
use crate::state::AppState;
use crate::storage::StoreError;

/// The generator's seed: the same demo day for everyone.
const SEED: u64 = 2026;
/// Visitors of the demo day (about 300 of their clicks, 150 of attacks).
const PEOPLE: usize = 120;

/// What a demo day's clicks are judged with instead of the live state.
#[derive(Debug)]
pub struct Demo {
    /// Click signing in report-only mode with a key of its own.
    pub verifier: ClickVerifier,
    velocity: VelocityCounter,
    click_ids: VelocityCounter,
}

impl Demo {
    /// The demo's counter for `what` (`velocity` or `click_ids`).
    pub fn counter(&self, what: &str) -> &VelocityCounter {
        if what == "click_ids" {
            &self.click_ids
        } else {
            &self.velocity
        }
    }
}

/// Why a demo day was not seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The store refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The generator's data or the demo's key could not be made.
    #[error("demo day: {0}")]
    Setup(String),
}

/// Plays yesterday's demo day on the account's first site; returns how
/// many clicks were recorded.
pub fn seed(state: &AppState, account: i64, now: i64) -> Result<usize, DemoError> {
    let Some(site) = state.store.sites_for(account)?.into_iter().next() else {
        return Ok(0);
    };
    let corpus = Corpus::embedded().map_err(DemoError::Setup)?;
    let visits = day(SEED, PEOPLE, &corpus);
    // The generator's day, moved to yesterday (UTC).
    let start = (now.div_euclid(86_400) - 1) * 86_400;
    let shift = start - DAY as i64;
    let verifier = ClickVerifier::new(Mode::ReportOnly, false);
    let key = verifier
        .generate_key(48, start.max(0) as u64)
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    let signer =
        ClickSigner::new(key.secret.as_str()).map_err(|e| DemoError::Setup(e.to_string()))?;
    let demo = Arc::new(Demo {
        verifier,
        velocity: VelocityCounter::new(100_000),
        click_ids: VelocityCounter::new(100_000),
    });
    let base = state.config.click_base_url.trim_end_matches('/').to_owned();
    let mut urls: Vec<String> = Vec::with_capacity(visits.len());
    for v in &visits {
        let at = v.at as i64 + shift;
        let unsigned = format!("{base}/c/{}?pid=demo&clickid={}", site.id, v.click_id);
        let url = match v.ticket {
            Ticket::Genuine => signer
                .sign(&unsigned, (at as u64) + TICKET_SECS)
                .map_err(|e| DemoError::Setup(e.to_string()))?,
            Ticket::Unsigned => unsigned,
            Ticket::ReplayOf(i) => urls[i].clone(),
            Ticket::Forged => forge(
                &signer
                    .sign(&unsigned, (at as u64) + TICKET_SECS)
                    .map_err(|e| DemoError::Setup(e.to_string()))?,
            ),
        };
        let request = request(v, &url, &base, site.id, at, &demo);
        urls.push(url);
        let Some(request) = request else { continue };
        pipeline(state, &request)?;
    }
    Ok(usize::try_from(state.store.demo_clicks()?).unwrap_or(0))
}

/// The request a visit makes, as the click handler would build it.
fn request(
    v: &Visit,
    url: &str,
    base: &str,
    site: i64,
    at: i64,
    demo: &Arc<Demo>,
) -> Option<ClickRequest> {
    let path = url.strip_prefix(base)?;
    let uri: Uri = path.parse().ok()?;
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    headers.insert(
        axum::http::header::USER_AGENT,
        HeaderValue::from_str(&v.user_agent).ok()?,
    );
    if let Some(r) = &v.referrer {
        headers.insert(axum::http::header::REFERER, HeaderValue::from_str(r).ok()?);
    }
    Some(ClickRequest {
        peer: SocketAddr::new(v.ip, 0),
        headers,
        site_id: Some(site.to_string()),
        query,
        uri,
        crawler: v.crawler,
        at: Some(at),
        demo: Some(Arc::clone(demo)),
    })
}
