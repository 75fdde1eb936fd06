//! The click-signing API (`click-signing.txt`) under `/api/p360-click-signing/`,
//! behind the admin bearer token. The verifier is the core's; every change is
//! saved so keys, mode, breaker and exclusions survive a restart, and report
//! counters are kept per UTC hour in the database. Errors are `{"message"}`
//! ([`SigningError`]), typed bodies and queries included.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clickfence::click::{
    parse_circuit_breaker_status, rows_to_csv, HourCounts, ReportRange, ReportRow,
    DEFAULT_TTL_HOURS, MAX_TTL_HOURS,
};
use clickfence::{ClickError, Mode, Outcome, UtcHour};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::state::{now, AppState};

/// A click-signing API failure: `{"message"}` with a status.
#[derive(Debug)]
pub struct SigningError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong.
    pub message: String,
}

impl SigningError {
    /// 400 with `message`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// 500 without details (they go to the log).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "click-signing API failure");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Internal server error".into(),
        }
    }
}

impl From<crate::storage::StoreError> for SigningError {
    fn from(e: crate::storage::StoreError) -> Self {
        let status = crate::surface::storage_status(&e);
        Self {
            status,
            message: if status == StatusCode::SERVICE_UNAVAILABLE {
                crate::surface::UNAVAILABLE.into()
            } else {
                "Internal server error".into()
            },
        }
    }
}

impl IntoResponse for SigningError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "message": self.message }))).into_response()
    }
}

/// The result of a click-signing handler.
pub type SigningResult<T> = Result<T, SigningError>;

/// Runs database work on tokio's blocking pool.
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> SigningResult<R> + Send + 'static,
) -> SigningResult<R> {
    crate::storage::work::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(SigningError::internal(e)))
}

/// A JSON body read into `T`; anything else is a 400 naming the field.
pub struct SigningJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for SigningJson<T> {
    type Rejection = SigningError;

    async fn from_request(request: Request, state: &S) -> SigningResult<Self> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| SigningError {
                status: e.status(),
                message: "The request body could not be read".into(),
            })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            SigningError::invalid(format!("{path}: {}", e.into_inner()))
        })?;
        de.end()
            .map_err(|e| SigningError::invalid(format!("body: {e}")))?;
        Ok(SigningJson(value))
    }
}

/// A query string read into `T`; a wrong value is a 400 naming it.
pub struct SigningQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for SigningQuery<T> {
    type Rejection = SigningError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> SigningResult<Self> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(SigningQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                SigningError::invalid(format!("{path}: {}", e.into_inner()))
            })
    }
}

/// Route layer of the whole API: 401 unless the request carries the admin
/// token (compared in constant time first, so a neighbour's guessing never
/// refuses it), 429 once the address is past the shared failure quota.
pub async fn require_admin(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let given = crate::bearer(request.headers()).unwrap_or("");
    let valid = state
        .config
        .admin_token
        .as_deref()
        .is_some_and(|expected| crate::secret_eq(given, expected));
    match crate::auth_failures::judge_request(&state, &request, valid).await {
        Ok(()) => next.run(request).await,
        Err(refused) => SigningError {
            status: refused.status(),
            message: refused.message("Not authorized").into(),
        }
        .into_response(),
    }
}

/// `?ttlHours=`.
#[derive(Debug, serde::Deserialize)]
pub struct GenerateQuery {
    #[serde(rename = "ttlHours")]
    ttl_hours: Option<String>,
}

/// Generates a key (at most two live).
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
    SigningQuery(q): SigningQuery<GenerateQuery>,
) -> SigningResult<Json<Value>> {
    // Memory and database change together, never interleaved with a reload.
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let ttl = match q.ttl_hours.as_deref().map(str::parse::<u64>) {
        None => DEFAULT_TTL_HOURS,
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            return Err(SigningError::invalid(
                "ttlHours must be a whole number of hours",
            ))
        }
    };
    let key = state
        .clicks
        .generate_key(ttl, now() as u64)
        .map_err(|e| match e {
            // The core names its parameter `ttl_hours`; this API's is `ttlHours`.
            ClickError::InvalidTtl(ttl) => SigningError::invalid(format!(
                "ttlHours must be between 1 and {MAX_TTL_HOURS} (one year), got {ttl}"
            )),
            other => SigningError::invalid(other.to_string()),
        })?;
    let answer = json!({ "secret-key-id": key.id, "secret-key": key.secret.as_str(), "expiration": key.expires_at });
    blocking(move || {
        let saved = state
            .store
            .save_signing_key(&key.id, &key.secret, key.expires_at as i64);
        if saved.is_err() {
            // Not stored, so not kept: a key that would vanish on restart is
            // never handed out.
            let _ = state.clicks.revoke_key(&key.id);
        }
        Ok(saved?)
    })
    .await?;
    Ok(Json(answer))
}

/// Revokes a key.
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
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> SigningResult<StatusCode> {
    // Memory and database change together, never interleaved with a reload.
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    state.clicks.revoke_key(&id).map_err(|e| SigningError {
        status: StatusCode::NOT_FOUND,
        message: e.to_string(),
    })?;
    blocking(move || Ok(state.store.delete_signing_key(&id)?)).await?;
    Ok(StatusCode::OK)
}

