//! Query and body parameters, validated into 422s that name the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A query string read into `T`; a value of the wrong type is a 422 naming
/// its field (`per_page=abc`, `status=evil`).
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ValidQuery)
            .map_err(|e| invalid_at(&e.path().to_string(), "query", &e.into_inner()))
    }
}

/// A JSON body read into `T`; anything else is a 422 naming the field (or
/// `body` when it is not a JSON object).
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::new(e.status(), "The request body could not be read."))?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| invalid_at(&e.path().to_string(), "body", &e.into_inner()))?;
        de.end()
            .map_err(|_| ApiError::invalid("body", "The request body must be a JSON object."))?;
        Ok(ValidJson(value))
    }
}

/// A 422 for the field at `path` (`.` is the whole input, named `whole`).
fn invalid_at(path: &str, whole: &str, error: &dyn std::fmt::Display) -> ApiError {
    if path == "." {
        let message = if whole == "body" {
            "The request body must be a JSON object.".to_owned()
        } else {
            format!("The query string is invalid: {error}.")
        };
        return ApiError::invalid(whole, message);
    }
    ApiError::invalid(path, format!("The {path} field is invalid: {error}."))
}

/// An integer parameter within `min..=max`, or `default` when absent.
pub fn in_range(
    name: &str,
    value: Option<i64>,
    (min, max): (i64, i64),
    default: i64,
) -> Result<i64, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            name,
            format!("The {name} field must be an integer between {min} and {max}."),
        )),
    }
}

/// An opaque cursor for `kind` (`clicks`, `blocked-ips`) holding a record id.
pub fn encode_cursor(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// Reads a cursor made by [`encode_cursor`] for the same `kind`.
pub fn decode_cursor(cursor: Option<&str>, kind: &str) -> Result<Option<i64>, ApiError> {
    let Some(text) = cursor else {
        return Ok(None);
    };
    let bad = || {
        ApiError::invalid(
            "cursor",
            "The cursor is invalid: pass the next_cursor of the previous page.",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let id = raw
        .strip_prefix(kind)
        .and_then(|r| r.strip_prefix(':'))
        .ok_or_else(bad)?;
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or_else(bad)
}

/// An ISO-8601 date (`2026-05-01`, as midnight UTC) or RFC 3339 date-time, as unix seconds.
pub fn datetime(name: &str, text: &str) -> Result<i64, ApiError> {
    parse_datetime(name, text, false)
}

/// [`datetime`] for an upper bound: a date alone means the end of that day
/// (`until=2026-11-23` includes the whole 23rd).
pub fn datetime_until(name: &str, text: &str) -> Result<i64, ApiError> {
    parse_datetime(name, text, true)
}

fn parse_datetime(name: &str, text: &str, end_of_day: bool) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(text, fmt) {
        let start = d.midnight().assume_utc().unix_timestamp();
        return Ok(if end_of_day { start + 86_399 } else { start });
    }
    Err(ApiError::invalid(
        name,
        format!("The {name} field must be an ISO-8601 date or date-time."),
    ))
}

/// Page size and cursor, for the paged lists.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Most rows on one page.
pub const PER_PAGE: (i64, i64) = (1, 200);
/// Rows on a page when `per_page` is absent.
pub const DEFAULT_PER_PAGE: i64 = 50;

/// A page of `per_page` rows out of `rows` (fetched with one extra row to
/// learn whether more follow) as `{"data", "next_cursor"}`.
pub fn page<T: serde::Serialize>(
    mut rows: Vec<T>,
    per_page: i64,
    kind: &str,
    id_of: impl Fn(&T) -> i64,
) -> serde_json::Value {
    let more = rows.len() as i64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(0));
    let next = if more {
        rows.last().map(|r| encode_cursor(kind, id_of(r)))
    } else {
        None
    };
    serde_json::json!({ "data": rows, "next_cursor": next })
}
