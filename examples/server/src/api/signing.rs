//! The click-signing API (`click-signing.txt`) under `/api/p360-click-signing/`,
//! behind the admin bearer token. The verifier is the core's; every change is
//! saved so keys, mode, breaker and exclusions survive a restart, and report
//! counters are kept per UTC hour in the database.

// Early-return helpers carry a ready Response on their (cold) error path.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clickfence::click::{
    parse_circuit_breaker_status, rows_to_csv, HourCounts, ReportRange, ReportRow, MAX_TTL_HOURS,
};
use clickfence::{ClickError, Mode, Outcome, UtcHour};
use serde_json::{json, Value};

use crate::state::{now, AppState};

fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({ "message": text.into() }))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "click-signing API failure");
    message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

/// Route layer of the whole API: 401 unless the request carries the admin
/// token (compared in constant time).
pub async fn require_admin(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let given = crate::bearer(request.headers()).unwrap_or("");
    match &state.config.admin_token {
        Some(expected) if crate::secret_eq(given, expected) => next.run(request).await,
        _ => message(StatusCode::UNAUTHORIZED, "Not authorized"),
    }
}

/// POST /secret?ttlHours=
#[utoipa::path(
    post,
    path = "/api/p360-click-signing/secret",
    tag = "click-signing",
    operation_id = "generateSecret",
    summary = "Generate a secret key",
    description = "At most two live keys.",
    security(("admin_token" = [])),
    params(
        ("ttlHours" = Option<u64>, Query, minimum = 1, maximum = 8760, description = "Lifetime in hours (default 36)"),
    ),
    responses(
        (status = 200, description = "The new key, shown once", body = crate::docs::schemas::GeneratedKey),
        crate::docs::schemas::SigningErrors,
    )
)]
pub async fn generate(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ttl = match q.get("ttlHours").map(|t| t.parse::<u64>()) {
        None => clickfence::click::DEFAULT_TTL_HOURS,
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            return message(
                StatusCode::BAD_REQUEST,
                "ttlHours must be a whole number of hours",
            )
        }
    };
    let now = now();
    match state.clicks.generate_key(ttl, now as u64) {
        Ok(key) => {
            if let Err(e) =
                state
                    .store
                    .save_signing_key(&key.id, &key.secret, key.expires_at as i64)
            {
                let _ = state.clicks.revoke_key(&key.id);
                return internal(e);
            }
            Json(json!({ "secret-key-id": key.id, "secret-key": key.secret.as_str(), "expiration": key.expires_at })).into_response()
        }
        // The core names its parameter `ttl_hours`; this API's is `ttlHours`.
        Err(ClickError::InvalidTtl(ttl)) => message(
            StatusCode::BAD_REQUEST,
            format!("ttlHours must be between 1 and {MAX_TTL_HOURS} (one year), got {ttl}"),
        ),
        Err(e) => message(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// DELETE /secret/{id}
#[utoipa::path(
    delete,
    path = "/api/p360-click-signing/secret/{id}",
    tag = "click-signing",
    operation_id = "revokeSecret",
    summary = "Revoke a secret key",
    security(("admin_token" = [])),
    params(
        ("id" = String, Path, description = "Key id"),
    ),
    responses(
        (status = 200, description = "Revoked"),
        (status = 404, description = "No such key", body = crate::docs::schemas::MessageError),
        crate::docs::schemas::SigningErrors,
    )
)]
pub async fn revoke(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match state.clicks.revoke_key(&id) {
        Ok(()) => match state.store.delete_signing_key(&id) {
            Ok(()) => StatusCode::OK.into_response(),
            Err(e) => internal(e),
        },
        Err(e) => message(StatusCode::NOT_FOUND, e.to_string()),
    }
}

/// POST /test {"url"}
#[utoipa::path(
    post,
    path = "/api/p360-click-signing/test",
    tag = "click-signing",
    operation_id = "testSignature",
    summary = "Test a signed URL",
    security(("admin_token" = [])),
    request_body(content = crate::docs::schemas::TestBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The verdict (not counted)", body = crate::docs::schemas::TestAnswer),
        crate::docs::schemas::SigningErrors,
    )
)]
pub async fn test(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let Some(url) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("url").and_then(Value::as_str).map(str::to_owned))
    else {
        return message(StatusCode::BAD_REQUEST, "body must be {\"url\": \"...\"}");
    };
    let outcome = state.clicks.test(&url, now() as u64);
    let text = match &outcome {
        Outcome::Valid { .. } => "Valid signature",
        Outcome::MissingSignature => "Missing signature",
        Outcome::Expired { .. } => "Expired click",
        Outcome::InvalidSignature => "Invalid signature",
        Outcome::NoActiveSecrets => "No active secret keys",
        Outcome::Excluded => "App is excluded from click signing",
        Outcome::NotValidated => "Not validated",
    };
    let status = if matches!(outcome, Outcome::Valid { .. }) {
        "Passed"
    } else {
        "Failed"
    };
    Json(json!({ "test-status": status, "message": text })).into_response()
}

