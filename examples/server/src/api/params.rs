//! Query and body parameters, validated into 422s that name the field.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::error::ApiError;

/// An integer query parameter within `min..=max`, or `default`.
pub fn int(
    q: &HashMap<String, String>,
    name: &str,
    min: i64,
    max: i64,
    default: i64,
) -> Result<i64, ApiError> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    name,
                    format!("The {name} field must be an integer between {min} and {max}."),
                )
            }),
    }
}

/// An opaque cursor for `kind` (`clicks`, `blocked-ips`) holding a record id.
pub fn encode_cursor(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// Reads a cursor made by [`encode_cursor`] for the same `kind`.
pub fn decode_cursor(q: &HashMap<String, String>, kind: &str) -> Result<Option<i64>, ApiError> {
    let Some(text) = q.get("cursor") else {
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
