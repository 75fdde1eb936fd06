//! Hourly UTC counts of validated clicks, as the report API returns them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{ClickError, Outcome};
use crate::hour::UtcHour;

/// Hourly buckets kept: 31 days. Older buckets are dropped as new hours
/// arrive, so memory is at most 744 × 48 bytes whatever the traffic.
pub const REPORT_RETENTION_HOURS: u64 = 24 * 31;

/// CSV header, with the column names of the spec's column table, then
/// `replayed_clicks` (genuine signatures used a second time).
pub const REPORT_CSV_HEADER: &str =
    "time,total_clicks,valid_clicks,missing_signature,expired_clicks,invalid_signature,no_active_secrets,replayed_clicks";

/// Counts of one hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HourCounts {
    /// All validated clicks.
    #[serde(rename = "total_clicks")]
    pub total: u64,
    /// Clicks with a valid, unexpired signature.
    #[serde(rename = "valid_clicks")]
    pub valid: u64,
    /// Clicks without a `signature` parameter.
    pub missing_signature: u64,
    /// Clicks whose signature matched but whose `expires` had passed.
    #[serde(rename = "expired_clicks")]
    pub expired: u64,
    /// Clicks whose signature did not match, or was malformed.
    pub invalid_signature: u64,
    /// Clicks that arrived while no key was active.
    pub no_active_secrets: u64,
    /// Genuine signatures already used by an earlier click (not in the
    /// spec's table; its own column after the spec's).
    #[serde(rename = "replayed_clicks")]
    pub replayed: u64,
}

impl HourCounts {
    /// Failed validations: everything counted that is not valid.
    pub fn failed(&self) -> u64 {
        self.total - self.valid
    }

    /// Counts one outcome (excluded and not-validated clicks are not
    /// counted, as the spec's report has no column for them; nor are
    /// duplicates, previews and clicks the ticket store could not take,
    /// which are not new validated clicks).
    pub fn add(&mut self, outcome: &Outcome) {
        let column = match outcome {
            Outcome::Valid { .. } => &mut self.valid,
            Outcome::MissingSignature => &mut self.missing_signature,
            Outcome::Expired { .. } => &mut self.expired,
            Outcome::InvalidSignature => &mut self.invalid_signature,
            Outcome::NoActiveSecrets => &mut self.no_active_secrets,
            Outcome::Replayed { .. } => &mut self.replayed,
            // Not validated, or not a new validated click, so not counted.
            Outcome::Excluded
            | Outcome::NotValidated
            | Outcome::Duplicate { .. }
            | Outcome::Preview { .. }
            | Outcome::TicketStoreFull { .. } => return,
        };
        *column += 1;
        self.total += 1;
    }

    /// Adds another hour's counts to these.
    pub fn merge(&mut self, other: &HourCounts) {
        self.total += other.total;
        self.valid += other.valid;
        self.missing_signature += other.missing_signature;
        self.expired += other.expired;
        self.invalid_signature += other.invalid_signature;
        self.no_active_secrets += other.no_active_secrets;
        self.replayed += other.replayed;
    }
}

/// One row of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ReportRow {
    /// The hour, written `yyyy-mm-ddThh`.
    #[serde(serialize_with = "serialize_hour")]
    pub time: UtcHour,
    /// Its counts.
    #[serde(flatten)]
    pub counts: HourCounts,
}

pub(crate) fn serialize_hour<S: serde::Serializer>(h: &UtcHour, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(h)
}

pub(crate) fn deserialize_hour<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<UtcHour, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    UtcHour::parse(&text).ok_or_else(|| serde::de::Error::custom("expected yyyy-mm-ddThh"))
}

/// The hours a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportRange {
    /// The 24 hours ending with the current one (the spec's default).
    LastDay,
    /// From `start` to `end`, both inclusive.
    Between(UtcHour, UtcHour),
}

impl ReportRange {
    /// Parses the API's `start-date` / `end-date` (`yyyy-mm-ddThh`): both or
    /// neither, and `start` not after `end`.
    pub fn parse(start: Option<&str>, end: Option<&str>) -> Result<Self, ClickError> {
        let hour = |name: &str, text: &str| {
            UtcHour::parse(text).ok_or_else(|| {
                ClickError::InvalidReportRange(format!("{name} '{text}' is not yyyy-mm-ddThh"))
            })
        };
        match (start, end) {
            (None, None) => Ok(Self::LastDay),
            (Some(s), Some(e)) => {
                let (s, e) = (hour("start-date", s)?, hour("end-date", e)?);
                if s > e {
                    return Err(ClickError::InvalidReportRange(
                        "start-date is after end-date".into(),
                    ));
                }
                Ok(Self::Between(s, e))
            }
            _ => Err(ClickError::InvalidReportRange(
                "give both start-date and end-date, or neither".into(),
            )),
        }
    }

    fn bounds(self, now: u64) -> (UtcHour, UtcHour) {
        match self {
            Self::LastDay => {
                let end = UtcHour::containing(now);
                (UtcHour(end.0.saturating_sub(23)), end)
            }
            Self::Between(s, e) => (s, e),
        }
    }
}

