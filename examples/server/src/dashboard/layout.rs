//! The page around every dashboard page: navigation for what the signed-in
//! credential may see, sign-out, and the security headers.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use maud::{html, Markup, DOCTYPE};

use super::session::{Credential, Viewer};

/// Nothing but our own stylesheet and forms: no scripts at all, no
/// framing, no inline styles (charts colour through classes).
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the dashboard's security headers; pages (not the stylesheet) are
/// never cached, since they show account data and once-shown secrets.
pub async fn headers(request: Request, next: Next) -> Response {
    let is_style = request.uri().path().ends_with(".css");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_style {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A whole page: `title`, the navigation `viewer` may use, and `body`.
pub fn page(viewer: Option<&Viewer>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · clickfence" }
                link rel="stylesheet" href="/dashboard/style.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/dashboard/" { "clickfence" }
                    @if let Some(v) = viewer { (nav(v)) }
                }
                main id="main" { (body) }
            }
        }
    }
}

fn nav(v: &Viewer) -> Markup {
    let links: Vec<(&str, &str)> = match &v.credential {
        Credential::Platform { .. } => {
            let mut links = vec![("/dashboard/sites", "Sites")];
            if v.full_access() {
                links.push(("/dashboard/tokens", "Tokens"));
                links.push(("/dashboard/webhooks", "Webhooks"));
            }
            links
        }
        Credential::Admin => vec![("/dashboard/signing", "Click signing")],
        Credential::Shop => vec![("/dashboard/shops", "Shops")],
    };
    html! {
        nav aria-label="Main" {
            ul {
                @for (href, text) in links { li { a href=(href) { (text) } } }
            }
            form.inline method="post" action="/dashboard/logout" {
                (csrf(v))
                button type="submit" { "Sign out" }
            }
        }
    }
}

/// The hidden CSRF field every form of `v`'s carries.
pub fn csrf(v: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(v.csrf); }
}

/// A message above a page's content.
pub fn notice(kind: &str, text: &str) -> Markup {
    html! { p class=(format!("notice {kind}")) role=(if kind == "error" { "alert" } else { "status" }) { (text) } }
}

/// The `<title>` and `<h1>` of a page in one place.
pub fn heading(text: &str) -> Markup {
    html! { h1 { (text) } }
}
