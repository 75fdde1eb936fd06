//! Click intake: `GET /c/{site_id}?to=<url>&clickid=<id>`.
//!
//! One pipeline, all rules from the core: client IP (trusted proxies only),
//! the site's blocks, click velocity, the scorer with the site's thresholds.
//! The click is stored with its status, classification and score, then the
//! visitor is redirected to `to` (valid / flagged) or refused with 403
//! (blocked). Grace mode records but never refuses. A blocked click at or above
//! the block threshold auto-blocks its IP. Auto-pause: when, over the last 10
//! minutes, a site has at least 20 clicks and at least half were blocked, it is
//! paused for an hour (clicks refused with 503 and `site.paused` sent); the
//! first click after the hour resumes it (`site.resumed`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clickfence::ip::{client_ip, BlockKind, BlockRecord};
use clickfence::score::{ClickSignals, ClickStatus, SignatureSignal};
use clickfence::webhook::{BlockSource, Event, FraudDetected, IpBlocked, SitePaused, SiteResumed};
use clickfence::Outcome;
use serde_json::json;
use std::collections::HashMap;

use crate::events::emit;
use crate::state::{now, AppState};

/// Pause window and rule.
pub const PAUSE_WINDOW_SECS: i64 = 600;
/// Minimum clicks in the window before auto-pause can act.
pub const PAUSE_MIN_CLICKS: i64 = 20;
/// How long a pause lasts.
pub const PAUSE_SECS: i64 = 3600;

/// `GET /c/{site_id}`: a site's click link.
pub async fn click(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(site_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    respond(handle(&state, peer, &headers, &site_id, &q, &uri))
}

/// `GET /{app_id}?site_id=N&...`: an attribution link shaped like the spec's
/// (`https://app.appsflyer.com/com.app.id?pid=...`), so exclusions match the
/// app id in the first path segment.
pub async fn attribution(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let site = q.get("site_id").cloned().unwrap_or_default();
    respond(handle(&state, peer, &headers, &site, &q, &uri))
}

fn respond(result: Result<Response, crate::storage::StoreError>) -> Response {
    match result {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "click intake failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "message": "Internal server error." })),
            )
                .into_response()
        }
    }
}

