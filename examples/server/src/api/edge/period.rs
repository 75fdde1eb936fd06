//! The inclusive UTC day range of the analytics and billing queries, and
//! reading the rows those queries return.

use crate::storage::db::Value as Sql;
use serde_json::Value;

use super::{EdgeError, EdgeResult};

/// Longest period, in days between `start` and `end`.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// A validated shop and inclusive day range.
#[derive(Debug, Clone)]
pub struct Period {
    /// The shop.
    pub shop: String,
    /// First day.
    pub start: time::Date,
    /// Last day.
    pub end: time::Date,
}

impl Period {
    /// Reads `shop`, `start` and `end` (`YYYY-MM-DD`, start ≤ end, at most
    /// [`MAX_PERIOD_DAYS`] apart).
    pub fn read(shop: Option<String>, start: Option<&str>, end: Option<&str>) -> EdgeResult<Self> {
        let shop = super::shop(shop)?;
        let (start, end) = (date("start", start)?, date("end", end)?);
        if start > end {
            return Err(EdgeError::invalid("start must not be after end"));
        }
        if (end - start).whole_days() > MAX_PERIOD_DAYS {
            return Err(EdgeError::invalid(format!(
                "the period may span at most {MAX_PERIOD_DAYS} days"
            )));
        }
        Ok(Self { shop, start, end })
    }

    /// `start` as stored (`YYYY-MM-DD`).
    pub fn start_text(&self) -> String {
        self.start.to_string()
    }

    /// `end` as stored (`YYYY-MM-DD`).
    pub fn end_text(&self) -> String {
        self.end.to_string()
    }

    /// `{"start", "end"}`.
    pub fn json(&self) -> Value {
        serde_json::json!({ "start": self.start_text(), "end": self.end_text() })
    }
}

fn date(name: &str, text: Option<&str>) -> EdgeResult<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let text =
        text.ok_or_else(|| EdgeError::invalid(format!("{name} is required (YYYY-MM-DD)")))?;
    time::Date::parse(text, fmt)
        .map_err(|_| EdgeError::invalid(format!("{name} must be a date YYYY-MM-DD")))
}

/// `limit`, 1–100, or `default`.
pub fn limit(limit: Option<i64>, default: i64) -> EdgeResult<i64> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(EdgeError::invalid("limit must be an integer from 1 to 100")),
    }
}

/// An integer column (0 when NULL).
pub fn int(v: &Sql) -> i64 {
    crate::storage::db::FromValue::from_value(v).unwrap_or(0)
}

/// A text column (null when NULL).
pub fn text(v: &Sql) -> Value {
    match v {
        Sql::Text(s) => Value::String(s.clone()),
        _ => Value::Null,
    }
}