/// The hourly buckets.
#[derive(Debug, Default)]
pub(crate) struct Report {
    hours: BTreeMap<UtcHour, HourCounts>,
}

impl Report {
    /// Counts `outcome` in the hour of `now`; returns that hour's counts.
    /// A click older than the retention window is not counted.
    pub(crate) fn count(&mut self, outcome: &Outcome, now: u64) -> Option<(UtcHour, HourCounts)> {
        let hour = UtcHour::containing(now);
        // Fast path: nearly every click lands in the newest hour.
        if let Some(mut newest) = self.hours.last_entry() {
            if *newest.key() == hour {
                let counts = newest.get_mut();
                counts.add(outcome);
                return Some((hour, *counts));
            }
        }
        let newest = self
            .hours
            .last_key_value()
            .map_or(hour, |(h, _)| (*h).max(hour));
        let oldest_kept = UtcHour(newest.0.saturating_sub(REPORT_RETENTION_HOURS - 1));
        if hour < oldest_kept {
            return None;
        }
        let counts = self.hours.entry(hour).or_default();
        counts.add(outcome);
        let snapshot = *counts;
        while self
            .hours
            .first_key_value()
            .is_some_and(|(h, _)| *h < oldest_kept)
        {
            self.hours.pop_first();
        }
        Some((hour, snapshot))
    }

    /// Rows for the hours in `range` that saw at least one validated click.
    pub(crate) fn rows(&self, range: ReportRange, now: u64) -> Vec<ReportRow> {
        let (start, end) = range.bounds(now);
        self.hours
            .range(start..=end)
            .filter(|(_, c)| c.total > 0)
            .map(|(h, c)| ReportRow {
                time: *h,
                counts: *c,
            })
            .collect()
    }
}

/// Renders rows as CSV with [`REPORT_CSV_HEADER`], one line per row, `\n` endings.
pub fn rows_to_csv(rows: &[ReportRow]) -> String {
    let mut out = String::with_capacity(REPORT_CSV_HEADER.len() + 1 + rows.len() * 48);
    out.push_str(REPORT_CSV_HEADER);
    out.push('\n');
    for r in rows {
        let c = &r.counts;
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            r.time,
            c.total,
            c.valid,
            c.missing_signature,
            c.expired,
            c.invalid_signature,
            c.no_active_secrets,
            c.replayed
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H7: u64 = 1_610_866_800; // 2021-01-17T07

    #[test]
    fn range_needs_both_bounds_or_neither() {
        assert_eq!(ReportRange::parse(None, None), Ok(ReportRange::LastDay));
        assert_eq!(
            ReportRange::parse(Some("2021-01-07T07"), None)
                .unwrap_err()
                .code(),
            "invalid_report_range"
        );
        assert_eq!(
            ReportRange::parse(None, Some("2021-01-07T07"))
                .unwrap_err()
                .code(),
            "invalid_report_range"
        );
        assert!(ReportRange::parse(Some("2021-01-17T12"), Some("2021-01-07T07")).is_err());
        assert!(ReportRange::parse(Some("2021-01-07"), Some("2021-01-17T12")).is_err());
        assert!(ReportRange::parse(Some("2021-01-07T07"), Some("2021-01-17T12")).is_ok());
    }

    #[test]
    fn counts_land_in_their_hour_and_render_as_csv() {
        let mut r = Report::default();
        r.count(&Outcome::Valid { key_id: "k".into() }, H7);
        r.count(&Outcome::InvalidSignature, H7 + 10);
        r.count(&Outcome::Excluded, H7 + 20);
        r.count(&Outcome::Expired { key_id: "k".into() }, H7 + 3600);
        let rows = r.rows(ReportRange::LastDay, H7 + 3600);
        assert_eq!(
            rows_to_csv(&rows),
            format!(
                "{REPORT_CSV_HEADER}\n2021-01-17T07,2,1,0,0,1,0,0\n2021-01-17T08,1,0,0,1,0,0,0\n"
            )
        );
        let only_8 = ReportRange::parse(Some("2021-01-17T08"), Some("2021-01-17T08")).unwrap();
        assert_eq!(r.rows(only_8, 0).len(), 1);
    }

    #[test]
    fn last_day_is_the_24_hours_ending_now() {
        let mut r = Report::default();
        r.count(&Outcome::MissingSignature, H7);
        assert_eq!(r.rows(ReportRange::LastDay, H7 + 23 * 3600).len(), 1);
        assert_eq!(r.rows(ReportRange::LastDay, H7 + 24 * 3600).len(), 0);
    }

    #[test]
    fn retention_is_bounded() {
        let mut r = Report::default();
        for h in 0..(REPORT_RETENTION_HOURS * 2) {
            r.count(&Outcome::MissingSignature, H7 + h * 3600);
        }
        assert_eq!(r.hours.len() as u64, REPORT_RETENTION_HOURS);
        // A click older than the window is not counted.
        assert_eq!(r.count(&Outcome::MissingSignature, H7), None);
    }
}