fn handle(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    site_id: &str,
    q: &HashMap<String, String>,
    uri: &Uri,
) -> Result<Response, crate::storage::StoreError> {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": "Resource not found." })),
        )
            .into_response()
    };
    let Some(site) = site_id
        .parse::<i64>()
        .ok()
        .map(|id| state.store.site(id))
        .transpose()?
        .flatten()
    else {
        return Ok(not_found());
    };
    if !site.is_active {
        return Ok(not_found());
    }
    let now = now();
    if let Some(until) = site.paused_until {
        if now < until {
            return Ok((
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "message": "Site paused by auto-pause." })),
            )
                .into_response());
        }
        state.store.set_paused_until(site.id, None)?;
        emit(
            state,
            site.account_id,
            &Event::SiteResumed(SiteResumed {
                site_id: site.id as u64,
                site_domain: site.domain.clone(),
            }),
        );
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let xff: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let (ip, _) = client_ip(
        peer.ip(),
        &xff,
        header("cf-connecting-ip"),
        &state.trusted_proxies,
    );
    let ip_text = ip.to_string();

    let blocked_ip = state
        .store
        .blocks(site.id, now, None, i64::MAX)?
        .iter()
        .any(|b| {
            b.ip_address == ip_text
                && BlockRecord::new(
                    ip,
                    b.expires_at_unix
                        .map_or(BlockKind::Permanent, |t| BlockKind::Temporary {
                            expires_at: t as u64,
                        }),
                )
                .is_active(now as u64)
        });
    let velocity = state
        .velocity
        .record(format!("{}|{}", site.id, ip_text), now as u64)
        .ok();
    let repeats = q
        .get("clickid")
        .and_then(|id| {
            state
                .click_ids
                .record(format!("{}|{}", site.id, id), now as u64)
                .ok()
        })
        .map(|c| c.last_hour.saturating_sub(1));
    // The click-signing check, on the URL exactly as the network signed it.
    let signed_url = format!(
        "{}{}",
        state.config.click_base_url.trim_end_matches('/'),
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let verdict = state.clicks.verify(&signed_url, now as u64);
    if !matches!(verdict.outcome, Outcome::Excluded | Outcome::NotValidated) {
        state
            .store
            .count_signed_click(now / 3600, verdict.outcome.code())?;
    }
    let signature = match verdict.outcome {
        Outcome::Valid { .. } => Some(SignatureSignal::Valid),
        Outcome::MissingSignature => Some(SignatureSignal::MissingSignature),
        Outcome::Expired { .. } => Some(SignatureSignal::Expired),
        Outcome::InvalidSignature => Some(SignatureSignal::InvalidSignature),
        Outcome::NoActiveSecrets => Some(SignatureSignal::NoActiveSecrets),
        Outcome::Excluded => Some(SignatureSignal::Excluded),
        Outcome::NotValidated => None,
    };
    let signals = ClickSignals {
        blocked_ip,
        signature,
        user_agent: Some(header("user-agent").map(str::to_owned)),
        referrer: Some(header("referer").map(str::to_owned)),
        clicks_last_minute: velocity.map(|v| v.last_minute),
        clicks_last_hour: velocity.map(|v| v.last_hour),
        click_id_repeats: repeats,
        ..ClickSignals::default()
    };
    let mut assessment = state
        .scorer(site.block_threshold, site.flag_threshold)
        .score(&signals);
    // A signature the mode rejects blocks the click whatever its score.
    if !verdict.accepted {
        assessment.status = ClickStatus::Blocked;
    }
    let reasons: Vec<String> = assessment
        .reasons
        .iter()
        .map(|r| r.code.to_owned())
        .collect();
    let status = assessment.status.as_str();
    let click_id = state.store.insert_click(
        site.id,
        &ip_text,
        status,
        assessment.classification(),
        i64::from(assessment.score),
        &reasons,
        header("user-agent"),
        header("referer"),
        now,
    )?;

    if assessment.status != ClickStatus::Valid {
        emit(
            state,
            site.account_id,
            &Event::FraudDetected(FraudDetected {
                site_id: site.id as u64,
                site_domain: site.domain.clone(),
                click_id: click_id as u64,
                ip_address: ip_text.clone(),
                fraud_score: assessment.score,
                status: status.to_owned(),
                reasons: reasons.clone(),
            }),
        );
    }
    if assessment.status == ClickStatus::Blocked
        && !blocked_ip
        && i64::from(assessment.score) >= site.block_threshold
    {
        state.store.upsert_block(
            site.id,
            &ip_text,
            Some("Auto-blocked due to high fraud score"),
            "permanent",
            None,
            "auto",
            Some(i64::from(assessment.score)),
            now,
        )?;
        emit(
            state,
            site.account_id,
            &Event::IpBlocked(IpBlocked {
                site_id: site.id as u64,
                site_domain: site.domain.clone(),
                ip_address: ip_text.clone(),
                reason: "Auto-blocked due to high fraud score".into(),
                fraud_score: Some(assessment.score),
                source: BlockSource::Auto,
            }),
        );
    }
    if assessment.status == ClickStatus::Blocked {
        let (total, blocked, _) = state.store.click_counts(site.id, now - PAUSE_WINDOW_SECS)?;
        if total >= PAUSE_MIN_CLICKS && blocked * 2 >= total {
            let until = now + PAUSE_SECS;
            state.store.set_paused_until(site.id, Some(until))?;
            emit(
                state,
                site.account_id,
                &Event::SitePaused(SitePaused {
                    site_id: site.id as u64,
                    site_domain: site.domain.clone(),
                    reason: format!("{blocked} of {total} clicks blocked in the last 10 minutes"),
                    paused_until: crate::storage::rfc3339(until),
                }),
            );
        }
    }

    if assessment.status == ClickStatus::Blocked && !site.grace_mode {
        return Ok((
            StatusCode::FORBIDDEN,
            Json(json!({
                "message": "Click refused.",
                "click_id": click_id,
                "status": status,
                "signature": verdict.outcome.code(),
            })),
        )
            .into_response());
    }
    match q
        .get("to")
        .filter(|t| t.starts_with("https://") || t.starts_with("http://"))
    {
        Some(to) => Ok((StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response()),
        None => Ok((
            StatusCode::OK,
            Json(
                json!({ "click_id": click_id, "status": status, "fraud_score": assessment.score }),
            ),
        )
            .into_response()),
    }
}
