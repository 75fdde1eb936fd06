//! Sites: each with its stats over 1, 7, 30 and 90 days, its grace mode and
//! pause state; one site's clicks per day by status as a chart.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::{blocking, html, query, site_of};
use crate::api::platform::stats::SiteStats;
use crate::dashboard::chart::{stacked_bars, Series};
use crate::dashboard::layout::page;
use crate::dashboard::session::Viewer;
use crate::dashboard::words;
use crate::dashboard::{DashError, DashResult};
use crate::state::{now, AppState};
use crate::storage::Site;

/// The windows the stats are shown over, days.
pub const WINDOWS: [i64; 4] = [1, 7, 30, 90];

/// `?days=` of the site page.
#[derive(Debug, serde::Deserialize)]
pub struct DaysQuery {
    days: Option<String>,
}

/// Every site the token can see.
pub async fn list(State(state): State<Arc<AppState>>, viewer: Viewer) -> DashResult<Response> {
    let account = viewer.account_with("sites:read")?.id;
    let with_stats = viewer.can("stats:read");
    let s = Arc::clone(&state);
    let sites = blocking(move || {
        let now = now();
        let mut out = Vec::new();
        for site in s.store.sites_for(account)? {
            let stats = if with_stats {
                let mut row = Vec::new();
                for days in WINDOWS {
                    row.push((days, SiteStats::of(&s.store, site.id, days, now)?));
                }
                let per_day = s
                    .store
                    .clicks_per_day(site.id, first_day(now, 30) * 86_400)?;
                Some((row, per_day))
            } else {
                None
            };
            out.push((site, stats));
        }
        Ok(out)
    })
    .await?;
    let body = html! {
        h1 { "Sites" }
        @if sites.is_empty() { p { "This account has no sites yet." } }
        @for (site, stats) in &sites {
            section.card aria-labelledby=(format!("site-{}", site.id)) {
                h2 id=(format!("site-{}", site.id)) {
                    a href=(format!("/dashboard/sites/{}", site.id)) { (site.name) }
                    " " span.muted { (site.domain) }
                }
                (badges(site))
                @match stats {
                    Some((rows, per_day)) => {
                        (stats_table(site.id, rows))
                        h3 { "Clicks per day, last 30 days" }
                        (daily_chart(site.id, 30, per_day))
                    },
                    None => p.muted { "Stats need a token with the stats:read ability." },
                }
            }
        }
    };
    Ok(html(StatusCode::OK, page(Some(&viewer), "Sites", body)))
}

/// One site: its stats over the chosen window and a chart per day.
pub async fn show(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> DashResult<Response> {
    let q: DaysQuery = query(raw.as_deref())?;
    let site = site_of(&state, &viewer, &id, "sites:read").await?;
    let days = match q.days.as_deref() {
        None => 30,
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| WINDOWS.contains(d))
            .ok_or_else(|| DashError::Invalid("Choose 1, 7, 30 or 90 days.".into()))?,
    };
    let chart = if viewer.can("stats:read") {
        let (s, id) = (Arc::clone(&state), site.id);
        Some(
            blocking(move || {
                let now = now();
                let stats = SiteStats::of(&s.store, id, days, now)?;
                let per_day = s.store.clicks_per_day(id, first_day(now, days) * 86_400)?;
                Ok((stats, per_day))
            })
            .await?,
        )
    } else {
        None
    };
    let body = html! {
        h1 { (site.name) " " span.muted { (site.domain) } }
        (badges(&site))
        p.actions {
            @if viewer.can("clicks:read") { a href=(format!("/dashboard/sites/{}/clicks", site.id)) { "Clicks" } }
            @if viewer.can("blocked-ips:read") { a href=(format!("/dashboard/sites/{}/blocked-ips", site.id)) { "Blocked IPs" } }
        }
        dl.settings {
            dt { "Block threshold" } dd { (site.block_threshold) }
            dt { "Flag threshold" } dd { (site.flag_threshold) }
        }
        @match &chart {
            None => p.muted { "Stats need a token with the stats:read ability." },
            Some((stats, per_day)) => {
                nav.windows aria-label="Window" {
                    @for d in WINDOWS {
                        a href=(format!("/dashboard/sites/{}?days={d}", site.id)) aria-current=[(d == days).then_some("page")] { (d) " d" }
                    }
                }
                (stats_table(site.id, &[(days, *stats)]))
                h2 { "Clicks per day" }
                (daily_chart(site.id, days, per_day))
            }
        }
    };
    Ok(html(StatusCode::OK, page(Some(&viewer), &site.name, body)))
}

/// Active, grace mode and pause state.
fn badges(site: &Site) -> Markup {
    let paused = site.paused_until.filter(|t| *t > now());
    html! {
        p.badges {
            @if site.is_active { span.badge.ok { "Active" } } @else { span.badge { "Inactive" } }
            @if site.grace_mode { span.badge.warn { "Grace mode: recording, never refusing" } }
            @if let Some(until) = paused {
                span.badge.bad { "Ad spend paused until " time datetime=(crate::storage::rfc3339(until)) { (words::time(until)) } }
            }
        }
    }
}

fn stats_table(site: i64, rows: &[(i64, SiteStats)]) -> Markup {
    html! {
        table.stats id=(format!("stats-{site}")) {
            caption.visually-hidden { "Clicks by window" }
            thead { tr {
                th scope="col" { "Window" } th scope="col" { "Total" } th scope="col" { "Valid" }
                th scope="col" { "Flagged" } th scope="col" { "Blocked" }
                th scope="col" title="General invalid traffic: declared crawlers, libraries, previews (not fraud)" { "Declared bots" }
                th scope="col" title="Sophisticated invalid traffic: automation, forgeries, replays, floods" { "Fraud" }
                th scope="col" { "Fraud rate" }
            } }
            tbody {
                @for (days, s) in rows {
                    tr data-days=(days) {
                        th scope="row" { "Last " (days) @if *days == 1 { " day" } @else { " days" } }
                        td.total { (s.total) } td.valid { (s.valid) } td.flagged { (s.flagged) }
                        td.blocked { (s.blocked) } td.givt { (s.givt) } td.sivt { (s.sivt) }
                        td.rate { (words::percent(s.fraud_rate)) }
                    }
                }
            }
        }
    }
}

/// The first UTC day (unix day number) of a chart of `days` days ending
/// today: charts show whole days.
fn first_day(now: i64, days: i64) -> i64 {
    now.div_euclid(86_400) - days + 1
}

/// Clicks per UTC day of the window, by status, every day shown.
fn daily_chart(site: i64, days: i64, per_day: &[(i64, String, i64)]) -> Markup {
    let now = now();
    let day_list: Vec<i64> = (first_day(now, days)..=now.div_euclid(86_400)).collect();
    let labels: Vec<String> = day_list.iter().map(|d| words::day(*d)).collect();
    let series_of = |status: &str| -> Vec<u64> {
        day_list
            .iter()
            .map(|d| {
                per_day
                    .iter()
                    .filter(|(day, st, _)| day == d && st == status)
                    .map(|(_, _, n)| (*n).max(0) as u64)
                    .sum()
            })
            .collect()
    };
    let series = [
        Series {
            name: "valid",
            class: "s-valid",
            values: series_of("valid"),
        },
        Series {
            name: "flagged",
            class: "s-flagged",
            values: series_of("flagged"),
        },
        Series {
            name: "blocked",
            class: "s-blocked",
            values: series_of("blocked"),
        },
    ];
    let title = format!("Clicks per day by status, last {days} days");
    stacked_bars(&format!("daily-{site}"), &title, &labels, &series)
}
