//! A site's blocked IPs: the list in force (manual / API / auto, expiry),
//! and, for a token with `blocked-ips:write`, adding and removing blocks
//! through the API's own validation and operations (same events).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clickfence::webhook::BlockSource;
use maud::{html, Markup};

use super::{blocking, query, site_of};
use crate::api::platform::blocked_ips::{read_block, BlockBody};
use crate::api::platform::params::{decode_cursor, encode_cursor};
use crate::dashboard::form::Form;
use crate::dashboard::layout::{csrf, notice, page};
use crate::dashboard::session::Viewer;
use crate::dashboard::{words, DashError, DashResult};
use crate::state::{now, AppState};
use crate::storage::Site;

/// Blocks per page.
pub const PER_PAGE: i64 = 100;

/// `?done=&cursor=`: `done` names what the last form did (a fixed word,
/// never text from the address, so a link cannot put words on the page).
#[derive(Debug, serde::Deserialize)]
pub struct BlocksQuery {
    done: Option<String>,
    cursor: Option<String>,
}

/// The blocks in force.
pub async fn list(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> DashResult<Response> {
    let site = site_of(&state, &viewer, &id, "blocked-ips:read").await?;
    let q: BlocksQuery = query(raw.as_deref())?;
    let message = match q.done.as_deref() {
        Some("added") => Some(("ok", "Blocked.")),
        Some("updated") => Some(("ok", "The block was updated.")),
        Some("removed") => Some(("ok", "Unblocked.")),
        _ => None,
    };
    render(
        &state,
        &viewer,
        &site,
        q.cursor.as_deref(),
        message,
        None,
        StatusCode::OK,
    )
    .await
}

/// What the add form held, to show it again after a refusal.
#[derive(Debug, Default)]
pub struct Draft {
    ip: String,
    reason: String,
    kind: String,
    expires_at: String,
}

async fn render(
    state: &Arc<AppState>,
    viewer: &Viewer,
    site: &Site,
    cursor: Option<&str>,
    message: Option<(&str, &str)>,
    draft: Option<Draft>,
    status: StatusCode,
) -> DashResult<Response> {
    let after = decode_cursor(cursor.filter(|c| !c.is_empty()), "blocked-ips")?;
    let (s, site_id) = (Arc::clone(state), site.id);
    let mut rows =
        blocking(move || Ok(s.store.blocks(site_id, now(), after, PER_PAGE + 1)?)).await?;
    let next = if rows.len() as i64 > PER_PAGE {
        rows.truncate(PER_PAGE as usize);
        rows.last().map(|b| encode_cursor("blocked-ips", b.id))
    } else {
        None
    };
    let write = viewer.can("blocked-ips:write");
    let base = format!("/dashboard/sites/{}/blocked-ips", site.id);
    let body = html! {
        h1 { "Blocked IPs · " (site.name) }
        @if let Some((kind, text)) = message { (notice(kind, text)) }
        @if write { (add_form(viewer, &base, &draft.unwrap_or_default())) }
        @if rows.is_empty() { p { "No address is blocked." } } @else {
            div.scroll {
                table.blocks.stack {
                    thead { tr {
                        th scope="col" { "Address" } th scope="col" { "Type" } th scope="col" { "Source" }
                        th scope="col" { "Reason" } th scope="col" { "Expires" } th scope="col" { "Since" }
                        @if write { th scope="col" { span.visually-hidden { "Actions" } } }
                    } }
                    tbody {
                        @for b in &rows {
                            tr data-ip=(b.ip_address) {
                                td.ip data-label="Address" { code { (b.ip_address) } }
                                td data-label="Type" { (b.kind) }
                                td data-label="Source" { span class=(format!("source {}", b.source)) { (b.source) } }
                                td data-label="Reason" { (b.reason.as_deref().unwrap_or("—")) }
                                td data-label="Expires" { @match b.expires_at_unix { Some(t) => (words::time(t)), None => "never" } }
                                td data-label="Since" { (words::time_text(&b.created_at)) }
                                @if write {
                                    td {
                                        form.inline method="post" action=(format!("{base}/{}/remove", b.id)) {
                                            (csrf(viewer))
                                            button.danger type="submit" aria-label=(format!("Unblock {}", b.ip_address)) { "Unblock" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(cursor) = next {
            p.pager { a rel="next" href=(format!("?cursor={cursor}")) { "More →" } }
        }
    };
    Ok(super::html(status, page(Some(viewer), "Blocked IPs", body)))
}

fn add_form(viewer: &Viewer, action: &str, d: &Draft) -> Markup {
    let temporary = d.kind == "temporary";
    html! {
        form.card method="post" action=(action) {
            h2 { "Block an address" }
            (csrf(viewer))
            div.field {
                label for="ip_address" { "IPv4 or IPv6 address" }
                input id="ip_address" name="ip_address" required value=(d.ip) spellcheck="false" autocapitalize="off";
            }
            div.field {
                label for="reason" { "Reason (optional, at most 500 characters)" }
                input id="reason" name="reason" maxlength="500" value=(d.reason);
            }
            div.field {
                label for="type" { "Type" }
                select id="type" name="type" {
                    option value="permanent" selected[!temporary] { "permanent" }
                    option value="temporary" selected[temporary] { "temporary" }
                }
            }
            div.field {
                label for="expires_at" { "Expires at (temporary only): a date or RFC 3339 time, UTC" }
                input id="expires_at" name="expires_at" value=(d.expires_at) placeholder="2026-12-31T18:00:00Z" spellcheck="false";
            }
            button type="submit" { "Block" }
        }
    }
}

/// Blocks an address (source `manual`), through the API's validation.
pub async fn add(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> DashResult<Response> {
    viewer.check_csrf(form.get("csrf"))?;
    let site = site_of(&state, &viewer, &id, "blocked-ips:write").await?;
    let draft = Draft {
        ip: form.get("ip_address").unwrap_or("").to_owned(),
        reason: form.get("reason").unwrap_or("").to_owned(),
        kind: form.get("type").unwrap_or("permanent").to_owned(),
        expires_at: form.get("expires_at").unwrap_or("").to_owned(),
    };
    let body = BlockBody {
        ip_address: Some(draft.ip.clone()),
        reason: Some(draft.reason.clone()).filter(|r| !r.is_empty()),
        kind: Some(draft.kind.clone()),
        expires_at: Some(draft.expires_at.clone()).filter(|e| !e.is_empty()),
    };
    let now = now();
    let (ip, reason, kind) = match read_block(body, now) {
        Ok(request) => request,
        Err(e) => {
            let why = e.message.clone();
            return render(
                &state,
                &viewer,
                &site,
                None,
                Some(("error", &why)),
                Some(draft),
                e.status,
            )
            .await;
        }
    };
    let (s, target) = (Arc::clone(&state), site.clone());
    let (_, fresh) = blocking(move || {
        let request = crate::ops::BlockRequest {
            site: &target,
            ip,
            reason,
            kind,
            source: BlockSource::Manual,
        };
        Ok(crate::ops::block_ip(&s, &request, now)?)
    })
    .await?;
    let done = if fresh { "added" } else { "updated" };
    Ok(Redirect::to(&format!(
        "/dashboard/sites/{}/blocked-ips?done={done}",
        site.id
    ))
    .into_response())
}

/// Removes a block by its id; sends `ip.unblocked`.
pub async fn remove(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path((id, block)): Path<(String, String)>,
    form: Form,
) -> DashResult<Response> {
    viewer.check_csrf(form.get("csrf"))?;
    let site = site_of(&state, &viewer, &id, "blocked-ips:write").await?;
    let block: i64 = block.parse().map_err(|_| DashError::NotFound)?;
    let (s, target) = (Arc::clone(&state), site.clone());
    blocking(move || {
        crate::ops::unblock_ip(&s, &target, &block.to_string(), BlockSource::Manual, now())?
            .ok_or(DashError::NotFound)
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/dashboard/sites/{}/blocked-ips?done=removed",
        site.id
    ))
    .into_response())
}
