//! Signing in with a credential, and out.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::{blocking, html};
use crate::dashboard::form::Form;
use crate::dashboard::layout::{notice, page};
use crate::dashboard::session::{
    self, cookie, set_cookie, Viewer, SESSION_COOKIE, SESSION_SECS, SIGNIN_COOKIE, SIGNIN_SECS,
};
use crate::dashboard::{DashError, DashResult};
use crate::state::AppState;

/// The sign-in form.
pub async fn form(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> DashResult<Response> {
    render(&state, peer, &headers, StatusCode::OK, None)
}

/// The form, with a fresh sign-in CSRF cookie, and `error` above it.
fn render(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
) -> DashResult<Response> {
    // A sign-in nonce already in the browser is kept (its lifetime renewed),
    // so every open sign-in tab's form stays valid: a fresh one per render
    // made all but the newest tab answer "expired".
    let kept = cookie(headers, SIGNIN_COOKIE).filter(|n| n.len() == 43);
    let nonce = match kept {
        Some(n) => n.to_owned(),
        None => session::random_token().map_err(|_| DashError::Failed {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "No randomness available.".into(),
        })?,
    };
    let secure = session::is_https(state, peer, headers);
    let body = html! {
        h1 { "Sign in" }
        @if let Some(e) = error { (notice("error", e)) }
        form.card method="post" action="/dashboard/login" {
            input type="hidden" name="csrf" value=(nonce);
            label for="credential" { "API token, admin token or API secret" }
            input id="credential" name="credential" type="password" autocomplete="current-password" required
                spellcheck="false" autocapitalize="off" aria-describedby="credential-help";
            p.help id="credential-help" {
                "An API token (" code { "mcs_live_…" } ") shows its account's sites as far as its abilities go; "
                "the click-signing admin token shows click signing; the edge API secret shows the shops."
            }
            button type="submit" { "Sign in" }
        }
    };
    let mut response = html(status, page(None, "Sign in", body));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, &nonce, SIGNIN_SECS, secure),
    );
    Ok(response)
}

/// Checks the credential and opens a session.
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Form,
) -> DashResult<Response> {
    let expected = cookie(&headers, SIGNIN_COOKIE).map(str::to_owned);
    let fresh =
        matches!((&expected, form.get("csrf")), (Some(e), Some(g)) if crate::secret_eq(g, e));
    if !fresh {
        let why = "The sign-in form expired. Please try again.";
        return render(&state, peer, &headers, StatusCode::FORBIDDEN, Some(why));
    }
    let given = form.get("credential").unwrap_or("").to_owned();
    let (s, h) = (Arc::clone(&state), headers.clone());
    let opened = blocking(move || Ok(session::open(&s, &h, peer, &given))).await?;
    match opened {
        Ok(id) => {
            let secure = session::is_https(&state, peer, &headers);
            let mut response = Redirect::to("/dashboard/").into_response();
            let h = response.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &id, SESSION_SECS, secure),
            );
            h.append(header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", 0, secure));
            Ok(response)
        }
        Err(e) => render(&state, peer, &headers, e.status, Some(&e.message)),
    }
}

/// Ends the session.
pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    viewer: Viewer,
    form: Form,
) -> DashResult<Response> {
    viewer.check_csrf(form.get("csrf"))?;
    let s = Arc::clone(&state);
    blocking(move || Ok(s.store.close_session(&viewer.id_hash)?)).await?;
    let secure = session::is_https(&state, peer, &headers);
    let mut response = Redirect::to("/dashboard/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, secure),
    );
    Ok(response)
}
