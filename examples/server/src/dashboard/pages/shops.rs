//! Shops, for the edge API secret: a shop's analytics summary, the trend
//! of every metric, top IPs, countries and pages, and the three activity
//! feeds. Each block is the edge API's own handler called with the same
//! query a storefront back end would send, so the numbers are the API's.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use maud::{html, Markup};
use serde_json::Value;

use super::{blocking, html, query};
use crate::api::edge::activity::{self, FeedQuery};
use crate::api::edge::analytics::{self, PeriodQuery, TopQuery, TrendQuery, METRICS};
use crate::api::edge::EdgeQuery;
use crate::dashboard::chart::{line, Series};
use crate::dashboard::form::Form;
use crate::dashboard::layout::{csrf, notice, page};
use crate::dashboard::session::{Credential, Viewer};
use crate::dashboard::{words, DashError, DashResult};
use crate::state::{now, AppState};

/// Entries shown per activity feed.
pub const FEED_SHOWN: i64 = 20;

/// `?shop=&start=&end=`.
#[derive(Debug, serde::Deserialize)]
pub struct ShopQuery {
    shop: Option<String>,
    start: Option<String>,
    end: Option<String>,
    done: Option<String>,
}

/// The shops page: a picker, then the chosen shop's analytics.
pub async fn show(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> DashResult<Response> {
    if !matches!(viewer.credential, Credential::Shop) {
        return Err(DashError::needs("the edge API secret"));
    }
    let q: ShopQuery = query(raw.as_deref())?;
    let s = Arc::clone(&state);
    let shops = blocking(move || Ok(s.store.enrolled_shops()?)).await?;
    let today = now().div_euclid(86_400);
    let start = q
        .start
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| words::day(today - 29));
    let end = q
        .end
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| words::day(today));
    // Only a shop the server knows is shown: a link cannot put a made-up
    // shop name on the page.
    let asked = q.shop.filter(|s| !s.is_empty());
    let unknown = asked.as_ref().is_some_and(|s| !shops.contains(s));
    let shop = asked
        .filter(|s| shops.contains(s))
        .or_else(|| shops.first().cloned());
    let report = match &shop {
        Some(shop) if !unknown => Some(analytics_of(&state, shop, &start, &end).await?),
        _ => None,
    };
    let body = html! {
        h1 { "Shops" }
        form.filters method="get" {
            div.field {
                label for="shop" { "Shop" }
                input id="shop" name="shop" list="enrolled-shops" value=[shop.as_deref()] spellcheck="false" autocapitalize="off";
                datalist id="enrolled-shops" { @for s in &shops { option value=(s) {} } }
            }
            div.field { label for="start" { "From" } input id="start" name="start" type="date" value=(start); }
            div.field { label for="end" { "To" } input id="end" name="end" type="date" value=(end); }
            button type="submit" { "Show" }
        }
        @if !shops.is_empty() {
            p { "Enrolled shops: " @for (i, s) in shops.iter().enumerate() {
                @if i > 0 { ", " }
                a href=(format!("?shop={}", urlencode(s))) { (s) }
            } }
        }
        @match q.done.as_deref() {
            Some("enrolled") => (notice("ok", "The shop is enrolled: its storefront's events are stored from now on.")),
            Some("removed") => (notice("ok", "The shop is no longer enrolled: its storefront routes answer 404 and its policy and protection config are gone.")),
            _ => {}
        }
        form.filters method="post" action="/dashboard/shops/enrol" {
            (csrf(&viewer))
            div.field {
                label for="enrol-shop" { "Enrol a shop" }
                input id="enrol-shop" name="shop" required placeholder="mystore.myshopify.com" spellcheck="false" autocapitalize="off";
            }
            button type="submit" { "Enrol" }
        }
        @if let (Some(s), false) = (&shop, unknown) {
            form.inline method="post" action="/dashboard/shops/remove" {
                (csrf(&viewer))
                input type="hidden" name="shop" value=(s);
                button type="submit" { "Remove " (s) }
            }
        }
        @match &report {
            None if unknown => (notice("error", "No enrolled shop of that name.")),
            None => p { "No shop is enrolled yet: sync its IP policy or set its protection config with the edge API secret, or run clickfence-server shop enroll NAME." },
            Some(r) => (r),
        }
    };
    Ok(html(StatusCode::OK, page(Some(&viewer), "Shops", body)))
}

/// Enrols the shop named in the form (the edge API secret's session).
pub async fn enrol(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    form: Form,
) -> DashResult<Response> {
    change(state, viewer, form, true).await
}

/// Un-enrols the shop named in the form.
pub async fn remove(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    form: Form,
) -> DashResult<Response> {
    change(state, viewer, form, false).await
}

