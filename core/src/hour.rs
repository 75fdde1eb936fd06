//! UTC hours as the click-signing report names them: `yyyy-mm-ddThh`.

use crate::civil::{days_from_civil, is_valid_date, Civil};

/// Seconds in one hour.
pub(crate) const HOUR: u64 = 3600;

/// A UTC hour, counted in hours since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcHour(pub u64);

impl UtcHour {
    /// The hour that contains `unix_secs`.
    pub fn containing(unix_secs: u64) -> Self {
        Self(unix_secs / HOUR)
    }

    /// Parses `yyyy-mm-ddThh` (the report API's format). `None` when malformed.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        // Exactly 13 ASCII bytes: 4-digit year, month, day, 'T', 2-digit hour.
        if bytes.len() != 13 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let year = i64::from(digits(0..4)?);
        let (month, day) = (digits(5..7)?, digits(8..10)?);
        let hour = digits(11..13)?;
        if hour > 23 || !is_valid_date(year, month, day) {
            return None;
        }
        let midnight = days_from_civil(year, month, day) * 86_400;
        let secs = u64::try_from(midnight).ok()? + u64::from(hour) * HOUR;
        Some(Self::containing(secs))
    }

    /// Unix seconds at the start of this hour.
    pub fn start_secs(self) -> u64 {
        self.0 * HOUR
    }
}

impl std::fmt::Display for UtcHour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.start_secs();
        if secs > crate::MAX_UNIX_TIME {
            // Beyond year 9999: no caller reaches this with a real clock.
            return write!(f, "+{}h", self.0);
        }
        let t = Civil::from_unix(secs as i64);
        write!(f, "{:04}-{:02}-{:02}T{:02}", t.year, t.month, t.day, t.hour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_report_api() {
        // 2021-01-17T07:00:00Z
        assert_eq!(
            UtcHour::containing(1_610_866_800).to_string(),
            "2021-01-17T07"
        );
        assert_eq!(
            UtcHour::containing(1_610_870_399).to_string(),
            "2021-01-17T07"
        );
        assert_eq!(UtcHour::containing(0).to_string(), "1970-01-01T00");
    }

    #[test]
    fn parse_round_trips() {
        let h = UtcHour::parse("2021-01-17T07").unwrap();
        assert_eq!(h.start_secs(), 1_610_866_800);
        assert_eq!(h.to_string(), "2021-01-17T07");
    }

    #[test]
    fn parse_rejects_malformed_hours() {
        for bad in [
            "",
            "2021-01-17",
            "2021-01-17T24",
            "2021-02-30T00",
            "2021-1-17T07",
            "2021-01-17 07",
            "2021-01-17T7",
            "+021-01-17T07",
            "2021-01-17T07Z",
            "1969-12-31T23",
        ] {
            assert_eq!(UtcHour::parse(bad), None, "{bad}");
        }
    }
}
