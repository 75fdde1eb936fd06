//! A site's clicks, newest first: time, address, country, score, status
//! and the scorer's reasons in words; filter by status, cursor paging.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use clickfence::score::ClickStatus;
use maud::html;

use super::{blocking, html, query, site_of};
use crate::api::platform::params::{decode_cursor, encode_cursor};
use crate::dashboard::layout::page;
use crate::dashboard::session::Viewer;
use crate::dashboard::{words, DashError, DashResult};
use crate::state::AppState;
use crate::storage::ClickFilter;

/// Clicks per page.
pub const PER_PAGE: i64 = 50;

const STATUSES: [ClickStatus; 3] = [
    ClickStatus::Valid,
    ClickStatus::Flagged,
    ClickStatus::Blocked,
];

/// `?status=&cursor=`.
#[derive(Debug, serde::Deserialize)]
pub struct ClicksQuery {
    status: Option<String>,
    cursor: Option<String>,
}

/// A page of the site's clicks.
pub async fn list(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> DashResult<Response> {
    let site = site_of(&state, &viewer, &id, "clicks:read").await?;
    let q: ClicksQuery = query(raw.as_deref())?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            STATUSES
                .into_iter()
                .find(|c| c.as_str() == s)
                .ok_or_else(|| DashError::Invalid("Choose valid, flagged or blocked.".into()))?,
        ),
    };
    // The API's cursor: a page link works in either.
    let before = decode_cursor(q.cursor.as_deref().filter(|c| !c.is_empty()), "clicks")?;
    let filter = ClickFilter {
        status: status.map(|s| s.as_str().to_owned()),
        ..ClickFilter::default()
    };
    let (s, site_id) = (Arc::clone(&state), site.id);
    let mut rows =
        blocking(move || Ok(s.store.clicks(site_id, &filter, before, PER_PAGE + 1)?)).await?;
    let next = (rows.len() as i64 > PER_PAGE).then(|| {
        rows.truncate(PER_PAGE as usize);
        rows.last().map(|c| encode_cursor("clicks", c.id))
    });
    let next = next.flatten();
    let chosen = status.map(ClickStatus::as_str);
    let body = html! {
        h1 { "Clicks · " (site.name) }
        form.filters method="get" {
            label for="status" { "Status" }
            select id="status" name="status" {
                option value="" selected[chosen.is_none()] { "All" }
                @for st in STATUSES {
                    option value=(st.as_str()) selected[chosen == Some(st.as_str())] { (st.as_str()) }
                }
            }
            button type="submit" { "Filter" }
        }
        @if rows.is_empty() { p { "No clicks." } } @else {
            div.scroll {
                table.clicks.stack {
                    thead { tr {
                        th scope="col" { "Time" } th scope="col" { "Address" } th scope="col" { "Country" }
                        th scope="col" { "Score" } th scope="col" { "Status" } th scope="col" { "Reasons" }
                    } }
                    tbody {
                        @for c in &rows {
                            tr data-id=(c.id) {
                                td data-label="Time" { time datetime=(c.created_at) { (words::time_text(&c.created_at)) } }
                                td.ip data-label="Address" { code { (c.ip) } }
                                td data-label="Country" { (c.country.as_deref().unwrap_or("—")) }
                                td.score data-label="Score" { (c.fraud_score) }
                                td data-label="Status" { span class=(format!("status {}", c.status)) { (c.status) } }
                                td data-label="Reasons" {
                                    @if c.reasons.is_empty() { span.muted { "No rule fired." } }
                                    @else { ul.reasons { @for r in &c.reasons { li title=(r) { (words::reason(r)) } } } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(cursor) = next {
            p.pager {
                a rel="next" href=(pager_link(chosen, &cursor)) { "Older clicks →" }
            }
        }
    };
    Ok(html(StatusCode::OK, page(Some(&viewer), "Clicks", body)))
}

fn pager_link(status: Option<&str>, cursor: &str) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if let Some(s) = status {
        q.append_pair("status", s);
    }
    q.append_pair("cursor", cursor);
    format!("?{}", q.finish())
}
