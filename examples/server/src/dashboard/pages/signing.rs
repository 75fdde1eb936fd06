//! Click signing, for the admin token: mode, circuit breaker and its last
//! trip, active keys with expiry, excluded apps, and the hourly report of
//! the last 24 hours as a chart. Read from the verifier and the report the
//! click-signing API serves.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use clickfence::click::{ReportRange, ReportRow};
use clickfence::UtcHour;
use maud::{html, Markup};

use super::html;
use crate::dashboard::chart::{stacked_bars, Series};
use crate::dashboard::layout::page;
use crate::dashboard::session::{Credential, Viewer};
use crate::dashboard::{words, DashError, DashResult};
use crate::state::{now, AppState};

/// The click-signing page.
pub async fn show(State(state): State<Arc<AppState>>, viewer: Viewer) -> DashResult<Response> {
    if !matches!(viewer.credential, Credential::Admin) {
        return Err(DashError::needs("the click-signing admin token"));
    }
    let config = state.clicks.config(now() as u64);
    let rows = crate::api::signing::report_rows(Arc::clone(&state), ReportRange::LastDay).await?;
    let body = html! {
        h1 { "Click signing" }
        dl.settings {
            dt { "Mode" } dd id="mode" { (config.mode) }
            dt { "Circuit breaker" } dd id="breaker" { (config.circuit_breaker.status) }
            dt { "Last trip" }
            dd id="last-trip" {
                @match &config.circuit_breaker.tripped {
                    None => "never",
                    Some(t) => {
                        (words::time(t.at as i64)) ": " (t.failed) " of " (t.total)
                        " clicks failed in the hour before, from " (t.sources) " networks"
                    }
                }
            }
        }
        h2 { "Active keys" }
        @if config.active_keys.is_empty() { p { "No active key: every signed click fails as no_active_secrets." } } @else {
            table.keys {
                thead { tr { th scope="col" { "Key id" } th scope="col" { "Expires" } } }
                tbody { @for k in &config.active_keys { tr { td { code { (k.id) } } td { (words::time(k.expires_at as i64)) } } } }
            }
        }
        h2 { "Excluded apps" }
        @if config.excluded_apps.is_empty() { p.muted { "None." } } @else {
            ul { @for a in &config.excluded_apps { li { code { (a) } } } }
        }
        h2 { "Signed clicks per hour, last 24 hours" }
        (report_chart(&rows))
    };
    Ok(html(
        StatusCode::OK,
        page(Some(&viewer), "Click signing", body),
    ))
}

/// The report's outcomes per hour, every hour of the last 24 shown.
fn report_chart(rows: &[ReportRow]) -> Markup {
    let last = UtcHour::containing(now() as u64).0;
    let hours: Vec<u64> = (last.saturating_sub(23)..=last).collect();
    let labels: Vec<String> = hours
        .iter()
        .map(|h| {
            let t = crate::storage::rfc3339((*h * 3600) as i64);
            t.get(..13).unwrap_or_default().to_owned()
        })
        .collect();
    let column = |pick: fn(&ReportRow) -> u64| -> Vec<u64> {
        hours
            .iter()
            .map(|h| rows.iter().filter(|r| r.time.0 == *h).map(pick).sum())
            .collect()
    };
    let series = [
        Series {
            name: "valid",
            class: "s-valid",
            values: column(|r| r.counts.valid),
        },
        Series {
            name: "missing signature",
            class: "s-missing",
            values: column(|r| r.counts.missing_signature),
        },
        Series {
            name: "expired",
            class: "s-flagged",
            values: column(|r| r.counts.expired),
        },
        Series {
            name: "invalid signature",
            class: "s-blocked",
            values: column(|r| r.counts.invalid_signature),
        },
        Series {
            name: "no active secrets",
            class: "s-none",
            values: column(|r| r.counts.no_active_secrets),
        },
    ];
    stacked_bars(
        "report",
        "Signed clicks per hour by outcome",
        &labels,
        &series,
    )
}