/// POST /config/mode/{mode}
#[utoipa::path(
    post,
    path = "/api/p360-click-signing/config/mode/{mode}",
    tag = "click-signing",
    operation_id = "setMode",
    summary = "Set the mode",
    security(("admin_token" = [])),
    params(
        ("mode" = crate::docs::schemas::ModeName, Path, description = "disabled, report-only or enabled"),
    ),
    responses(
        (status = 200, description = "The mode in force", body = crate::docs::schemas::ModeAnswer),
        crate::docs::schemas::SigningErrors,
    )
)]
pub async fn set_mode(State(state): State<Arc<AppState>>, Path(mode): Path<String>) -> Response {
    match mode.parse::<Mode>() {
        Ok(m) => {
            state.clicks.set_mode(m);
            match state.save_signing_settings() {
                Ok(()) => Json(json!({ "mode": m.as_str() })).into_response(),
                Err(e) => internal(e),
            }
        }
        Err(e) => message(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// POST /config/circuit-breaker {"status"}
#[utoipa::path(
    post,
    path = "/api/p360-click-signing/config/circuit-breaker",
    tag = "click-signing",
    operation_id = "setCircuitBreaker",
    summary = "Enable or disable the circuit breaker",
    description = "Also served without the /api prefix.",
    security(("admin_token" = [])),
    request_body(content = crate::docs::schemas::BreakerBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved"),
        crate::docs::schemas::SigningErrors,
    )
)]
pub async fn set_breaker(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let status = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("status").and_then(Value::as_str).map(str::to_owned));
    match status.as_deref().map(parse_circuit_breaker_status) {
        Some(Ok(on)) => {
            state.clicks.set_circuit_breaker(on);
            match state.save_signing_settings() {
                Ok(()) => StatusCode::OK.into_response(),
                Err(e) => internal(e),
            }
        }
        Some(Err(e)) => message(StatusCode::BAD_REQUEST, e.to_string()),
        None => message(
            StatusCode::BAD_REQUEST,
            "body must be {\"status\": \"enabled\" | \"disabled\"}",
        ),
    }
}

/// GET /config
#[utoipa::path(
    get,
    path = "/api/p360-click-signing/config",
    tag = "click-signing",
    operation_id = "getSigningConfig",
    summary = "Get the configuration",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Mode, breaker, keys and exclusions", body = crate::docs::schemas::SigningConfig),
        (status = 401, description = "Missing or wrong admin token", body = crate::docs::schemas::MessageError),
    )
)]
pub async fn config(State(state): State<Arc<AppState>>) -> Response {
    Json(state.clicks.config(now() as u64)).into_response()
}

/// GET /report?start-date=&end-date= (CSV)
#[utoipa::path(
    get,
    path = "/api/p360-click-signing/report",
    tag = "click-signing",
    operation_id = "signingReport",
    summary = "Hourly report (CSV)",
    security(("admin_token" = [])),
    params(
        ("start-date" = Option<String>, Query, description = "YYYY-MM-DDTHH (UTC hour); with end-date"),
        ("end-date" = Option<String>, Query, description = "YYYY-MM-DDTHH; default: the last 24 hours"),
    ),
    responses(
        (status = 200, description = "Hourly counts, CSV", body = String, content_type = "text/csv"),
        crate::docs::schemas::SigningErrors,
    )
)]
pub async fn report(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let range = match ReportRange::parse(
        q.get("start-date").map(String::as_str),
        q.get("end-date").map(String::as_str),
    ) {
        Ok(r) => r,
        Err(e) => return message(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let now_hour = UtcHour::containing(now() as u64);
    let (start, end) = match range {
        ReportRange::LastDay => (UtcHour(now_hour.0.saturating_sub(23)), now_hour),
        ReportRange::Between(s, e) => (s, e),
    };
    let rows = match state
        .store
        .signed_click_report(start.0 as i64, end.0 as i64)
    {
        Ok(rows) => rows,
        Err(e) => return internal(e),
    };
    let rows: Vec<ReportRow> = rows
        .iter()
        .map(|r| ReportRow {
            time: UtcHour(r[0] as u64),
            counts: HourCounts {
                total: r[1] as u64,
                valid: r[2] as u64,
                missing_signature: r[3] as u64,
                expired: r[4] as u64,
                invalid_signature: r[5] as u64,
                no_active_secrets: r[6] as u64,
            },
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        rows_to_csv(&rows),
    )
        .into_response()
}

/// POST /config/excluded-app/{app-id}
#[utoipa::path(
    post,
    path = "/api/p360-click-signing/config/excluded-app/{app_id}",
    tag = "click-signing",
    operation_id = "excludeApp",
    summary = "Exclude an app",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path, description = "App id"),
    ),
    responses(
        (status = 200, description = "Excluded"),
        crate::docs::schemas::SigningErrors,
    )
)]
pub async fn exclude(State(state): State<Arc<AppState>>, Path(app): Path<String>) -> Response {
    match state.clicks.exclude_app(&app) {
        Ok(()) => match state.store.set_app_excluded(&app, true) {
            Ok(()) => StatusCode::OK.into_response(),
            Err(e) => internal(e),
        },
        Err(e) => message(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// DELETE /config/excluded-app/{app-id}
#[utoipa::path(
    delete,
    path = "/api/p360-click-signing/config/excluded-app/{app_id}",
    tag = "click-signing",
    operation_id = "includeApp",
    summary = "Include an excluded app again",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path, description = "App id"),
    ),
    responses(
        (status = 200, description = "Included again"),
        (status = 401, description = "Missing or wrong admin token", body = crate::docs::schemas::MessageError),
    )
)]
pub async fn include(State(state): State<Arc<AppState>>, Path(app): Path<String>) -> Response {
    state.clicks.include_app(&app);
    match state.store.set_app_excluded(&app, false) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => internal(e),
    }
}