async fn change(
    state: Arc<AppState>,
    viewer: Viewer,
    form: Form,
    enrol: bool,
) -> DashResult<Response> {
    if !matches!(viewer.credential, Credential::Shop) {
        return Err(DashError::needs("the edge API secret"));
    }
    viewer.check_csrf(form.get("csrf"))?;
    let shop = form.get("shop").unwrap_or_default().to_owned();
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let name = shop.clone();
    blocking(move || {
        if enrol {
            crate::ops::shops::enrol(&state, &name, now())?;
        } else {
            crate::ops::shops::unenrol(&state, &name)?;
        }
        Ok(())
    })
    .await?;
    let to = if enrol {
        format!("/dashboard/shops?shop={}&done=enrolled", urlencode(&shop))
    } else {
        "/dashboard/shops?done=removed".to_owned()
    };
    Ok(Redirect::to(&to).into_response())
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every analytics block for one shop and period.
async fn analytics_of(
    state: &Arc<AppState>,
    shop: &str,
    start: &str,
    end: &str,
) -> DashResult<Markup> {
    let period = || PeriodQuery {
        shop: Some(shop.to_owned()),
        start: Some(start.to_owned()),
        end: Some(end.to_owned()),
    };
    let Json(summary) = analytics::summary(State(Arc::clone(state)), EdgeQuery(period())).await?;
    let mut trends = Vec::new();
    for (metric, _) in METRICS {
        let q = TrendQuery {
            shop: Some(shop.to_owned()),
            start: Some(start.to_owned()),
            end: Some(end.to_owned()),
            metric: Some(metric.to_owned()),
        };
        let Json(t) = analytics::trend(State(Arc::clone(state)), EdgeQuery(q)).await?;
        trends.push((metric, t));
    }
    let top = |limit| TopQuery {
        shop: Some(shop.to_owned()),
        start: Some(start.to_owned()),
        end: Some(end.to_owned()),
        limit: Some(limit),
    };
    let Json(ips) = analytics::top_ips(State(Arc::clone(state)), EdgeQuery(top(10))).await?;
    let Json(countries) =
        analytics::top_countries(State(Arc::clone(state)), EdgeQuery(top(10))).await?;
    let Json(pages) = analytics::top_pages(State(Arc::clone(state)), EdgeQuery(top(10))).await?;
    let feed = || FeedQuery {
        shop: Some(shop.to_owned()),
        limit: Some(FEED_SHOWN),
        offset: None,
    };
    let Json(bots) = activity::bot_activity(State(Arc::clone(state)), EdgeQuery(feed())).await?;
    let Json(spies) = activity::spy_activity(State(Arc::clone(state)), EdgeQuery(feed())).await?;
    let Json(blocking_feed) =
        activity::ip_blocking_activity(State(Arc::clone(state)), EdgeQuery(feed())).await?;
    let s = Arc::clone(state);
    let key = shop.to_owned();
    let today = words::day(now().div_euclid(86_400));
    let (config, report, usage) = blocking(move || {
        Ok((
            s.store.protection(&key)?,
            s.store.report(&key)?,
            s.store.usage_on(&key, &today)?,
        ))
    })
    .await?;
    let budget = state.config.pixel_budget;
    Ok(html! {
        h2 { (shop) }
        (totals(&summary))
        (budget_today(usage, budget))
        (protection(config.as_deref(), report.as_ref()))
        h2 { "Trends" }
        div.grid {
            @for (metric, t) in &trends { section { h3 { (metric.replace('_', " ")) } (trend_chart(metric, t)) } }
        }
        div.grid {
            section { h2 { "Top IPs" } (top_table(&ips, &[("ip", "Address"), ("country", "Country"), ("count", "Events")])) }
            section { h2 { "Top countries" } (top_table(&countries, &[("country", "Country"), ("count", "Events")])) }
            section { h2 { "Top pages" } (top_table(&pages, &[("page", "Page"), ("count", "Events")])) }
        }
        h2 { "Bot activity" } (feed_table(&bots, &[("signalType", "Signal"), ("confidence", "Confidence")]))
        h2 { "Spy activity" } (feed_table(&spies, &[("toolName", "Tool"), ("detectionMethod", "Detected by")]))
        h2 { "IP blocking activity" } (feed_table(&blocking_feed, &[("country", "Country"), ("reason", "Reason")]))
    })
}

/// Today's stored events against the shop's daily budget, and what was
/// counted past it without being stored.
fn budget_today(
    (events, bytes, dropped): (i64, i64, i64),
    budget: clickfence::rate::budget::DailyBudget,
) -> Markup {
    html! {
        p id="budget-today" {
            "Today: " (events) " of " (budget.events) " events stored ("
            (bytes / 1024) " of " (budget.bytes / 1024) " KiB); one network may use "
            (budget.network_percent) " % of each."
        }
        @if dropped > 0 {
            (notice("error", &format!("{dropped} events today were past the daily budget (the shop's, or one network's share of it): counted, not stored, so today's analytics are incomplete.")))
        }
    }
}

/// The configuration the owner set beside what the storefront last
/// reported (a heartbeat, which anyone can send: shown, never applied).
fn protection(config: Option<&str>, report: Option<&(String, i64, bool)>) -> Markup {
    let parse = |t: &str| serde_json::from_str::<Value>(t).unwrap_or(Value::Null);
    let config = config.map(parse);
    let reported = report.map(|(t, at, proxied)| (parse(t), *at, *proxied));
    let differs = matches!((&config, &reported), (Some(c), Some((r, _, _))) if c != r);
    html! {
        h2 { "Protection" }
        @if differs {
            (notice("error", "The storefront's last report differs from the configuration set for it. Reports come from shoppers' browsers and are never applied; check the theme extension's settings."))
        }
        div.grid {
            section id="protection-config" {
                h3 { "Configuration (set by the owner)" }
                @match &config {
                    Some(c) => pre { (serde_json::to_string_pretty(c).unwrap_or_default()) },
                    None => p.muted { "None set: protection-config answers 404 and the storefront keeps its own settings. Set it with sync-protection-config." },
                }
            }
            section id="protection-report" {
                h3 { "Last report (heartbeat)" }
                @match &reported {
                    Some((r, at, proxied)) => {
                        p.muted {
                            "Reported " (words::time(*at))
                            @if *proxied { " through Shopify's app proxy (signature verified)" }
                        }
                        pre { (serde_json::to_string_pretty(r).unwrap_or_default()) }
                    }
                    None => p.muted { "No heartbeat yet." },
                }
            }
        }
    }
}

/// The summary's totals, by the names the API gives them.
fn totals(summary: &Value) -> Markup {
    const NAMES: [(&str, &str); 6] = [
        ("sessions", "Sessions"),
        ("uniqueVisitors", "Unique visitors"),
        ("protectionEvents", "Protection events"),
        ("botEvents", "Bot events"),
        ("spyEvents", "Spy events"),
        ("ipBlockingEvents", "IP blocking events"),
    ];
    html! {
        dl.totals id="totals" {
            @for (key, name) in NAMES {
                div data-key=(key) { dt { (name) } dd { (cell(&summary["totals"][key])) } }
            }
        }
    }
}

fn trend_chart(metric: &str, t: &Value) -> Markup {
    let points = t["data"].as_array().cloned().unwrap_or_default();
    let labels: Vec<String> = points.iter().map(|p| cell(&p["date"])).collect();
    let values: Vec<u64> = points
        .iter()
        .map(|p| p["value"].as_u64().unwrap_or(0))
        .collect();
    let series = Series {
        name: "events",
        class: "s-valid",
        values,
    };
    line(
        &format!("trend-{metric}"),
        &format!("{} per day", metric.replace('_', " ")),
        &labels,
        &series,
    )
}

/// Columns: (the API's field, its heading).
type Columns<'a> = &'a [(&'a str, &'a str)];

fn top_table(answer: &Value, columns: Columns<'_>) -> Markup {
    let rows = answer["data"].as_array().cloned().unwrap_or_default();
    html! {
        @if rows.is_empty() { p.muted { "None in this period." } } @else {
            table {
                thead { tr { @for (_, name) in columns { th scope="col" { (name) } } } }
                tbody { @for r in &rows { tr { @for (key, _) in columns { td { (cell(&r[*key])) } } } } }
            }
        }
    }
}

fn feed_table(answer: &Value, fields: Columns<'_>) -> Markup {
    let rows = answer["data"].as_array().cloned().unwrap_or_default();
    html! {
        @if rows.is_empty() { p.muted { "No events." } } @else {
            p.muted { (rows.len()) " newest of " (cell(&answer["total"])) }
            div.scroll {
                table {
                    thead { tr {
                        th scope="col" { "Time" } th scope="col" { "Address" } th scope="col" { "Page" }
                        @for (_, name) in fields { th scope="col" { (name) } }
                    } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td { (r["createdAt"].as_i64().map_or_else(String::new, |ms| words::time(ms / 1000))) }
                                td { code { (cell(&r["ip"])) } }
                                td { (cell(&r["page"])) }
                                @for (key, _) in fields { td { (cell(&r[*key])) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A JSON value as text: strings bare, null as a dash.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
