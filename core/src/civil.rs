//! Proleptic Gregorian calendar arithmetic for UTC timestamps, so the core
//! needs no date-time crate for the little it does with dates: naming UTC
//! hours (`yyyy-mm-ddThh`) and writing RFC 3339 times. The two conversions
//! are Howard Hinnant's `days_from_civil` / `civil_from_days`; the tests
//! check them against the `time` crate over the whole supported range.

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a calendar date (`month` 1–12, `day` 1–31;
/// not validated: see [`is_valid_date`]).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day counted from 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether `year-month-day` exists.
pub(crate) fn is_valid_date(year: i64, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// A UTC date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Civil {
    /// The UTC date and time of unix seconds.
    pub(crate) fn from_unix(secs: i64) -> Self {
        let (days, rest) = (secs.div_euclid(DAY), secs.rem_euclid(DAY));
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: (rest / 3600) as u32,
            minute: (rest % 3600 / 60) as u32,
            second: (rest % 60) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
        assert_eq!(
            civil_from_days(days_from_civil(9999, 12, 31)),
            (9999, 12, 31)
        );
        assert!(is_valid_date(2024, 2, 29));
        assert!(!is_valid_date(2023, 2, 29));
        assert!(!is_valid_date(1900, 2, 29));
        assert!(is_valid_date(2000, 2, 29));
        assert!(!is_valid_date(2024, 13, 1));
        assert!(!is_valid_date(2024, 4, 31));
        assert!(!is_valid_date(2024, 1, 0));
    }

    proptest! {
        #[test]
        fn matches_the_time_crate(secs in 0i64..=crate::MAX_UNIX_TIME as i64) {
            let ours = Civil::from_unix(secs);
            let theirs = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            prop_assert_eq!(
                (ours.year, ours.month, ours.day, ours.hour, ours.minute, ours.second),
                (
                    i64::from(theirs.year()),
                    u32::from(u8::from(theirs.month())),
                    u32::from(theirs.day()),
                    u32::from(theirs.hour()),
                    u32::from(theirs.minute()),
                    u32::from(theirs.second())
                )
            );
            prop_assert_eq!(
                days_from_civil(ours.year, ours.month, ours.day),
                secs.div_euclid(86_400)
            );
        }

        #[test]
        fn validity_matches_the_time_crate(year in 0i64..=9999, month in 0u32..=13, day in 0u32..=32) {
            let theirs = u8::try_from(month)
                .ok()
                .and_then(|m| time::Month::try_from(m).ok())
                .and_then(|m| time::Date::from_calendar_date(year as i32, m, day as u8).ok())
                .is_some();
            prop_assert_eq!(is_valid_date(year, month, day), theirs);
        }
    }
}