/// Tests a signed URL without counting it.
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
pub async fn test(
    State(state): State<Arc<AppState>>,
    SigningJson(body): SigningJson<TestBody>,
) -> Json<Value> {
    let outcome = state.clicks.test(&body.url, now() as u64);
    let text = match &outcome {
        Outcome::Valid { .. } => "Valid signature",
        Outcome::MissingSignature => "Missing signature",
        Outcome::Expired { .. } => "Expired click",
        Outcome::InvalidSignature => "Invalid signature",
        Outcome::NoActiveSecrets => "No active secret keys",
        Outcome::Excluded => "App is excluded from click signing",
        Outcome::NotValidated => "Not validated",
        // The test checks the signature only; these need a click.
        Outcome::Replayed { .. } => "Signature already used",
        Outcome::Duplicate { .. } => "Repeat of a click just accepted",
        Outcome::Preview { .. } => "Link preview",
        Outcome::TicketStoreFull { .. } => "Ticket store full",
    };
    let status = if matches!(outcome, Outcome::Valid { .. }) {
        "Passed"
    } else {
        "Failed"
    };
    Json(json!({ "test-status": status, "message": text }))
}

/// The body of `test`.
#[derive(Debug, serde::Deserialize)]
pub struct TestBody {
    url: String,
}

/// Sets the mode.
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
pub async fn set_mode(
    State(state): State<Arc<AppState>>,
    Path(mode): Path<String>,
) -> SigningResult<Json<Value>> {
    // Memory and database change together, never interleaved with a reload.
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let mode = mode
        .parse::<Mode>()
        .map_err(|e| SigningError::invalid(e.to_string()))?;
    state.clicks.set_mode(mode, now().max(0) as u64);
    blocking(move || {
        if mode == Mode::Enabled {
            state.forget_shared_breaker_failures();
        }
        Ok(state.save_signing_settings()?)
    })
    .await?;
    Ok(Json(json!({ "mode": mode.as_str() })))
}

/// Enables or disables the circuit breaker.
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
pub async fn set_breaker(
    State(state): State<Arc<AppState>>,
    SigningJson(body): SigningJson<BreakerBody>,
) -> SigningResult<StatusCode> {
    // Memory and database change together, never interleaved with a reload.
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    let on = parse_circuit_breaker_status(&body.status)
        .map_err(|e| SigningError::invalid(e.to_string()))?;
    let switched_on = on && !state.clicks.circuit_breaker();
    state.clicks.set_circuit_breaker(on);
    blocking(move || {
        if switched_on {
            state.forget_shared_breaker_failures();
        }
        Ok(state.save_signing_settings()?)
    })
    .await?;
    Ok(StatusCode::OK)
}

/// The body of `config/circuit-breaker`.
#[derive(Debug, serde::Deserialize)]
pub struct BreakerBody {
    status: String,
}

/// The configuration: mode, breaker, active keys, exclusions.
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

/// The hourly report as CSV.
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
    SigningQuery(q): SigningQuery<ReportQuery>,
) -> SigningResult<Response> {
    let range = ReportRange::parse(q.start.as_deref(), q.end.as_deref())
        .map_err(|e| SigningError::invalid(e.to_string()))?;
    let rows = report_rows(state, range).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        rows_to_csv(&rows),
    )
        .into_response())
}

/// The hourly report over `range` (the last 24 hours by default), this
/// instance's latest counts included: what the CSV report and the
/// dashboard's chart show.
pub async fn report_rows(
    state: Arc<AppState>,
    range: ReportRange,
) -> SigningResult<Vec<ReportRow>> {
    let now_hour = UtcHour::containing(now() as u64);
    let (start, end) = match range {
        ReportRange::LastDay => (UtcHour(now_hour.0.saturating_sub(23)), now_hour),
        ReportRange::Between(s, e) => (s, e),
    };
    let rows = blocking(move || {
        // This instance's latest counts first, so the report is current.
        state.report.flush(&state.store)?;
        Ok(state
            .store
            .signed_click_report(start.0 as i64, end.0 as i64)?)
    })
    .await?;
    Ok(rows
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
                replayed: r[7] as u64,
            },
        })
        .collect())
}

/// `?start-date=&end-date=`.
#[derive(Debug, serde::Deserialize)]
pub struct ReportQuery {
    #[serde(rename = "start-date")]
    start: Option<String>,
    #[serde(rename = "end-date")]
    end: Option<String>,
}

/// Excludes an app from click signing.
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
pub async fn exclude(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
) -> SigningResult<StatusCode> {
    // Memory and database change together, never interleaved with a reload.
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    state
        .clicks
        .exclude_app(&app)
        .map_err(|e| SigningError::invalid(e.to_string()))?;
    blocking(move || Ok(state.store.set_app_excluded(&app, true)?)).await?;
    Ok(StatusCode::OK)
}

/// Includes an excluded app again.
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
pub async fn include(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
) -> SigningResult<StatusCode> {
    // Memory and database change together, never interleaved with a reload.
    let _change = Arc::clone(&state.config_lock).lock_owned().await;
    state.clicks.include_app(&app);
    blocking(move || Ok(state.store.set_app_excluded(&app, false)?)).await?;
    Ok(StatusCode::OK)
}
