//! API tokens of the account: list, create (the text shown once) and
//! revoke, through the same operations as the command line. Managing
//! tokens takes a token with every ability, so a narrower token cannot
//! mint itself a wider one.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::{blocking, html};
use crate::dashboard::form::Form;
use crate::dashboard::layout::{csrf, notice, page};
use crate::dashboard::session::Viewer;
use crate::dashboard::{words, DashError, DashResult};
use crate::state::{now, AppState};
use crate::storage::{ABILITIES, TOKEN_DAYS};

/// The account's tokens.
pub async fn list(State(state): State<Arc<AppState>>, viewer: Viewer) -> DashResult<Response> {
    render(&state, &viewer, None, StatusCode::OK).await
}

/// What to show above the list: a new token (once) or an error.
enum Outcome {
    Created(String),
    Revoked,
    Refused(String),
}

async fn render(
    state: &Arc<AppState>,
    viewer: &Viewer,
    outcome: Option<Outcome>,
    status: StatusCode,
) -> DashResult<Response> {
    let account = viewer.full_account()?.id;
    let s = Arc::clone(state);
    let tokens = blocking(move || Ok(s.store.tokens_of(account)?)).await?;
    let now = now();
    let body = html! {
        h1 { "API tokens" }
        @match &outcome {
            Some(Outcome::Created(text)) => {
                div.notice.ok role="status" {
                    p { "Your new token. Copy it now: it is shown only once." }
                    p { code id="new-token" { (text) } }
                }
            }
            Some(Outcome::Revoked) => (notice("ok", "The token was revoked.")),
            Some(Outcome::Refused(why)) => (notice("error", why)),
            None => {}
        }
        form.card method="post" action="/dashboard/tokens" {
            h2 { "Create a token" }
            (csrf(viewer))
            fieldset {
                legend { "Abilities" }
                @for a in ABILITIES {
                    label.check { input type="checkbox" name="abilities" value=(a); " " (a) }
                }
            }
            div.field {
                label for="expires_in_days" { "Expires in" }
                select id="expires_in_days" name="expires_in_days" {
                    @for d in TOKEN_DAYS { option value=(d) selected[d == 90] { (d) " days" } }
                }
            }
            button type="submit" { "Create token" }
        }
        div.scroll {
            table.tokens.stack {
                thead { tr {
                    th scope="col" { "Id" } th scope="col" { "Abilities" } th scope="col" { "Created" }
                    th scope="col" { "Expires" } th scope="col" { "State" } th scope="col" { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for t in &tokens {
                        @let live = t.revoked_at.is_none() && t.expires_at > now;
                        tr data-id=(t.id) {
                            td data-label="Id" { (t.id) }
                            td data-label="Abilities" { (t.abilities.join(", ")) }
                            td data-label="Created" { (words::time(t.created_at)) }
                            td data-label="Expires" { (words::time(t.expires_at)) }
                            td data-label="State" {
                                @if let Some(at) = t.revoked_at { "revoked " (words::time(at)) }
                                @else if live { span.badge.ok { "live" } }
                                @else { "expired" }
                            }
                            td {
                                @if live {
                                    form.inline method="post" action=(format!("/dashboard/tokens/{}/revoke", t.id)) {
                                        (csrf(viewer))
                                        button.danger type="submit" aria-label=(format!("Revoke token {}", t.id)) { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html(status, page(Some(viewer), "API tokens", body)))
}

/// Creates a token; the page shows its text once.
pub async fn create(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    form: Form,
) -> DashResult<Response> {
    viewer.check_csrf(form.get("csrf"))?;
    let account = viewer.full_account()?.id;
    let abilities = form.all("abilities");
    let days = form.get("expires_in_days").unwrap_or("");
    let Ok(days) = days.parse::<u64>() else {
        let why = "Choose how many days the token lasts.".to_owned();
        return render(
            &state,
            &viewer,
            Some(Outcome::Refused(why)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let s = Arc::clone(&state);
    let created = blocking(move || {
        Ok(crate::ops::tokens::create(
            &s,
            account,
            &abilities,
            days,
            now(),
        ))
    })
    .await?;
    match created {
        Ok(text) => {
            render(
                &state,
                &viewer,
                Some(Outcome::Created(text)),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => match DashError::from(e) {
            DashError::Invalid(why) => {
                render(
                    &state,
                    &viewer,
                    Some(Outcome::Refused(why)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            other => Err(other),
        },
    }
}

/// Revokes one of the account's tokens (the one signed in with too: that
/// ends this session).
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(token): Path<String>,
    form: Form,
) -> DashResult<Response> {
    viewer.check_csrf(form.get("csrf"))?;
    let account = viewer.full_account()?.id;
    let id: i64 = token.parse().map_err(|_| DashError::NotFound)?;
    let s = Arc::clone(&state);
    blocking(move || {
        let own = s.store.tokens_of(account)?.iter().any(|t| t.id == id);
        if !own {
            return Err(DashError::NotFound);
        }
        Ok(crate::ops::tokens::revoke(&s, id, now())?)
    })
    .await?;
    match render(&state, &viewer, Some(Outcome::Revoked), StatusCode::OK).await {
        // The token just revoked may be the one this session holds.
        Err(DashError::SignIn) => Ok(Redirect::to("/dashboard/login").into_response()),
        other => other,
    }
}
