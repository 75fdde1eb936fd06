//! Webhook endpoints of the account with their recent attempts, and
//! re-enabling one the delivery policy disabled (the spec's "re-enable it
//! from the dashboard once you've fixed your receiver").

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clickfence::webhook::OUTBOX_MAX_PER_ENDPOINT;
use maud::{html, Markup};

use super::{blocking, html, query};
use crate::dashboard::form::Form;
use crate::dashboard::layout::{csrf, notice, page};
use crate::dashboard::session::Viewer;
use crate::dashboard::{words, DashError, DashResult};
use crate::state::AppState;

/// Attempts shown per endpoint.
pub const ATTEMPTS_SHOWN: i64 = 10;

/// `?done=enabled`.
#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The endpoints and their last attempts.
pub async fn list(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> DashResult<Response> {
    let q: DoneQuery = query(raw.as_deref())?;
    let account = viewer.full_account()?.id;
    let s = Arc::clone(&state);
    let endpoints = blocking(move || {
        let mut out = Vec::new();
        for e in s.store.endpoints_of(account)? {
            let attempts = s.store.attempts_of(e.id, ATTEMPTS_SHOWN)?;
            let dropped = s.store.dropped_events_of(e.id)?;
            out.push((e, attempts, dropped));
        }
        Ok(out)
    })
    .await?;
    let body = html! {
        h1 { "Webhook endpoints" }
        @if q.done.as_deref() == Some("enabled") { (notice("ok", "The endpoint is enabled again; deliveries resume.")) }
        @if endpoints.is_empty() { p { "No endpoints. Add one with " code { "clickfence-server webhook add" } "." } }
        @for (e, attempts, dropped) in &endpoints {
            section.card aria-labelledby=(format!("endpoint-{}", e.id)) data-endpoint=(e.id) {
                h2 id=(format!("endpoint-{}", e.id)) { code { (e.url) } }
                p.badges {
                    @if e.disabled { span.badge.bad { "Disabled after " (e.consecutive_failures) " consecutive failures" } }
                    @else { span.badge.ok { "Enabled" } " " span.muted { (e.consecutive_failures) " consecutive failures" } }
                }
                p { "Events: " (e.events.join(", ")) }
                @if *dropped > 0 { (dropped_notice(*dropped)) }
                p { "Signed as: " (format_words(&e.format)) }
                @if e.disabled {
                    form.inline method="post" action=(format!("/dashboard/webhooks/{}/enable", e.id)) {
                        (csrf(&viewer))
                        button type="submit" { "Re-enable" }
                    }
                }
                h3 { "Recent attempts" }
                @if attempts.is_empty() { p.muted { "None yet." } } @else {
                    div.scroll {
                        table.attempts.stack {
                            thead { tr {
                                th scope="col" { "Time" } th scope="col" { "Delivery" } th scope="col" { "Event" }
                                th scope="col" { "Attempt" } th scope="col" { "Result" } th scope="col" { "Latency" } th scope="col" { "Error" }
                            } }
                            tbody {
                                @for a in attempts {
                                    tr {
                                        td data-label="Time" { (words::time(a.at)) } td data-label="Delivery" { (a.delivery) } td data-label="Event" { (a.event) } td data-label="Attempt" { (a.attempt) }
                                        td data-label="Result" { span class=(if a.error.is_none() { "status valid" } else { "status blocked" }) { (a.outcome) } }
                                        td data-label="Latency" { (a.latency_ms) " ms" }
                                        td data-label="Error" { (a.error.as_deref().unwrap_or("—")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html(StatusCode::OK, page(Some(&viewer), "Webhooks", body)))
}

/// Events the endpoint's full outbox dropped: what they were, and where
/// the receiver finds what it missed.
fn dropped_notice(dropped: i64) -> Markup {
    html! {
        p.dropped {
            span.badge.warn { (dropped) " events dropped" }
            " while " (OUTBOX_MAX_PER_ENDPOINT) " deliveries were waiting: fraud \
            reports and auto-blocks, which a flood raises at will. Every click \
            and block is kept; a receiver that mirrors blocks re-reads the \
            site's blocked IPs."
        }
    }
}

/// How an endpoint's deliveries are signed, for a receiver's developer.
fn format_words(format: &str) -> &'static str {
    match format {
        "standard" => "Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)",
        _ => "X-MyClickShield-* headers (the API's format)",
    }
}

/// Re-enables one of the account's endpoints.
pub async fn enable(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(endpoint): Path<String>,
    form: Form,
) -> DashResult<Response> {
    viewer.check_csrf(form.get("csrf"))?;
    let account = viewer.full_account()?.id;
    let id: i64 = endpoint.parse().map_err(|_| DashError::NotFound)?;
    let s = Arc::clone(&state);
    blocking(move || {
        let own = s.store.endpoints_of(account)?.iter().any(|e| e.id == id);
        if !own {
            return Err(DashError::NotFound);
        }
        Ok(crate::ops::webhooks::reenable(&s, id, crate::state::now())?)
    })
    .await?;
    // Deliveries held back while it was disabled go out now.
    state.deliveries.notify_one();
    Ok(Redirect::to("/dashboard/webhooks?done=enabled").into_response())
}
