//! How the dashboard says things: reasons in words (the core's own
//! descriptions), times, percentages.

use clickfence::score::Rule;

/// A scorer reason code in words: the core's description of its rule.
pub fn reason(code: &str) -> String {
    Rule::from_code(code).map_or_else(|| code.replace('_', " "), |r| r.description().to_owned())
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub fn time(t: i64) -> String {
    time_text(&crate::storage::rfc3339(t))
}

/// Unix day number as `YYYY-MM-DD`.
pub fn day(day: i64) -> String {
    crate::storage::rfc3339(day * 86_400)
        .get(..10)
        .unwrap_or_default()
        .to_owned()
}

/// A fraud rate (percent) with two decimals.
pub fn percent(rate: f64) -> String {
    format!("{rate:.2} %")
}

/// An RFC 3339 time as [`time`] writes it.
pub fn time_text(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(clock)) => format!("{day} {clock} UTC"),
        _ => rfc3339.to_owned(),
    }
}
